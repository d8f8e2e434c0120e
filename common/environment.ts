/** What the browser and the CLI learn about an environment while it is provisioned and used. */

export type EnvironmentKind = 'local' | 'containers' | 'kind';

export type EnvironmentState = 'absent' | 'provisioning' | 'ready' | 'failed' | 'destroyed';

/** One stage of provisioning (e.g. "Preparing nodes"), with its timing. */
export interface ProgressEvent {
  readonly stage: string;
  readonly status: 'started' | 'done' | 'failed' | 'info';
  /** Milliseconds since provisioning began. */
  readonly atMs: number;
  /** Duration of the stage when it ends. */
  readonly ms?: number;
  readonly detail?: string;
}

/** A problem found by `kindlab doctor`, with its fix. */
export interface Diagnosis {
  readonly id: string;
  readonly ok: boolean;
  readonly title: string;
  /** What was found, e.g. a version or an error message. */
  readonly detail: string;
  /** What to do about it when not ok. */
  readonly fix?: string;
  readonly severity: 'error' | 'warning' | 'info';
}

/** The outcome of provisioning: expected failures are values naming the stage. */
export type ProvisionResult =
  | { readonly ok: true; readonly ms: number; readonly adopted: boolean }
  | {
      readonly ok: false;
      readonly stage: string;
      readonly message: string;
      /** The failing tool's own words (stderr), when a tool failed. */
      readonly toolOutput?: string;
      readonly fix?: string;
    };
