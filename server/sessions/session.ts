/**
 * A Session: one learner × one lab × one Environment, with its terminals and
 * progress. It provisions the environment, runs the lab's setups, and turns
 * every check, answer, watch tick, recheck and solve into step states that go
 * to the store and to listeners (the socket channel).
 */
import { allSteps, type Lab, type Step } from '../../common/lab.js';
import type { CheckResult, StepState, StepStatus } from '../../common/check.js';
import type { Diagnosis, EnvironmentState, ProgressEvent, ProvisionResult } from '../../common/environment.js';
import { WATCH_INTERVAL_MS, type SessionSnapshot } from '../../common/protocol.js';
import { EnvironmentError, type Environment } from '../../cluster/environment.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import { expectedAnswer, runAnswer, runScript, runStepChecks } from '../checks/runner.js';
import type { AttemptKind, AttemptRecord, SessionRecord, Store } from '../store/store.js';
import { TerminalHub } from '../terminals/terminal-hub.js';

export interface EnvStateEvent {
  readonly environment: EnvironmentState;
  readonly provision?: ProvisionResult;
  readonly diagnosis?: readonly Diagnosis[];
}

export interface SessionOptions {
  readonly record: SessionRecord;
  readonly lab: Lab;
  readonly environment: Environment;
  readonly store: Store;
  readonly registry: BuiltinRegistry;
  readonly terminalGraceMs: number;
  readonly diagnose?: (lab: Lab) => Promise<Diagnosis[]>;
  /** Tests shorten the watch interval; production uses WATCH_INTERVAL_MS. */
  readonly watchIntervalMs?: number;
}

/** Thrown for requests that name something the lab does not have (a caller's fault, not the learner's). */
export class SessionRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionRequestError';
  }
}

type Listener<T> = (value: T) => void;

class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  add(l: Listener<T>): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(value: T): void {
    for (const l of this.listeners) l(value);
  }
  clear(): void {
    this.listeners.clear();
  }
}

const NOT_READY = 'The environment is not ready yet; wait for it to finish starting.';

export class Session {
  readonly id: string;
  readonly lab: Lab;
  readonly environment: Environment;
  readonly terminals: TerminalHub;

  private owner: string;
  private readonly store: Store;
  private readonly registry: BuiltinRegistry;
  private readonly diagnose: ((lab: Lab) => Promise<Diagnosis[]>) | undefined;
  private readonly watchIntervalMs: number;
  private readonly steps: Map<string, Step>;
  private readonly states = new Map<string, StepState>();
  /** Latest result per check/answer id, per step. */
  private readonly latest = new Map<string, Map<string, CheckResult>>();
  private readonly progress: ProgressEvent[] = [];
  private envState: EnvironmentState = 'absent';
  private provisionResult: ProvisionResult | undefined;
  private diagnosis: readonly Diagnosis[] | undefined;
  private started: Promise<ProvisionResult> | undefined;
  /** One operation per step at a time: a watch tick never overlaps a click or a solve. */
  private readonly stepLocks = new Map<string, Promise<unknown>>();
  private readonly watches = new Map<string, { timer: NodeJS.Timeout | undefined }>();
  private disposed = false;
  private readonly stepEvents = new Emitter<StepState>();
  private readonly progressEvents = new Emitter<ProgressEvent>();
  private readonly envEvents = new Emitter<EnvStateEvent>();
  private readonly offProgress: () => void;

  constructor(o: SessionOptions) {
    this.id = o.record.id;
    this.lab = o.lab;
    this.owner = o.record.learner;
    this.environment = o.environment;
    this.store = o.store;
    this.registry = o.registry;
    this.diagnose = o.diagnose;
    this.watchIntervalMs = o.watchIntervalMs ?? WATCH_INTERVAL_MS;
    this.steps = new Map(allSteps(o.lab).map((s) => [s.id, s]));
    for (const s of o.store.stepStates(this.id)) {
      if (!this.steps.has(s.stepId)) continue; // a step the author has since removed
      this.states.set(s.stepId, s);
      this.latest.set(s.stepId, new Map(s.results.map((r) => [r.checkId, r])));
    }
    // Shells start on the first attach; until the environment is ready that attach is refused.
    this.terminals = new TerminalHub({
      specs: o.lab.terminals,
      graceMs: o.terminalGraceMs,
      spawn: (spec, size) => {
        if (this.envState !== 'ready') throw new EnvironmentError(NOT_READY);
        return this.environment.spawnShell(spec.target, size);
      },
    });
    this.offProgress = this.environment.onProgress((e) => {
      this.progress.push(e);
      this.progressEvents.emit(e);
    });
  }

  onStepState(listener: Listener<StepState>): () => void {
    return this.stepEvents.add(listener);
  }
  onProgress(listener: Listener<ProgressEvent>): () => void {
    return this.progressEvents.add(listener);
  }
  onEnvState(listener: Listener<EnvStateEvent>): () => void {
    return this.envEvents.add(listener);
  }

  /** Whose session this is (`local`, a learner id, or a workshop pool placeholder). */
  get learner(): string {
    return this.owner;
  }

  /** Hand the session to another learner (a pre-warmed workshop seat); SessionManager.reassign keeps the store in step. */
  reassign(learner: string): void {
    this.owner = learner;
  }

  get environmentState(): EnvironmentState {
    return this.envState;
  }

  /** Provision (or adopt) the environment, copy the lab's files and run its setups. Idempotent. */
  start(): Promise<ProvisionResult> {
    this.started ??= this.provision();
    return this.started;
  }

  private async provision(): Promise<ProvisionResult> {
    this.setEnvState('provisioning');
    let result: ProvisionResult;
    try {
      result = await this.environment.provision();
      if (result.ok && !result.adopted) result = await this.prepareFresh(result);
    } catch (e) {
      // provision() promises values; a throw is a fault, still shown to the learner as a failed stage.
      result = { ok: false, stage: 'Provisioning', message: e instanceof Error ? e.message : String(e) };
    }
    this.provisionResult = result;
    if (this.disposed) return result;
    if (result.ok) {
      this.store.recordEvent({ sessionId: this.id, type: 'env:ready', data: { ms: result.ms, adopted: result.adopted }, at: Date.now() });
      this.setEnvState('ready');
    } else {
      this.store.recordEvent({ sessionId: this.id, type: 'env:failed', data: { stage: result.stage, message: result.message }, at: Date.now() });
      if (this.diagnose) {
        try {
          this.diagnosis = await this.diagnose(this.lab);
        } catch {
          // doctor failing must not hide the provisioning failure itself
        }
      }
      this.setEnvState('failed');
    }
    return result;
  }

  /** A new environment (its provision copied the lab's files): run setups in document order. */
  private async prepareFresh(ok: ProvisionResult & { ok: true }): Promise<ProvisionResult> {
    const started = performance.now();
    const note = (stage: string, status: ProgressEvent['status'], extra: { ms?: number; detail?: string } = {}) => {
      const e: ProgressEvent = { stage, status, atMs: Math.round(ok.ms + performance.now() - started), ...extra };
      this.progress.push(e);
      this.progressEvents.emit(e);
    };
    const setups = allSteps(this.lab).flatMap((s) => s.setups);
    if (setups.length) {
      const stage = 'Running setup';
      const t = performance.now();
      note(stage, 'started', { detail: `${setups.length} script(s)` });
      for (const s of setups) {
        const r = await runScript(s, this.environment, 'setup');
        if (r.status !== 'passed') {
          note(stage, 'failed', { detail: r.message });
          return { ok: false, stage, message: r.message, fix: 'This is a problem in the lab itself; run `kindlab test` on it and tell its author.' };
        }
      }
      note(stage, 'done', { ms: Math.round(performance.now() - t) });
    }
    return { ...ok, ms: Math.round(ok.ms + performance.now() - started) };
  }

  private setEnvState(s: EnvironmentState): void {
    this.envState = s;
    this.envEvents.emit(this.envSnapshot());
  }

  private envSnapshot(): EnvStateEvent {
    return {
      environment: this.envState,
      ...(this.provisionResult ? { provision: this.provisionResult } : {}),
      ...(this.diagnosis ? { diagnosis: this.diagnosis } : {}),
    };
  }

  snapshot(): SessionSnapshot {
    return {
      sessionId: this.id,
      labId: this.lab.id,
      ...this.envSnapshot(),
      progress: [...this.progress],
      terminals: this.terminals.list(),
      steps: allSteps(this.lab).map((s) => this.stateOf(s.id)),
    };
  }

  stateOf(stepId: string): StepState {
    return this.states.get(stepId) ?? { stepId, status: 'not-started', results: [], attempts: 0, updatedAt: 0 };
  }

  private step(stepId: string): Step {
    const s = this.steps.get(stepId);
    if (!s) throw new SessionRequestError(`no step ${stepId} in lab ${this.lab.id}`);
    return s;
  }

  /** Run `fn` after whatever is already running on this step. */
  private locked<T>(stepId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.stepLocks.get(stepId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.stepLocks.set(stepId, tail);
    void tail.then(() => {
      if (this.stepLocks.get(stepId) === tail) this.stepLocks.delete(stepId);
    });
    return next;
  }

  /** What a click on a not-ready environment shows: a result per check, nothing stored. */
  private notReady(step: Step, ids: readonly string[]): StepState {
    const results = ids.map((checkId): CheckResult => ({ checkId, status: 'error', message: NOT_READY, ms: 0 }));
    return { ...this.stateOf(step.id), results };
  }

  runChecks(stepId: string): Promise<StepState> {
    return this.checkStep(stepId, 'check');
  }

  private checkStep(stepId: string, kind: AttemptKind): Promise<StepState> {
    const step = this.step(stepId);
    if (this.envState !== 'ready') return Promise.resolve(this.notReady(step, step.checks.map((c) => c.id)));
    if (step.checks.length === 0) return Promise.resolve(this.stateOf(stepId));
    return this.locked(stepId, async () => {
      const results = await runStepChecks(step, this.environment, this.registry);
      return this.apply(step, kind, results);
    });
  }

  submitAnswer(stepId: string, answerId: string, value: string): Promise<StepState> {
    const step = this.step(stepId);
    const answer = step.answers.find((a) => a.id === answerId);
    if (!answer) throw new SessionRequestError(`step ${stepId} has no answer ${answerId}`);
    if (this.envState !== 'ready') return Promise.resolve(this.notReady(step, [answerId]));
    return this.locked(stepId, async () => this.apply(step, 'answer', [await runAnswer(answer, value, this.environment, this.registry)]));
  }

  /**
   * Fold new results into a step's state, store the attempts and tell listeners.
   * passed = every check and answer has passed; a passed step that fails again is regressed.
   */
  private apply(step: Step, kind: AttemptKind, results: readonly CheckResult[], extra: readonly CheckResult[] = []): StepState {
    const prev = this.stateOf(step.id);
    const latest = this.latest.get(step.id) ?? new Map<string, CheckResult>();
    const before = new Map(latest);
    for (const r of results) latest.set(r.checkId, r);
    this.latest.set(step.id, latest);
    const ids = [...step.checks.map((c) => c.id), ...step.answers.map((a) => a.id)];
    const ordered = ids.map((id) => latest.get(id)).filter((r): r is CheckResult => r !== undefined);
    const allPassed = ids.length > 0 && ids.every((id) => latest.get(id)?.status === 'passed');
    let status: StepStatus;
    if (allPassed) status = 'passed';
    else if (prev.status === 'passed' || prev.status === 'regressed') status = 'regressed';
    else if (kind === 'watch') status = prev.status === 'not-started' ? 'in-progress' : prev.status;
    else status = ordered.some((r) => r.status === 'passed') ? 'in-progress' : 'failed';

    // A watch re-runs every couple of seconds; only a change in outcome is worth an attempt row.
    const changed = results.some((r) => before.get(r.checkId)?.status !== r.status);
    const counted = kind !== 'watch' || changed;
    const state: StepState = {
      stepId: step.id,
      status,
      results: [...ordered, ...extra],
      attempts: prev.attempts + (counted ? 1 : 0),
      updatedAt: Date.now(),
    };
    this.states.set(step.id, state);
    if (counted || status !== prev.status) {
      const at = state.updatedAt;
      const attempts: AttemptRecord[] = counted ? [...results, ...extra].map((result) => ({ sessionId: this.id, stepId: step.id, kind, result, at })) : [];
      const event = status !== prev.status ? { sessionId: this.id, type: 'step:state', stepId: step.id, data: { from: prev.status, to: status, kind }, at } : undefined;
      this.store.saveAttempts(this.id, state, attempts, event);
    }
    this.stepEvents.emit(state);
    return state;
  }

  /** Re-run a step's checks every watch interval until they pass; never two runs at once. */
  setWatch(stepId: string, on: boolean): void {
    const step = this.step(stepId);
    const existing = this.watches.get(stepId);
    if (!on) {
      if (existing) clearTimeout(existing.timer);
      this.watches.delete(stepId);
      return;
    }
    if (existing || this.disposed || step.checks.length === 0 || this.stateOf(stepId).status === 'passed') return;
    const watch: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
    this.watches.set(stepId, watch);
    const tick = async (): Promise<void> => {
      if (this.watches.get(stepId) !== watch) return;
      let passed = false;
      if (this.envState === 'ready') {
        try {
          passed = (await this.checkStep(stepId, 'watch')).status === 'passed';
        } catch {
          // a fault in one tick (e.g. the store closing at shutdown) ends nothing; the next tick retries
        }
      }
      if (this.watches.get(stepId) !== watch) return;
      if (passed) {
        this.watches.delete(stepId);
        return;
      }
      watch.timer = setTimeout(() => void tick(), this.watchIntervalMs);
    };
    void tick();
  }

  /** Steps currently watched (for tests and the room view). */
  watching(): string[] {
    return [...this.watches.keys()];
  }

  /** Re-run the checks of every step that passed (or regressed); one that fails now is regressed. */
  async recheck(): Promise<readonly StepState[]> {
    if (this.envState !== 'ready') return [];
    const out: StepState[] = [];
    for (const step of allSteps(this.lab)) {
      const status = this.stateOf(step.id).status;
      if ((status === 'passed' || status === 'regressed') && step.checks.length > 0) out.push(await this.checkStep(step.id, 'recheck'));
    }
    return out;
  }

  /**
   * "Skip to here": run the solves of every step not yet passed, up to and
   * including `stepId`, checking each after its solve. Stops at the first step
   * whose solve fails, since later steps build on it.
   */
  async solveThrough(stepId: string): Promise<readonly StepState[]> {
    this.step(stepId);
    const order = allSteps(this.lab);
    const upTo = order.slice(0, order.findIndex((s) => s.id === stepId) + 1);
    if (this.envState !== 'ready') return upTo.map((s) => this.notReady(s, ['solve']));
    const out: StepState[] = [];
    for (const step of upTo) {
      if (this.stateOf(step.id).status === 'passed') continue;
      const state = await this.locked(step.id, () => this.solveStep(step));
      out.push(state);
      if (state.status !== 'passed') break;
    }
    return out;
  }

  private async solveStep(step: Step): Promise<StepState> {
    for (const s of step.solves) {
      const r = await runScript(s, this.environment, 'solve');
      if (r.status !== 'passed') return this.apply(step, 'solve', [], [r]);
    }
    this.store.recordEvent({ sessionId: this.id, type: 'step:solved', stepId: step.id, data: { solves: step.solves.length }, at: Date.now() });
    const results = await runStepChecks(step, this.environment, this.registry);
    // The learner asked to be shown past this step, so answers are filled in from the live value.
    for (const a of step.answers) {
      const expected = await expectedAnswer(a, this.environment, this.registry);
      results.push(expected.ok ? await runAnswer(a, expected.value, this.environment, this.registry) : expected.result);
    }
    return this.apply(step, 'solve', results);
  }

  /** Stop watches and close shells. The environment stays, to be adopted when the session opens again. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.watches.values()) clearTimeout(w.timer);
    this.watches.clear();
    this.terminals.dispose();
    this.offProgress();
    this.stepEvents.clear();
    this.progressEvents.clear();
    this.envEvents.clear();
  }

  /** Wait for in-flight step operations (used before closing the store). */
  async settle(): Promise<void> {
    await Promise.all([...this.stepLocks.values()]);
    await this.started?.catch(() => undefined);
  }
}
