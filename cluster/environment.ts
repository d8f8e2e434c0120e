/**
 * The seam between kindlab and the places labs run. Every implementation
 * (local shell, plain containers, kind cluster) lives in cluster/ and is the
 * only code that starts processes for a session.
 */
import type { EnvironmentKind, EnvironmentState, ProgressEvent, ProvisionResult } from '../common/environment.js';
import type { Pty } from './pty.js';

export interface ExecOptions {
  /** Extra environment variables (how learner input reaches a script: never interpolated). */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to the script's stdin, then closed. */
  readonly stdin?: string;
  /** Hard deadline; on expiry the whole process tree is killed (inside the container too). */
  readonly timeoutMs: number;
}

export interface ExecResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface TerminalTarget {
  /** Display name (e.g. `worker2`), which is what labs use as a target. */
  readonly name: string;
  /** What it is underneath (a container name, `local`). */
  readonly address: string;
}

export interface SpawnOptions {
  readonly cols: number;
  readonly rows: number;
}

export interface Environment {
  readonly kind: EnvironmentKind;
  /** Session-derived name (cluster name, network name, work directory). */
  readonly name: string;
  readonly state: EnvironmentState;
  /** Fires for every progress event during provision(). */
  onProgress(listener: (e: ProgressEvent) => void): () => void;
  /** Create (or adopt) everything; never throws for expected failures. */
  provision(): Promise<ProvisionResult>;
  /** Targets a terminal, check or solve may name. */
  targets(): readonly TerminalTarget[];
  /** Run a shell script (bash or sh) in a target. Throws EnvironmentError when the target is unknown. */
  exec(target: string, script: string, options: ExecOptions): Promise<ExecResult>;
  /** Start an interactive shell in a target. The returned Pty, when killed, ends the shell inside too. */
  spawnShell(target: string, options: SpawnOptions): Pty;
  /** Copy a host directory's contents into a target's working directory. */
  copyIn(target: string, hostDir: string): Promise<void>;
  /** Working directory of a target (where the lab's files are). */
  workdir(target: string): string;
  /** Remove everything this environment created. Idempotent. */
  destroy(): Promise<void>;
}

/** A fault in the environment itself (not a learner's mistake). */
export class EnvironmentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

/** What every environment is constructed with, besides its spec. */
export interface EnvironmentInit {
  readonly sessionId: string;
  readonly labId: string;
  /** The lab's `files/` folder (may not exist), copied into the learner's working directory. */
  readonly labFilesDir: string;
  /** kindlab's data directory; environments keep per-session state under `<dataDir>/sessions/<sessionId>/`. */
  readonly dataDir: string;
}

/** Labels on every Docker object kindlab creates, so `kindlab env ls|down` can find them. */
export const LABEL_SESSION = 'io.kindlab.session';
export const LABEL_LAB = 'io.kindlab.lab';
