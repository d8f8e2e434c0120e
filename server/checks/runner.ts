/**
 * The check runner: runs a step's checks, a learner's answer, or a solve/setup
 * script against an environment, and turns every outcome into a value. Faults in
 * the environment or a built-in become `error` results, a hung script becomes
 * `timeout` with a message that says so; nothing here throws for a learner's
 * mistake or an author's broken check.
 */
import type { AnswerSpec, CheckSpec, ScriptSpec, Step } from '../../common/lab.js';
import type { CheckResult, CheckStatus } from '../../common/check.js';
import { MAX_ANSWER_LENGTH } from '../../common/protocol.js';
import type { Environment, ExecOptions, ExecResult } from '../../cluster/environment.js';
import type { BuiltinRegistry, CheckContext } from './builtin.js';

/** What the runner needs from an environment: running scripts in its targets. */
export type ExecEnvironment = Pick<Environment, 'exec' | 'targets'>;

/**
 * Extra time the runner waits beyond a deadline before it gives up on an exec
 * that should already have been killed: the environment's own kill (process
 * group, `docker exec` teardown) needs a moment to report back.
 */
export const DEADLINE_GRACE_MS = 2000;
/** Messages come from scripts; a runaway line must not flood the page or the store. */
export const MAX_MESSAGE_LENGTH = 500;

/** Human form of a timeout: `500 ms`, `10 s`, `2.5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

/** The last non-empty line of a script's output, which is the check's message by convention. */
export function lastLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : clip(last);
}

function plainMessage(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return clip(m.trim() || 'unknown error');
}

function unknownTarget(env: ExecEnvironment, target: string): string | undefined {
  const names = env.targets().map((t) => t.name);
  if (names.includes(target)) return undefined;
  return `Unknown target "${target}": this environment has ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'no targets'}.`;
}

type ExecOutcome = { readonly kind: 'done'; readonly result: ExecResult } | { readonly kind: 'timeout' } | { readonly kind: 'error'; readonly message: string };

/**
 * Run a script with the environment's own kill at `timeoutMs`, and a race as a
 * safety net so a wedged environment cannot hang a learner's click forever.
 */
async function execWithDeadline(env: ExecEnvironment, target: string, script: string, options: ExecOptions): Promise<ExecOutcome> {
  const bad = unknownTarget(env, target);
  if (bad) return { kind: 'error', message: bad };
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<ExecOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), options.timeoutMs + DEADLINE_GRACE_MS);
  });
  const run = env.exec(target, script, options).then(
    (result): ExecOutcome => (result.timedOut ? { kind: 'timeout' } : { kind: 'done', result }),
    (e: unknown): ExecOutcome => ({ kind: 'error', message: plainMessage(e) }),
  );
  try {
    return await Promise.race([run, guard]);
  } finally {
    clearTimeout(timer);
  }
}

function result(checkId: string, status: CheckStatus, message: string, started: number, extra: { expected?: string; actual?: string } = {}): CheckResult {
  return { checkId, status, message, ...extra, ms: Math.round(performance.now() - started) };
}

function timedOut(checkId: string, timeoutMs: number, started: number, what = 'Check'): CheckResult {
  return result(checkId, 'timeout', `${what} timed out after ${formatDuration(timeoutMs)}.`, started);
}

/** A CheckContext for built-ins whose clock follows the check's deadline. */
function contextFor(env: ExecEnvironment, target: string, deadline: number): CheckContext {
  const remainingMs = (): number => Math.max(0, Math.floor(deadline - performance.now()));
  return {
    target,
    remainingMs,
    targets: () => env.targets(),
    // kind node containers are named after their nodes, so a node maps to the target with that address.
    targetForNode: (nodeName) => env.targets().find((t) => t.address === nodeName || t.name === nodeName)?.name,
    exec: (t, script, options) => {
      const left = remainingMs();
      if (left <= 0) return Promise.resolve({ exitCode: null, stdout: '', stderr: '', timedOut: true, ms: 0 });
      return env.exec(t, script, { ...options, timeoutMs: Math.min(options.timeoutMs, left) });
    },
  };
}

class DeadlineReached extends Error {}

/** Run a built-in's body against the deadline; a throw becomes a plain message. */
async function raceDeadline<T>(deadline: number, work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; timeout: boolean; message: string }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineReached()), Math.max(0, deadline - performance.now()));
  });
  try {
    return { ok: true, value: await Promise.race([work(), guard]) };
  } catch (e) {
    if (e instanceof DeadlineReached) return { ok: false, timeout: true, message: '' };
    return { ok: false, timeout: false, message: plainMessage(e) };
  } finally {
    clearTimeout(timer);
  }
}

function paramsProblem(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; ');
}

/** Run one check. Never throws. */
export async function runCheck(check: CheckSpec, env: ExecEnvironment, registry: BuiltinRegistry): Promise<CheckResult> {
  const started = performance.now();
  if (check.kind === 'shell') {
    const out = await execWithDeadline(env, check.target, check.script, { timeoutMs: check.timeoutMs });
    if (out.kind === 'timeout') return timedOut(check.id, check.timeoutMs, started);
    if (out.kind === 'error') return result(check.id, 'error', `The check could not run: ${out.message}`, started);
    const { exitCode, stdout, stderr } = out.result;
    const said = lastLine(stdout) ?? lastLine(stderr);
    if (exitCode === 0) return result(check.id, 'passed', said ?? 'Check passed.', started);
    return result(check.id, 'failed', said ?? `Check failed (exit code ${exitCode ?? 'none'}).`, started);
  }

  const builtin = registry.check(check.use);
  if (!builtin) return result(check.id, 'error', `Unknown built-in check "${check.use}".`, started);
  const bad = unknownTarget(env, check.target);
  if (bad) return result(check.id, 'error', `The check could not run: ${bad}`, started);
  const parsed = builtin.params.safeParse(check.params);
  if (!parsed.success) return result(check.id, 'error', `Bad parameters for ${check.use}: ${paramsProblem(parsed.error)}`, started);
  const deadline = started + check.timeoutMs;
  const ctx = contextFor(env, check.target, deadline);
  const out = await raceDeadline(deadline, () => builtin.run(ctx, parsed.data));
  if (!out.ok) {
    if (out.timeout || ctx.remainingMs() <= 0) return timedOut(check.id, check.timeoutMs, started);
    return result(check.id, 'error', `The check could not run: ${out.message}`, started);
  }
  const v = out.value;
  const extra = { ...(v.expected !== undefined ? { expected: v.expected } : {}), ...(v.actual !== undefined ? { actual: v.actual } : {}) };
  return result(check.id, v.passed ? 'passed' : 'failed', clip(v.message), started, extra);
}

export interface StepCheckOptions {
  /** Only the checks declared `mode=watch` (what a watcher re-runs). */
  readonly watchOnly?: boolean;
}

/** Run a step's checks in declaration order (in sequence: checks may share a machine's state). */
export async function runStepChecks(step: Step, env: ExecEnvironment, registry: BuiltinRegistry, opts: StepCheckOptions = {}): Promise<CheckResult[]> {
  const checks = opts.watchOnly ? step.checks.filter((c) => c.mode === 'watch') : step.checks;
  const results: CheckResult[] = [];
  for (const c of checks) results.push(await runCheck(c, env, registry));
  return results;
}

/** The expected value of an answer, from its script or probe; or the result that explains why there is none. */
export async function expectedAnswer(
  answer: AnswerSpec,
  env: ExecEnvironment,
  registry: BuiltinRegistry,
  vars: Readonly<Record<string, string>> = {},
): Promise<{ ok: true; value: string } | { ok: false; result: CheckResult }> {
  const started = performance.now();
  const fail = (status: CheckStatus, message: string) => ({ ok: false as const, result: result(answer.id, status, message, started) });
  if (answer.source.kind === 'shell') {
    const out = await execWithDeadline(env, answer.target, answer.source.script, { timeoutMs: answer.timeoutMs, env: vars });
    if (out.kind === 'timeout') return { ok: false, result: timedOut(answer.id, answer.timeoutMs, started, 'Working out the answer') };
    if (out.kind === 'error') return fail('error', `The answer could not be checked: ${out.message}`);
    const { exitCode, stdout, stderr } = out.result;
    if (exitCode !== 0) {
      const why = lastLine(stderr) ?? lastLine(stdout);
      return fail('error', `The answer could not be checked: the expected value is not available yet${why ? ` (${why})` : ''}.`);
    }
    const value = stdout.trim();
    if (!value) return fail('error', 'The answer could not be checked: the expected value is not available yet.');
    return { ok: true, value };
  }
  const probe = registry.probe(answer.source.use);
  if (!probe) return fail('error', `Unknown built-in probe "${answer.source.use}".`);
  const bad = unknownTarget(env, answer.target);
  if (bad) return fail('error', `The answer could not be checked: ${bad}`);
  const parsed = probe.params.safeParse(answer.source.params);
  if (!parsed.success) return fail('error', `Bad parameters for ${answer.source.use}: ${paramsProblem(parsed.error)}`);
  const deadline = started + answer.timeoutMs;
  const ctx = contextFor(env, answer.target, deadline);
  const out = await raceDeadline(deadline, () => probe.value(ctx, parsed.data));
  if (!out.ok) {
    if (out.timeout || ctx.remainingMs() <= 0) return { ok: false, result: timedOut(answer.id, answer.timeoutMs, started, 'Working out the answer') };
    return fail('error', `The answer could not be checked: ${out.message}`);
  }
  const value = out.value.trim();
  if (!value) return fail('error', 'The answer could not be checked: the expected value is not available yet.');
  return { ok: true, value };
}

/**
 * Compare a learner's value with the expected one. The message says what kind
 * of wrong it is, never what the right value would have been.
 */
export function compareAnswer(answer: Pick<AnswerSpec, 'match' | 'minLength'>, expected: string, given: string): { ok: boolean; message: string } {
  const value = given.trim();
  if (!value) return { ok: false, message: 'The answer is empty.' };
  switch (answer.match) {
    case 'exact':
      return value === expected ? { ok: true, message: 'Correct.' } : { ok: false, message: 'That does not match.' };
    case 'ignore-case':
      return value.toLowerCase() === expected.toLowerCase() ? { ok: true, message: 'Correct.' } : { ok: false, message: 'That does not match.' };
    case 'prefix': {
      // An expected value shorter than minLength can only be typed in full.
      const need = Math.min(Math.max(1, answer.minLength), expected.length);
      if (value.length < need) return { ok: false, message: `Too short: enter at least ${need} characters.` };
      return expected.startsWith(value) ? { ok: true, message: 'Correct.' } : { ok: false, message: 'That does not match.' };
    }
  }
}

/**
 * Check a learner's answer. The value is compared here, in the server; the
 * script sees it only as the env var KINDLAB_ANSWER, never inside its text.
 */
export async function runAnswer(answer: AnswerSpec, value: string, env: ExecEnvironment, registry: BuiltinRegistry): Promise<CheckResult> {
  const started = performance.now();
  if (value.length > MAX_ANSWER_LENGTH) return result(answer.id, 'failed', `Too long: answers are at most ${MAX_ANSWER_LENGTH} characters.`, started);
  if (!value.trim()) return result(answer.id, 'failed', 'The answer is empty.', started);
  const expected = await expectedAnswer(answer, env, registry, { KINDLAB_ANSWER: value });
  if (!expected.ok) return { ...expected.result, ms: Math.round(performance.now() - started) };
  const verdict = compareAnswer(answer, expected.value, value);
  return result(answer.id, verdict.ok ? 'passed' : 'failed', verdict.message, started);
}

/**
 * Run a solve or setup script. `passed` = exit 0; otherwise the message is the
 * script's last words (stderr first: that is where failing tools explain themselves).
 */
export async function runScript(spec: ScriptSpec, env: ExecEnvironment, label = 'script'): Promise<CheckResult> {
  const started = performance.now();
  const out = await execWithDeadline(env, spec.target, spec.script, { timeoutMs: spec.timeoutMs });
  const where = `${spec.pos.file}:${spec.pos.line}`;
  if (out.kind === 'timeout') return result(label, 'timeout', `The ${label} at ${where} timed out after ${formatDuration(spec.timeoutMs)}.`, started);
  if (out.kind === 'error') return result(label, 'error', `The ${label} at ${where} could not run: ${out.message}`, started);
  const { exitCode, stdout, stderr } = out.result;
  if (exitCode === 0) return result(label, 'passed', lastLine(stdout) ?? 'Done.', started);
  const said = lastLine(stderr) ?? lastLine(stdout);
  return result(label, 'failed', `The ${label} at ${where} failed (exit code ${exitCode ?? 'none'})${said ? `: ${said}` : '.'}`, started);
}
