/**
 * Owns the sessions of a running server: one per learner and lab, restored
 * from the store after a restart (its environment is adopted by provisioning it
 * again under the same session id), created otherwise.
 */
import type { EnvironmentSpec, Lab } from '../../common/lab.js';
import type { Diagnosis } from '../../common/environment.js';
import type { Environment, EnvironmentInit } from '../../cluster/environment.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import type { Store } from '../store/store.js';
import { Session, SessionRequestError } from './session.js';

export interface SessionManagerOptions {
  readonly store: Store;
  /** The labs as currently loaded (a reload replaces the map). */
  readonly labs: () => ReadonlyMap<string, Lab>;
  readonly createEnvironment: (spec: EnvironmentSpec, init: EnvironmentInit) => Environment;
  readonly registry: BuiltinRegistry;
  readonly dataDir: string;
  readonly terminalGraceMs: number;
  /** `kindlab doctor`, run when provisioning fails so the page can say what to fix. */
  readonly diagnose?: (lab: Lab) => Promise<Diagnosis[]>;
  readonly watchIntervalMs?: number;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly openedListeners = new Set<(s: Session) => void>();
  /** Opens in flight per learner+lab, so two tabs opening at once get one session. */
  private readonly opening = new Map<string, Promise<Session>>();

  constructor(private readonly o: SessionManagerOptions) {}

  /** The learner's session for a lab: the live one, one restored from the store, or a new one. Provisioning runs in the background. */
  open(labId: string, learner = 'local'): Promise<Session> {
    const key = `${labId}\u0000${learner}`;
    const live = [...this.sessions.values()].find((s) => s.lab.id === labId && s.learner === learner);
    if (live) return Promise.resolve(live);
    let p = this.opening.get(key);
    if (!p) {
      p = Promise.resolve().then(() => this.create(labId, learner));
      this.opening.set(key, p);
      const clear = () => this.opening.delete(key);
      p.then(clear, clear);
    }
    return p;
  }

  private create(labId: string, learner: string): Session {
    const lab = this.o.labs().get(labId);
    if (!lab) throw new SessionRequestError(`no lab ${labId}`);
    const record = this.o.store.findSession(labId, learner) ?? this.o.store.createSession({ labId, learner });
    this.o.store.touchSession(record.id);
    const environment = this.o.createEnvironment(lab.environment, { sessionId: record.id, labId, labFilesDir: lab.filesDir, dataDir: this.o.dataDir });
    const session = new Session({
      record,
      lab,
      environment,
      store: this.o.store,
      registry: this.o.registry,
      terminalGraceMs: this.o.terminalGraceMs,
      ...(this.o.diagnose ? { diagnose: this.o.diagnose } : {}),
      ...(this.o.watchIntervalMs !== undefined ? { watchIntervalMs: this.o.watchIntervalMs } : {}),
    });
    this.sessions.set(session.id, session);
    for (const l of this.openedListeners) l(session);
    void session.start();
    return session;
  }

  /** Fires for every session made live (new, restored or re-provisioned), before it starts provisioning. */
  onSessionOpened(listener: (s: Session) => void): () => void {
    this.openedListeners.add(listener);
    return () => this.openedListeners.delete(listener);
  }

  /**
   * Give a live session to another learner, environment and all (a workshop's
   * pre-warmed seat becomes the joining learner's without re-provisioning).
   * Refused when that learner already has a session for the lab.
   */
  reassign(id: string, learner: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new SessionRequestError(`no live session ${id}`);
    if (this.o.store.findSession(session.lab.id, learner)) throw new SessionRequestError(`${learner} already has a session for lab ${session.lab.id}`);
    this.o.store.reassignSession(id, learner);
    session.reassign(learner);
    return session;
  }

  /**
   * Close a session's terminals and remove its environment, keeping its record
   * and progress: the next open() provisions a fresh environment under the same
   * id and the learner carries on (workshop idle reaping, expiry, end).
   */
  async reclaim(id: string): Promise<boolean> {
    const session = this.sessions.get(id);
    if (session) {
      this.sessions.delete(id);
      session.dispose();
      await session.settle();
      await session.environment.destroy();
      return true;
    }
    const record = this.o.store.getSession(id);
    const lab = record ? this.o.labs().get(record.labId) : undefined;
    if (!record || !lab) return false;
    const env = this.o.createEnvironment(lab.environment, { sessionId: id, labId: record.labId, labFilesDir: lab.filesDir, dataDir: this.o.dataDir });
    await env.destroy();
    return true;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  /** Close terminals and timers. Environments stay, to be adopted on the next start. */
  async dispose(): Promise<void> {
    await Promise.allSettled([...this.opening.values()]);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) s.dispose();
    await Promise.all(all.map((s) => s.settle()));
  }

  /** End a session for good: its terminals, its environment and its progress. */
  async destroy(id: string): Promise<boolean> {
    const session = this.sessions.get(id);
    const record = this.o.store.getSession(id);
    if (!session && !record) return false;
    if (session) {
      this.sessions.delete(id);
      session.dispose();
      await session.settle();
      await session.environment.destroy();
    } else if (record) {
      const lab = this.o.labs().get(record.labId);
      // A session from an earlier run: rebuild its environment handle only to remove it.
      if (lab) {
        const env = this.o.createEnvironment(lab.environment, { sessionId: id, labId: record.labId, labFilesDir: lab.filesDir, dataDir: this.o.dataDir });
        await env.destroy();
      }
    }
    this.o.store.deleteSession(id);
    return true;
  }
}
