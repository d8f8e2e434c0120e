import assert from 'node:assert/strict';
import { alive } from '../helpers/processes.js';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEnvironment } from '../../cluster/local/local-environment.js';
import { EnvironmentError } from '../../cluster/environment.js';
import type { ProgressEvent } from '../../common/environment.js';

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

describe('LocalEnvironment (real bash, real PTY)', () => {
  let root: string;
  let labFiles: string;
  let env: LocalEnvironment;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kindlab-local-'));
    labFiles = join(root, 'lab-files');
    await mkdir(join(labFiles, 'sub'), { recursive: true });
    await writeFile(join(labFiles, 'pod.yaml'), 'kind: Pod\n');
    await writeFile(join(labFiles, 'sub', 'notes.txt'), 'hello\n');
    env = new LocalEnvironment({ type: 'local' }, { sessionId: 's1', labId: 'lab', labFilesDir: labFiles, dataDir: join(root, 'data') });
  });

  afterEach(async () => {
    await env.destroy();
    await rm(root, { recursive: true, force: true });
  });

  it('provisions a work dir with the lab files, reports progress, and adopts it the second time', async () => {
    const events: ProgressEvent[] = [];
    env.onProgress((e) => events.push(e));
    assert.equal(env.state, 'absent');
    const first = await env.provision();
    assert.deepEqual({ ok: first.ok, adopted: first.ok && first.adopted }, { ok: true, adopted: false });
    assert.equal(env.state, 'ready');
    const wd = env.workdir('local');
    assert.equal(wd, join(root, 'data', 'sessions', 's1', 'work'));
    assert.equal(await readFile(join(wd, 'sub', 'notes.txt'), 'utf8'), 'hello\n');
    assert.deepEqual(events.map((e) => e.status), ['started', 'done']);

    // The learner edits a file; provisioning again must keep it.
    await writeFile(join(wd, 'pod.yaml'), 'edited\n');
    const again = await new LocalEnvironment({ type: 'local' }, { sessionId: 's1', labId: 'lab', labFilesDir: labFiles, dataDir: join(root, 'data') }).provision();
    assert.deepEqual({ ok: again.ok, adopted: again.ok && again.adopted }, { ok: true, adopted: true });
    assert.equal(await readFile(join(wd, 'pod.yaml'), 'utf8'), 'edited\n');
    assert.deepEqual(env.targets(), [{ name: 'local', address: 'local' }]);
  });

  it('runs scripts: pass, fail, stdin, env over a clean base, working directory', async () => {
    await env.provision();
    process.env.KINDLAB_TEST_SECRET = 'must-not-leak';
    try {
      const ok = await env.exec('local', 'echo out; echo err >&2; pwd; echo "$KINDLAB_WORKDIR"', { timeoutMs: 5000 });
      assert.equal(ok.exitCode, 0);
      assert.equal(ok.stdout, `out\n${env.workdir('local')}\n${env.workdir('local')}\n`);
      assert.equal(ok.stderr, 'err\n');
      assert.equal(ok.timedOut, false);

      const fail = await env.exec('local', 'echo nope; exit 3', { timeoutMs: 5000 });
      assert.equal(fail.exitCode, 3);
      assert.equal(fail.stdout, 'nope\n');

      const stdin = await env.exec('local', 'tr a-z A-Z', { stdin: 'hello\n', timeoutMs: 5000 });
      assert.equal(stdin.stdout, 'HELLO\n');

      // Learner input travels as an env var, never interpolated; quotes and $() stay inert.
      const tricky = `'; echo injected; $(touch pwned) "`;
      const viaEnv = await env.exec('local', 'printf %s "$ANSWER"; echo; echo "${KINDLAB_TEST_SECRET:-clean}"; echo "$TERM"', { env: { ANSWER: tricky }, timeoutMs: 5000 });
      assert.equal(viaEnv.stdout, `${tricky}\nclean\ndumb\n`);
      await assert.rejects(stat(join(env.workdir('local'), 'pwned')));
    } finally {
      delete process.env.KINDLAB_TEST_SECRET;
    }
  });

  it('kills the whole process group at the timeout, leaving no grandchild behind', async () => {
    await env.provision();
    const pidFile = join(root, 'grandchild.pid');
    const started = Date.now();
    // A background grandchild that would outlive a plain kill of bash, plus a foreground sleep.
    const r = await env.exec('local', 'sleep 30 & echo $! > "$PIDFILE"; sleep 30', { env: { PIDFILE: pidFile }, timeoutMs: 300 });
    const took = Date.now() - started;
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.ok(took < 2000, `timeout took ${took} ms`);
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.ok(pid > 0);
    assert.ok(await waitFor(() => !alive(pid), 1000), `grandchild ${pid} survived the timeout`);
  });

  it('does not wait for, nor leave behind, a background job of a script that exited', async () => {
    await env.provision();
    const pidFile = join(root, 'bg.pid');
    const started = Date.now();
    const r = await env.exec('local', 'sleep 30 & echo $! > "$PIDFILE"; echo done', { env: { PIDFILE: pidFile }, timeoutMs: 5000 });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'done\n');
    assert.ok(Date.now() - started < 1000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    assert.ok(await waitFor(() => !alive(pid), 1000), `background job ${pid} survived`);
  });

  it('throws EnvironmentError for an unknown target', async () => {
    await env.provision();
    await assert.rejects(env.exec('worker', 'true', { timeoutMs: 1000 }), EnvironmentError);
    assert.throws(() => env.spawnShell('worker', { cols: 80, rows: 24 }), EnvironmentError);
  });

  it('spawns an interactive shell in a real PTY in the work dir', async () => {
    await env.provision();
    const pty = env.spawnShell('local', { cols: 100, rows: 30 });
    let out = '';
    pty.onData((d) => (out += d.toString('utf8')));
    const exited = new Promise<number>((resolve) => pty.onExit((e) => resolve(e.exitCode)));
    try {
      // A program that reads whole lines: Backspace after é must erase the character, not one of its two bytes (IUTF8).
      pty.write('echo "READY-$((1+1))"; read -r line; echo "line=[$line]"\r');
      assert.ok(await waitFor(() => out.includes('READY-2\r\n'), 3000), `no READY in ${JSON.stringify(out)}`);
      pty.write('é\x7fx\r');
      pty.write('echo "size=$(stty size) term=$TERM"; cat pod.yaml; exit 7\r');
      assert.equal(await exited, 7);
      assert.match(out, /line=\[x\]/);
      assert.match(out, /size=30 100 term=xterm-256color/);
      assert.match(out, /kind: Pod/);
      assert.match(out, /kindlab/); // the friendly prompt
    } finally {
      pty.kill();
    }
    assert.ok(await waitFor(() => !alive(pty.pid), 1000));
  });

  it('destroy removes the work dir and is idempotent', async () => {
    await env.provision();
    const wd = env.workdir('local');
    await env.destroy();
    await env.destroy();
    assert.equal(env.state, 'destroyed');
    await assert.rejects(stat(wd));
  });
});
