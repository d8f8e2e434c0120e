/**
 * The socket.io wire protocol between the browser and the server, typed once
 * and used by both ends, plus every limit the two ends share.
 */
import type { CheckResult, StepState, StepStatus } from './check.js';
import type { EnvironmentState, ProgressEvent, ProvisionResult, Diagnosis } from './environment.js';

// ---- Limits ---------------------------------------------------------------

/** Largest single `term:input` payload; a paste bigger than this is refused, not truncated. */
export const MAX_INPUT_BYTES = 64 * 1024;
/** Terminal size bounds: xterm.js itself caps far above any real screen; these keep PTYs sane. */
export const MIN_COLS = 2;
export const MIN_ROWS = 1;
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;
/** Output is batched for this long before it is sent (one frame at 60 Hz is ~16 ms). */
export const OUTPUT_BATCH_MS = 5;
/**
 * ...or sent at once when the batch grows past this. 256 KiB, not 64: during a
 * flood each socket.io message costs the page a handler, a write callback and
 * an xterm parse slice; 4× fewer messages moved a 20 MiB `cat` in the lab page
 * from ~5 to ~7-8 MiB/s (bench/profile.ts). Replay frames use the same size.
 */
export const OUTPUT_BATCH_MAX_BYTES = 256 * 1024;
/**
 * A batch of at least this many bytes is sent as bytes, in one binary
 * WebSocket message (common/socket-parser.ts); a shorter one as text. Bytes
 * spare the page a UTF-8 decode into a string and xterm.js parses them
 * faster (the server reads the PTY as bytes, so they cost it nothing); text
 * keeps an echo or a prompt a plain text message, the path measured fastest
 * for typing (docs/performance.md).
 */
export const OUTPUT_BINARY_MIN_BYTES = 16 * 1024;
/**
 * Flow control: pause the PTY when this many bytes are unacknowledged by the
 * browser (4 output frames of OUTPUT_BATCH_MAX_BYTES; memory per flooding
 * terminal stays bounded by this, an idle terminal holds none of it)...
 */
export const FLOW_HIGH_WATERMARK = 1024 * 1024;
/**
 * ...and resume it once the backlog falls below this: half the high mark, so
 * the browser still holds two frames to parse while the PTY refills, instead
 * of draining to empty before the shell may write again.
 */
export const FLOW_LOW_WATERMARK = 512 * 1024;
/**
 * With several viewers (the same lab in two tabs, an instructor's shadow
 * view), the PTY follows the fastest: a viewer with more than this
 * unacknowledged stops getting output as it comes and catches up from the
 * replay buffer as it acknowledges (what it fell behind beyond the buffer is
 * announced as lost). A hidden tab, whose timers the browser throttles, or a
 * frozen one, which parses nothing, so never holds back the tab in use.
 * Two batches above the high mark: what a viewer that alone holds the PTY
 * paused may still be sent (reads already made when it paused).
 */
export const FLOW_LAG_LIMIT = FLOW_HIGH_WATERMARK + 2 * OUTPUT_BATCH_MAX_BYTES;
/** The browser acknowledges parsed output in steps of roughly this many bytes. */
export const FLOW_ACK_CHUNK = 64 * 1024;
/** Replay buffer per terminal: at least the last this many bytes, trimmed on whole batches (so up to one batch more), the oldest cut to start outside any escape sequence. */
export const REPLAY_BUFFER_BYTES = 1024 * 1024;
/** A terminal without viewers lives this long before its shell is closed (15 min). */
export const DEFAULT_TERMINAL_GRACE_MS = 15 * 60 * 1000;
/** Watched checks re-run at this interval until they pass. */
export const WATCH_INTERVAL_MS = 2000;
/** Default check timeout when a check names none. */
export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;
/** Longest answer a learner may submit. */
export const MAX_ANSWER_LENGTH = 4096;

// ---- Payloads -------------------------------------------------------------

export type TerminalStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface TerminalInfo {
  readonly name: string;
  readonly title: string;
  readonly status: TerminalStatus;
}

export interface OutputFrame {
  readonly terminal: string;
  /** Sequence number of the first byte of `data` in the terminal's output stream. */
  readonly seq: number;
  /** Text, or UTF-8 bytes for a large frame (OUTPUT_BINARY_MIN_BYTES); whole characters either way. */
  readonly data: string | Uint8Array;
}

export interface SessionSnapshot {
  readonly sessionId: string;
  readonly labId: string;
  readonly environment: EnvironmentState;
  readonly progress: readonly ProgressEvent[];
  readonly provision?: ProvisionResult;
  readonly diagnosis?: readonly Diagnosis[];
  readonly terminals: readonly TerminalInfo[];
  readonly steps: readonly StepState[];
}

// ---- Workshops (instructor-led events; see docs/workshops.md) ------------

/** room:update is sent at most this often (2/s), however fast the room changes. */
export const ROOM_UPDATE_INTERVAL_MS = 500;
/** Longest learner display name, after trimming. */
export const MAX_LEARNER_NAME_LENGTH = 40;

export interface RoomStepProgress {
  readonly stepId: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly failedAttempts: number;
  readonly updatedAt: number;
}

export interface RoomSession {
  readonly sessionId: string;
  readonly labId: string;
  readonly environment: EnvironmentState;
  readonly currentStepId?: string;
  readonly currentStepSince?: number;
  readonly steps: readonly RoomStepProgress[];
  readonly stuck: boolean;
  readonly stuckReason?: string;
}

export interface RoomLearner {
  readonly learnerId: string;
  readonly name: string;
  readonly joinedAt: number;
  readonly lastSeenAt: number;
  readonly online: boolean;
  readonly sessions: readonly RoomSession[];
}

/** What the instructor's room view shows: every learner × lab × step. */
export interface RoomSnapshot {
  readonly title: string;
  readonly code: string;
  readonly capacity: number;
  readonly ended?: boolean;
  readonly labs: readonly { readonly id: string; readonly title: string; readonly steps: readonly { readonly id: string; readonly title: string }[] }[];
  readonly learners: readonly RoomLearner[];
  readonly pool: { readonly ready: number; readonly provisioning: number };
}

/** A frame of a shadowed (read-only) learner terminal. */
export interface ShadowFrame extends OutputFrame {
  readonly sessionId: string;
}

export type Ack<T> = (reply: { ok: true; value: T } | { ok: false; error: string }) => void;

export interface ClientToServerEvents {
  /** Join a session the page already knows (from the HTTP API); replies with its snapshot. */
  'session:join': (req: { sessionId: string }, ack: Ack<SessionSnapshot>) => void;
  /** Attach to a terminal, replaying output from `fromSeq` (0 = everything still buffered). */
  'term:attach': (req: { terminal: string; fromSeq: number; cols: number; rows: number }, ack: Ack<{ seq: number }>) => void;
  'term:input': (req: { terminal: string; data: string }) => void;
  'term:resize': (req: { terminal: string; cols: number; rows: number }) => void;
  /** Bytes of output the browser has parsed (flow control). */
  'term:ack': (req: { terminal: string; bytes: number }) => void;
  'check:run': (req: { stepId: string }, ack: Ack<StepState>) => void;
  'check:watch': (req: { stepId: string; on: boolean }) => void;
  'answer:submit': (req: { stepId: string; answerId: string; value: string }, ack: Ack<StepState>) => void;
  /** Re-run the checks of every step that passed; a step that broke becomes `regressed`. */
  'steps:recheck': (req: Record<string, never>, ack: Ack<readonly StepState[]>) => void;
  /** Run the solves of the given step (and every earlier unsolved step) — "skip to here". */
  'step:solve': (req: { stepId: string }, ack: Ack<readonly StepState[]>) => void;
  /** Instructor only: the room now (ack), then `room:update` on every change. */
  'room:subscribe': (req: Record<string, never>, ack: Ack<RoomSnapshot>) => void;
  /** Instructor only: watch a learner's terminal, read-only; frames arrive as `shadow:output`. */
  'term:shadow': (req: { sessionId: string; terminal: string; fromSeq: number }, ack: Ack<{ seq: number }>) => void;
  /** Instructor only: shadow output parsed (flow control, as `term:ack`; a shadow that lags catches up, it never holds the learner back). */
  'shadow:ack': (req: { sessionId: string; terminal: string; bytes: number }) => void;
  /** Instructor only: stop watching a learner's terminal. */
  'term:unshadow': (req: { sessionId: string; terminal: string }) => void;
}

export interface ServerToClientEvents {
  'term:output': (frame: OutputFrame) => void;
  'term:status': (info: { terminal: string; status: TerminalStatus; message?: string }) => void;
  'env:progress': (event: ProgressEvent) => void;
  'env:state': (state: { environment: EnvironmentState; provision?: ProvisionResult; diagnosis?: readonly Diagnosis[] }) => void;
  'step:state': (state: StepState) => void;
  /** A request the server refused (malformed, unknown terminal, ...), in plain words. */
  'client:error': (error: { event: string; message: string }) => void;
  /** Workshop: the room changed (throttled to ROOM_UPDATE_INTERVAL_MS). */
  'room:update': (room: RoomSnapshot) => void;
  /** Workshop: output of a terminal the instructor shadows. */
  'shadow:output': (frame: ShadowFrame) => void;
  /** Workshop: the instructor ended the event (learners see the message). */
  'workshop:ended': (info: { message: string }) => void;
}

export type { CheckResult, StepState };
