/**
 * Docker-in-Docker machines against the real Docker engine: the images build
 * (once; cached by tag), a machine starts with the arguments dindRunArgs picks
 * for this host, its inner engine comes up and receives host images, runs a
 * sandbox plus an app container that share one network namespace, and
 * everything is gone afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { ProgressEvent } from '../../common/environment.js';
import { dindRunArgs, innerContainers, readyDind } from '../../cluster/containers/dind.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { ensureImage, imageExists } from '../../cluster/images/ensure-image.js';
import { APP_IMAGE, DIND_IMAGE, PAUSE_IMAGE } from '../../cluster/images/dind-image.js';
import { runTool, tryTool } from '../../cluster/tool.js';

const session = `test-dind-${randomBytes(4).toString('hex')}`;
const machine = `kindlab-${session}`;

async function byLabel(kind: 'container' | 'volume'): Promise<string[]> {
  const args = kind === 'container' ? ['ps', '-aq', '--filter', `label=${LABEL_SESSION}=${session}`] : ['volume', 'ls', '-q', '--filter', `label=${LABEL_SESSION}=${session}`];
  return (await runTool('docker', args)).stdout.split('\n').filter(Boolean);
}

async function removeAll(): Promise<void> {
  const ids = await byLabel('container');
  if (ids.length) await runTool('docker', ['rm', '-f', '-v', ...ids], { timeoutMs: 60_000 });
  const vols = await byLabel('volume');
  if (vols.length) await runTool('docker', ['volume', 'rm', '-f', ...vols]);
}

/** Run a script in the machine (bash; the script is an argument, never spliced into another string). */
async function inMachine(script: string, name = machine): Promise<string> {
  return (await runTool('docker', ['exec', name, 'bash', '-c', script], { timeoutMs: 60_000 })).stdout.trim();
}

async function startMachine(name: string, extra: readonly string[] = []): Promise<string> {
  const { args } = await dindRunArgs({ labels: { [LABEL_SESSION]: session } });
  const r = await runTool('docker', ['run', '-d', '--name', name, '--hostname', 'node', '--label', `${LABEL_SESSION}=${session}`, ...args, ...extra, DIND_IMAGE], { timeoutMs: 60_000 });
  return r.stdout.trim();
}

describe('Docker-in-Docker machines (real Docker)', function () {
  // A cold debootstrap build takes about a minute here; everything after it is seconds.
  this.timeout(8 * 60_000);
  let machineId = '';

  after(async () => {
    await removeAll();
  });

  it('builds the dind, pause and app images once, then finds them cached', async () => {
    for (const tag of [PAUSE_IMAGE, APP_IMAGE, DIND_IMAGE]) {
      const first = await ensureImage(tag);
      assert.ok(first.ok, first.ok ? '' : first.message);
      const again = await ensureImage(tag);
      assert.deepEqual(again.ok && again.status, 'cached', `${tag} should be cached the second time`);
      assert.ok(again.ms < 5000, `a cached image is found in ${again.ms} ms`);
    }
    const changes = (await runTool('docker', ['image', 'inspect', '--format', '{{json .Config.Entrypoint}} {{json .Config.Labels}}', DIND_IMAGE])).stdout;
    assert.match(changes, /kindlab-dind-entrypoint/);
    assert.match(changes, /"io.kindlab.recipe":"dind"/);
  });

  it('picks --privileged only where it works, and explains the fallback', async () => {
    const probe = await tryTool('docker', ['run', '--rm', '--privileged', '--network', 'none', '--entrypoint', '/bin/true', PAUSE_IMAGE], { timeoutMs: 60_000 });
    const lines: string[] = [];
    const r = await dindRunArgs({ labels: { [LABEL_SESSION]: session }, log: (l) => lines.push(l) });
    assert.equal(r.mode, probe.exitCode === 0 ? 'privileged' : 'explicit-caps');
    assert.ok(r.args.includes(`type=volume,dst=/var/lib/docker,volume-label=${LABEL_SESSION}=${session}`), r.args.join(' '));
    if (r.mode === 'explicit-caps') {
      assert.match(r.note ?? '', /--privileged fails on this host/);
      for (const flag of ['ALL', 'SYS_RESOURCE', 'seccomp=unconfined', 'apparmor=unconfined', 'systempaths=unconfined', 'a *:* rwm', '/sys/fs/cgroup:/sys/fs/cgroup:rw']) {
        assert.ok(r.args.includes(flag), `missing ${flag}`);
      }
      assert.ok(!r.args.includes('--privileged'));
    }
  });

  it('starts a machine whose inner engine comes up and receives the host images', async () => {
    machineId = await startMachine(machine);
    const events: ProgressEvent[] = [];
    const t0 = Date.now();
    await readyDind(machine, [PAUSE_IMAGE, APP_IMAGE], (e) => events.push(e));
    const ms = Date.now() - t0;
    assert.ok(ms < 30_000, `ready in ${ms} ms`);
    const done = events.filter((e) => e.status === 'done').map((e) => e.stage);
    assert.deepEqual(done, [`Starting Docker inside ${machine}`, `Loading image ${PAUSE_IMAGE} into ${machine}`, `Loading image ${APP_IMAGE} into ${machine}`]);
    assert.match(events[1]?.detail ?? '', /storage driver (overlay2|vfs)/);
    const inner = await inMachine("docker images --format '{{.Repository}}:{{.Tag}}' | sort");
    assert.deepEqual(inner.split('\n'), [APP_IMAGE, PAUSE_IMAGE]);

    // A second call finds the images already there (same image ID) and loads nothing.
    const again: ProgressEvent[] = [];
    await readyDind(machine, [PAUSE_IMAGE, APP_IMAGE], (e) => again.push(e));
    assert.equal(again.filter((e) => e.detail === 'already loaded').length, 2);
  });

  it('runs a sandbox and an app container that share the network namespace but not the PID namespace', async () => {
    await inMachine(`docker run -d --name web-sandbox --hostname web --ipc shareable ${PAUSE_IMAGE} >/dev/null
docker run -d --name web-app --network container:web-sandbox --ipc container:web-sandbox ${APP_IMAGE} >/dev/null`);
    const ns = await inMachine(`sb=$(docker inspect -f '{{.State.Pid}}' web-sandbox); app=$(docker inspect -f '{{.State.Pid}}' web-app)
for n in net ipc pid mnt; do echo "$n $(readlink /proc/$sb/ns/$n) $(readlink /proc/$app/ns/$n)"; done`);
    const rows = Object.fromEntries(ns.split('\n').map((l) => { const [n, a, b] = l.split(' '); return [n, { a, b }]; }));
    assert.equal(rows.net?.a, rows.net?.b, 'network namespace shared');
    assert.equal(rows.ipc?.a, rows.ipc?.b, 'IPC namespace shared');
    assert.notEqual(rows.pid?.a, rows.pid?.b, 'PID namespaces separate');
    assert.notEqual(rows.mnt?.a, rows.mnt?.b, 'mount namespaces separate');

    const sandboxId = await inMachine("docker inspect -f '{{.Id}}' web-sandbox");
    const paths = await inMachine("docker inspect -f '{{.HostConfig.NetworkMode}} {{.ResolvConfPath}} {{.HostsPath}}' web-app");
    assert.equal(paths, `container:${sandboxId} /var/lib/docker/containers/${sandboxId}/resolv.conf /var/lib/docker/containers/${sandboxId}/hosts`);

    // The sandbox runs only a sleep, yet reaches the app on its own loopback.
    let page = '';
    for (let i = 0; i < 20 && !page.includes('Hello'); i++) {
      page = (await tryTool('docker', ['exec', machine, 'docker', 'exec', 'web-sandbox', 'wget', '-qO-', 'http://127.0.0.1:8000/'], { timeoutMs: 10_000 })).stdout;
      if (!page.includes('Hello')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(page, /Hello from the app container/);
    assert.equal((await innerContainers(machine)).length, 2);
  });

  it('reports an inner engine that never starts, with the end of its log', async () => {
    const broken = `${machine}-broken`;
    await startMachine(broken, ['-e', 'KINDLAB_DIND_STORAGE_DRIVER=no-such-driver']);
    const events: ProgressEvent[] = [];
    const t0 = Date.now();
    await assert.rejects(readyDind(broken, [], (e) => events.push(e), { timeoutMs: 3000 }), (e: Error) => {
      assert.match(e.message, /Docker did not start inside .*-broken: no answer from the inner `docker info` within 3 s/);
      assert.match(e.message, /no-such-driver/);
      return true;
    });
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(events.at(-1)?.status, 'failed');
    await runTool('docker', ['rm', '-f', '-v', broken]);
  });

  it('refuses to load an image the host does not have', async () => {
    await assert.rejects(readyDind(machine, ['kindlab/no-such-image:0'], () => {}), /not on the host/);
  });

  it('leaves nothing behind: containers, volumes and nested cgroups are gone', async () => {
    assert.ok(machineId);
    await removeAll();
    assert.deepEqual(await byLabel('container'), []);
    assert.deepEqual(await byLabel('volume'), []);
    // cgroup v1: the inner containers' cgroups were nested under the machine's own, so they went with it.
    for (const ctrl of ['memory', 'pids', 'cpu,cpuacct']) {
      const dir = `/sys/fs/cgroup/${ctrl}/docker/${machineId}`;
      assert.ok(!existsSync(dir), `${dir} should be gone`);
    }
    assert.ok(await imageExists(DIND_IMAGE), 'the image itself is kept (cached by tag)');
  });
});
