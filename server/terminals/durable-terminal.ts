/**
 * A terminal whose shell belongs to the session, not to a browser socket.
 *
 * Output is one stream per terminal, read from the PTY as bytes and numbered
 * by byte offset (`seq`); batches hold whole characters of valid UTF-8
 * (output-bytes.ts), so the browser counts the same bytes. The stream keeps
 * counting across shell restarts so a viewer's position stays meaningful.
 * The last REPLAY_BUFFER_BYTES are kept as whole batches (the
 * oldest one cut so it starts outside any escape sequence), so a viewer that
 * (re)attaches from the seq it last saw gets exactly what it missed. Several
 * viewers may watch at once. Flow control follows the fastest of them: the
 * PTY is paused while every viewer has too much output unacknowledged, and a
 * viewer that falls FLOW_LAG_LIMIT behind gets no more live output until it
 * acknowledges, then catches up from the replay buffer. The shell is closed
 * after `graceMs` without any viewer.
 */
import type { Pty } from '../../cluster/pty.js';
import { escapeStateAfter, groundIndex, type EscapeState } from './escape-state.js';
import { completeLength, joinReads, wellFormed } from './output-bytes.js';
import {
  FLOW_HIGH_WATERMARK,
  FLOW_LAG_LIMIT,
  FLOW_LOW_WATERMARK,
  OUTPUT_BATCH_MAX_BYTES,
  OUTPUT_BATCH_MS,
  REPLAY_BUFFER_BYTES,
  type TerminalInfo,
  type TerminalStatus,
} from '../../common/protocol.js';

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** The longest delay a timer holds (2^31-1 ms); a longer grace period waits this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Output for a viewer: whole characters of valid UTF-8, from byte `seq` of the stream. */
export interface TerminalFrame {
  readonly seq: number;
  readonly data: Buffer;
}

/** Where a viewer's output goes (a socket, a test, an instructor's shadow view). */
export interface TerminalViewer {
  output(frame: TerminalFrame): void;
}

/** A viewer's attachment; detaching never stops the shell (only the grace period does). */
export interface TerminalAttachment {
  /** Where the replay ended: frames before this seq were output the viewer had missed. */
  readonly replayEnd: number;
  /** Bytes of output the viewer has parsed (flow control). */
  ack(bytes: number): void;
  detach(): void;
  /** Output sent to this viewer and not yet acknowledged. */
  readonly unacked: number;
}

export interface TerminalStatusEvent {
  readonly terminal: string;
  readonly status: TerminalStatus;
  readonly message?: string;
}

export interface DurableTerminalOptions {
  readonly name: string;
  readonly title: string;
  spawn(size: TerminalSize): Pty;
  /** How long the shell outlives its last viewer. */
  readonly graceMs: number;
  /** Overrides for tests; production uses the shared limits from common/protocol.ts. */
  readonly limits?: Partial<TerminalLimits>;
}

export interface TerminalLimits {
  readonly replayBytes: number;
  readonly batchMs: number;
  readonly batchMaxBytes: number;
  readonly highWatermark: number;
  readonly lowWatermark: number;
  readonly lagLimit: number;
}

const DEFAULT_LIMITS: TerminalLimits = {
  replayBytes: REPLAY_BUFFER_BYTES,
  batchMs: OUTPUT_BATCH_MS,
  batchMaxBytes: OUTPUT_BATCH_MAX_BYTES,
  highWatermark: FLOW_HIGH_WATERMARK,
  lowWatermark: FLOW_LOW_WATERMARK,
  lagLimit: FLOW_LAG_LIMIT,
};

/** How long a shell gets to end after SIGHUP before it is SIGKILLed. */
const HANGUP_GRACE_MS = 1000;

/** Used until a viewer tells us its size. */
const DEFAULT_SIZE: TerminalSize = { cols: 80, rows: 24 };

interface Chunk extends TerminalFrame {
  /** Escape-sequence state of the stream where this chunk starts (a replay may only start in ground). */
  readonly startState: EscapeState;
}

interface ViewerState {
  readonly viewer: TerminalViewer;
  unacked: number;
  /** Seq just past the last byte sent to this viewer; below `end` while it lags behind the stream. */
  sent: number;
}

export class DurableTerminal {
  readonly name: string;
  readonly title: string;
  private readonly limits: TerminalLimits;
  private pty: Pty | undefined;
  private ptySubscriptions: { dispose(): void }[] = [];
  private currentStatus: TerminalStatus = 'connecting';
  private statusMessage: string | undefined;
  private size: TerminalSize = DEFAULT_SIZE;
  private readonly chunks: Chunk[] = [];
  private bufferedBytes = 0;
  /** Escape-sequence state at `end`: where the next chunk starts. */
  private escapeState: EscapeState = 'ground';
  /** Seq of the next byte to be batched (end of the flushed stream). */
  private end = 0;
  /** PTY reads not yet flushed (the last may end inside a character, which waits for the next read). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private batchTimer: NodeJS.Timeout | undefined;
  /** When output was last sent (performance.now()); output after a quiet spell is sent at once. */
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private graceTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private disposed = false;
  private readonly viewers = new Set<ViewerState>();
  private readonly statusListeners = new Set<(e: TerminalStatusEvent) => void>();

  constructor(private readonly options: DurableTerminalOptions) {
    this.name = options.name;
    this.title = options.title;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  get status(): TerminalStatus {
    return this.currentStatus;
  }

  get info(): TerminalInfo {
    return { name: this.name, title: this.title, status: this.currentStatus };
  }

  /** PID of the running shell, if any. */
  get pid(): number | undefined {
    return this.pty?.pid;
  }

  /** Seq just past the last byte output so far (including output still being batched). */
  get seq(): number {
    return this.end + this.pendingBytes;
  }

  /** Whether the PTY is paused by flow control. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes held in the replay buffer. */
  get bufferedSize(): number {
    return this.bufferedBytes;
  }

  /** Seq of the oldest byte still replayable. */
  get bufferStart(): number {
    return this.chunks[0]?.seq ?? this.end;
  }

  onStatus(listener: (e: TerminalStatusEvent) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Attach a viewer, replaying everything after `fromSeq` that is still
   * buffered. A `fromSeq` beyond the stream's end comes from a different
   * stream (a restarted server), so the viewer gets the whole buffer. Starts a
   * shell when none is running.
   */
  attach(viewer: TerminalViewer, fromSeq: number, size?: TerminalSize): TerminalAttachment {
    if (this.disposed) throw new Error(`terminal ${this.name} is disposed`);
    // Output still being batched goes into the buffer first, so the replay
    // and the live stream meet exactly at `replayEnd`.
    this.flush();
    if (size) this.size = size;
    // Start the shell first: when that fails (the environment is not ready),
    // nothing is left half-attached and the caller gets the error.
    if (!this.pty) this.start();
    else if (size) this.pty.resize(size.cols, size.rows);
    const from = fromSeq > this.end || fromSeq < 0 ? 0 : fromSeq;
    const state: ViewerState = { viewer, unacked: 0, sent: from };
    for (const frame of this.replayFrom(from)) this.send(state, frame);
    state.sent = this.end;
    this.viewers.add(state);
    this.cancelGrace();
    this.updateFlow();
    const replayEnd = this.end;
    let detached = false;
    return {
      replayEnd,
      get unacked() {
        return state.unacked;
      },
      ack: (bytes) => {
        if (detached || !Number.isFinite(bytes) || bytes <= 0) return;
        state.unacked = Math.max(0, state.unacked - bytes);
        this.catchUp(state);
        this.updateFlow();
      },
      detach: () => {
        if (detached) return;
        detached = true;
        this.viewers.delete(state);
        this.updateFlow();
        if (this.viewers.size === 0) this.startGrace();
      },
    };
  }

  /** Keystrokes from a viewer. Returns false when no shell is running (closed terminal). */
  write(data: string): boolean {
    if (!this.pty) return false;
    this.pty.write(data);
    return true;
  }

  resize(size: TerminalSize): void {
    this.size = size;
    this.pty?.resize(size.cols, size.rows);
  }

  /** Kill the shell and forget every viewer; the terminal cannot be used again. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.cancelGrace();
    clearTimeout(this.batchTimer);
    this.viewers.clear();
    this.killPty();
    this.statusListeners.clear();
  }

  private start(): void {
    const pty = this.options.spawn(this.size);
    this.pty = pty;
    this.escapeState = 'ground';
    this.paused = false;
    this.ptySubscriptions = [
      pty.onData((data) => this.onPtyData(data)),
      pty.onExit((e) => {
        if (this.pty !== pty) return;
        this.closed(e.signal ? `shell was killed by signal ${e.signal}` : `shell exited with code ${e.exitCode}`);
      }),
    ];
    this.setStatus('live');
  }

  private onPtyData(data: Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= this.limits.batchMaxBytes) this.flush();
    else if (this.batchTimer === undefined && performance.now() - this.lastSentAt >= this.limits.batchMs) {
      // Leading edge: output after a quiet spell (a keystroke's echo) goes out
      // at once; only what follows within batchMs is batched. Waiting out the
      // batch window on every echo cost ~5 ms per key (npm run bench).
      this.flush();
      this.batchTimer = setTimeout(() => this.flush(), this.limits.batchMs);
    } else this.batchTimer ??= setTimeout(() => this.flush(), this.limits.batchMs);
  }

  /**
   * Move the batch into the stream and send it. The first bytes of a
   * character the last read cut stay pending for the next batch, unless this
   * is the shell's last output (`final`), when they show as U+FFFD.
   */
  private flush(final = false): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    // Only a flush that sends counts: the empty flush of the trailing timer
    // after an echo must not restart the quiet spell, or the next keystroke's
    // echo (typed 5-10 ms later) waits out a whole batch window again.
    if (this.pendingBytes === 0) return;
    const reads = joinReads(this.pending, this.pendingBytes);
    const whole = final ? reads.length : completeLength(reads);
    if (whole === 0) return;
    this.pending = whole < reads.length ? [reads.subarray(whole)] : [];
    this.pendingBytes = reads.length - whole;
    this.lastSentAt = performance.now();
    const data = wellFormed(reads.subarray(0, whole));
    const chunk: Chunk = { seq: this.end, data, startState: this.escapeState };
    this.escapeState = escapeStateAfter(this.escapeState, data);
    this.end += data.length;
    this.chunks.push(chunk);
    this.bufferedBytes += data.length;
    this.trimBuffer();
    for (const v of this.viewers) {
      // A viewer that lags (or now falls too far behind) gets it when it catches up.
      if (v.sent === chunk.seq && v.unacked <= this.limits.lagLimit) this.send(v, chunk);
    }
    this.updateFlow();
  }

  private send(v: ViewerState, frame: TerminalFrame): void {
    v.unacked += frame.data.length;
    v.sent = frame.seq + frame.data.length;
    v.viewer.output(frame);
  }

  /**
   * A lagging viewer acknowledged: send it what it missed from the replay
   * buffer, up to the high mark at a time. If part of it was trimmed away
   * meanwhile, the first frame starts past a gap, which the browser announces.
   */
  private catchUp(v: ViewerState): void {
    if (v.sent >= this.end) return;
    for (const frame of this.replayFrom(v.sent)) {
      if (v.unacked >= this.limits.highWatermark) return;
      this.send(v, frame);
    }
  }

  /**
   * Drop the oldest whole chunks the replay limit does not need: the chunk
   * that holds the limit's first byte stays, so a viewer can always get at
   * least the last replayBytes (dropping it too would leave only what came
   * after it, little or nothing once one batch is larger than the limit).
   * PTY reads split the stream anywhere, so the chunk left at the front may
   * start inside an escape sequence: it is cut to begin just past that
   * sequence, so a replay never begins with the tail of one (a chunk that
   * never leaves the sequence goes).
   */
  private trimBuffer(): void {
    while (this.chunks.length > 1 && this.bufferedBytes - this.chunks[0]!.data.length >= this.limits.replayBytes) this.dropFront();
    for (let front = this.chunks[0]; front && front.startState !== 'ground'; front = this.chunks[0]) {
      const at = groundIndex(front.startState, front.data);
      if (at === -1) {
        this.dropFront();
        continue;
      }
      // Escape sequences are ASCII, so `at` is a character boundary.
      this.chunks[0] = { seq: front.seq + at, data: front.data.subarray(at), startState: 'ground' };
      this.bufferedBytes -= at;
    }
  }

  private dropFront(): void {
    const dropped = this.chunks.shift();
    if (dropped) this.bufferedBytes -= dropped.data.length;
  }

  /**
   * Buffered output from `from` on, coalesced into frames of at most
   * batchMaxBytes. `from` is where an earlier frame ended, so a chunk is
   * only ever cut between characters.
   */
  private *replayFrom(from: number): Generator<TerminalFrame> {
    let parts: Buffer[] = [];
    let seq = from;
    let bytes = 0;
    for (const c of this.chunks) {
      if (c.seq + c.data.length <= from) continue;
      const part = c.seq >= from ? c.data : c.data.subarray(from - c.seq);
      if (bytes > 0 && bytes + part.length > this.limits.batchMaxBytes) {
        yield { seq, data: joinReads(parts, bytes) };
        parts = [];
        bytes = 0;
      }
      if (bytes === 0) seq = Math.max(c.seq, from);
      parts.push(part);
      bytes += part.length;
    }
    if (bytes > 0) yield { seq, data: joinReads(parts, bytes) };
  }

  /** Pause while even the fastest viewer has too much unacknowledged; a viewer that left holds nothing. */
  private updateFlow(): void {
    if (!this.pty) return;
    let least = Number.POSITIVE_INFINITY;
    for (const v of this.viewers) least = Math.min(least, v.unacked);
    if (this.viewers.size === 0) least = 0;
    if (!this.paused && least > this.limits.highWatermark) {
      this.paused = true;
      this.pty.pause();
    } else if (this.paused && least < this.limits.lowWatermark) {
      this.paused = false;
      this.pty.resume();
    }
  }

  private startGrace(): void {
    this.cancelGrace();
    if (!this.pty) return;
    this.graceTimer = setTimeout(
      () => {
        this.graceTimer = undefined;
        const seconds = Math.round(this.options.graceMs / 1000);
        this.killPty();
        this.closed(`shell closed after ${seconds} s without a viewer`);
      },
      // A timer holds at most 2^31-1 ms (~24.8 days); past it Node fires after 1 ms.
      Math.min(this.options.graceMs, MAX_TIMER_MS),
    );
  }

  private cancelGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private closed(message: string): void {
    this.flush(true);
    this.detachPty();
    this.setStatus('closed', message);
  }

  private killPty(): void {
    const pty = this.pty;
    this.detachPty();
    if (!pty) return;
    // A paused PTY would not notice its hangup; bash ignores SIGTERM when
    // interactive, so SIGHUP is what ends it (and its jobs) like a closed window.
    pty.resume();
    pty.kill('SIGHUP');
    // A shell that ignores hangups (`trap '' HUP`) is killed for good shortly after.
    let exited = false;
    const sub = pty.onExit(() => (exited = true));
    setTimeout(() => {
      sub.dispose();
      if (!exited) pty.kill('SIGKILL');
    }, HANGUP_GRACE_MS).unref();
  }

  private detachPty(): void {
    for (const s of this.ptySubscriptions) s.dispose();
    this.ptySubscriptions = [];
    this.pty = undefined;
    this.paused = false;
  }

  private setStatus(status: TerminalStatus, message?: string): void {
    this.currentStatus = status;
    this.statusMessage = message;
    const event: TerminalStatusEvent = { terminal: this.name, status, ...(message !== undefined ? { message } : {}) };
    for (const l of this.statusListeners) l(event);
  }

  /** The message that came with the current status (why it closed). */
  get message(): string | undefined {
    return this.statusMessage;
  }
}

