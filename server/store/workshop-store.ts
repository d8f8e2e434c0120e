/**
 * What a workshop keeps across restarts, beside the Store's sessions and
 * progress: its settings (code, hashed instructor token, ended), its learners
 * (with hashed tokens only) and the learner-level timeline (joined, expired,
 * ended) that has no session to hang on. `SqliteStore` implements it.
 */

export interface LearnerRecord {
  readonly id: string;
  readonly name: string;
  /** sha256 of the learner's token, hex; the token itself is never stored. */
  readonly tokenHash: string;
  readonly joinedAt: number;
  readonly lastSeenAt: number;
}

export interface WorkshopEventRecord {
  readonly learnerId?: string;
  readonly sessionId?: string;
  /** e.g. `joined`, `expired`, `ended`, `reclaimed`. */
  readonly type: string;
  readonly stepId?: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly at: number;
}

export interface WorkshopStore {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  createLearner(init: { id: string; name: string; tokenHash: string }): LearnerRecord;
  getLearner(id: string): LearnerRecord | undefined;
  learnerByTokenHash(tokenHash: string): LearnerRecord | undefined;
  listLearners(): LearnerRecord[];
  countLearners(): number;
  touchLearner(id: string): void;
  /** Hand a session (e.g. a pre-warmed one) to another learner; its id, environment and progress stay. */
  reassignSession(id: string, learner: string): void;
  /** A session whose environment was reclaimed (idle, expired, ended): not re-provisioned on restart. */
  setReclaimed(sessionId: string, reclaimed: boolean): void;
  isReclaimed(sessionId: string): boolean;
  recordWorkshopEvent(event: WorkshopEventRecord): void;
  workshopEvents(options?: { sinceAt?: number; limit?: number }): WorkshopEventRecord[];
}
