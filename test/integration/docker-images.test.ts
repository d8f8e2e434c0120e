/** Local image recipes: built with `docker import`, cached by tag, failures as values. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImage } from '../../cluster/images/busybox-image.js';
import { buildLabImages } from '../../cluster/images/build-lab-images.js';
import { findDebianMirror } from '../../cluster/images/debian-image.js';
import { ensureImage, imageExists, registerImageRecipe } from '../../cluster/images/ensure-image.js';
import { runTool, tryTool } from '../../cluster/tool.js';
import { uniqueId } from '../helpers/docker.js';

describe('image recipes (integration, real Docker)', function () {
  this.timeout(60_000);
  const tag = `kindlab/test-busybox:${uniqueId()}`;
  after(async () => {
    await tryTool('docker', ['rmi', '-f', tag]);
    assert.equal(await imageExists(tag), false);
  });

  it('tells an image that is not there from a Docker that cannot be asked (no build is started then)', async () => {
    assert.equal(await imageExists(`kindlab/no-such-image:${uniqueId()}`), false);
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await assert.rejects(imageExists('kindlab/busybox:1'), /Cannot connect to the Docker daemon/);
      let builds = 0;
      const unreachable = `kindlab/test-unreachable:${uniqueId()}`;
      registerImageRecipe(unreachable, async () => {
        builds++;
      });
      const r = await ensureImage(unreachable);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.message, /Cannot connect to the Docker daemon/);
      assert.equal(builds, 0, 'nothing is built for a Docker that cannot take it');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('builds a busybox image once, then finds it cached by tag', async () => {
    let builds = 0;
    registerImageRecipe(tag, (t, log) => {
      builds++;
      return buildBusyboxImage(t, log);
    });
    const log: string[] = [];
    // Two callers at once share one build.
    const [first, second] = await Promise.all([ensureImage(tag, (l) => log.push(l)), ensureImage(tag)]);
    assert.deepEqual([first.ok && first.status, second.ok && second.status], ['built', 'built']);
    assert.equal(builds, 1);
    assert.ok(log.some((l) => l.includes('docker import')), log.join('\n'));
    const again = await ensureImage(tag);
    assert.equal(again.ok && again.status, 'cached');
    assert.equal(builds, 1);
    const r = await runTool('docker', ['run', '--rm', tag, 'sh', '-c', 'id -un; ls -d /tmp /root; wget --help >/dev/null 2>&1 && echo applets']);
    assert.equal(r.stdout, 'root\n/root\n/tmp\napplets\n');
    const label = await runTool('docker', ['image', 'inspect', '--format', '{{index .Config.Labels "io.kindlab.recipe"}}', tag]);
    assert.equal(label.stdout.trim(), 'busybox');
  });

  it('reports an image it cannot build or pull as a value with a fix', async () => {
    const [result] = await buildLabImages([`kindlab/no-recipe:${uniqueId()}`], () => undefined);
    assert.equal(result?.ok, false);
    if (!result || result.ok) return;
    assert.match(result.message, /no recipe/);
    assert.match(result.fix ?? '', /docker load/);
  });

  it('finds the Debian mirror in deb822 and one-line apt sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kindlab-apt-'));
    try {
      await mkdir(join(dir, 'sources.list.d'));
      await writeFile(join(dir, 'sources.list.d', 'a.sources'), 'Types: deb\nURIs: http://security.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n');
      assert.equal(await findDebianMirror(dir), 'http://mirror.example/debian');
      await writeFile(join(dir, 'sources.list'), '# comment\ndeb [arch=amd64] http://old.example/debian bookworm main\n');
      assert.equal(await findDebianMirror(dir), 'http://old.example/debian');
      assert.equal(await findDebianMirror(join(dir, 'absent')), 'http://deb.debian.org/debian');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
