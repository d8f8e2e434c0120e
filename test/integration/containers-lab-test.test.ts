/**
 * `kindlab test labs/two-machines --repeat 2`, run as the real CLI in a child
 * process against real Docker: both runs pass every step on their own fresh
 * environment (two busybox machines on a private network), no step is flaky,
 * and neither run leaves a container, network, volume, process or data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeSession } from '../../cluster/containers/containers-environment.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { buildLabImages } from '../../cluster/images/build-lab-images.js';
import { runKindlab, writeCliEntry } from '../helpers/cli.js';
import { labelledObjects } from '../helpers/docker.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';

const STEPS = ['beta-address', 'message', 'web'];

describe('kindlab test on a containers lab (two-machines, real Docker, real CLI)', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let entry: string;
  let childrenBefore: string[];
  let tmpBefore: Set<string>;
  let sessions: string[] = [];

  before(async () => {
    childrenBefore = childProcesses();
    tmpBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-')));
    dir = mkdtempSync(join(tmpdir(), 'kindlab-tm-'));
    entry = writeCliEntry(dir);
    for (const r of await buildLabImages(['kindlab/busybox:1'], () => undefined)) assert.ok(r.ok, r.ok ? '' : r.message);
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
