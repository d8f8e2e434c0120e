/**
 * One terminal in the browser: an xterm.js view attached over socket.io to a
 * durable terminal on the server.
 *
 * It remembers the seq just past the last byte it received, so a reconnect
 * asks only for what it missed; it acknowledges output once xterm has parsed
 * it (server-side flow control); and it drops keystrokes and xterm's automatic
 * replies (e.g. answers to device-attribute queries) while it replays old
 * output, so replaying never types into the shell.
 */
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import {
  FLOW_ACK_CHUNK,
  MAX_COLS,
  MAX_INPUT_BYTES,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type OutputFrame,
  type TerminalInfo,
  type TerminalStatus,
} from '../../common/protocol.js';
import { byteLength, utf8Skip } from '../../common/terminal-data.js';
import { FramePacer } from './frame-pacer.js';
import type { PageSocket } from '../socket.js';

/** How long to wait for the server to answer an attach before trying again. */
const ATTACH_TIMEOUT_MS = 5000;
/** Retry delay after an unanswered attach (the server may still be joining the session). */
const ATTACH_RETRY_MS = 1000;
/**
 * A fresh shell is ready for typed input once its output (banner, prompt, and
 * e.g. busybox ash's cursor-position query) has been quiet this long. Typed
 * earlier, a run button's command is echoed by the tty before the prompt and
 * xterm's answer to the query lands in the command line as `^[[8;18R`.
 */
const PROMPT_QUIET_MS = 150;
/** Give up waiting for a fresh shell's prompt after this long (a shell may print none). */
const PROMPT_MAX_WAIT_MS = 3000;
/**
 * Line height as a multiple of the font size: at 1.0 DejaVu Sans Mono's
 * underscore falls below the cell and is clipped, so LAB_COLOR reads "LAB COLOR".
 */
const LINE_HEIGHT = 1.15;

const DIM = '\x1b[2m';
/** CAN: ends any escape sequence or string in progress (VT500 parsers, xterm.js among them). */
const CANCEL = '\x18';
const RESET = '\x1b[0m';

/**
 * What the terminal shows where `missing` bytes of output were skipped (they
 * left the server's replay buffer before this view got them). CAN first: the
 * output before the gap may have stopped inside an escape sequence or an OSC
 * string, which would swallow the line break.
 */
export function gapNotice(missing: number): string {
  return `${CANCEL}\r\n${DIM}[${missing} bytes of older output are no longer available]${RESET}\r\n`;
}

export class TerminalView {
  readonly name: string;
  readonly title: string;
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  /** Spaces repaints out while output floods (shared by every terminal on the page). */
  private readonly pacer = FramePacer.for(window);
  private currentStatus: TerminalStatus = 'connecting';
  private readonly statusListeners = new Set<(s: TerminalStatus, message?: string) => void>();
  /** Seq just past the last byte written to xterm. */
  private received = 0;
  /** Seq just past the last byte xterm has parsed. */
  private parsed = 0;
  /** Output before this seq is replay: input generated while it is parsed is dropped. */
  private replayEnd = 0;
  private unacked = 0;
  private attached = false;
  private attaching = false;
  private wanted = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly queuedInput: string[] = [];
  /** Set while a freshly started shell has not yet printed its prompt: typed input waits. */
  private awaitingPrompt = false;
  private promptTimer: ReturnType<typeof setTimeout> | undefined;
  private promptDeadline: ReturnType<typeof setTimeout> | undefined;
  private readonly disposers: (() => void)[] = [];
  private disposed = false;

  constructor(
    readonly pane: HTMLElement,
    private readonly socket: PageSocket,
    info: TerminalInfo,
  ) {
    this.name = info.name;
    this.title = info.title;
    this.term = new Terminal({
      // A steady cursor, as in xterm.js's and VS Code's defaults: the DOM
      // renderer blinks with an endless CSS animation, which keeps Chromium
      // producing frames and delayed each keystroke's echo by ~8 ms (p50 11.5
      // vs 2.8 ms, same page and server; bench/profile.ts echo).
      cursorBlink: false,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      lineHeight: LINE_HEIGHT,
      scrollback: 5000,
      theme: { background: '#1e1e1e' },
    });
    this.term.loadAddon(this.fit);
    this.term.open(pane);

    const d1 = this.term.onData((data) => this.typed(data));
    // Binary data: mouse reports in legacy encodings; same path, same rules.
    const d2 = this.term.onBinary((data) => this.typed(data));
    const d3 = this.term.onResize(({ cols, rows }) => {
      if (this.attached) this.socket.emit('term:resize', { terminal: this.name, ...clampSize(cols, rows) });
    });
    const d4 = this.term.onSelectionChange(() => {
      if (this.term.hasSelection()) void copyText(this.term.getSelection());
    });
    this.disposers.push(() => [d1, d2, d3, d4].forEach((d) => d.dispose()));
    this.term.attachCustomKeyEventHandler((e) => this.shortcut(e));

    const onOutput = (f: OutputFrame): void => {
      if (f.terminal === this.name) this.output(f);
    };
    const onStatus = (s: { terminal: string; status: TerminalStatus; message?: string }): void => {
      if (s.terminal === this.name) this.serverStatus(s.status, s.message);
    };
    const onConnect = (): void => {
      if (this.wanted) this.attach();
    };
    const onDisconnect = (): void => {
      this.attached = false;
      this.attaching = false;
      if (this.wanted && this.currentStatus !== 'closed') this.setStatus('reconnecting');
    };
    socket.on('term:output', onOutput);
    socket.on('term:status', onStatus);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    this.disposers.push(() => {
      socket.off('term:output', onOutput);
      socket.off('term:status', onStatus);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    });

    // Follow the pane: fit whenever it changes size (and is visible at all).
    const observer = new ResizeObserver(() => this.fitToPane());
    observer.observe(pane);
    this.disposers.push(() => observer.disconnect());
  }

  get status(): TerminalStatus {
    return this.currentStatus;
  }

  /** Seq just past the last byte received (what a reconnect asks to continue from). */
  get seq(): number {
    return this.received;
  }

  onStatus(listener: (s: TerminalStatus, message?: string) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Attach (or re-attach) to the server's terminal; starts its shell if none runs. */
  attach(): void {
    if (this.disposed) return;
    this.wanted = true;
    if (this.attaching || !this.socket.connected) return;
    this.attaching = true;
    clearTimeout(this.retryTimer);
    const attempt = ++this.attempt;
    this.fitToPane();
    const timer = setTimeout(() => {
      if (attempt !== this.attempt || this.disposed) return;
      this.attaching = false;
      this.retryTimer = setTimeout(() => this.attach(), ATTACH_RETRY_MS);
    }, ATTACH_TIMEOUT_MS);
    this.socket.emit('term:attach', { terminal: this.name, fromSeq: this.received, ...clampSize(this.term.cols, this.term.rows) }, (reply) => {
      clearTimeout(timer);
      if (attempt !== this.attempt || this.disposed) return;
      this.attaching = false;
      if (!reply.ok) {
        this.setStatus('closed', reply.error);
        this.term.write(`\r\n${DIM}[${reply.error}]${RESET}\r\n`);
        return;
      }
      const end = reply.value.seq;
      if (end < this.received) {
        // The server's stream is not the one we were following (it restarted): start over.
        this.term.reset();
        this.received = 0;
        this.parsed = 0;
      }
      this.replayEnd = end;
      this.unacked = 0;
      this.attached = true;
      // Nothing to replay and nothing seen: the shell is just starting, so let it reach its prompt first.
      if (end === 0 && this.received === 0) this.waitForPrompt();
      this.setStatus('live');
      this.flushQueuedInput();
    });
  }

  /** Type text into the terminal as if the learner did (used by run buttons). */
  type(data: string): void {
    if (this.attached && this.currentStatus === 'live' && !this.replaying && !this.awaitingPrompt) this.send(data);
    else {
      this.queuedInput.push(data);
      if (!this.attached) this.attach();
    }
  }

  focus(): void {
    this.term.focus();
  }

  /** Fit xterm to its pane, if the pane is laid out (hidden tabs are not). */
  fitToPane(): void {
    if (this.disposed || this.pane.clientWidth === 0 || this.pane.clientHeight === 0) return;
    try {
      this.fit.fit();
    } catch {
      // not rendered yet; the next resize will fit
    }
  }

  /** The terminal's buffer as text lines (scrollback included), trailing blank lines dropped. */
  text(): string[] {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
    return lines;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.promptTimer);
    clearTimeout(this.promptDeadline);
    for (const d of this.disposers.splice(0)) d();
    this.statusListeners.clear();
    this.term.dispose();
  }

  private get replaying(): boolean {
    return this.parsed < this.replayEnd;
  }

  private output(f: OutputFrame): void {
    let data = f.data;
    let seq = f.seq;
    const bytes = byteLength(data);
    if (seq + bytes <= this.received) return; // already have all of it (a frame from an earlier attach)
    if (seq < this.received) {
      data = utf8Skip(data, this.received - seq);
      seq = this.received;
    } else if (seq > this.received && this.received > 0) {
      this.term.write(gapNotice(seq - this.received));
    }
    const n = f.seq + bytes - seq;
    this.received = seq + n;
    this.pacer.noteOutput(n);
    this.term.write(data, () => {
      this.parsed = Math.max(this.parsed, seq + n);
      this.unacked += n;
      if (this.unacked >= FLOW_ACK_CHUNK && this.attached) {
        this.socket.emit('term:ack', { terminal: this.name, bytes: this.unacked });
        this.unacked = 0;
      }
      if (this.awaitingPrompt) this.settleAfterOutput();
      if (!this.replaying) this.flushQueuedInput();
    });
  }

  private waitForPrompt(): void {
    this.awaitingPrompt = true;
    clearTimeout(this.promptDeadline);
    this.promptDeadline = setTimeout(() => this.promptReady(), PROMPT_MAX_WAIT_MS);
  }

  /** Output arrived from a starting shell: it is ready once it has been quiet for a moment. */
  private settleAfterOutput(): void {
    clearTimeout(this.promptTimer);
    this.promptTimer = setTimeout(() => this.promptReady(), PROMPT_QUIET_MS);
  }

  private promptReady(): void {
    clearTimeout(this.promptTimer);
    clearTimeout(this.promptDeadline);
    if (!this.awaitingPrompt || this.disposed) return;
    this.awaitingPrompt = false;
    this.flushQueuedInput();
  }

  private serverStatus(status: TerminalStatus, message?: string): void {
    if (status === 'closed') {
      this.setStatus('closed', message);
      this.term.write(`\r\n${DIM}[${message ?? 'terminal closed'} — press Enter for a new shell]${RESET}\r\n`);
    } else if (status === 'live' && this.attached) this.setStatus('live');
  }

  private typed(data: string): void {
    if (this.currentStatus === 'closed') {
      if (data === '\r') this.attach();
      return;
    }
    // Keystrokes and xterm's own replies while replaying old output, or while
    // not attached, would reach the shell out of context: drop them.
    if (!this.attached || this.replaying) return;
    this.send(data);
  }

  private send(data: string): void {
    // A paste bigger than the server accepts in one message goes in pieces, in order.
    const maxChars = Math.floor(MAX_INPUT_BYTES / 4);
    for (let i = 0; i < data.length; i += maxChars) this.socket.emit('term:input', { terminal: this.name, data: data.slice(i, i + maxChars) });
  }

  private flushQueuedInput(): void {
    if (!this.attached || this.replaying || this.awaitingPrompt || this.currentStatus !== 'live') return;
    for (const d of this.queuedInput.splice(0)) this.send(d);
  }

  private shortcut(e: KeyboardEvent): boolean {
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    const key = e.key.toLowerCase();
    if (key === 'c') {
      if (this.term.hasSelection()) void copyText(this.term.getSelection());
      return false;
    }
    if (key === 'v') {
      void navigator.clipboard?.readText().then(
        (t) => this.term.paste(t), // xterm wraps it in bracketed-paste markers when the shell asked for them
        () => undefined,
      );
      return false;
    }
    return true;
  }

  private setStatus(status: TerminalStatus, message?: string): void {
    if (status === this.currentStatus && message === undefined) return;
    this.currentStatus = status;
    for (const l of this.statusListeners) l(status, message);
  }
}

function clampSize(cols: number, rows: number): { cols: number; rows: number } {
  return { cols: Math.min(MAX_COLS, Math.max(MIN_COLS, Math.floor(cols))), rows: Math.min(MAX_ROWS, Math.max(MIN_ROWS, Math.floor(rows))) };
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard?.writeText(text);
  } catch {
    // No clipboard permission (e.g. an insecure origin): the selection stays for the browser's own copy.
  }
}
