/**
 * `kindlab test` as a library: provision a lab's environment, run its setups,
 * then for every step prove that it cannot be passed before its solve (a check
 * fails, or an answer rejects a decoy) and that its checks pass after it, and that every answer's script or probe yields a value the answer
 * comparison accepts. `repeat` runs the whole lab again on fresh environments
 * and names the steps whose outcome changed (flaky).
 */
import { randomBytes } from 'node:crypto';
import { allSteps, type EnvironmentSpec, type Lab, type Step } from '../../common/lab.js';
import type { CheckResult } from '../../common/check.js';
import type { ProgressEvent, ProvisionResult } from '../../common/environment.js';
import { WATCH_INTERVAL_MS } from '../../common/protocol.js';
import type { Environment, EnvironmentInit } from '../../cluster/environment.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import { expectedAnswer, runAnswer, runCheck, runScript, runStepChecks } from '../checks/runner.js';

/** A watched check is re-run after its solve for up to this long, as a learner's page would. */
export const DEFAULT_WATCH_SETTLE_MS = 30_000;

export interface LabTestOptions {
  readonly createEnvironment: (spec: EnvironmentSpec, init: EnvironmentInit) => Environment;
  readonly registry: BuiltinRegistry;
  readonly dataDir: string;
  /** Start testing at this step; the solves of the steps before it run first, unchecked. */
  readonly from?: string;
  /** Run the whole lab this many times, each on a fresh environment. */
  readonly repeat?: number;
  /** Leave the environments in place (for debugging a failing lab). */
  readonly keep?: boolean;
  readonly watchSettleMs?: number;
  readonly onProgress?: (e: ProgressEvent, run: number) => void;
  /** A line about what is happening (e.g. "step create-file"), for the CLI's stderr. */
  readonly onStatus?: (line: string) => void;
}

/** How a step's checks behaved before / after its solve, in one word or two. */
export type BeforeOutcome = 'fails' | 'cannot fail' | 'error' | 'no checks' | 'skipped';
export type AfterOutcome = 'passes' | 'fails' | 'solve failed' | 'no solve' | 'solved' | 'skipped';

export interface StepOutcome {
  readonly stepId: string;
  readonly title: string;
  /** file:line of the step's heading. */
  readonly where: string;
  readonly before: BeforeOutcome;
  readonly after: AfterOutcome;
  readonly ms: number;
  /** Plain sentences; empty when the step is fine. */
  readonly problems: readonly string[];
  readonly ok: boolean;
}

export interface RunReport {
  readonly run: number;
  /** The environment's name (to inspect it with --keep). */
  readonly environment: string;
  readonly provision: ProvisionResult;
  /** Set when setups or file copying failed: no step was tested. */
  readonly setupProblem?: string;
  readonly steps: readonly StepOutcome[];
  readonly ms: number;
  readonly ok: boolean;
}

export interface LabTestReport {
  readonly labId: string;
  readonly runs: readonly RunReport[];
  /** Steps whose outcome differed between runs. */
  readonly flaky: readonly string[];
  readonly ok: boolean;
}

export class LabTestError extends Error {}

export async function runLabTest(lab: Lab, o: LabTestOptions): Promise<LabTestReport> {
  const steps = allSteps(lab);
  if (o.from !== undefined && !steps.some((s) => s.id === o.from)) {
    throw new LabTestError(`--from: lab ${lab.id} has no step "${o.from}" (steps: ${steps.map((s) => s.id).join(', ')})`);
  }
  const repeat = Math.max(1, o.repeat ?? 1);
  const runs: RunReport[] = [];
  for (let run = 1; run <= repeat; run++) runs.push(await runOnce(lab, o, run));
  const flaky = steps
    .map((s) => s.id)
    .filter((id) => {
      const oks = new Set(runs.map((r) => r.steps.find((x) => x.stepId === id)?.ok).filter((x) => x !== undefined));
      return oks.size > 1;
    });
  return { labId: lab.id, runs, flaky, ok: runs.every((r) => r.ok) && flaky.length === 0 };
}

async function runOnce(lab: Lab, o: LabTestOptions, run: number): Promise<RunReport> {
  const started = performance.now();
  const sessionId = `test-${randomBytes(4).toString('hex')}`;
  const env = o.createEnvironment(lab.environment, { sessionId, labId: lab.id, labFilesDir: lab.filesDir, dataDir: o.dataDir });
  const off = env.onProgress((e) => o.onProgress?.(e, run));
  const ms = () => Math.round(performance.now() - started);
  try {
    o.onStatus?.(`run ${run}: provisioning ${lab.environment.type} environment ${env.name}`);
    const provision = await env.provision();
    if (!provision.ok) return { run, environment: env.name, provision, steps: [], ms: ms(), ok: false };
    const setupProblem = await prepare(lab, env, provision.adopted);
    if (setupProblem) return { run, environment: env.name, provision, setupProblem, steps: [], ms: ms(), ok: false };
    const outcomes = await testSteps(lab, env, o, run);
    return { run, environment: env.name, provision, steps: outcomes, ms: ms(), ok: outcomes.every((s) => s.ok) };
  } finally {
    off();
    if (!o.keep) await env.destroy();
  }
}

/** What a learner's session does on a fresh environment (which has copied the lab's files itself): run setups in document order. */
async function prepare(lab: Lab, env: Environment, adopted: boolean): Promise<string | undefined> {
  if (adopted) return undefined;
  for (const s of allSteps(lab).flatMap((st) => st.setups)) {
    const r = await runScript(s, env, 'setup');
    if (r.status !== 'passed') return r.message;
  }
  return undefined;
}

async function testSteps(lab: Lab, env: Environment, o: LabTestOptions, run: number): Promise<StepOutcome[]> {
  const steps = allSteps(lab);
  const fromIndex = o.from === undefined ? 0 : steps.findIndex((s) => s.id === o.from);
  const out: StepOutcome[] = [];
  for (const [i, step] of steps.entries()) {
    o.onStatus?.(`run ${run}: ${i < fromIndex ? 'solving' : 'testing'} step ${step.id}`);
    const outcome = i < fromIndex ? await solveOnly(step, env) : await testStep(step, env, o);
    out.push(outcome);
  }
  return out;
}

const where = (step: Step) => `${step.pos.file}:${step.pos.line}`;
const at = (pos: { file: string; line: number }) => `${pos.file}:${pos.line}`;

/** A step before --from: its solves must work, nothing else is judged. */
async function solveOnly(step: Step, env: Environment): Promise<StepOutcome> {
  const started = performance.now();
  const problems: string[] = [];
  for (const s of step.solves) {
    const r = await runScript(s, env, 'solve');
    if (r.status !== 'passed') {
      problems.push(r.message);
      break;
    }
  }
  return outcome(step, 'skipped', problems.length ? 'solve failed' : 'solved', started, problems);
}

function outcome(step: Step, before: BeforeOutcome, after: AfterOutcome, started: number, problems: string[]): StepOutcome {
  return { stepId: step.id, title: step.title, where: where(step), before, after, ms: Math.round(performance.now() - started), problems, ok: problems.length === 0 };
}

async function testStep(step: Step, env: Environment, o: LabTestOptions): Promise<StepOutcome> {
  const started = performance.now();
  const problems: string[] = [];

  // Before the solve the step must not be complete: a learner who has done nothing must not pass it.
  // A check may pass early when it is a precondition (the pod still runs) as long as something else
  // in the step (another check, or an answer the learner must find) still fails; a step whose every
  // check passes already, with no answer to give, can never tell the learner anything.
  let before: BeforeOutcome = 'no checks';
  if (step.checks.length || step.answers.length) {
    const results = step.checks.length ? await runStepChecks(step, env, o.registry) : [];
    const early: string[] = [];
    before = 'fails';
    for (const [i, r] of results.entries()) {
      const c = step.checks[i]!;
      if (r.status === 'passed') early.push(`check ${c.id} (${at(c.pos)}) cannot fail: it passed before the solve ("${r.message}")`);
      else if (r.status !== 'failed') {
        before = 'error';
        problems.push(`check ${c.id} (${at(c.pos)}) did not run cleanly before the solve: ${r.status}: ${r.message}`);
      }
    }
    if (step.answers.length === 0 && results.length > 0 && early.length === results.length) {
      before = 'cannot fail';
      problems.push(...early);
    }
    // An answer must reject a value nobody would type; one that accepts anything grades nothing.
    for (const a of step.answers) {
      const decoy = `kindlab-decoy-${randomBytes(6).toString('hex')}`;
      const r = await runAnswer(a, decoy, env, o.registry);
      if (r.status === 'passed') {
        before = 'cannot fail';
        problems.push(`answer ${a.id} (${at(a.pos)}) accepts anything: it took "${decoy}"`);
      }
    }
  }

  if (step.solves.length === 0) {
    problems.push(`step ${step.id} (${where(step)}) has no solve, so kindlab test cannot exercise it`);
    return outcome(step, before, 'no solve', started, problems);
  }
  for (const s of step.solves) {
    const r = await runScript(s, env, 'solve');
    if (r.status !== 'passed') {
      problems.push(r.message);
      return outcome(step, before, 'solve failed', started, problems);
    }
  }

  // After the solve: every check must pass; a watched check gets the time a learner's page would give it.
  let after: AfterOutcome = 'passes';
  const results = await runStepChecks(step, env, o.registry);
  const settleUntil = performance.now() + (o.watchSettleMs ?? DEFAULT_WATCH_SETTLE_MS);
  for (const [i, c] of step.checks.entries()) {
    let r: CheckResult = results[i]!;
    while (r.status !== 'passed' && c.mode === 'watch' && performance.now() + WATCH_INTERVAL_MS < settleUntil) {
      await new Promise((res) => setTimeout(res, WATCH_INTERVAL_MS));
      r = await runCheck(c, env, o.registry);
    }
    if (r.status !== 'passed') {
      after = 'fails';
      problems.push(`check ${c.id} (${at(c.pos)}) does not pass after the solve: ${r.status}: ${r.message}`);
    }
  }
  for (const a of step.answers) {
    const expected = await expectedAnswer(a, env, o.registry);
    if (!expected.ok) {
      after = 'fails';
      problems.push(`answer ${a.id} (${at(a.pos)}) has no expected value after the solve: ${expected.result.message}`);
      continue;
    }
    // The full value, and for prefix answers the shortest accepted prefix, must both be accepted.
    const tries = a.match === 'prefix' ? [expected.value, expected.value.slice(0, Math.max(1, a.minLength))] : [expected.value];
    for (const value of tries) {
      const r = await runAnswer(a, value, env, o.registry);
      if (r.status !== 'passed') {
        after = 'fails';
        problems.push(`answer ${a.id} (${at(a.pos)}) rejects its own expected value${value === expected.value ? '' : ` (prefix of ${value.length})`}: ${r.message}`);
      }
    }
  }
  return outcome(step, before, after, started, problems);
}
