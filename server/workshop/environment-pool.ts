/**
 * Pre-warmed seats: sessions of the event's first lab, provisioned under a
 * placeholder learner (`pool:<id>`) before anyone asks. A joining learner is
 * handed one through SessionManager.reassign — the same session id, so the
 * same containers — and the pool tops itself up to `reserved` spares while
 * seats remain.
 */
import { randomUUID } from 'node:crypto';
import type { Session } from '../sessions/session.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { Store } from '../store/store.js';

export const POOL_LEARNER_PREFIX = 'pool:';

export function isPoolLearner(learner: string): boolean {
  return learner.startsWith(POOL_LEARNER_PREFIX);
}

export interface EnvironmentPoolOptions {
  readonly sessions: SessionManager;
  readonly store: Store;
  readonly labId: string;
  readonly initial: number;
  readonly reserved: number;
  /** Seats that may still claim a spare; the pool never holds more spares than this. */
  readonly seatsLeft: () => number;
  readonly onChange?: () => void;
}

export class EnvironmentPool {
  private readonly spares = new Map<string, Session>();
  /** Opens in flight, counted so two quick top-ups do not both add. */
  private opening = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly o: EnvironmentPoolOptions) {}

  /**
   * Adopt spares left in the store by an earlier run, then provision up to
   * `initial`; resolves once those are provisioned. Spares beyond `reserved`
   * are then added in the background (the doors are already open).
   */
  async warm(): Promise<void> {
    for (const rec of this.o.store.listSessions()) {
      if (rec.labId === this.o.labId && isPoolLearner(rec.learner) && !this.spares.has(rec.id)) this.track(await this.o.sessions.open(rec.labId, rec.learner));
    }
    await Promise.all(this.add(this.initialTarget() - this.spares.size));
    await Promise.all([...this.spares.values()].map((s) => s.start()));
    this.topUp();
  }

  /** How many spares warm() holds before it resolves: `initial`, within the seats left. */
  initialTarget(): number {
    return Math.max(0, Math.min(this.o.initial, this.o.seatsLeft()));
  }

  /** A spare for a learner (ready ones first), reassigned to them; undefined when none is left. */
  claim(learnerId: string): Session | undefined {
    if (this.closed) return undefined;
    const all = [...this.spares.values()];
    const pick = all.find((s) => s.environmentState === 'ready') ?? all.find((s) => s.environmentState === 'provisioning' || s.environmentState === 'absent');
    if (!pick) return undefined;
    this.spares.delete(pick.id);
    const session = this.o.sessions.reassign(pick.id, learnerId);
    this.topUp();
    this.o.onChange?.();
    return session;
  }

  /** Provision spares until `reserved` are held (within the seats left). */
  topUp(): void {
    this.add(Math.min(this.o.reserved, this.o.seatsLeft()) - this.spares.size - this.opening);
  }

  counts(): { ready: number; provisioning: number } {
    const all = [...this.spares.values()];
    return {
      ready: all.filter((s) => s.environmentState === 'ready').length,
      provisioning: all.filter((s) => s.environmentState === 'provisioning' || s.environmentState === 'absent').length,
    };
  }

  /** Session ids held as spares. */
  ids(): string[] {
    return [...this.spares.keys()];
  }

  /** Stop adding spares and remove every spare's environment and record. */
  async destroy(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.inFlight]);
    const ids = [...this.spares.keys()];
    this.spares.clear();
    await Promise.all(ids.map((id) => this.o.sessions.destroy(id)));
  }

  private add(n: number): Promise<void>[] {
    const out: Promise<void>[] = [];
    for (let i = 0; i < n && !this.closed; i++) {
      this.opening++;
      const p: Promise<void> = this.o.sessions.open(this.o.labId, `${POOL_LEARNER_PREFIX}${randomUUID()}`).then(
          (s) => {
            this.opening--;
            this.track(s);
          },
          () => {
            // a lab that cannot open (e.g. removed) leaves the pool short; learners still get sessions on demand
            this.opening--;
          },
        );
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
      out.push(p);
    }
    return out;
  }

  private track(s: Session): void {
    // Opened after the pool closed (the event ended meanwhile): destroy() removes it from the spares.
    this.spares.set(s.id, s);
    if (this.closed) return;
    s.onEnvState(() => this.o.onChange?.());
    this.o.onChange?.();
  }
}
