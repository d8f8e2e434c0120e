/**
 * The default Store: one SQLite file (`<dataDir>/kindlab.db`) through
 * better-sqlite3. WAL lets the room view read while checks write; the schema is
 * versioned and migrated forward in a transaction when the file is opened.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { CheckResult, StepState, StepStatus } from '../../common/check.js';
import type { AttemptKind, AttemptRecord, EventRecord, SessionRecord, Store } from './store.js';
import type { LearnerRecord, WorkshopEventRecord, WorkshopStore } from './workshop-store.js';

export const DB_FILE = 'kindlab.db';

/** Migrations in order; the schema version is the number applied. Never edit one that shipped: add another. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     lab_id TEXT NOT NULL,
     learner TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL
   );
   CREATE UNIQUE INDEX sessions_lab_learner ON sessions (lab_id, learner);
   CREATE TABLE step_states (
     session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
     step_id TEXT NOT NULL,
     status TEXT NOT NULL,
     results TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, step_id)
   );
   CREATE TABLE attempts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
     step_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     result TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX attempts_session_step ON attempts (session_id, step_id);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
     type TEXT NOT NULL,
     step_id TEXT,
     data TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX events_session_at ON events (session_id, at);`,
  // 2: workshops — settings, learners (hashed tokens only), reclaimed environments, learner-level events.
  `CREATE TABLE workshop_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE learners (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     token_hash TEXT NOT NULL UNIQUE,
     joined_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL
   );
   CREATE TABLE reclaimed_sessions (
     session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
     at INTEGER NOT NULL
   );
   CREATE TABLE workshop_events (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     learner_id TEXT,
     session_id TEXT,
     type TEXT NOT NULL,
     step_id TEXT,
     data TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX workshop_events_at ON workshop_events (at);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

interface SessionRow {
  id: string;
  lab_id: string;
  learner: string;
  created_at: number;
  last_seen_at: number;
}
interface StepRow {
  step_id: string;
  status: string;
  results: string;
  attempts: number;
  updated_at: number;
}
interface AttemptRow {
  session_id: string;
  step_id: string;
  kind: string;
  result: string;
  at: number;
}
interface EventRow {
  session_id: string;
  type: string;
  step_id: string | null;
  data: string;
  at: number;
}

interface LearnerRow {
  id: string;
  name: string;
  token_hash: string;
  joined_at: number;
  last_seen_at: number;
}
interface WorkshopEventRow {
  learner_id: string | null;
  session_id: string | null;
  type: string;
  step_id: string | null;
  data: string;
  at: number;
}

const toLearner = (r: LearnerRow): LearnerRecord => ({ id: r.id, name: r.name, tokenHash: r.token_hash, joinedAt: r.joined_at, lastSeenAt: r.last_seen_at });

const toSession = (r: SessionRow): SessionRecord => ({ id: r.id, labId: r.lab_id, learner: r.learner, createdAt: r.created_at, lastSeenAt: r.last_seen_at });

export interface SqliteStoreOptions {
  /** The clock, so tests can control timestamps. */
  readonly now?: () => number;
}

export class SqliteStore implements Store, WorkshopStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly stmt;

  /** Open (creating if needed) `<dataDir>/kindlab.db`, or an explicit `.db` path / `:memory:`. */
  constructor(dataDirOrFile: string, options: SqliteStoreOptions = {}) {
    if (dataDirOrFile === ':memory:' || dataDirOrFile.endsWith('.db')) {
      this.file = dataDirOrFile;
    } else {
      mkdirSync(dataDirOrFile, { recursive: true });
      this.file = join(dataDirOrFile, DB_FILE);
    }
    this.now = options.now ?? Date.now;
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    // Another kindlab process (e.g. `kindlab test` beside `serve`) may hold the write lock briefly.
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const db = this.db;
    this.stmt = {
      insertSession: db.prepare<[string, string, string, number, number]>('INSERT INTO sessions (id, lab_id, learner, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)'),
      getSession: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      findSession: db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE lab_id = ? AND learner = ?'),
      listSessions: db.prepare<[], SessionRow>('SELECT * FROM sessions ORDER BY created_at, id'),
      touchSession: db.prepare<[number, string]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?'),
      deleteSession: db.prepare<[string]>('DELETE FROM sessions WHERE id = ?'),
      saveStep: db.prepare<[string, string, string, string, number, number]>(
        `INSERT INTO step_states (session_id, step_id, status, results, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id, step_id) DO UPDATE SET status = excluded.status, results = excluded.results, attempts = excluded.attempts, updated_at = excluded.updated_at`,
      ),
      steps: db.prepare<[string], StepRow>('SELECT step_id, status, results, attempts, updated_at FROM step_states WHERE session_id = ? ORDER BY rowid'),
      insertAttempt: db.prepare<[string, string, string, string, number]>('INSERT INTO attempts (session_id, step_id, kind, result, at) VALUES (?, ?, ?, ?, ?)'),
      attempts: db.prepare<[string], AttemptRow>('SELECT session_id, step_id, kind, result, at FROM attempts WHERE session_id = ? ORDER BY id'),
      stepAttempts: db.prepare<[string, string], AttemptRow>('SELECT session_id, step_id, kind, result, at FROM attempts WHERE session_id = ? AND step_id = ? ORDER BY id'),
      insertEvent: db.prepare<[string, string, string | null, string, number]>('INSERT INTO events (session_id, type, step_id, data, at) VALUES (?, ?, ?, ?, ?)'),
      events: db.prepare<[string, number, number], EventRow>('SELECT session_id, type, step_id, data, at FROM events WHERE session_id = ? AND at >= ? ORDER BY id LIMIT ?'),
      allEvents: db.prepare<[number, number], EventRow>('SELECT session_id, type, step_id, data, at FROM events WHERE at >= ? ORDER BY id LIMIT ?'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM workshop_meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>('INSERT INTO workshop_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insertLearner: db.prepare<[string, string, string, number, number]>('INSERT INTO learners (id, name, token_hash, joined_at, last_seen_at) VALUES (?, ?, ?, ?, ?)'),
      getLearner: db.prepare<[string], LearnerRow>('SELECT * FROM learners WHERE id = ?'),
      learnerByToken: db.prepare<[string], LearnerRow>('SELECT * FROM learners WHERE token_hash = ?'),
      listLearners: db.prepare<[], LearnerRow>('SELECT * FROM learners ORDER BY joined_at, id'),
      countLearners: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM learners'),
      touchLearner: db.prepare<[number, string]>('UPDATE learners SET last_seen_at = ? WHERE id = ?'),
      reassign: db.prepare<[string, string]>('UPDATE sessions SET learner = ? WHERE id = ?'),
      setReclaimed: db.prepare<[string, number]>('INSERT OR REPLACE INTO reclaimed_sessions (session_id, at) VALUES (?, ?)'),
      clearReclaimed: db.prepare<[string]>('DELETE FROM reclaimed_sessions WHERE session_id = ?'),
      isReclaimed: db.prepare<[string], { at: number }>('SELECT at FROM reclaimed_sessions WHERE session_id = ?'),
      insertWorkshopEvent: db.prepare<[string | null, string | null, string, string | null, string, number]>(
        'INSERT INTO workshop_events (learner_id, session_id, type, step_id, data, at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      workshopEvents: db.prepare<[number, number], WorkshopEventRow>('SELECT learner_id, session_id, type, step_id, data, at FROM workshop_events WHERE at >= ? ORDER BY id LIMIT ?'),
    };
  }

  /** The schema version of the open file. */
  schemaVersion(): number {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const current = this.schemaVersion();
    if (current > MIGRATIONS.length) {
      throw new Error(`${this.file} has schema version ${current}, newer than this kindlab (${MIGRATIONS.length}); upgrade kindlab or use another data dir`);
    }
    const apply = this.db.transaction(() => {
      for (let v = current; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]!);
        this.db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(v + 1, this.now());
      }
    });
    apply.immediate();
  }

  createSession(init: { labId: string; learner: string }): SessionRecord {
    const at = this.now();
    const rec: SessionRecord = { id: randomUUID(), labId: init.labId, learner: init.learner, createdAt: at, lastSeenAt: at };
    this.db.transaction(() => {
      this.stmt.insertSession.run(rec.id, rec.labId, rec.learner, at, at);
      this.stmt.insertEvent.run(rec.id, 'session:created', null, JSON.stringify({ labId: rec.labId, learner: rec.learner }), at);
    })();
    return rec;
  }

  getSession(id: string): SessionRecord | undefined {
    const r = this.stmt.getSession.get(id);
    return r ? toSession(r) : undefined;
  }

  findSession(labId: string, learner: string): SessionRecord | undefined {
    const r = this.stmt.findSession.get(labId, learner);
    return r ? toSession(r) : undefined;
  }

  listSessions(): SessionRecord[] {
    return this.stmt.listSessions.all().map(toSession);
  }

  touchSession(id: string): void {
    this.stmt.touchSession.run(this.now(), id);
  }

  deleteSession(id: string): void {
    // ON DELETE CASCADE removes its steps, attempts and events.
    this.stmt.deleteSession.run(id);
  }

  saveStepState(sessionId: string, state: StepState): void {
    this.stmt.saveStep.run(sessionId, state.stepId, state.status, JSON.stringify(state.results), state.attempts, state.updatedAt);
  }

  stepStates(sessionId: string): StepState[] {
    return this.stmt.steps.all(sessionId).map((r) => ({
      stepId: r.step_id,
      status: r.status as StepStatus,
      results: JSON.parse(r.results) as CheckResult[],
      attempts: r.attempts,
      updatedAt: r.updated_at,
    }));
  }

  recordAttempt(a: AttemptRecord): void {
    this.stmt.insertAttempt.run(a.sessionId, a.stepId, a.kind, JSON.stringify(a.result), a.at);
  }

  /** Save a step's new state with the attempts that produced it, atomically. */
  saveAttempts(sessionId: string, state: StepState, attempts: readonly AttemptRecord[], event?: EventRecord): void {
    this.db.transaction(() => {
      for (const a of attempts) this.recordAttempt(a);
      this.saveStepState(sessionId, state);
      if (event) this.recordEvent(event);
    })();
  }

  attempts(sessionId: string, stepId?: string): AttemptRecord[] {
    const rows = stepId === undefined ? this.stmt.attempts.all(sessionId) : this.stmt.stepAttempts.all(sessionId, stepId);
    return rows.map((r) => ({ sessionId: r.session_id, stepId: r.step_id, kind: r.kind as AttemptKind, result: JSON.parse(r.result) as CheckResult, at: r.at }));
  }

  recordEvent(e: EventRecord): void {
    this.stmt.insertEvent.run(e.sessionId, e.type, e.stepId ?? null, JSON.stringify(e.data), e.at);
  }

  events(sessionId?: string, options: { sinceAt?: number; limit?: number } = {}): EventRecord[] {
    const since = options.sinceAt ?? 0;
    const limit = options.limit ?? -1; // SQLite: a negative LIMIT means no limit
    const rows = sessionId === undefined ? this.stmt.allEvents.all(since, limit) : this.stmt.events.all(sessionId, since, limit);
    return rows.map((r) => ({
      sessionId: r.session_id,
      type: r.type,
      ...(r.step_id !== null ? { stepId: r.step_id } : {}),
      data: JSON.parse(r.data) as Record<string, unknown>,
      at: r.at,
    }));
  }

  // ---- WorkshopStore ----

  getMeta(key: string): string | undefined {
    return this.stmt.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  createLearner(init: { id: string; name: string; tokenHash: string }): LearnerRecord {
    const at = this.now();
    this.stmt.insertLearner.run(init.id, init.name, init.tokenHash, at, at);
    return { ...init, joinedAt: at, lastSeenAt: at };
  }

  getLearner(id: string): LearnerRecord | undefined {
    const r = this.stmt.getLearner.get(id);
    return r ? toLearner(r) : undefined;
  }

  learnerByTokenHash(tokenHash: string): LearnerRecord | undefined {
    const r = this.stmt.learnerByToken.get(tokenHash);
    return r ? toLearner(r) : undefined;
  }

  listLearners(): LearnerRecord[] {
    return this.stmt.listLearners.all().map(toLearner);
  }

  countLearners(): number {
    return this.stmt.countLearners.get()?.n ?? 0;
  }

  touchLearner(id: string): void {
    this.stmt.touchLearner.run(this.now(), id);
  }

  reassignSession(id: string, learner: string): void {
    this.stmt.reassign.run(learner, id);
  }

  setReclaimed(sessionId: string, reclaimed: boolean): void {
    if (reclaimed) this.stmt.setReclaimed.run(sessionId, this.now());
    else this.stmt.clearReclaimed.run(sessionId);
  }

  isReclaimed(sessionId: string): boolean {
    return this.stmt.isReclaimed.get(sessionId) !== undefined;
  }

  recordWorkshopEvent(e: WorkshopEventRecord): void {
    this.stmt.insertWorkshopEvent.run(e.learnerId ?? null, e.sessionId ?? null, e.type, e.stepId ?? null, JSON.stringify(e.data), e.at);
  }

  workshopEvents(options: { sinceAt?: number; limit?: number } = {}): WorkshopEventRecord[] {
    return this.stmt.workshopEvents.all(options.sinceAt ?? 0, options.limit ?? -1).map((r) => ({
      ...(r.learner_id !== null ? { learnerId: r.learner_id } : {}),
      ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
      type: r.type,
      ...(r.step_id !== null ? { stepId: r.step_id } : {}),
      data: JSON.parse(r.data) as Record<string, unknown>,
      at: r.at,
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
