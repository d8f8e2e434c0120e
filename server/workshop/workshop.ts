/**
 * An instructor-led event: learners (with hashed tokens in the store), their
 * sessions (one per lab, each with its own environment), pre-warmed seats, the
 * idle reaper and session expiry, the room view, results, the timeline and the
 * end. Everything is rebuilt from the store on start, so a server restart in
 * the middle of the event loses nobody: sessions are re-opened and their
 * environments adopted, not recreated.
 */
import { randomUUID } from 'node:crypto';
import { allSteps, type Lab } from '../../common/lab.js';
import { MAX_LEARNER_NAME_LENGTH, type RoomLearner, type RoomSnapshot } from '../../common/protocol.js';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { SessionRequestError } from '../sessions/session.js';
import type { SessionRecord, Store } from '../store/store.js';
import type { LearnerRecord, WorkshopStore } from '../store/workshop-store.js';
import { EnvironmentPool, isPoolLearner } from './environment-pool.js';
import { sessionProgress, toRoomSession, type SessionProgress } from './learner-progress.js';
import { RateLimiter } from './rate-limiter.js';
import { resultsCsv, resultsJson, resultsJunit, resultRows, type LearnerResults } from './results-export.js';
import { hashToken, newEventCode, newToken, plausibleToken, tokenMatches } from './tokens.js';
import type { WorkshopConfig } from './workshop-config.js';

const META_CODE = 'code';
const META_INSTRUCTOR = 'instructor_token_sha256';
const META_ENDED = 'ended_at';
const META_STARTED = 'started_at';

/** Writes of a learner's lastSeenAt are coalesced to one per this interval (or a quarter of idleTimeout, if shorter). */
const TOUCH_INTERVAL_MS = 10_000;
/** The reaper looks at most this often (and at least four times per idle timeout). */
const REAP_INTERVAL_MS = 30_000;
/** Joins per client IP per minute, and for the whole event: a hall of learners on one NAT still fits. */
const JOINS_PER_IP_PER_MINUTE = 10;
const JOINS_PER_MINUTE = 120;

export const ENDED_MESSAGE = 'The workshop has ended. Thank you for taking part!';
export const EXPIRED_MESSAGE = 'Your workshop session has expired.';
/** What an expired learner's open pages are told before their sockets are closed. */
export const EXPIRED_NOTICE = `${EXPIRED_MESSAGE} Your environment has been removed; your progress was kept for the instructor.`;

export type JoinOutcome =
  | { readonly ok: true; readonly learner: LearnerRecord; readonly token: string }
  | { readonly ok: false; readonly status: 400 | 403 | 409 | 410 | 429; readonly error: string };

export type LearnerLookup = { readonly learner: LearnerRecord } | { readonly learner?: undefined; readonly why: string };

export interface TimelineEvent {
  readonly at: number;
  readonly type: 'joined' | 'session-started' | 'step-passed' | 'check-failed' | 'hint-shown' | 'answer-submitted' | 'regressed' | 'expired' | 'reclaimed' | 'ended';
  readonly learnerId?: string;
  readonly name?: string;
  readonly sessionId?: string;
  readonly labId?: string;
  readonly stepId?: string;
  readonly detail?: string;
}

export interface WorkshopOptions {
  readonly config: WorkshopConfig;
  readonly store: Store & WorkshopStore;
  readonly sessions: SessionManager;
  readonly labs: () => ReadonlyMap<string, Lab>;
  /** `--instructor-token`: replaces the stored one. */
  readonly instructorToken?: string;
  readonly now?: () => number;
  /** Tests shorten the reaper's period. */
  readonly reapIntervalMs?: number;
  readonly log?: (message: string) => void;
}

export class Workshop {
  readonly title: string;
  readonly code: string;
  readonly config: WorkshopConfig;
  /** Set only when this start generated (or was given) the token: print it once. */
  readonly newInstructorToken: string | undefined;
  readonly joinLimiter = new RateLimiter({ perMinute: JOINS_PER_IP_PER_MINUTE, globalPerMinute: JOINS_PER_MINUTE });

  private readonly store: Store & WorkshopStore;
  private readonly sessions: SessionManager;
  private readonly labs: () => ReadonlyMap<string, Lab>;
  private readonly now: () => number;
  private readonly log: (m: string) => void;
  private readonly pool: EnvironmentPool | undefined;
  private readonly online = new Map<string, number>();
  /** Each learner's latest activity, in memory: exact, while the store's lastSeenAt is written coalesced. */
  private readonly activity = new Map<string, number>();
  private readonly written = new Map<string, number>();
  private readonly touchIntervalMs: number;
  /** Learners told their session expired (once each). */
  private readonly expiredTold = new Set<string>();
  private readonly changeListeners = new Set<() => void>();
  private readonly endListeners = new Set<() => void>();
  private readonly expiredListeners = new Set<(learnerId: string, message: string) => void>();
  private readonly offOpened: () => void;
  private reaper: NodeJS.Timeout | undefined;
  private reaping: Promise<void> | undefined;
  private endedAt: number | undefined;

  constructor(o: WorkshopOptions) {
    this.config = o.config;
    this.title = o.config.title;
    this.store = o.store;
    this.sessions = o.sessions;
    this.labs = o.labs;
    this.now = o.now ?? Date.now;
    this.log = o.log ?? (() => undefined);
    const stored = o.store.getMeta(META_CODE);
    this.code = o.config.code ?? stored ?? newEventCode();
    if (stored !== this.code) o.store.setMeta(META_CODE, this.code);
    let token: string | undefined;
    if (o.instructorToken !== undefined) token = o.instructorToken;
    else if (o.store.getMeta(META_INSTRUCTOR) === undefined) token = newToken();
    if (token !== undefined) o.store.setMeta(META_INSTRUCTOR, hashToken(token));
    this.newInstructorToken = token;
    const ended = o.store.getMeta(META_ENDED);
    this.endedAt = ended !== undefined ? Number(ended) : undefined;
    if (o.store.getMeta(META_STARTED) === undefined) o.store.setMeta(META_STARTED, String(this.now()));
    const first = o.config.labs[0]!;
    const { initial, reserved } = o.config.prewarm;
    this.pool =
      initial + reserved > 0
        ? new EnvironmentPool({
            sessions: o.sessions,
            store: o.store,
            labId: first,
            initial,
            reserved,
            seatsLeft: () => this.seatsToWarm(),
            onChange: () => this.changed(),
          })
        : undefined;
    this.offOpened = o.sessions.onSessionOpened((s) => {
      s.onStepState(() => this.changed());
      s.onEnvState(() => this.changed());
    });
    this.reapIntervalMs = Math.max(50, Math.min(o.reapIntervalMs ?? REAP_INTERVAL_MS, o.config.idleTimeout / 4));
    this.touchIntervalMs = Math.min(TOUCH_INTERVAL_MS, o.config.idleTimeout / 4);
  }

  /**
   * Seats that may still claim a pre-warmed environment of the first lab:
   * capacity less the learners who already have a session of it and the
   * expired learners who never will. Spares plus learners' environments of
   * the first lab therefore never exceed capacity.
   */
  private seatsToWarm(): number {
    const first = this.config.labs[0];
    const seated = new Set(this.learnerSessions().filter((s) => s.labId === first).map((s) => s.learner));
    const lost = this.store.listLearners().filter((l) => !seated.has(l.id) && this.expired(l)).length;
    return this.config.capacity - seated.size - lost;
  }

  private readonly reapIntervalMs: number;

  get ended(): boolean {
    return this.endedAt !== undefined;
  }

  /**
   * Doors open: restore every learner session from the store (adopting its
   * environment), then pre-warm the pool. Resolves when the initial spares are provisioned.
   */
  async start(): Promise<{ restored: number; prewarmMs: number }> {
    let restored = 0;
    if (!this.ended) {
      for (const rec of this.learnerSessions()) {
        if (this.store.isReclaimed(rec.id) || !this.labs().has(rec.labId)) continue;
        await this.sessions.open(rec.labId, rec.learner);
        restored++;
      }
    }
    const t = performance.now();
    if (!this.ended) await this.pool?.warm();
    const prewarmMs = Math.round(performance.now() - t);
    this.reaper = setInterval(() => void this.reap(), this.reapIntervalMs);
    this.reaper.unref();
    return { restored, prewarmMs };
  }

  /** How many spares start() provisions before the doors open: prewarm.initial within the seats that may still claim one. */
  prewarmCount(): number {
    return this.ended ? 0 : (this.pool?.initialTarget() ?? 0);
  }

  /**
   * Startup interrupted (Ctrl-C before the doors open): stop pre-warming and
   * remove every spare and its environment; start() then resolves. Learners'
   * restored sessions are left for the next start to adopt.
   */
  async stopPrewarm(): Promise<void> {
    await this.pool?.destroy();
  }

  /** Stop timers; environments stay for the next start to adopt. */
  dispose(): void {
    clearInterval(this.reaper);
    this.offOpened();
    this.changeListeners.clear();
    this.endListeners.clear();
    this.expiredListeners.clear();
  }

  // ---- Identity ----

  instructorTokenValid(token: unknown): boolean {
    const stored = this.store.getMeta(META_INSTRUCTOR);
    return plausibleToken(token) && stored !== undefined && tokenMatches(token, stored);
  }

  /** The learner a token names, or why there is none. */
  learnerFromToken(token: unknown): LearnerLookup {
    if (!plausibleToken(token)) return { why: 'no learner token' };
    const learner = this.store.learnerByTokenHash(hashToken(token));
    if (!learner) return { why: 'unknown learner token' };
    if (this.expired(learner)) return { why: EXPIRED_MESSAGE };
    return { learner };
  }

  private expired(l: LearnerRecord): boolean {
    return this.now() - l.joinedAt >= this.config.sessionTtl;
  }

  // ---- Joining ----

  join(input: { code: unknown; name: unknown }, clientKey: string): JoinOutcome {
    if (!this.joinLimiter.take(clientKey)) return { ok: false, status: 429, error: 'Too many joins from here; wait a minute and try again.' };
    if (this.ended) return { ok: false, status: 410, error: ENDED_MESSAGE };
    if (typeof input.name !== 'string' || typeof input.code !== 'string') return { ok: false, status: 400, error: 'Send {code, name} as text.' };
    const name = input.name.trim().replace(/\s+/g, ' ');
    if (name.length < 1 || name.length > MAX_LEARNER_NAME_LENGTH) return { ok: false, status: 400, error: `Your name must be 1 to ${MAX_LEARNER_NAME_LENGTH} characters.` };
    // Plain text: no control characters and no markup characters, so a name is safe wherever it is shown.
    if (/[\p{Cc}\p{Cf}<>]/u.test(name)) return { ok: false, status: 400, error: 'Your name may not contain control characters or < >.' };
    if (input.code.trim().toUpperCase() !== this.code.toUpperCase()) return { ok: false, status: 403, error: 'That event code is not right; check it with your instructor.' };
    const joined = this.store.countLearners();
    if (joined >= this.config.capacity) {
      return { ok: false, status: 409, error: `This workshop is full (${joined} of ${this.config.capacity} seats taken).` };
    }
    const token = newToken();
    const learner = this.store.createLearner({ id: randomUUID(), name, tokenHash: hashToken(token) });
    this.store.recordWorkshopEvent({ learnerId: learner.id, type: 'joined', data: { name }, at: this.now() });
    this.log(`kindlab: ${name} joined (${joined + 1} of ${this.config.capacity})`);
    this.changed();
    return { ok: true, learner, token };
  }

  me(learner: LearnerRecord): { learnerId: string; name: string; labs: { id: string; title: string }[]; sessions: { sessionId: string; labId: string }[]; ended: boolean } {
    return {
      learnerId: learner.id,
      name: learner.name,
      labs: this.labList(),
      sessions: this.store
        .listSessions()
        .filter((s) => s.learner === learner.id)
        .map((s) => ({ sessionId: s.id, labId: s.labId })),
      ended: this.ended,
    };
  }

  info(): { title: string; labs: { id: string; title: string }[]; capacity: number; joined: number; mode: 'workshop'; ended: boolean } {
    return { title: this.title, labs: this.labList(), capacity: this.config.capacity, joined: this.store.countLearners(), mode: 'workshop', ended: this.ended };
  }

  labIds(): readonly string[] {
    return this.config.labs;
  }

  private labList(): { id: string; title: string }[] {
    return this.config.labs.map((id) => ({ id, title: this.labs().get(id)?.title ?? id }));
  }

  // ---- Sessions ----

  /** The learner's session for a lab: their own, a pre-warmed seat, or a new one. */
  async openSession(labId: string, learnerId: string): Promise<Session> {
    if (this.ended) throw new SessionRequestError(ENDED_MESSAGE);
    if (!this.config.labs.includes(labId)) throw new SessionRequestError(`lab ${labId} is not part of this workshop`);
    this.touch(learnerId);
    // A reap in progress may be removing this learner's environment: let it finish before a fresh one is provisioned under the same id.
    await this.reaping;
    const existing = this.store.findSession(labId, learnerId);
    if (!existing) {
      const seat = labId === this.config.labs[0] ? this.pool?.claim(learnerId) : undefined;
      if (seat) {
        this.sessionStarted(seat.id);
        return seat;
      }
    }
    const session = await this.sessions.open(labId, learnerId);
    if (!existing) this.sessionStarted(session.id);
    else if (this.store.isReclaimed(session.id)) {
      this.store.setReclaimed(session.id, false); // back after being idle: a fresh environment, the same progress
    }
    return session;
  }

  private sessionStarted(sessionId: string): void {
    this.store.recordEvent({ sessionId, type: 'workshop:session-started', data: {}, at: this.now() });
    this.changed();
  }

  /** The learner who owns a session (undefined for none, or a pool seat). */
  ownerOf(sessionId: string): string | undefined {
    const learner = this.store.getSession(sessionId)?.learner;
    return learner === undefined || isPoolLearner(learner) || learner === 'local' ? undefined : learner;
  }

  // ---- Presence ----

  connected(learnerId: string): void {
    this.online.set(learnerId, (this.online.get(learnerId) ?? 0) + 1);
    this.touch(learnerId, true);
    this.changed();
  }

  disconnected(learnerId: string): void {
    const n = (this.online.get(learnerId) ?? 1) - 1;
    if (n > 0) this.online.set(learnerId, n);
    else this.online.delete(learnerId);
    this.touch(learnerId, true);
    this.changed();
  }

  /** Activity: kept exactly in memory (the reaper reads it), written to the store at most once per touch interval. */
  touch(learnerId: string, force = false): void {
    const now = this.now();
    this.activity.set(learnerId, now);
    if (!force && now - (this.written.get(learnerId) ?? 0) < this.touchIntervalMs) return;
    this.written.set(learnerId, now);
    this.store.touchLearner(learnerId);
  }

  private lastSeen(l: LearnerRecord): number {
    return Math.max(l.lastSeenAt, this.activity.get(l.id) ?? 0);
  }

  // ---- Reaping and expiry ----

  /** Reclaim the environments of learners idle past idleTimeout or past sessionTtl; progress stays. */
  reap(): Promise<void> {
    this.reaping ??= this.reapOnce().finally(() => (this.reaping = undefined));
    return this.reaping;
  }

  private async reapOnce(): Promise<void> {
    if (this.ended) return;
    const now = this.now();
    for (const learner of this.store.listLearners()) {
      const expired = this.expired(learner);
      const idle = !this.online.has(learner.id) && now - this.lastSeen(learner) >= this.config.idleTimeout;
      if (!expired && !idle) continue;
      for (const s of this.sessions.list().filter((x) => x.learner === learner.id)) {
        await this.sessions.reclaim(s.id);
        this.store.setReclaimed(s.id, true);
        const type = expired ? 'expired' : 'reclaimed';
        this.store.recordWorkshopEvent({ learnerId: learner.id, sessionId: s.id, type, data: { labId: s.lab.id }, at: now });
        this.log(`kindlab: ${expired ? 'expired' : 'idle'}: removed the environment of ${learner.name} (${s.lab.id}); progress kept`);
        this.changed();
      }
      // Told once, even with no environment to remove (a learner who never opened a lab); pages opened later get 401s saying so.
      if (expired && !this.expiredTold.has(learner.id)) {
        this.expiredTold.add(learner.id);
        for (const l of this.expiredListeners) l(learner.id, EXPIRED_NOTICE);
      }
    }
  }

  /** Fires once per learner whose session passed sessionTtl, after their environments are removed. */
  onLearnerExpired(listener: (learnerId: string, message: string) => void): () => void {
    this.expiredListeners.add(listener);
    return () => this.expiredListeners.delete(listener);
  }

  // ---- End ----

  /** Tear down every environment and terminal, mark the event ended, and tell everyone. */
  async end(): Promise<{ environments: number }> {
    if (!this.ended) {
      this.endedAt = this.now();
      this.store.setMeta(META_ENDED, String(this.endedAt));
      this.store.recordWorkshopEvent({ type: 'ended', data: {}, at: this.endedAt });
    }
    clearInterval(this.reaper);
    await this.reaping;
    await this.pool?.destroy();
    let environments = 0;
    for (const rec of this.learnerSessions()) {
      if (await this.sessions.reclaim(rec.id)) environments++;
      this.store.setReclaimed(rec.id, true);
    }
    for (const l of this.endListeners) l();
    this.changed();
    return { environments };
  }

  onEnded(listener: () => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  // ---- Room, results, timeline ----

  /** Fires (unthrottled) whenever the room may have changed. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  private learnerSessions(): SessionRecord[] {
    return this.store.listSessions().filter((s) => !isPoolLearner(s.learner) && s.learner !== 'local');
  }

  private progress(): (LearnerResults & { lastSeenAt: number })[] {
    const now = this.now();
    const bySession = new Map<string, SessionRecord[]>();
    for (const s of this.learnerSessions()) bySession.set(s.learner, [...(bySession.get(s.learner) ?? []), s]);
    return this.store.listLearners().map((l) => ({
      learnerId: l.id,
      name: l.name,
      joinedAt: l.joinedAt,
      lastSeenAt: l.lastSeenAt,
      sessions: (bySession.get(l.id) ?? []).flatMap((rec): SessionProgress[] => {
        const lab = this.labs().get(rec.labId);
        if (!lab) return [];
        const live = this.sessions.get(rec.id);
        const env = live?.environmentState ?? (this.store.isReclaimed(rec.id) ? 'destroyed' : 'absent');
        return [sessionProgress(this.store, lab, rec, env, this.config.stuck, now)];
      }),
    }));
  }

  room(): RoomSnapshot {
    const learners: RoomLearner[] = this.progress().map((l) => ({
      learnerId: l.learnerId,
      name: l.name,
      joinedAt: l.joinedAt,
      lastSeenAt: Math.max(l.lastSeenAt, this.activity.get(l.learnerId) ?? 0),
      online: this.online.has(l.learnerId),
      sessions: l.sessions.map(toRoomSession),
    }));
    return {
      title: this.title,
      code: this.code,
      capacity: this.config.capacity,
      ...(this.ended ? { ended: true } : {}),
      labs: this.config.labs.map((id) => {
        const lab = this.labs().get(id);
        return { id, title: lab?.title ?? id, steps: lab ? allSteps(lab).map((s) => ({ id: s.id, title: s.title })) : [] };
      }),
      learners,
      pool: this.pool?.counts() ?? { ready: 0, provisioning: 0 },
    };
  }

  resultsCsv(): string {
    return resultsCsv(resultRows(this.progress()));
  }

  resultsJson(): ReturnType<typeof resultsJson> {
    return resultsJson(this.title, this.progress(), this.now());
  }

  resultsJunit(): string {
    return resultsJunit(this.title, this.progress());
  }

  /** Everything that happened, oldest first: learner events, session events and check attempts. */
  timeline(): TimelineEvent[] {
    const names = new Map(this.store.listLearners().map((l) => [l.id, l.name]));
    const sessions = new Map(this.learnerSessions().map((s) => [s.id, s]));
    const who = (learnerId: string | undefined) => (learnerId ? { learnerId, ...(names.has(learnerId) ? { name: names.get(learnerId)! } : {}) } : {});
    const out: TimelineEvent[] = [];
    // Added last, so the stable sort lists a reveal after the failed check that caused it.
    const hints: TimelineEvent[] = [];
    for (const e of this.store.workshopEvents()) {
      if (e.type !== 'joined' && e.type !== 'expired' && e.type !== 'reclaimed' && e.type !== 'ended') continue;
      out.push({ at: e.at, type: e.type, ...who(e.learnerId), ...(e.sessionId ? { sessionId: e.sessionId } : {}), ...(typeof e.data['labId'] === 'string' ? { labId: e.data['labId'] } : {}) });
    }
    for (const [id, rec] of sessions) {
      const lab = this.labs().get(rec.labId);
      const hinted = new Set(lab ? allSteps(lab).filter((s) => s.hints.length > 0).map((s) => s.id) : []);
      const revealed = new Set<string>();
      const base = { ...who(rec.learner), sessionId: id, labId: rec.labId };
      for (const e of this.store.events(id)) {
        if (e.type === 'workshop:session-started') out.push({ at: e.at, type: 'session-started', ...base });
        else if (e.type === 'step:state' && e.data['to'] === 'passed') out.push({ at: e.at, type: 'step-passed', ...base, stepId: e.stepId! });
        else if (e.type === 'step:state' && e.data['to'] === 'regressed') out.push({ at: e.at, type: 'regressed', ...base, stepId: e.stepId! });
        // The lab page reveals a step's hints when the step turns failed or regressed, and keeps them shown:
        // so the first such change is when the learner was shown them (whether they read them, nobody knows).
        if (e.type === 'step:state' && (e.data['to'] === 'failed' || e.data['to'] === 'regressed') && e.stepId && hinted.has(e.stepId) && !revealed.has(e.stepId)) {
          revealed.add(e.stepId);
          const by = typeof e.data['kind'] === 'string' ? String(e.data['kind']) : 'check';
          hints.push({ at: e.at, type: 'hint-shown', ...base, stepId: e.stepId, detail: `hints revealed after a failed ${by === 'recheck' || by === 'watch' ? 'check' : by}` });
        }
      }
      const seen = new Set<string>();
      for (const a of this.store.attempts(id)) {
        const key = `${a.at}\u0000${a.stepId}\u0000${a.kind}`;
        if (seen.has(key)) continue; // one click, several check rows
        if (a.kind === 'answer') {
          seen.add(key);
          out.push({ at: a.at, type: 'answer-submitted', ...base, stepId: a.stepId, detail: a.result.status });
        } else if ((a.kind === 'check' || a.kind === 'recheck') && a.result.status !== 'passed') {
          seen.add(key);
          out.push({ at: a.at, type: 'check-failed', ...base, stepId: a.stepId, detail: a.result.message });
        }
      }
    }
    return [...out, ...hints].sort((a, b) => a.at - b.at);
  }
}
