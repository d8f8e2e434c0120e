/**
 * What kindlab keeps across restarts: sessions, step states and every check
 * attempt. `SqliteStore` (sqlite-store.ts) is the implementation.
 */
import type { CheckResult, StepState } from '../../common/check.js';

export interface SessionRecord {
  readonly id: string;
  readonly labId: string;
  /** `local` for the single-user mode; a learner id in workshops. */
  readonly learner: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export type AttemptKind = 'check' | 'answer' | 'recheck' | 'watch' | 'solve';

export interface AttemptRecord {
  readonly sessionId: string;
  readonly stepId: string;
  readonly kind: AttemptKind;
  readonly result: CheckResult;
  readonly at: number;
}

/** Something that happened in a session, for timelines (e.g. the workshop room view). */
export interface EventRecord {
  readonly sessionId: string;
  /** e.g. `session:created`, `env:ready`, `env:failed`, `step:state`, `step:solved`. */
  readonly type: string;
  readonly stepId?: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: number;
}

export interface Store {
  createSession(init: { labId: string; learner: string }): SessionRecord;
  getSession(id: string): SessionRecord | undefined;
  findSession(labId: string, learner: string): SessionRecord | undefined;
  listSessions(): SessionRecord[];
  touchSession(id: string): void;
  /** Hand a session to another learner (a pre-warmed workshop seat); id, environment and progress stay. */
  reassignSession(id: string, learner: string): void;
  deleteSession(id: string): void;
  saveStepState(sessionId: string, state: StepState): void;
  stepStates(sessionId: string): StepState[];
  recordAttempt(attempt: AttemptRecord): void;
  attempts(sessionId: string, stepId?: string): AttemptRecord[];
  /** Save a step's new state together with the attempts (and event) that produced it, atomically. */
  saveAttempts(sessionId: string, state: StepState, attempts: readonly AttemptRecord[], event?: EventRecord): void;
  recordEvent(event: EventRecord): void;
  /** Events of a session (or of every session), oldest first. */
  events(sessionId?: string, options?: { sinceAt?: number; limit?: number }): EventRecord[];
  close(): void;
}
