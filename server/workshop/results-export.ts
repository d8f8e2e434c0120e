/** The event's results as CSV, JSON and JUnit XML: one row per learner × lab × step. */
import type { AttemptRecord } from '../store/store.js';
import type { SessionProgress } from './learner-progress.js';

export interface LearnerResults {
  readonly learnerId: string;
  readonly name: string;
  readonly joinedAt: number;
  readonly sessions: readonly SessionProgress[];
}

export interface ResultRow {
  readonly learnerId: string;
  readonly name: string;
  readonly labId: string;
  readonly stepId: string;
  readonly stepTitle: string;
  readonly status: string;
  readonly attempts: number;
  readonly failedAttempts: number;
  /** From the session's start to the step's first pass. */
  readonly timeToPassMs: number | null;
}

export function resultRows(learners: readonly LearnerResults[]): ResultRow[] {
  return learners.flatMap((l) =>
    l.sessions.flatMap((s) =>
      s.steps.map((st) => ({
        learnerId: l.learnerId,
        name: l.name,
        labId: s.labId,
        stepId: st.stepId,
        stepTitle: st.title,
        status: st.status,
        attempts: st.attempts,
        failedAttempts: st.failedAttempts,
        timeToPassMs: st.passedAt !== undefined ? st.passedAt - s.createdAt : null,
      })),
    ),
  );
}

const CSV_COLUMNS = ['learnerId', 'name', 'labId', 'stepId', 'stepTitle', 'status', 'attempts', 'failedAttempts', 'timeToPassMs'] as const;

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet never runs a learner's name as a formula. */
function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(rows: readonly ResultRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n';
}

export interface ResultsJson {
  readonly title: string;
  readonly exportedAt: number;
  readonly rows: readonly ResultRow[];
  readonly learners: readonly { learnerId: string; name: string; joinedAt: number; history: readonly (Omit<AttemptRecord, 'sessionId'> & { labId: string })[] }[];
}

export function resultsJson(title: string, learners: readonly LearnerResults[], now: number): ResultsJson {
  return {
    title,
    exportedAt: now,
    rows: resultRows(learners),
    learners: learners.map((l) => ({
      learnerId: l.learnerId,
      name: l.name,
      joinedAt: l.joinedAt,
      history: l.sessions.flatMap((s) => s.attempts.map((a) => ({ labId: s.labId, stepId: a.stepId, kind: a.kind, result: a.result, at: a.at }))),
    })),
  };
}

function xml(s: string): string {
  // XML 1.0 forbids these control characters outright; a learner's pasted name must not break the file.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/** One testsuite per learner, one testcase per lab step; a step not passed is a failure. */
export function resultsJunit(title: string, learners: readonly LearnerResults[]): string {
  const suites = learners.map((l) => {
    const rows = resultRows([l]);
    const failures = rows.filter((r) => r.status !== 'passed').length;
    const cases = rows.map((r) => {
      const time = r.timeToPassMs !== null ? (r.timeToPassMs / 1000).toFixed(3) : '0';
      const body = r.status === 'passed' ? '' : `\n      <failure message="${xml(`${r.status} after ${r.attempts} attempt(s)`)}" type="${xml(r.status)}"/>\n    `;
      return `    <testcase classname="${xml(`${r.labId}`)}" name="${xml(`${r.stepId}: ${r.stepTitle}`)}" time="${time}">${body}</testcase>`;
    });
    return `  <testsuite name="${xml(l.name)}" id="${xml(l.learnerId)}" tests="${rows.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(title)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
