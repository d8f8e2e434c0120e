/**
 * The pod-by-hand lab, the way its author and its learner meet it, for real:
 *
 * 1. `kindlab prepare` then `kindlab test labs/pod-by-hand --junit …`, run as
 *    the real CLI in a child process: every step fails before its solve and
 *    passes after it, the JUnit file agrees, and the run leaves nothing behind
 *    (no labelled container/network/volume, no cgroup of an inner container).
 * 2. What `kindlab test` cannot see: the commands the chapter's `run` buttons
 *    type, run as written in a fresh machine, make every check pass and every
 *    answer resolve from live state (so the prose is right, not only the solves).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allSteps, type Lab } from '../../common/lab.js';
import { ContainersEnvironment } from '../../cluster/containers/containers-environment.js';
import { dockerExec } from '../../cluster/docker/docker-exec.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { runTool } from '../../cluster/tool.js';
import { compareAnswer, expectedAnswer, runStepChecks } from '../../server/checks/runner.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { loadLab } from '../../server/labs/loader.js';
import { runKindlab, writeCliEntry } from '../helpers/cli.js';
import { labelledObjects } from '../helpers/docker.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const LAB_DIR = join(REPO, 'labs', 'pod-by-hand');
const STEPS = ['sandbox', 'app', 'loopback', 'inspect', 'shared-files', 'namespaces', 'share-pids', 'teardown'];
/** cgroup v1 controllers an inner container's cgroup would be left in if its machine went away uncleanly. */
const CGROUP_ROOTS = ['memory', 'pids', 'cpu,cpuacct', 'blkio', 'devices', 'freezer'].map((c) => `/sys/fs/cgroup/${c}`);

/** Every container-ID-named cgroup directory (nested ones too: an inner engine's containers sit below their machine's). */
function containerCgroups(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return; // gone while we looked, or no such controller
    }
    for (const n of names) {
      const p = join(dir, n);
      if (/^[0-9a-f]{64}$/.test(n)) found.add(p);
      if (depth < 4) walk(p, depth + 1);
    }
  };
  for (const root of CGROUP_ROOTS) walk(root, 0);
  return found;
}

/**
 * New container cgroups that belong to no live container. A container being
 * removed (a neighbour's, or an inner one whose engine is still tearing down)
 * holds its cgroup for a moment, so this looks again for up to 10 s; a leaked
 * cgroup stays for good.
 */
async function leakedCgroups(before: ReadonlySet<string>): Promise<string[]> {
  const fresh = () => [...containerCgroups()].filter((p) => !before.has(p));
  const live = async () => new Set((await runTool('docker', ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean));
  const orphaned = async () => {
    const ids = await live();
    return fresh().filter((p) => !p.split('/').some((part) => ids.has(part)));
  };
  const end = Date.now() + 10_000;
  for (;;) {
    const left = await orphaned();
    if (left.length === 0 || Date.now() > end) return left;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What carries the session's label: container, network, volume. */
function labelled(session: string): Promise<string[]> {
  return labelledObjects(`${LABEL_SESSION}=${session}`);
}

describe('pod-by-hand lab, end to end through the real kindlab CLI', function () {
  // Cold image builds take a few minutes once (cached by tag after that); the lab itself runs in ~20 s.
  this.timeout(10 * 60_000);
  const registry = createBuiltinRegistry();
  let lab: Lab;
  let dir: string;
  let entry: string;
  let cgroupsBefore: Set<string>;
  let childrenBefore: string[];
  let tmpBefore: Set<string>;
  const sessions: string[] = [];

  before(async () => {
    childrenBefore = childProcesses();
    tmpBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-')));
    cgroupsBefore = containerCgroups();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-pbh-'));
    entry = writeCliEntry(dir);
    const loaded = await loadLab(LAB_DIR, registry);
    assert.deepEqual(loaded.problems, []);
    assert.ok(loaded.lab);
    lab = loaded.lab;
  });

  after(async () => {
    for (const s of sessions) await new ContainersEnvironment({ type: 'containers', machines: [] }, { sessionId: s, labId: lab.id, labFilesDir: lab.filesDir, dataDir: dir }).destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kindlab prepare readies the images, as a user would run it', async () => {
    const r = await runKindlab(entry, ['prepare', 'labs/pod-by-hand'], 15 * 60_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    // The machine's own image and the images its inner engine loads: prepare covers them all.
    for (const tag of ['kindlab/dind:1', 'kindlab/pause:1', 'kindlab/hello-app:1']) assert.match(r.stdout, new RegExp(`^✓ ${tag}\\b`, 'm'));
    assert.match(r.stdout, /^Ready: the lab can start without a registry\.$/m);
  });

  it('kindlab test labs/pod-by-hand --junit: exit 0, every step fails before and passes after, JUnit has no failures', async () => {
    const junit = join(dir, 'junit.xml');
    const r = await runKindlab(entry, ['test', 'labs/pod-by-hand', '--junit', junit], 5 * 60_000);
    const envName = /^lab pod-by-hand on kindlab-(test-[0-9a-f]+) /m.exec(r.stdout)?.[1];
    if (envName) sessions.push(envName);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(envName, r.stdout);
    for (const id of STEPS) assert.match(r.stdout, new RegExp(`^\\s+ok\\s+${id}\\s+fails\\s+passes\\s+\\d+$`, 'm'), `step ${id}:\n${r.stdout}`);
    assert.equal([...r.stdout.matchAll(/^\s+(ok|FAIL)\s+\S+\s/gm)].length, STEPS.length, r.stdout);
    assert.match(r.stdout, /^PASS: every step fails before its solve and passes after it\.$/m);
    // Progress went to stderr, stage by stage, the inner engine included.
    assert.match(r.stderr, /Starting Docker inside kindlab-test-[0-9a-f]+-node done \(\d+ ms\): Docker /);
    assert.match(r.stderr, /Loading image kindlab\/hello-app:1 into .* (done|already loaded)/);

    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, new RegExp(`<testsuite name="pod-by-hand" tests="${STEPS.length}" failures="0"`));
    assert.equal([...xml.matchAll(/<testcase /g)].length, STEPS.length);
    assert.doesNotMatch(xml, /<failure/);

    // Nothing of the run is left: not the machine, its network, its /var/lib/docker volume, nor its data dir.
    assert.deepEqual(await labelled(envName), []);
  });

  it("the chapter's own run commands, typed as written, do each step", async () => {
    const sessionId = `test-pbh-${randomBytes(4).toString('hex')}`;
    sessions.push(sessionId);
    assert.equal(lab.environment.type, 'containers');
    if (lab.environment.type !== 'containers') return;
    const env = new ContainersEnvironment(lab.environment, { sessionId, labId: lab.id, labFilesDir: lab.filesDir, dataDir: dir });
    try {
      const provision = await env.provision();
      assert.ok(provision.ok, provision.ok ? '' : `${provision.stage}: ${provision.message}`);
      const answers = new Map<string, string>();
      for (const step of allSteps(lab)) {
        for (const run of step.runs) {
          // A Run button types into the node's interactive bash, in the home folder the chapter uses.
          const target = lab.terminals.find((t) => t.name === run.terminal)?.target ?? run.terminal;
          const r = await dockerExec(env.containerName(target), run.command, { timeoutMs: 60_000, shell: 'bash', cwd: '/root' });
          assert.ok(!r.timedOut, `a run command of ${step.id} timed out: ${run.command}`);
        }
        const results = await runStepChecks(step, env, registry);
        for (const r of results) assert.equal(r.status, 'passed', `after the run commands of ${step.id}: ${r.checkId}: ${r.message}`);
        for (const a of step.answers) {
          const expected = await expectedAnswer(a, env, registry);
          assert.ok(expected.ok, `answer ${a.id}: ${expected.ok ? '' : expected.result.message}`);
          assert.ok(compareAnswer(a, expected.value, expected.value).ok);
          answers.set(a.id, expected.value);
        }
      }
      // The answers are the facts the chapter talks about.
      assert.match(answers.get('sandbox-id') ?? '', /^[0-9a-f]{64}$/);
      assert.equal(answers.get('network-owner'), 'web-sandbox');
      assert.equal(answers.get('files-owner'), answers.get('sandbox-id'), 'resolv.conf lives in the sandbox folder');
      assert.match(answers.get('app-pid') ?? '', /^\d+$/);
      assert.match(answers.get('netns-inode') ?? '', /^\d+$/);
    } finally {
      await env.destroy();
    }
  });

  it('leaves nothing behind: labelled objects, inner cgroups, processes, data dirs', async () => {
    assert.equal(sessions.length, 2);
    for (const s of sessions) assert.deepEqual(await labelled(s), [], `session ${s}`);
    assert.deepEqual(await leakedCgroups(cgroupsBefore), []);
    await assertNoNewChildren(childrenBefore);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-') && !tmpBefore.has(n)), [], 'kindlab test left its data dir behind');
  });
});
