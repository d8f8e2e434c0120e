/**
 * `kindlab test` as a library: provision a lab's environment, run its setups,
 * then for every step prove that it cannot be passed before its solve (a check
 * fails, or an answer rejects a decoy) and that its checks pass after it, and that every answer's script or probe yields a value the answer
 * comparison accepts. `repeat` runs the whole lab again on fresh environments
 * and names the steps whose outcome changed (flaky). An aborted `signal` stops
 * it between steps (without waiting for a script that is running), and what it
 * created is removed all the same; a failure to remove is reported, never thrown.
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
  /**
   * Stop: no further step or run starts, the script that is running is not waited
   * for, and the environment is removed (unless `keep`). Provisioning that has begun
   * is let finish first, so that nothing it creates afterwards is left behind.
   */
  readonly signal?: AbortSignal;
  /** Told when a run's environment exists (`present`, before provisioning) and when it is gone; not told about a kept one. */
  readonly onEnvironment?: (e: { readonly session: string; readonly name: string; readonly present: boolean }) => void;
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
  /** Its session id (what `kindlab env down --session` takes). */
  readonly session: string;
  readonly provision: ProvisionResult;
  /** Set when setups or file copying failed: no step was tested. */
  readonly setupProblem?: string;
  readonly steps: readonly StepOutcome[];
  /** Set when the signal stopped this run: `steps` are those that had finished. */
  readonly interrupted?: boolean;
  /** Set when the environment could not be removed afterwards: why, in one line. */
  readonly cleanupProblem?: string;
  readonly ms: number;
  readonly ok: boolean;
}

export interface LabTestReport {
  readonly labId: string;
  readonly runs: readonly RunReport[];
  /** Steps whose outcome differed between runs. */
  readonly flaky: readonly string[];
  /** The signal stopped the test: the last run is partial, and later runs never started. */
  readonly interrupted: boolean;
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
  for (let run = 1; run <= repeat && !o.signal?.aborted; run++) runs.push(await runOnce(lab, o, run));
  if (o.signal?.aborted) return { labId: lab.id, runs, flaky: [], interrupted: true, ok: false };
  const flaky = steps
    .map((s) => s.id)
    .filter((id) => {
      const oks = new Set(runs.map((r) => r.steps.find((x) => x.stepId === id)?.ok).filter((x) => x !== undefined));
      return oks.size > 1;
    });
  return { labId: lab.id, runs, flaky, interrupted: false, ok: runs.every((r) => r.ok) && flaky.length === 0 };
}

async function runOnce(lab: Lab, o: LabTestOptions, run: number): Promise<RunReport> {
  const sessionId = `test-${randomBytes(4).toString('hex')}`;
  const env = o.createEnvironment(lab.environment, { sessionId, labId: lab.id, labFilesDir: lab.filesDir, dataDir: o.dataDir });
  o.onEnvironment?.({ session: sessionId, name: env.name, present: true });
  const off = env.onProgress((e) => o.onProgress?.(e, run));
  let report: RunReport;
  let cleanupProblem: string | undefined;
  try {
    report = await testEnvironment(lab, env, o, run, sessionId);
  } finally {
    off();
    if (!o.keep) {
      // Tried even when something threw; that error goes on, and a failure to remove is reported, never thrown.
      cleanupProblem = await removeEnvironment(env);
      if (cleanupProblem === undefined) o.onEnvironment?.({ session: sessionId, name: env.name, present: false });
    }
  }
  return cleanupProblem === undefined ? report : { ...report, cleanupProblem, ok: false };
}

async function testEnvironment(lab: Lab, env: Environment, o: LabTestOptions, run: number, session: string): Promise<RunReport> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const base = { run, environment: env.name, session };
  o.onStatus?.(`run ${run}: provisioning ${lab.environment.type} environment ${env.name}`);
  // Not cut short by the signal: what a provisioning still under way creates after a removal would be left behind.
  const provision = await env.provision();
  if (!provision.ok) return { ...base, provision, steps: [], ms: ms(), ok: false };
  const steps: StepOutcome[] = [];
  const setupProblem = await unlessAborted(o.signal, async () => {
    const problem = await prepare(lab, env, provision.adopted, o.signal);
    if (problem === undefined) await testSteps(lab, env, o, run, steps);
    return problem;
  });
  if (setupProblem === ABORTED || o.signal?.aborted) return { ...base, provision, steps, interrupted: true, ms: ms(), ok: false };
  if (setupProblem !== undefined) return { ...base, provision, setupProblem, steps: [], ms: ms(), ok: false };
  return { ...base, provision, steps, ms: ms(), ok: steps.every((s) => s.ok) };
}

/** Remove an environment; a failure (a tool missing, Docker unreachable) comes back as one line, never thrown. */
async function removeEnvironment(env: Environment): Promise<string | undefined> {
  try {
    await env.destroy();
    return undefined;
  } catch (e) {
    // A tool's own last words say most (e.g. "Cannot connect to the Docker daemon …"); the command line adds little.
    const stderr = (e as { stderr?: unknown }).stderr;
    const words = typeof stderr === 'string' && stderr.trim() ? stderr.trim().split('\n').at(-1)! : e instanceof Error ? e.message : String(e);
    return words.replace(/\s*\n\s*/g, ' ').trim();
  }
}

const ABORTED = Symbol('aborted');

/** `work()`, or ABORTED as soon as the signal fires (the work is then left to end on its own, its outcome ignored). */
async function unlessAborted<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T | typeof ABORTED> {
  if (!signal) return work();
  if (signal.aborted) return ABORTED;
  let onAbort = (): void => undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = work();
  running.catch(() => undefined); // once aborted, a script failing on a removed environment is expected
  try {
    return await Promise.race([running, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** What a learner's session does on a fresh environment (which has copied the lab's files itself): run setups in document order. */
async function prepare(lab: Lab, env: Environment, adopted: boolean, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (adopted) return undefined;
  for (const s of allSteps(lab).flatMap((st) => st.setups)) {
    if (signal?.aborted) return undefined;
    const r = await runScript(s, env, 'setup');
    if (r.status !== 'passed') return r.message;
  }
  return undefined;
}

/** Test the steps in order, adding each outcome to `out` as it is known (so an interrupted run keeps the finished ones). */
async function testSteps(lab: Lab, env: Environment, o: LabTestOptions, run: number, out: StepOutcome[]): Promise<void> {
  const steps = allSteps(lab);
  const fromIndex = o.from === undefined ? 0 : steps.findIndex((s) => s.id === o.from);
  for (const [i, step] of steps.entries()) {
    if (o.signal?.aborted) return;
    o.onStatus?.(`run ${run}: ${i < fromIndex ? 'solving' : 'testing'} step ${step.id}`);
    // The status line is where a caller sees progress; a signal may have come while it was printed.
    if (o.signal?.aborted) return;
    const outcome = i < fromIndex ? await solveOnly(step, env) : await testStep(step, env, o);
    if (o.signal?.aborted) return;
    out.push(outcome);
  }
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
    while (r.status !== 'passed' && c.mode === 'watch' && !o.signal?.aborted && performance.now() + WATCH_INTERVAL_MS < settleUntil) {
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
