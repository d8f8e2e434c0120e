// `kindlab prepare` for containers labs against the real Docker engine: images a lab
// names are built or found, and one that can be neither fails the command.
import assert from 'node:assert/strict';
import { prepareEnvironment } from '../../cluster/prepare.js';
import { BUSYBOX, requireBusybox } from '../helpers/docker.js';

/** A registry on a closed loopback port: the pull fails at once and sends nothing off this machine. */
const UNREACHABLE = '127.0.0.1:1/kindlab-nonexistent:0';

describe('kindlab prepare, containers labs (real Docker)', function () {
  this.timeout(60_000);
  before(requireBusybox);

  it('is ready when every machine image and every dind image to load exists', async () => {
    const log: string[] = [];
    const ok = await prepareEnvironment({ type: 'containers', machines: [{ name: 'a', image: BUSYBOX, loadImages: [BUSYBOX] }] }, (l) => log.push(l));
    assert.equal(ok, true, log.join('\n'));
    assert.deepEqual(log, [`✓ ${BUSYBOX}`]);
  });

  it('fails, naming the image and why, when an image can be neither built nor pulled', async () => {
    const log: string[] = [];
    const ok = await prepareEnvironment({ type: 'containers', machines: [{ name: 'a', image: BUSYBOX, loadImages: [UNREACHABLE] }] }, (l) => log.push(l));
    assert.equal(ok, false);
    const failure = log.find((l) => l.startsWith(`✗ ${UNREACHABLE}`));
    assert.ok(failure, log.join('\n'));
  });
});
