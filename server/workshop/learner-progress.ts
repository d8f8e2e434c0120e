/**
 * Per learner × session × step progress, computed from the store (so it is
 * the same before and after a restart) plus the live session's environment
 * state. The room view, the exports and the timeline all read from here.
 */
import { allSteps, type Lab } from '../../common/lab.js';
import type { StepStatus } from '../../common/check.js';
import type { EnvironmentState } from '../../common/environment.js';
import type { RoomSession, RoomStepProgress } from '../../common/protocol.js';
import type { AttemptRecord, SessionRecord, Store } from '../store/store.js';

export interface StuckRule {
  readonly failedChecks: number;
  readonly minutes: number;
}

export interface StepProgress extends RoomStepProgress {
  readonly title: string;
  /** When the step first passed, from its state-change events. */
  readonly passedAt?: number;
}

export interface SessionProgress extends Omit<RoomSession, 'steps'> {
  readonly steps: readonly StepProgress[];
  readonly createdAt: number;
  readonly attempts: readonly AttemptRecord[];
}

/** Attempts are stored per check result; one click writes several rows with the same `at`. */
function countAttempts(attempts: readonly AttemptRecord[]): { attempts: number; failed: number } {
  const byAt = new Map<number, boolean>();
  for (const a of attempts) {
    if (a.kind === 'watch') continue; // a watch retries on its own; only the learner's own tries count
    byAt.set(a.at, (byAt.get(a.at) ?? false) || a.result.status !== 'passed');
  }
  return { attempts: byAt.size, failed: [...byAt.values()].filter(Boolean).length };
}

export function sessionProgress(store: Store, lab: Lab, rec: SessionRecord, environment: EnvironmentState, rule: StuckRule, now: number): SessionProgress {
  const states = new Map(store.stepStates(rec.id).map((s) => [s.stepId, s]));
  const attempts = store.attempts(rec.id);
  const passedAt = new Map<string, number>();
  for (const e of store.events(rec.id)) {
    if (e.type === 'step:state' && e.stepId && e.data['to'] === 'passed' && !passedAt.has(e.stepId)) passedAt.set(e.stepId, e.at);
  }
  const steps: StepProgress[] = allSteps(lab).map((s) => {
    const st = states.get(s.id);
    const counts = countAttempts(attempts.filter((a) => a.stepId === s.id));
    const status: StepStatus = st?.status ?? 'not-started';
    const at = passedAt.get(s.id);
    return {
      stepId: s.id,
      title: s.title,
      status,
      attempts: counts.attempts,
      failedAttempts: counts.failed,
      updatedAt: st?.updatedAt ?? 0,
      ...(at !== undefined ? { passedAt: at } : {}),
    };
  });
  // The current step is the first one not passed; the learner has been on it since the step before it passed.
  const idx = steps.findIndex((s) => s.status !== 'passed');
  const current = idx >= 0 ? steps[idx] : undefined;
  const since = current ? Math.max(rec.createdAt, ...steps.slice(0, idx).map((s) => s.passedAt ?? s.updatedAt)) : undefined;
  let stuckReason: string | undefined;
  if (current && since !== undefined) {
    const minutes = (now - since) / 60_000;
    if (current.failedAttempts >= rule.failedChecks) stuckReason = `${current.failedAttempts} failed checks on “${current.title}”`;
    else if (minutes >= rule.minutes) stuckReason = `${Math.floor(minutes)} min on “${current.title}”`;
  }
  return {
    sessionId: rec.id,
    labId: rec.labId,
    environment,
    createdAt: rec.createdAt,
    ...(current ? { currentStepId: current.stepId, currentStepSince: since! } : {}),
    steps,
    stuck: stuckReason !== undefined,
    ...(stuckReason ? { stuckReason } : {}),
    attempts,
  };
}

/** The wire shape (no titles, no attempt history). */
export function toRoomSession(p: SessionProgress): RoomSession {
  return {
    sessionId: p.sessionId,
    labId: p.labId,
    environment: p.environment,
    ...(p.currentStepId !== undefined ? { currentStepId: p.currentStepId, currentStepSince: p.currentStepSince! } : {}),
    steps: p.steps.map((s) => ({ stepId: s.stepId, status: s.status, attempts: s.attempts, failedAttempts: s.failedAttempts, updatedAt: s.updatedAt })),
    stuck: p.stuck,
    ...(p.stuckReason ? { stuckReason: p.stuckReason } : {}),
  };
}
