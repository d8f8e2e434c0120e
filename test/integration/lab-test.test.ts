import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testCommand } from '../../server/cli/test.js';
import { childProcesses } from '../helpers/processes.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Run `kindlab test` in-process, capturing what it prints. */
async function kindlabTest(args: string[], cwd = repo): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await testCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const fence = '```';

describe('kindlab test (real local environments, real labs)', () => {
  let root: string;
  // Taken when the suite starts, not when mocha loads the file: what ran in between is not this suite's.
  let childrenBefore: string[] = [];
  before(() => {
    childrenBefore = childProcesses();
  });
  const tmpBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-')));

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kindlab-labtest-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    assert.deepEqual(childProcesses().filter((p) => !childrenBefore.includes(p)), [], 'a process outlived the test');
    const left = readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-') && !tmpBefore.has(n));
    assert.deepEqual(left, [], 'kindlab test left its data dir behind');
  });

  async function fixture(id: string, chapter: string): Promise<string> {
    const dir = join(root, id);
    await mkdir(join(dir, 'chapters'), { recursive: true });
    await writeFile(join(dir, 'lab.yaml'), `title: ${id}\nsummary: A fixture.\nenvironment:\n  type: local\n`);
    await writeFile(join(dir, 'chapters', '01.md'), chapter);
    return dir;
  }

  it('passes labs/hello-shell end to end and writes JUnit XML', async () => {
    const junit = join(root, 'junit.xml');
    const r = await kindlabTest(['labs/hello-shell', '--junit', junit]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /ok\s+create-file\s+fails\s+passes/);
    assert.match(r.out, /^PASS/m);
    assert.match(r.err, /Preparing working directory done/);
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuite name="hello-shell" tests="\d+" failures="0"/);
    assert.match(xml, /<testcase classname="hello-shell" name="create-file: Create a file"/);
  });

  it('reports a check that cannot fail, a solve that fails, a missing solve and an answer that rejects its own value', async () => {
    const dir = await fixture(
      'weak',
      `# Weak\n\n## Always green {#always}\n\n${fence}check\necho "looks fine"\n${fence}\n\n${fence}solve\ntrue\n${fence}\n\n` +
        `## Broken solve {#broken}\n\n${fence}check\ntest -f done.txt\n${fence}\n\n${fence}solve\necho "disk full" >&2; exit 3\n${fence}\n\n` +
        `## No solve {#nosolve}\n\n${fence}check\ntest -f never.txt\n${fence}\n\n` +
        `## Read it {#read}\n\n${fence}answer prompt="Which?" match=prefix min-length=50\necho abc\n${fence}\n\n${fence}solve\ntrue\n${fence}\n\n` +
        `## Moving target {#moving}\n\n${fence}answer prompt="When?"\ndate +%s%N\n${fence}\n\n${fence}solve\ntrue\n${fence}\n\n` +
        `## Precondition and answer {#precondition}\n\n${fence}check\necho "pod still runs"\n${fence}\n\n${fence}answer prompt="Which?"\necho abc\n${fence}\n\n${fence}solve\ntrue\n${fence}\n`,
    );
    const junit = join(root, 'j.xml');
    const r = await kindlabTest([dir, '--junit', junit]);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /FAIL\s+always\s+cannot fail\s+passes/);
    assert.match(r.out, /check check-1 \(.*01\.md:\d+\) cannot fail: it passed before the solve \("looks fine"\)/);
    assert.match(r.out, /FAIL\s+broken\s+fails\s+solve failed/);
    assert.match(r.out, /failed \(exit code 3\): disk full/);
    assert.match(r.out, /FAIL\s+nosolve\s+fails\s+no solve/);
    // min-length above the value's length: only the full value can be typed, and it is accepted.
    // An answer-only step fails before its solve because a decoy value is rejected.
    assert.match(r.out, /ok\s+read\s+fails\s+passes/);
    // A check that already passes is fine as a precondition while an answer still grades the step.
    assert.match(r.out, /ok\s+precondition\s+fails\s+passes/);
    // An expected value that changes between calls can never be typed right.
    assert.match(r.out, /FAIL\s+moving\s+fails\s+fails/);
    assert.match(r.out, /answer answer-1 \(.*\) rejects its own expected value: That does not match\./);
    assert.match(r.out, /^FAIL: 4 problem step\(s\)\.$/m);
    assert.match(readFileSync(junit, 'utf8'), /<failure message="before: cannot fail, after: passes">/);
  });

  it('--from runs the earlier solves first and tests from the named step', async () => {
    const dir = await fixture(
      'chain',
      `# Chain\n\n## One {#one}\n\n${fence}check\ntest -f a\n${fence}\n\n${fence}solve\ntouch a\n${fence}\n\n` +
        `## Two {#two}\n\n${fence}check\ntest -f a && test -f b\n${fence}\n\n${fence}solve\ntest -f a && touch b\n${fence}\n`,
    );
    const r = await kindlabTest([dir, '--from', 'two']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /ok\s+one\s+skipped\s+solved/);
    assert.match(r.out, /ok\s+two\s+fails\s+passes/);
    const bad = await kindlabTest([dir, '--from', 'three']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no step "three" \(steps: one, two\)/);
  });

  it('--repeat runs fresh environments and names flaky steps', async () => {
    const counter = join(root, 'runs');
    // The check reads a counter outside the environment: it passes after the solve only on even runs.
    const dir = await fixture(
      'flaky',
      `# Flaky\n\n## Sometimes {#sometimes}\n\n${fence}check\ntest -f made || exit 1\nn=$(cat ${counter} 2>/dev/null || echo 0)\n[ $((n % 2)) -eq 0 ]\n${fence}\n\n` +
        `${fence}solve\ntouch made\nn=$(cat ${counter} 2>/dev/null || echo 0); echo $((n + 1)) > ${counter}\n${fence}\n\n` +
        `## Steady {#steady}\n\n${fence}check\ntest -f made2\n${fence}\n\n${fence}solve\ntouch made2\n${fence}\n`,
    );
    const r = await kindlabTest([dir, '--repeat', '2']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /Run 1: lab flaky/);
    assert.match(r.out, /Run 2: lab flaky/);
    assert.match(r.out, /^Flaky across 2 runs: sometimes$/m);
    const names = [...r.err.matchAll(/provisioning local environment (\S+)/g)].map((m) => m[1]);
    assert.equal(new Set(names).size, 2, 'each run gets a fresh environment');
  });

  it('takes a lab id found under labs/ of its working directory, as the docs say', async () => {
    await mkdir(join(root, 'labs'));
    await fixture(join('labs', 'tiny'), `# Tiny\n\n## One {#one}\n\n${fence}check\ntest -f a\n${fence}\n\n${fence}solve\ntouch a\n${fence}\n`);
    const r = await kindlabTest(['tiny'], root);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /ok\s+one\s+fails\s+passes/);
  });

  it('prints the problems of a broken lab with file:line and exits 1', async () => {
    const dir = await fixture('broken', `# Broken\n\n## Step {#s}\n\n${fence}check timeout=soon\ntrue\n${fence}\n`);
    const r = await kindlabTest([dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /01\.md:\d+: error: /);
    assert.match(r.err, /has errors; fix them first/);
  });

  it('--keep leaves the environment for inspection', async () => {
    const dataDir = join(root, 'data');
    const r = await kindlabTest(['labs/hello-shell', '--from', 'pipes', '--keep', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.out);
    const sessions = readdirSync(join(dataDir, 'sessions'));
    assert.equal(sessions.length, 1);
    assert.ok(existsSync(join(dataDir, 'sessions', sessions[0]!, 'work', 'hello.txt')));
    assert.match(r.err, /kept: kindlab-test-/);
    assert.doesNotMatch(r.err, /env down/, 'a local environment is a folder: nothing on Docker to remove');
  });

  it('checks --junit and --data-dir before provisioning: exit 2, saying what is wrong, and nothing runs', async () => {
    const cases: [string[], RegExp][] = [
      [['--junit', join(root, 'missing', 'x.xml')], /^kindlab test: --junit .*missing\/x\.xml: the folder .*missing does not exist$/m],
      [['--junit', root], /^kindlab test: --junit .* is a folder; give a file to write, e.g\. .*junit\.xml$/m],
      [['--data-dir', '/etc/passwd'], /^kindlab test: --data-dir \/etc\/passwd is a file, not a folder$/m],
      [['--data-dir', '/etc/passwd/data'], /^kindlab test: --data-dir \/etc\/passwd\/data: \/etc\/passwd is a file, not a folder$/m],
    ];
    for (const [flags, message] of cases) {
      const r = await kindlabTest(['labs/hello-shell', ...flags]);
      assert.equal(r.code, 2, `${flags.join(' ')}: ${r.out}${r.err}`);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /provisioning/, 'nothing is provisioned for a bad flag');
      assert.equal(r.out, '');
    }
    assert.deepEqual(readdirSync(root), [], 'nothing was created for a bad flag');
  });

  it('says in one line, exit 1, when the JUnit file cannot be written at the end', async () => {
    // The step's solve removes the folder the JUnit file was to go to.
    const outDir = join(root, 'out');
    await mkdir(outDir);
    const dir = await fixture('vanish', `# Vanish\n\n## Remove {#remove}\n\n${fence}check\ntest ! -e ${outDir}\n${fence}\n\n${fence}solve\nrm -r ${outDir}\n${fence}\n`);
    const junit = join(outDir, 'junit.xml');
    const r = await kindlabTest([dir, '--junit', junit]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /^PASS/m);
    const lines = r.err.split('\n').filter((l) => l.includes('JUnit'));
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, /^kindlab test: could not write the JUnit XML to .*junit\.xml: ENOENT: no such file or directory/);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`on ${signal} stops before the next step, removes its environment and its data dir, exits ${code} and leaves no signal listener`, async () => {
      const listeners = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
      const out: string[] = [];
      const err: string[] = [];
      const dataDir = join(root, 'data');
      const args = ['labs/hello-shell', ...(signal === 'SIGTERM' ? ['--data-dir', dataDir] : [])];
      const onErr = (l: string) => {
        err.push(l);
        // As the shell delivers it to the process: the command's own handler is all that listens.
        if (/testing step pipes$/.test(l)) process.emit(signal, signal);
      };
      const r = await testCommand(args, { out: (l) => out.push(l), err: onErr, cwd: repo });
      const all = err.join('\n');
      assert.equal(r, code, all);
      assert.equal(out.join('\n'), '', 'no report for an interrupted run');
      assert.doesNotMatch(all, /testing step env-vars/, 'no step runs after the signal');
      const env = /provisioning local environment (kindlab-test-\S+)/.exec(all)?.[1];
      assert.ok(env, all);
      const own = signal === 'SIGTERM' ? '' : ' and its data folder \\S+kindlab-test-\\w+';
      assert.match(err.at(-1)!, new RegExp(`^kindlab test: interrupted by ${signal}; removed ${env}${own}\\.$`));
      if (signal === 'SIGTERM') assert.deepEqual(readdirSync(join(dataDir, 'sessions')), [], 'the session folder is removed; the given data dir stays');
      assert.deepEqual({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }, listeners);
    });
  }

  it('rejects bad usage with exit 2', async () => {
    assert.equal((await kindlabTest([])).code, 2);
    assert.equal((await kindlabTest(['labs/hello-shell', '--repeat', 'zero'])).code, 2);
    assert.equal((await kindlabTest(['labs/hello-shell', '--bogus'])).code, 2);
  });
});
