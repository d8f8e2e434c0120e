/** cluster/docker/docker-exec.ts against the real Docker engine and a busybox container. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerMissingError, dockerCopyIn, dockerExec, dockerExecShell, EXEC_WRAPPER, killInside } from '../../cluster/docker/docker-exec.js';
import { runTool, tryTool } from '../../cluster/tool.js';
import { processes, removeContainer, requireBusybox, startContainer, uniqueId, waitFor } from '../helpers/docker.js';

describe('docker-exec (integration, real Docker)', function () {
  this.timeout(30_000);
  const name = `kindlab-test-${uniqueId()}`;

  before(async () => {
    await requireBusybox();
    await startContainer(name);
  });
  after(async () => {
    await removeContainer(name);
  });

  it('runs a script and returns its output and exit code', async () => {
    const ok = await dockerExec(name, 'echo hello; echo to-err >&2', { timeoutMs: 10_000 });
    assert.equal(ok.exitCode, 0);
    assert.equal(ok.stdout, 'hello\n');
    assert.equal(ok.stderr, 'to-err\n');
    assert.equal(ok.timedOut, false);
    const bad = await dockerExec(name, 'echo nope; exit 3', { timeoutMs: 10_000 });
    assert.equal(bad.exitCode, 3);
    assert.equal(bad.stdout, 'nope\n');
  });

  it('passes env vars as data, never as shell text', async () => {
    const hostile = `$(touch /tmp/pwned) "quoted" 'single'; rm -rf /`;
    const r = await dockerExec(name, 'printf %s "$ANSWER"; [ ! -e /tmp/pwned ] || echo PWNED', { timeoutMs: 10_000, env: { ANSWER: hostile } });
    assert.equal(r.stdout, hostile);
  });

  it('feeds stdin and honours cwd', async () => {
    const r = await dockerExec(name, 'pwd; cat', { timeoutMs: 10_000, stdin: 'line one\nline two\n', cwd: '/tmp' });
    assert.equal(r.stdout, '/tmp\nline one\nline two\n');
  });

  it('on timeout kills the whole process tree inside the container', async () => {
    const started = Date.now();
    const r = await dockerExec(name, 'sleep 311 & sleep 312; echo never', { timeoutMs: 700 });
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, null);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    const left = (await processes(name)).filter((p) => /sleep 31[12]/.test(p));
    assert.deepEqual(left, [], 'no process of the timed-out script is left in the container');
    assert.deepEqual(await pidFiles(name), [], 'PID files are cleaned up');
  });

  it('a script whose docker exec starts only after its timeout kill never runs', async () => {
    // What a very slow `docker exec` would do: the timeout's kill comes first,
    // finds no PID file, and leaves a tombstone; the wrapper then starts late.
    const file = `/tmp/kindlab-exec-late${uniqueId()}.pid`;
    await killInside(name, file);
    await killInside(name, file); // a second kill (e.g. a retry) finds the tombstone, not a session
    const late = await tryTool('docker', ['exec', name, 'sh', '-c', EXEC_WRAPPER, 'kindlab-exec', file, 'auto', 'touch /tmp/ran-late'], { timeoutMs: 10_000 });
    assert.equal(late.exitCode, 137, late.stderr);
    assert.equal((await dockerExec(name, '[ -e /tmp/ran-late ] && echo ran || echo did-not-run', { timeoutMs: 5000 })).stdout, 'did-not-run\n');
    assert.deepEqual(await pidFiles(name), [], 'the late wrapper removed the tombstone');
  });

  it('throws ContainerMissingError for a container that does not exist', async () => {
    await assert.rejects(dockerExec(`${name}-nope`, 'true', { timeoutMs: 5000 }), (e: unknown) => {
      assert.ok(e instanceof ContainerMissingError);
      assert.match(e.message, /does not exist/);
      return true;
    });
  });

  it('spawns an interactive shell whose kill() ends it inside the container', async () => {
    const { shell, out, exited } = openShell(name, { cwd: '/root', env: { GREETING: 'hi there' } });
    shell.write('echo "$GREETING-$((40+2))"; pwd; sleep 421 &\n');
    await waitFor('shell output', async () => out().includes('hi there-42') && out().includes('/root'));
    await waitFor('background sleep', async () => (await processes(name)).some((p) => p.includes('sleep 421')));
    shell.kill();
    await exited;
    await shell.closed;
    const left = (await processes(name)).filter((p) => p.includes('sleep 421') || / sh -l/.test(p) || p.includes('kindlab-shell'));
    assert.deepEqual(left, [], 'neither the shell nor its background job survives kill()');
    assert.deepEqual(await pidFiles(name), []);
  });

  it("sets the shell's terminal to IUTF8, so Backspace after é erases the whole character in a line-reading program", async () => {
    // docker exec -t gives the container's shell a fresh PTY with the kernel's default modes, IUTF8 off.
    const { shell, out, exited } = openShell(name);
    shell.write('echo "READY-$((1+1))"; read -r line; printf "line=[%s]\\n" "$line"; exit 0\n');
    await waitFor('the shell reading a line', async () => out().includes('READY-2'));
    shell.write('é\x7fx\n');
    await exited;
    assert.match(out(), /line=\[x\]/);
  });

  it('tells the shell that the terminal speaks UTF-8 when the image sets no locale, and keeps one the image sets', async () => {
    const localeOf = async (container: string): Promise<string> => {
      const { shell, out, exited } = openShell(container);
      shell.write('printf "locale=<%s|%s>\\n" "$LANG" "$LC_ALL"; exit 0\n');
      await exited;
      return /locale=<([^>%\r\n]*)>/.exec(out())?.[1] ?? `no answer in ${JSON.stringify(out())}`;
    };
    assert.equal(await localeOf(name), 'C.UTF-8|'); // busybox, like a kind node, sets no LANG
    const chosen = await startContainer(uniqueId('kindlab-test-locale'), ['-e', 'LC_ALL=de_DE.UTF-8']);
    try {
      assert.equal(await localeOf(chosen), '|de_DE.UTF-8');
    } finally {
      await removeContainer(chosen);
    }
  });

  it('copies a host folder into the container', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kindlab-copy-'));
    try {
      await mkdir(join(dir, 'sub'));
      await writeFile(join(dir, 'a.txt'), 'alpha\n');
      await writeFile(join(dir, 'sub', 'b.txt'), 'beta\n');
      await dockerCopyIn(name, dir, '/root/lab');
      const r = await dockerExec(name, 'cat a.txt sub/b.txt', { timeoutMs: 5000, cwd: '/root/lab' });
      assert.equal(r.stdout, 'alpha\nbeta\n');
      // A missing folder is not an error: the working directory still exists.
      await dockerCopyIn(name, join(dir, 'absent'), '/root/empty');
      assert.equal((await dockerExec(name, 'ls -d /root/empty', { timeoutMs: 5000 })).exitCode, 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** An interactive shell in the container, 80×24, with everything it printed so far. */
function openShell(container: string, options: Parameters<typeof dockerExecShell>[2] = {}) {
  const shell = dockerExecShell(container, { cols: 80, rows: 24 }, options);
  let out = '';
  shell.onData((d) => (out += d));
  const exited = new Promise<number>((resolve) => shell.onExit((e) => resolve(e.exitCode)));
  return { shell, out: () => out, exited };
}

async function pidFiles(container: string): Promise<string[]> {
  const r = await runTool('docker', ['exec', container, 'ls', '/tmp'], { timeoutMs: 5000 });
  return r.stdout.split('\n').filter((f) => f.startsWith('kindlab-'));
}
