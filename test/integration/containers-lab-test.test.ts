/**
 * `kindlab test labs/two-machines --repeat 2`, run as the real CLI in a child
 * process against real Docker: both runs pass every step on their own fresh
 * environment (two busybox machines on a private network), no step is flaky,
 * and neither run leaves a container, network, volume, process or data dir.
 * Then the runs that cannot finish: kind missing, Docker unreachable, SIGINT,
 * SIGTERM during a long solve, a second SIGINT: one clear line each, the
 * exit status a shell expects, and nothing left that it does not name.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeSession } from '../../cluster/containers/containers-environment.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { buildLabImages } from '../../cluster/images/build-lab-images.js';
import { runKindlab, writeCliEntry } from '../helpers/cli.js';
import { labelledObjects, waitFor } from '../helpers/docker.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';

const STEPS = ['beta-address', 'message', 'web'];

/** What each suite starts from: the processes and kindlab-test-* folders already there, a CLI entry, the busybox image. */
async function cliSetup(): Promise<{ childrenBefore: string[]; tmpBefore: Set<string>; dir: string; entry: string }> {
  const childrenBefore = childProcesses();
  const tmpBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-')));
  const dir = mkdtempSync(join(tmpdir(), 'kindlab-tm-'));
  const entry = writeCliEntry(dir);
  for (const r of await buildLabImages(['kindlab/busybox:1'], () => undefined)) assert.ok(r.ok, r.ok ? '' : r.message);
  return { childrenBefore, tmpBefore, dir, entry };
}

describe('kindlab test on a containers lab (two-machines, real Docker, real CLI)', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let entry: string;
  let childrenBefore: string[];
  let tmpBefore: Set<string>;
  let sessions: string[] = [];

  before(async () => {
    ({ childrenBefore, tmpBefore, dir, entry } = await cliSetup());
  });

  after(async () => {
    // Only when an assertion failed half-way; a clean run has removed everything itself.
    for (const s of sessions) await removeSession(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--repeat 2 passes every step in both runs, each on its own environment, with nothing flaky', async () => {
    const r = await runKindlab(entry, ['test', 'labs/two-machines', '--repeat', '2'], 4 * 60_000);
    sessions = [...r.stdout.matchAll(/^Run \d+: lab two-machines on kindlab-(test-[0-9a-f]+) /gm)].map((m) => m[1]!);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(sessions.length, 2, r.stdout);
    assert.notEqual(sessions[0], sessions[1], 'each run gets a fresh environment');
    for (const id of STEPS) {
      const rows = [...r.stdout.matchAll(new RegExp(`^\\s+ok\\s+${id}\\s+fails\\s+passes\\s+\\d+$`, 'gm'))];
      assert.equal(rows.length, 2, `step ${id} passes in both runs:\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /^\s*FAIL\b|flaky/m);
    assert.match(r.stdout, /^PASS: every step fails before its solve and passes after it in all 2 runs\.$/m);
    // Both runs provisioned from scratch, with the stages a learner's page shows.
    assert.equal([...r.stderr.matchAll(/\] network kindlab-test-[0-9a-f]+ done \(\d+ ms\): created/g)].length, 2, r.stderr);
    assert.equal([...r.stderr.matchAll(/\] machine (alpha|beta) done \(\d+ ms\): started/g)].length, 4, r.stderr);
  });

  it('--keep, given the lab by id, keeps the machines, and the removal it prints (kindlab env ls, then env down --session) removes them', async () => {
    const dataDir = join(dir, 'kept-data');
    const r = await runKindlab(entry, ['test', 'two-machines', '--from', 'web', '--keep', '--data-dir', dataDir], 2 * 60_000);
    const kept = /^lab two-machines on kindlab-(test-[0-9a-f]+) /m.exec(r.stdout)?.[1];
    if (kept) sessions.push(kept);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(kept, r.stdout);
    assert.match(r.stderr, /kept: kindlab-test-[0-9a-f]+ \(data in .*; to remove them: kindlab env ls shows their ids, then kindlab env down --session <id>\)/);
    assert.equal((await labelledObjects(`${LABEL_SESSION}=${kept}`)).length, 3, 'two machines and their network stay');
    // As the hint says: the id from env ls, then env down.
    const ls = await runKindlab(entry, ['env', 'ls', '--json'], 30_000);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = (JSON.parse(ls.stdout) as { session: string }[]).map((x) => x.session);
    assert.ok(listed.includes(kept), `env ls lists ${kept}: ${listed.join(', ')}`);
    const down = await runKindlab(entry, ['env', 'down', '--session', kept], 60_000);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(await labelledObjects(`${LABEL_SESSION}=${kept}`), []);
    sessions = sessions.filter((x) => x !== kept);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves nothing behind: no labelled container, network or volume, no process, no data dir', async () => {
    assert.equal(sessions.length, 2);
    for (const s of sessions) assert.deepEqual(await labelledObjects(`${LABEL_SESSION}=${s}`), [], `session ${s}`);
    await assertNoNewChildren(childrenBefore);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-') && !tmpBefore.has(n)), [], 'kindlab test left its data dir behind');
  });
});

const REPO = join(import.meta.dirname, '..', '..');

interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its output is read (SIGKILL at the timeout). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `kindlab <args>` as a child process with its own environment, so a test can read its output as it comes and send it signals. */
function startKindlab(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 3 * 60_000): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let errText = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (errText += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => errText, exit };
}

const NO_STACK = /^\s+at /m;

describe('kindlab test when it cannot finish: a missing tool, no Docker, a signal (real CLI, real Docker)', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let entry: string;
  let childrenBefore: string[];
  let tmpBefore: Set<string>;
  /** Sessions a test saw created; each test proves its own are gone, `after` removes any an assertion left. */
  const sessions = new Set<string>();
  const seen = (stderr: string): string[] => {
    const ids = [...stderr.matchAll(/provisioning \w+ environment kindlab-(test-[0-9a-f]+)/g)].map((m) => m[1]!);
    for (const s of ids) sessions.add(s);
    return ids;
  };
  const newTmpDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-') && !tmpBefore.has(n));

  before(async () => {
    ({ childrenBefore, tmpBefore, dir, entry } = await cliSetup());
  });

  afterEach(async () => {
    const left = newTmpDirs();
    for (const d of left) rmSync(join(tmpdir(), d), { recursive: true, force: true });
    assert.deepEqual(left, [], 'kindlab test left its data dir behind');
    await assertNoNewChildren(childrenBefore);
  });

  after(async () => {
    for (const s of sessions) await removeSession(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a kind lab without kind on PATH fails with the provisioning failure and one line on what could not be removed: exit 1, no stack trace', async () => {
    const path = (process.env.PATH ?? '').split(':').filter((d) => d && !existsSync(join(d, 'kind'))).join(':');
    const cli = startKindlab(entry, ['test', 'labs/pods-deep-dive'], { ...process.env, PATH: path }, 60_000);
    const { code } = await cli.exit;
    const all = `${cli.stdout()}\n${cli.stderr()}`;
    assert.equal(code, 1, all);
    assert.doesNotMatch(all, NO_STACK);
    assert.match(cli.stdout(), /^ {2}provisioning failed at ".+": kind is not installed or not on PATH$/m);
    assert.match(cli.stdout(), /^ {2}fix: Install kind/m);
    assert.match(
      cli.stderr(),
      /^kindlab test: could not remove kindlab-test-\w+ \(kind is not installed or not on PATH\); to remove it: kindlab env ls shows whether session (test-[0-9a-f]+) is still there, then kindlab env down --session \1$/m,
    );
  });

  it('a containers lab with Docker unreachable fails with the provisioning failure and one line on what could not be removed: exit 1, no stack trace', async () => {
    const cli = startKindlab(entry, ['test', 'labs/two-machines'], { ...process.env, DOCKER_HOST: 'unix:///nonexistent' }, 60_000);
    const { code } = await cli.exit;
    const all = `${cli.stdout()}\n${cli.stderr()}`;
    assert.equal(code, 1, all);
    assert.doesNotMatch(all, NO_STACK);
    // (What provisioning says is the containers environment's; the line about removal names the cause.)
    assert.match(cli.stdout(), /^ {2}provisioning failed at ".+": /m);
    assert.match(
      cli.stderr(),
      /^kindlab test: could not remove kindlab-(test-[0-9a-f]+) \(Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\. Is the docker daemon running\?\); to remove it: kindlab env ls shows whether session \1 is still there, then kindlab env down --session \1$/m,
    );
  });

  it('SIGINT while two-machines runs removes its machines, network and data dir, says so in one line and exits 130', async () => {
    const cli = startKindlab(entry, ['test', 'labs/two-machines', '--repeat', '5']);
    const session = await waitFor('the first run to start provisioning', async () => seen(cli.stderr())[0], 60_000);
    await waitFor('both machines to exist', async () => (await labelledObjects(`${LABEL_SESSION}=${session}`)).filter((o) => o.startsWith('container')).length === 2, 60_000);
    cli.child.kill('SIGINT');
    const { code } = await cli.exit;
    const all = `${cli.stdout()}\n${cli.stderr()}`;
    assert.equal(code, 130, all);
    assert.doesNotMatch(all, NO_STACK);
    assert.equal(cli.stdout(), '', 'no report for an interrupted run');
    const last = cli.stderr().trimEnd().split('\n').at(-1)!;
    assert.match(last, /^kindlab test: interrupted by SIGINT; removed kindlab-test-[0-9a-f]+(, kindlab-test-[0-9a-f]+)* and its data folder \/tmp\/kindlab-test-\w+\.$/);
    for (const s of seen(cli.stderr())) {
      assert.ok(last.includes(`kindlab-${s}`), `${s} is named as removed: ${last}`);
      assert.deepEqual(await labelledObjects(`${LABEL_SESSION}=${s}`), [], `session ${s}`);
    }
  });

  it('SIGTERM during a long solve does not wait for it: the machine goes at once and it exits 143', async () => {
    const lab = join(dir, 'slow');
    mkdirSync(join(lab, 'chapters'), { recursive: true });
    writeFileSync(join(lab, 'lab.yaml'), 'title: Slow\nsummary: A solve that takes two minutes.\nenvironment:\n  type: containers\n  machines:\n    - {name: box, image: "kindlab/busybox:1"}\n');
    writeFileSync(join(lab, 'chapters', '01.md'), '# Slow\n\n## Wait {#wait}\n\n```check target=box\ntest -f /tmp/done\n```\n\n```solve target=box timeout=180s\nsleep 120; touch /tmp/done\n```\n');
    const cli = startKindlab(entry, ['test', lab]);
    await waitFor('the step to start', async () => /testing step wait$/m.test(cli.stderr()), 60_000);
    const session = seen(cli.stderr())[0]!;
    await new Promise((r) => setTimeout(r, 500)); // the solve's sleep is running by now
    const signalled = Date.now();
    cli.child.kill('SIGTERM');
    const { code } = await cli.exit;
    const all = `${cli.stdout()}\n${cli.stderr()}`;
    assert.equal(code, 143, all);
    assert.ok(Date.now() - signalled < 30_000, `it exited ${Date.now() - signalled} ms after SIGTERM`);
    assert.doesNotMatch(all, NO_STACK);
    assert.match(cli.stderr().trimEnd().split('\n').at(-1)!, new RegExp(`^kindlab test: interrupted by SIGTERM; removed kindlab-${session} and its data folder /tmp/kindlab-test-\\w+\\.$`));
    assert.deepEqual(await labelledObjects(`${LABEL_SESSION}=${session}`), []);
  });

  it('a second SIGINT while it waits for provisioning to end exits 130 at once, naming what is left and how to remove it', async () => {
    const cli = startKindlab(entry, ['test', 'labs/pod-by-hand']);
    // Docker-in-Docker takes seconds to come up; provisioning is let finish before anything is removed.
    await waitFor('the inner Docker engine to start', async () => /\] docker engine in node started$/m.test(cli.stderr()), 60_000);
    const session = seen(cli.stderr())[0]!;
    cli.child.kill('SIGINT');
    await waitFor('the first SIGINT to be acknowledged', async () => /^kindlab test: SIGINT: /m.test(cli.stderr()), 10_000);
    cli.child.kill('SIGINT');
    const { code } = await cli.exit;
    const all = `${cli.stdout()}\n${cli.stderr()}`;
    assert.equal(code, 130, all);
    assert.doesNotMatch(all, NO_STACK);
    assert.match(
      cli.stderr().trimEnd().split('\n').at(-1)!,
      new RegExp(`^kindlab test: interrupted again by SIGINT; left kindlab-${session}; to remove it: kindlab env ls shows whether session ${session} is still there, then kindlab env down --session ${session}$`),
    );
    // Following that hint removes everything.
    const down = await runKindlab(entry, ['env', 'down', '--session', session], 60_000);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(await labelledObjects(`${LABEL_SESSION}=${session}`), []);
  });
});
