/** ContainersEnvironment against the real Docker engine, with two busybox machines. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressEvent } from '../../common/environment.js';
import type { ContainersEnvironmentSpec } from '../../common/lab.js';
import { ContainersEnvironment } from '../../cluster/containers/containers-environment.js';
import { EnvironmentError, LABEL_LAB, LABEL_SESSION } from '../../cluster/environment.js';
import { runTool } from '../../cluster/tool.js';
import { BUSYBOX, objectsWithLabel, processes, requireBusybox, uniqueId, waitFor } from '../helpers/docker.js';

const SPEC: ContainersEnvironmentSpec = {
  type: 'containers',
  machines: [
    { name: 'alpha', image: BUSYBOX, env: { ROLE: 'first' } },
    { name: 'beta', image: BUSYBOX, workdir: '/srv/lab' },
  ],
};

async function leftovers(sessionId: string): Promise<string[]> {
  return [
    ...(await objectsWithLabel('container', LABEL_SESSION, sessionId)),
    ...(await objectsWithLabel('network', LABEL_SESSION, sessionId)),
    ...(await objectsWithLabel('volume', LABEL_SESSION, sessionId)),
  ];
}

describe('ContainersEnvironment (integration, real Docker)', function () {
  this.timeout(60_000);
  let filesDir: string;
  const sessions: string[] = [];
  const newEnv = (spec: ContainersEnvironmentSpec, sessionId = uniqueId('s')): ContainersEnvironment => {
    if (!sessions.includes(sessionId)) sessions.push(sessionId);
    return new ContainersEnvironment(spec, { sessionId, labId: 'test-lab', labFilesDir: filesDir, dataDir: filesDir });
  };

  before(async () => {
    await requireBusybox();
    filesDir = await mkdtemp(join(tmpdir(), 'kindlab-files-'));
    await writeFile(join(filesDir, 'notes.txt'), 'lab file\n');
  });
  after(async () => {
    for (const s of sessions) await newEnv(SPEC, s).destroy();
    for (const s of sessions) assert.deepEqual(await leftovers(s), [], `session ${s} leaked`);
    await rm(filesDir, { recursive: true, force: true });
  });

  describe('a provisioned session', () => {
    let env: ContainersEnvironment;
    const events: ProgressEvent[] = [];

    before(async () => {
      env = newEnv(SPEC);
      env.onProgress((e) => events.push(e));
      const r = await env.provision();
      assert.deepEqual(r.ok ? { ok: true, adopted: r.adopted } : r, { ok: true, adopted: false });
      assert.equal(env.state, 'ready');
    });

    it('reports every stage with timings', () => {
      const done = events.filter((e) => e.status === 'done').map((e) => e.stage);
      assert.deepEqual(done, [`image ${BUSYBOX}`, `network ${env.name}`, 'machine alpha', 'copy files → alpha', 'machine beta', 'copy files → beta']);
      for (const e of events.filter((x) => x.status === 'done')) assert.equal(typeof e.ms, 'number');
    });

    it('creates a labelled network and one labelled container per machine', async () => {
      const sessionId = env.name.replace(/^kindlab-/, '');
      assert.deepEqual(await objectsWithLabel('network', LABEL_SESSION, sessionId), [env.name]);
      assert.deepEqual((await objectsWithLabel('container', LABEL_SESSION, sessionId)).sort(), [env.containerName('alpha'), env.containerName('beta')]);
      const r = await runTool('docker', ['inspect', '--format', '{{json .Config.Labels}} {{.Config.Hostname}} {{.HostConfig.Init}}', env.containerName('beta')]);
      const [labels, hostname, init] = r.stdout.trim().split(' ');
      const parsed = JSON.parse(labels as string) as Record<string, string>;
      assert.deepEqual([parsed[LABEL_SESSION], parsed[LABEL_LAB], parsed['io.kindlab.machine']], [sessionId, 'test-lab', 'beta']);
      assert.equal(hostname, 'beta');
      assert.equal(init, 'true');
      assert.deepEqual(env.targets(), [
        { name: 'alpha', address: env.containerName('alpha') },
        { name: 'beta', address: env.containerName('beta') },
      ]);
    });

    it('runs scripts in each machine, in its workdir, with the lab files', async () => {
      const a = await env.exec('alpha', 'hostname; pwd; cat notes.txt', { timeoutMs: 10_000 });
      assert.equal(a.stdout, 'alpha\n/root/lab\nlab file\n');
      const b = await env.exec('beta', 'pwd; cat notes.txt; exit 4', { timeoutMs: 10_000 });
      assert.equal(b.stdout, '/srv/lab\nlab file\n');
      assert.equal(b.exitCode, 4);
    });

    it('lets machines reach each other by name on the session network', async () => {
      const r = await env.exec('alpha', 'ping -c 1 -W 2 beta >/dev/null && echo reached', { timeoutMs: 10_000 });
      assert.equal(r.stdout, 'reached\n', r.stderr);
    });

    it('kills a timed-out script inside the machine', async () => {
      const r = await env.exec('beta', 'sleep 513', { timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.deepEqual((await processes(env.containerName('beta'))).filter((p) => p.includes('sleep 513')), []);
    });

    it('refuses an unknown target with the machines it has', async () => {
      await assert.rejects(env.exec('gamma', 'true', { timeoutMs: 1000 }), /unknown target "gamma".*alpha, beta/);
    });

    it('spawns a shell in the machine with its env, and kill() ends it inside', async () => {
      const shell = env.spawnShell('alpha', { cols: 80, rows: 24 });
      let out = '';
      shell.onData((d) => (out += d));
      const exited = new Promise<void>((resolve) => shell.onExit(() => resolve()));
      shell.write('echo "role=$ROLE in $(pwd)"; sleep 617 &\n');
      await waitFor('shell output', async () => out.includes('role=first in /root/lab'));
      await waitFor('background job', async () => (await processes(env.containerName('alpha'))).some((p) => p.includes('sleep 617')));
      shell.kill();
      await exited;
      await waitFor('shell gone inside', async () => !(await processes(env.containerName('alpha'))).some((p) => p.includes('sleep 617') || /sh -l/.test(p)));
    });

    it('copies a folder into a machine', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kindlab-extra-'));
      try {
        await writeFile(join(dir, 'extra.txt'), 'more\n');
        await env.copyIn('beta', dir);
        assert.equal((await env.exec('beta', 'cat extra.txt', { timeoutMs: 5000 })).stdout, 'more\n');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('adopts the existing environment on a second provision, keeping the learner’s files', async () => {
      await env.exec('alpha', 'echo mine > learner.txt', { timeoutMs: 5000 });
      const sessionId = env.name.replace(/^kindlab-/, '');
      const again = newEnv(SPEC, sessionId);
      const seen: ProgressEvent[] = [];
      again.onProgress((e) => seen.push(e));
      const r = await again.provision();
      assert.deepEqual(r.ok ? { ok: true, adopted: r.adopted } : r, { ok: true, adopted: true });
      assert.ok(!seen.some((e) => e.stage.startsWith('copy files')), 'no files copied over the learner’s');
      assert.equal((await again.exec('alpha', 'cat learner.txt', { timeoutMs: 5000 })).stdout, 'mine\n');
      assert.equal((await objectsWithLabel('container', LABEL_SESSION, sessionId)).length, 2);
    });

    it('explains a machine removed behind its back, and recreates it on the next provision', async () => {
      await runTool('docker', ['rm', '-f', env.containerName('beta')]);
      await assert.rejects(env.exec('beta', 'true', { timeoutMs: 5000 }), (e: unknown) => {
        assert.ok(e instanceof EnvironmentError);
        assert.match(e.message, /machine beta \(container kindlab-.*-beta\) does not exist/);
        assert.match(e.message, /kindlab env down --session/);
        return true;
      });
      const r = await env.provision();
      assert.deepEqual(r.ok ? { ok: true, adopted: r.adopted } : r, { ok: true, adopted: false });
      assert.equal((await env.exec('beta', 'cat notes.txt', { timeoutMs: 5000 })).stdout, 'lab file\n');
    });

    it('destroy removes everything it made, and is idempotent', async () => {
      const sessionId = env.name.replace(/^kindlab-/, '');
      await env.destroy();
      assert.equal(env.state, 'destroyed');
      assert.deepEqual(await leftovers(sessionId), []);
      await env.destroy();
    });
  });

  it('fails at the image stage for a missing image, with a fix, leaving nothing behind', async () => {
    const env = newEnv({ type: 'containers', machines: [{ name: 'alpha', image: BUSYBOX }, { name: 'beta', image: 'kindlab/absent:0' }] });
    const r = await env.provision();
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.stage, 'image kindlab/absent:0');
    assert.match(r.fix ?? '', /kindlab prepare test-lab/);
    assert.equal(env.state, 'failed');
    assert.deepEqual(await leftovers(env.name.replace(/^kindlab-/, '')), []);
  });

  it('removes the half-made network and machines when a later machine cannot start', async () => {
    const env = newEnv({ type: 'containers', machines: [{ name: 'alpha', image: BUSYBOX }, { name: 'beta', image: BUSYBOX }] });
    // Someone else's container already holds beta's name: kindlab must neither adopt nor remove it.
    const squatter = env.containerName('beta');
    await runTool('docker', ['run', '-d', '--name', squatter, '--label', 'io.kindlab.test=1', BUSYBOX, 'sleep', '600']);
    try {
      const r = await env.provision();
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.stage, 'machine beta');
      assert.match(r.message, /does not belong to this session/);
      assert.match(r.fix ?? '', /docker rm -f/);
      assert.deepEqual(await leftovers(env.name.replace(/^kindlab-/, '')), []);
      assert.equal((await runTool('docker', ['inspect', '-f', '{{.State.Running}}', squatter])).stdout.trim(), 'true');
    } finally {
      await runTool('docker', ['rm', '-f', squatter]);
    }
  });

  it('fails at the machine stage, with its output, when a machine exits right after starting', async () => {
    const env = newEnv({ type: 'containers', machines: [{ name: 'alpha', image: BUSYBOX, command: ['sh', '-c', 'echo broken on purpose >&2; exit 3'] }] });
    const r = await env.provision();
    assert.equal(r.ok, false);
    if (r.ok) return;
    // The machine stage sees it when the command has already exited; else copying files does.
    assert.ok(['machine alpha', 'copy files → alpha'].includes(r.stage), r.stage);
    assert.deepEqual(await leftovers(env.name.replace(/^kindlab-/, '')), []);
  });
});
