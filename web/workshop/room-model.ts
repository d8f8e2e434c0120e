/**
 * What the room view shows, computed from a room snapshot without touching
 * the DOM: one row per learner for the chosen lab, one cell per step, and the
 * order the instructor asked for (stuck learners first by default).
 */
import type { RoomLearner, RoomSession, RoomSnapshot } from '../../common/protocol.js';

/** A cell as the instructor reads it; `failing` is a step whose last check failed. */
export type CellState = 'not-started' | 'in-progress' | 'passed' | 'failing' | 'regressed';

/** Colour is never the only signal: every state has a symbol and a word too. */
export const CELL_SYMBOL: Record<CellState, string> = {
  'not-started': '·',
  'in-progress': '▸',
  passed: '✓',
  failing: '✗',
  regressed: '!',
};

export const CELL_LABEL: Record<CellState, string> = {
  'not-started': 'not started',
  'in-progress': 'in progress',
  passed: 'passed',
  failing: 'failing',
  regressed: 'regressed',
};

export interface RoomCell {
  readonly stepId: string;
  readonly state: CellState;
  readonly attempts: number;
  readonly failedAttempts: number;
  /** The step the learner is on now. */
  readonly current: boolean;
}

export interface RoomRow {
  readonly learnerId: string;
  readonly name: string;
  readonly online: boolean;
  readonly lastSeenAt: number;
  /** The learner's session in this lab, if they opened it. */
  readonly session: RoomSession | undefined;
  readonly cells: readonly RoomCell[];
  readonly passed: number;
  readonly currentStepId: string | undefined;
  readonly currentStepSince: number | undefined;
  /** Failed checks on the current step (what "stuck" counts). */
  readonly failedOnCurrent: number;
  /** Failed checks over the whole lab. */
  readonly failedTotal: number;
  readonly stuck: boolean;
  readonly stuckReason: string | undefined;
}

export type RoomSort = 'stuck-first' | 'name' | 'progress' | 'joined';

export interface RoomViewOptions {
  readonly labId: string;
  readonly sort: RoomSort;
  readonly onlyStuck: boolean;
}

export function roomRows(snapshot: RoomSnapshot, options: RoomViewOptions): RoomRow[] {
  const lab = snapshot.labs.find((l) => l.id === options.labId);
  const stepIds = lab?.steps.map((s) => s.id) ?? [];
  const rows = snapshot.learners.map((l) => learnerRow(l, options.labId, stepIds));
  const shown = options.onlyStuck ? rows.filter((r) => r.stuck) : rows;
  const joined = new Map(snapshot.learners.map((l) => [l.learnerId, l.joinedAt]));
  return shown.sort(compare(options.sort, joined));
}

function learnerRow(learner: RoomLearner, labId: string, stepIds: readonly string[]): RoomRow {
  const session = learner.sessions.find((s) => s.labId === labId);
  const byId = new Map(session?.steps.map((s) => [s.stepId, s]) ?? []);
  const current = session?.currentStepId;
  const cells = stepIds.map((stepId): RoomCell => {
    const s = byId.get(stepId);
    return {
      stepId,
      state: cellState(s?.status, stepId === current),
      attempts: s?.attempts ?? 0,
      failedAttempts: s?.failedAttempts ?? 0,
      current: stepId === current,
    };
  });
  return {
    learnerId: learner.learnerId,
    name: learner.name,
    online: learner.online,
    lastSeenAt: learner.lastSeenAt,
    session,
    cells,
    passed: cells.filter((c) => c.state === 'passed').length,
    currentStepId: current,
    currentStepSince: session?.currentStepSince,
    failedOnCurrent: current ? (byId.get(current)?.failedAttempts ?? 0) : 0,
    failedTotal: cells.reduce((n, c) => n + c.failedAttempts, 0),
    stuck: session?.stuck ?? false,
    stuckReason: session?.stuckReason,
  };
}

/** A step the learner is on but has not checked yet is in progress, not "not started". */
export function cellState(status: string | undefined, current: boolean): CellState {
  switch (status) {
    case 'passed':
      return 'passed';
    case 'failed':
      return 'failing';
    case 'regressed':
      return 'regressed';
    case 'in-progress':
      return 'in-progress';
    default:
      return current ? 'in-progress' : 'not-started';
  }
}

function compare(sort: RoomSort, joined: ReadonlyMap<string, number>): (a: RoomRow, b: RoomRow) => number {
  const byName = (a: RoomRow, b: RoomRow): number => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) || a.learnerId.localeCompare(b.learnerId);
  switch (sort) {
    case 'name':
      return byName;
    case 'progress':
      // Furthest behind first: they are the ones who may need a hand.
      return (a, b) => a.passed - b.passed || byName(a, b);
    case 'joined':
      return (a, b) => (joined.get(a.learnerId) ?? 0) - (joined.get(b.learnerId) ?? 0) || byName(a, b);
    case 'stuck-first':
      // Stuck, then longest on their step, then by name: the order an instructor walks the room in.
      return (a, b) => Number(b.stuck) - Number(a.stuck) || (a.currentStepSince ?? Infinity) - (b.currentStepSince ?? Infinity) || byName(a, b);
  }
}

/** "4 m", "1 h 05 m": time on a step, coarse on purpose (it ticks every second on screen). */
export function elapsed(ms: number): string {
  if (ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}
