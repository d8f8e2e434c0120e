/**
 * The pod-by-hand lab, run for real: a Docker-in-Docker machine is started
 * the way the containers environment starts one, the lab is loaded with the
 * real loader, and every step is graded with the real check runner through
 * `docker exec`:
 *
 * 1. solve pass (what `kindlab test` does): each check fails before the step,
 *    the solve succeeds, each check passes after; answers then have a live
 *    expected value that accepts the right input and rejects a wrong one.
 * 2. learner pass: the commands the chapter's `run` buttons type are run as
 *    written, and every check passes after them (so the prose is right).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Lab, Step } from '../../common/lab.js';
import { allSteps } from '../../common/lab.js';
import { dindRunArgs, readyDind } from '../../cluster/containers/dind.js';
import { dockerExec } from '../../cluster/docker/docker-exec.js';
import { EnvironmentError, LABEL_SESSION } from '../../cluster/environment.js';
import { ensureImage } from '../../cluster/images/ensure-image.js';
import { runTool } from '../../cluster/tool.js';
import { compareAnswer, expectedAnswer, runScript, runStepChecks, type ExecEnvironment } from '../../server/checks/runner.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { loadLab } from '../../server/labs/loader.js';

const LAB_DIR = new URL('../../labs/pod-by-hand', import.meta.url).pathname;
const session = `test-pbh-${randomBytes(4).toString('hex')}`;
const machine = `kindlab-${session}-node`;
const registry = createBuiltinRegistry();

const env: ExecEnvironment = {
  targets: () => [{ name: 'node', address: machine }],
  exec(target, script, options) {
    if (target !== 'node') throw new EnvironmentError(`unknown target ${target}`);
    return dockerExec(machine, script, { ...options, cwd: '/root' });
  },
};

async function leftovers(): Promise<string[]> {
  const c = (await runTool('docker', ['ps', '-aq', '--filter', `label=${LABEL_SESSION}=${session}`])).stdout.split('\n').filter(Boolean);
  const v = (await runTool('docker', ['volume', 'ls', '-q', '--filter', `label=${LABEL_SESSION}=${session}`])).stdout.split('\n').filter(Boolean);
  return [...c, ...v];
}

async function removeAll(): Promise<void> {
  await runTool('docker', ['rm', '-f', '-v', machine], { timeoutMs: 60_000 }).catch(() => undefined);
}

function describeResults(step: Step, results: readonly { checkId: string; status: string; message: string }[]): string {
  return `${step.id}: ${results.map((r) => `${r.checkId}=${r.status} (${r.message})`).join('; ')}`;
}

describe('pod-by-hand lab, run for real in a Docker-in-Docker machine', function () {
  // Cold image builds take about a minute (cached by tag after that); the lab itself runs in seconds.
  this.timeout(8 * 60_000);
  let lab: Lab;

  before(async () => {
    const loaded = await loadLab(LAB_DIR, registry);
    assert.deepEqual(loaded.problems, []);
    assert.ok(loaded.lab);
    lab = loaded.lab;
    assert.equal(lab.environment.type, 'containers');
    const spec = lab.environment.type === 'containers' ? lab.environment.machines[0] : undefined;
    assert.ok(spec?.dind);
    for (const tag of [spec.image, ...(spec.loadImages ?? [])]) {
      const r = await ensureImage(tag);
      assert.ok(r.ok, r.ok ? '' : r.message);
    }
    const { args } = await dindRunArgs({ labels: { [LABEL_SESSION]: session }, log: () => {} });
    await runTool('docker', ['run', '-d', '--name', machine, '--hostname', 'node', '--label', `${LABEL_SESSION}=${session}`, ...args, spec.image], { timeoutMs: 60_000 });
    await readyDind(machine, spec.loadImages ?? [], () => {});
  });

  after(async () => {
    await removeAll();
  });

  it('every step: checks fail before, the solve works, checks pass after, answers come from live state', async () => {
    const steps = allSteps(lab);
    assert.deepEqual(
      steps.map((s) => s.id),
      ['sandbox', 'app', 'loopback', 'inspect', 'shared-files', 'namespaces', 'share-pids', 'teardown'],
    );
    const answers = new Map<string, string>();
    for (const step of steps) {
      const before = await runStepChecks(step, env, registry);
      for (const r of before) assert.equal(r.status, 'failed', `before solving ${describeResults(step, before)}`);
      for (const solve of step.solves) {
        const r = await runScript(solve, env, 'solve');
        assert.equal(r.status, 'passed', `solve of ${step.id}: ${r.message}`);
      }
      const after = await runStepChecks(step, env, registry);
      for (const r of after) assert.equal(r.status, 'passed', `after solving ${describeResults(step, after)}`);
      for (const answer of step.answers) {
        const expected = await expectedAnswer(answer, env, registry);
        assert.ok(expected.ok, `answer ${answer.id}: ${expected.ok ? '' : expected.result.message}`);
        answers.set(answer.id, expected.value);
        assert.ok(compareAnswer(answer, expected.value, expected.value).ok, `${answer.id} accepts its own value`);
        assert.ok(!compareAnswer(answer, expected.value, `x${expected.value}`).ok, `${answer.id} rejects a wrong value`);
        if (answer.match === 'prefix') assert.ok(compareAnswer(answer, expected.value, expected.value.slice(0, answer.minLength)).ok, `${answer.id} accepts a ${answer.minLength}-character prefix`);
      }
    }
    // The answers are the facts the chapter talks about.
    assert.match(answers.get('sandbox-id') ?? '', /^[0-9a-f]{64}$/);
    assert.equal(answers.get('network-owner'), 'web-sandbox');
    assert.equal(answers.get('files-owner'), answers.get('sandbox-id'), 'resolv.conf lives in the sandbox folder');
    assert.match(answers.get('nameserver') ?? '', /^[0-9a-f.:]+$/);
    assert.match(answers.get('app-pid') ?? '', /^\d+$/);
    assert.match(answers.get('netns-inode') ?? '', /^\d+$/);
  });

  it("the chapter's own run commands do each step", async () => {
    // Start again from an empty node: the teardown step removed the pod; drop the learner's files too.
    await dockerExec(machine, 'rm -f /root/from-sandbox.html /root/web-app.json; docker rm -f $(docker ps -aq) >/dev/null 2>&1; true', { timeoutMs: 30_000 });
    for (const step of allSteps(lab)) {
      for (const run of step.runs) {
        // Typed into an interactive bash by the Run button; run it with bash here.
        const r = await dockerExec(machine, run.command, { timeoutMs: 60_000, shell: 'bash', cwd: '/root' });
        assert.ok(!r.timedOut, `run in ${step.id} timed out`);
      }
      const results = await runStepChecks(step, env, registry);
      for (const r of results) assert.equal(r.status, 'passed', `after the run commands of ${describeResults(step, results)}`);
    }
  });

  it('leaves nothing behind', async () => {
    await removeAll();
    assert.deepEqual(await leftovers(), []);
  });
});
