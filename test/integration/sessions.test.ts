import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnswerSpec, CheckSpec, Lab, ScriptSpec, Step } from '../../common/lab.js';
import type { StepState } from '../../common/check.js';
import type { EnvironmentSpec } from '../../common/lab.js';
import type { EnvironmentInit } from '../../cluster/environment.js';
import { LocalEnvironment } from '../../cluster/local/local-environment.js';
import { BuiltinRegistry } from '../../server/checks/builtin.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SessionManager } from '../../server/sessions/session-manager.js';
import type { Session } from '../../server/sessions/session.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';

const pos = { file: 'chapters/01.md', line: 1 };
const check = (script: string, extra: Partial<CheckSpec> = {}): CheckSpec =>
  ({ kind: 'shell', id: 'check-1', target: 'local', timeoutMs: 5000, mode: 'click', pos, script, ...extra }) as CheckSpec;
const script = (s: string): ScriptSpec => ({ target: 'local', script: s, timeoutMs: 5000, pos });
const step = (id: string, s: Partial<Step>): Step => ({ id, title: id, chapter: 'basics', checks: [], answers: [], solves: [], setups: [], hints: [], runs: [], pos, ...s });

const uidAnswer: AnswerSpec = { id: 'secret', prompt: 'What is in secret.txt?', target: 'local', timeoutMs: 5000, match: 'exact', minLength: 1, source: { kind: 'shell', script: 'cat secret.txt' }, pos };

function fixtureLab(dir: string): Lab {
  const steps = [
    step('greet', {
      checks: [check('test -f hello.txt || { echo "hello.txt is missing"; exit 1; }; echo "found hello.txt"')],
      solves: [script('echo hi > hello.txt')],
      setups: [script('echo run >> setup-count; echo s3cr3t > secret.txt')],
    }),
    step('count', { checks: [check('test "$(wc -l < hello.txt)" -ge 2 || { echo "hello.txt has fewer than 2 lines"; exit 1; }', { mode: 'watch' })], solves: [script('echo again >> hello.txt')] }),
    step('read', { answers: [uidAnswer], solves: [script('true')] }),
    step('broken-solve', { checks: [check('test -f never')], solves: [script('echo "cannot do it" >&2; exit 2')] }),
  ];
  return {
    id: 'fixture',
    title: 'Fixture',
    summary: 'A test lab',
    dir,
    environment: { type: 'local' },
    terminals: [{ name: 'shell', target: 'local' }],
    chapters: [{ id: 'basics', title: 'Basics', file: 'chapters/01.md', steps, html: '' }],
    filesDir: join(dir, 'files'),
  };
}

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sessions (real SQLite, real bash, real PTY)', () => {
  let root: string;
  let lab: Lab;
  let store: SqliteStore;
  let manager: SessionManager;
  // Taken when the suite starts, not when mocha loads the file: what ran in between is not this suite's.
  let childrenBefore: string[] = [];
  before(() => {
    childrenBefore = childProcesses();
  });

  const newManager = (extra: { dataDir?: string; diagnose?: () => Promise<never[]> } = {}) =>
    new SessionManager({
      store,
      labs: () => new Map([[lab.id, lab]]),
      createEnvironment: (spec: EnvironmentSpec, init: EnvironmentInit) => new LocalEnvironment(spec as { type: 'local' }, init),
      registry: new BuiltinRegistry(),
      dataDir: extra.dataDir ?? join(root, 'data'),
      terminalGraceMs: 60_000,
      watchIntervalMs: 50,
      ...(extra.diagnose ? { diagnose: extra.diagnose } : {}),
    });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kindlab-sessions-'));
    lab = fixtureLab(root);
    await mkdir(lab.filesDir, { recursive: true });
    await writeFile(join(lab.filesDir, 'pod.yaml'), 'kind: Pod\n');
    store = new SqliteStore(join(root, 'data'));
    manager = newManager();
  });

  afterEach(async () => {
    for (const s of manager.list()) await manager.destroy(s.id);
    await manager.dispose();
    store.close();
    await rm(root, { recursive: true, force: true });
    // Shells get SIGHUP on dispose and take a moment to exit: wait for them (a leaked one stays).
    await assertNoNewChildren(childrenBefore, 5000, 'a process outlived the test');
  });

  async function ready(): Promise<Session> {
    const s = await manager.open('fixture');
    const r = await s.start();
    assert.equal(r.ok, true, JSON.stringify(r));
    return s;
  }

  it('provisions in the background, copies files, runs setups and reports progress in the snapshot', async () => {
    const s = await manager.open('fixture');
    assert.equal(await manager.open('fixture'), s, 'one session per learner and lab');
    const envStates: string[] = [];
    s.onEnvState((e) => envStates.push(e.environment));
    await s.start();
    const snap = s.snapshot();
    assert.equal(snap.environment, 'ready');
    assert.equal(snap.labId, 'fixture');
    assert.ok(snap.provision?.ok);
    assert.deepEqual(
      snap.progress.map((p) => `${p.stage}:${p.status}`),
      // The environment copies the lab's files while it prepares the working directory.
      ['Preparing working directory:started', 'Preparing working directory:done', 'Running setup:started', 'Running setup:done'],
    );
    assert.deepEqual(snap.terminals.map((t) => t.name), ['shell']);
    assert.deepEqual(snap.steps.map((x) => x.status), ['not-started', 'not-started', 'not-started', 'not-started']);
    const work = s.environment.workdir('local');
    assert.equal(readFileSync(join(work, 'pod.yaml'), 'utf8'), 'kind: Pod\n');
    assert.equal(readFileSync(join(work, 'setup-count'), 'utf8'), 'run\n');
    assert.ok(envStates.includes('ready'));
  });

  it('grades steps: failed, then passed, with every attempt and state change stored', async () => {
    const s = await ready();
    const seen: StepState[] = [];
    s.onStepState((x) => seen.push(x));
    const fail = await s.runChecks('greet');
    assert.equal(fail.status, 'failed');
    assert.equal(fail.results[0]?.message, 'hello.txt is missing');
    await writeFile(join(s.environment.workdir('local'), 'hello.txt'), 'hi\n');
    const pass = await s.runChecks('greet');
    assert.deepEqual([pass.status, pass.attempts, pass.results[0]?.message], ['passed', 2, 'found hello.txt']);
    assert.deepEqual(seen.map((x) => x.status), ['failed', 'passed']);
    assert.deepEqual(store.attempts(s.id, 'greet').map((a) => a.result.status), ['failed', 'passed']);
    assert.deepEqual(
      store.events(s.id).filter((e) => e.type === 'step:state').map((e) => e.data.to),
      ['failed', 'passed'],
    );
    assert.throws(() => s.runChecks('nope'), /no step nope/);
  });

  it('keeps progress across a new SessionManager on the same database, adopting the environment', async () => {
    const s = await ready();
    await writeFile(join(s.environment.workdir('local'), 'hello.txt'), 'hi\n');
    await s.runChecks('greet');
    await manager.dispose();
    store.close();

    store = new SqliteStore(join(root, 'data'));
    manager = newManager();
    const again = await manager.open('fixture');
    assert.equal(again.id, s.id);
    assert.equal(again.snapshot().steps[0]?.status, 'passed');
    const r = await again.start();
    assert.ok(r.ok && r.adopted);
    assert.equal(readFileSync(join(again.environment.workdir('local'), 'setup-count'), 'utf8'), 'run\n', 'setups ran again on an adopted environment');
  });

  it('marks a passed step that breaks as regressed on recheck, and passed again once fixed', async () => {
    const s = await ready();
    const hello = join(s.environment.workdir('local'), 'hello.txt');
    await writeFile(hello, 'hi\n');
    assert.equal((await s.runChecks('greet')).status, 'passed');
    await rm(hello);
    const [r] = await s.recheck();
    assert.deepEqual([r?.stepId, r?.status], ['greet', 'regressed']);
    assert.equal(store.attempts(s.id, 'greet').at(-1)?.kind, 'recheck');
    await writeFile(hello, 'hi\n');
    assert.equal((await s.runChecks('greet')).status, 'passed');
  });

  it('watches a step until it passes, then stops; never overlapping runs', async () => {
    const s = await ready();
    const hello = join(s.environment.workdir('local'), 'hello.txt');
    await writeFile(hello, 'one\n');
    s.setWatch('count', true);
    s.setWatch('count', true); // a second request does not start a second loop
    assert.deepEqual(s.watching(), ['count']);
    // The first tick runs a real bash: wait for its verdict rather than a fixed time a busy machine may not meet.
    await until(() => s.stateOf('count').status === 'in-progress');
    await writeFile(hello, 'one\ntwo\n');
    await until(() => s.stateOf('count').status === 'passed');
    await until(() => s.watching().length === 0);
    const attempts = store.attempts(s.id, 'count').map((a) => a.result.status);
    assert.deepEqual(attempts, ['failed', 'passed'], 'watch stores only changes of outcome');
    const n = s.stateOf('count').updatedAt;
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(s.stateOf('count').updatedAt, n, 'the watch kept running after the pass');
  });

  it('solves through a step: runs earlier unsolved solves, checks each, fills answers, stops at a failing solve', async () => {
    const s = await ready();
    const states = await s.solveThrough('read');
    assert.deepEqual(states.map((x) => [x.stepId, x.status]), [['greet', 'passed'], ['count', 'passed'], ['read', 'passed']]);
    const more = await s.solveThrough('broken-solve');
    assert.deepEqual(more.map((x) => x.stepId), ['broken-solve'], 'passed steps are not solved again');
    assert.equal(more[0]?.status, 'failed');
    assert.match(more[0]?.results.at(-1)?.message ?? '', /failed \(exit code 2\): cannot do it/);
  });

  it('checks answers without executing them', async () => {
    const s = await ready();
    const marker = join(root, 'pwned');
    const wrong = await s.submitAnswer('read', 'secret', `$(touch ${marker})`);
    assert.deepEqual([wrong.status, wrong.results[0]?.message], ['failed', 'That does not match.']);
    assert.equal(existsSync(marker), false);
    assert.equal((await s.submitAnswer('read', 'secret', 's3cr3t')).status, 'passed');
  });

  it('starts terminals in the environment and closes them on dispose', async () => {
    const s = await ready();
    let out = '';
    const term = s.terminals.get('shell')!;
    term.attach({ output: (f) => (out += f.data.toString('utf8')) }, 0, { cols: 80, rows: 24 });
    term.write('echo "in $PWD"\r');
    await until(() => out.includes(`in ${s.environment.workdir('local')}`));
    assert.equal(s.snapshot().terminals[0]?.status, 'live');
    // afterEach destroys the session and asserts the shell is gone.
  });

  it('explains a failed provisioning with the diagnosis', async () => {
    await manager.dispose();
    const blocker = join(root, 'not-a-dir');
    await writeFile(blocker, '');
    manager = newManager({ dataDir: blocker, diagnose: () => Promise.resolve([]) });
    const s = await manager.open('fixture');
    const r = await s.start();
    assert.equal(r.ok, false);
    const snap = s.snapshot();
    assert.equal(snap.environment, 'failed');
    assert.deepEqual(snap.diagnosis, []);
    const c = await s.runChecks('greet');
    assert.equal(c.results[0]?.status, 'error');
    assert.match(c.results[0]?.message ?? '', /not ready/);
    // Nothing was created under the blocked data dir, so there is nothing to destroy.
    await manager.dispose();
    manager = newManager();
  });

  it('destroy removes the environment and the stored progress', async () => {
    const s = await ready();
    const work = s.environment.workdir('local');
    assert.ok(existsSync(work));
    assert.equal(await manager.destroy(s.id), true);
    assert.equal(existsSync(work), false);
    assert.equal(store.getSession(s.id), undefined);
    assert.equal(manager.get(s.id), undefined);
  });
});
