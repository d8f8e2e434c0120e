/** Outcomes of checks and the states of steps, shared by the runner, the store and the browser. */

export type CheckStatus = 'passed' | 'failed' | 'error' | 'timeout';

/**
 * The result of one check. Expected failures are values, never exceptions:
 * `failed` means the learner has not done the step yet, `error` means the check
 * itself could not run (bad target, environment gone), `timeout` means it was
 * killed at its deadline.
 */
export interface CheckResult {
  readonly checkId: string;
  readonly status: CheckStatus;
  /** One plain sentence for the learner. */
  readonly message: string;
  /** What the check wanted, in words (typed checks fill this in). */
  readonly expected?: string;
  /** What it found. */
  readonly actual?: string;
  /** Wall-clock time of the check, in milliseconds. */
  readonly ms: number;
}

/** The state of a step for one session. */
export type StepStatus = 'not-started' | 'in-progress' | 'passed' | 'failed' | 'regressed';

export interface StepState {
  readonly stepId: string;
  readonly status: StepStatus;
  /** The latest results of the step's checks (or answers), in declaration order. */
  readonly results: readonly CheckResult[];
  readonly attempts: number;
  readonly updatedAt: number;
}

/** Combine the results of a step's checks into one status. */
export function overallStatus(results: readonly CheckResult[]): CheckStatus {
  if (results.length === 0) return 'error';
  for (const s of ['timeout', 'error', 'failed'] as const) {
    if (results.some((r) => r.status === s)) return s;
  }
  return 'passed';
}
