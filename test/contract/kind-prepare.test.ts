/** Contract tests for `kindlab prepare` on kind labs, against the fake docker in test/fakes/bin. */
import assert from 'node:assert/strict';
import { prepareEnvironment, tagOf } from '../../cluster/prepare.js';
import { useFakes, type Fakes } from '../fakes/use-fakes.js';

const IMAGE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
const ENV = { type: 'kind' as const, nodeImage: IMAGE, workers: 2, images: ['kindlab/http-server:1'], kubeadmConfigPatches: [] };

describe('kind prepare (contract, fake docker on PATH)', function () {
  this.timeout(20_000);
  let fakes: Fakes | undefined;
  afterEach(() => {
    fakes?.restore();
    fakes = undefined;
  });

  it('tags a digest-pinned node image by its tag', () => {
    assert.equal(tagOf(IMAGE), 'kindest/node:v1.34.0');
    assert.equal(tagOf('kindest/node:v1.34.0'), undefined);
    assert.equal(tagOf('localhost:5000/node@sha256:ab'), undefined);
  });

  it('pulls the node image and lab images, then tags the node image', async () => {
    fakes = useFakes();
    const log: string[] = [];
    assert.equal(await prepareEnvironment(ENV, (l) => log.push(l)), true);
    const calls = fakes.calls('docker').map((c) => c.args.join(' '));
    assert.deepEqual(
      calls.filter((c) => !c.startsWith('image inspect')),
      [`pull ${IMAGE}`, `image tag ${IMAGE} kindest/node:v1.34.0`, 'pull kindlab/http-server:1'],
    );
    assert.ok(log.includes('✓ tagged kindest/node:v1.34.0'));
  });

  it('skips images already present', async () => {
    fakes = useFakes({ FAKE_DOCKER_IMAGES: `${IMAGE},kindlab/http-server:1` });
    assert.equal(await prepareEnvironment(ENV, () => {}), true);
    assert.equal(fakes.calls('docker').filter((c) => c.args[0] === 'pull').length, 0);
  });

  it('explains the offline fallback when a pull fails', async () => {
    fakes = useFakes({ FAKE_DOCKER_PULL: 'offline' });
    const log: string[] = [];
    assert.equal(await prepareEnvironment(ENV, (l) => log.push(l)), false);
    const text = log.join('\n');
    assert.match(text, /✗ kindest\/node:v1\.34\.0@sha256:[0-9a-f]+: Error response from daemon: .*server misbehaving/);
    assert.match(text, /docker save -o image\.tar/);
    assert.match(text, /docker load -i image\.tar/);
    assert.match(text, /docker image tag kindest\/node:v1\.34\.0@sha256:\S+ kindest\/node:v1\.34\.0/);
  });
});
