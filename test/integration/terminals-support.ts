/**
 * Helpers for the terminal suites: real shells in a real local environment,
 * viewers that record what they were sent, and a headless xterm to read the
 * screen a learner would see.
 */
import { alive } from '../helpers/processes.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { LocalEnvironment } from '../../cluster/local/local-environment.js';
import type { Pty } from '../../cluster/pty.js';
import type { DurableTerminal, TerminalAttachment, TerminalFrame } from '../../server/terminals/durable-terminal.js';

// @xterm/headless is CommonJS without named ESM exports.
const headless = createRequire(import.meta.url)('@xterm/headless') as typeof import('@xterm/headless');
/** Throws on a frame that is not valid UTF-8 on its own (one cut inside a character, or malformed bytes). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A local environment whose shells are all recorded, so a suite can prove none leaked. */
export class ShellFactory {
  readonly pids: number[] = [];
  private env: LocalEnvironment | undefined;
  private root = '';

  async setup(): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'kindlab-term-'));
    this.env = new LocalEnvironment({ type: 'local' }, { sessionId: 't', labId: 'lab', labFilesDir: join(this.root, 'none'), dataDir: this.root });
    await this.env.provision();
  }

  spawn = (size: { cols: number; rows: number }): Pty => {
    if (!this.env) throw new Error('ShellFactory.setup() first');
    const pty = this.env.spawnShell('local', size);
    this.pids.push(pty.pid);
    return pty;
  };

  /** Every shell this factory started is gone (after the owner disposed them). */
  async assertNoneLeft(): Promise<void> {
    await waitFor(() => this.pids.every((p) => !alive(p)), 3000, `shells ${this.pids.filter(alive).join(', ')} to end`);
  }

  async teardown(): Promise<void> {
    for (const p of this.pids) if (alive(p)) process.kill(p, 'SIGKILL');
    await this.env?.destroy();
    await rm(this.root, { recursive: true, force: true });
  }
}

/** A viewer that records every frame, checks the stream has no gap or overlap, and (optionally) acks. */
export class RecordingViewer {
  readonly frames: { seq: number; data: string }[] = [];
  text = '';
  /** Seq just past the last byte received. */
  next = -1;
  attachment: TerminalAttachment | undefined;
  /** Output skipped over (only with allowGaps): from and to seq, and where in `text` the stream resumed. */
  readonly gaps: { from: number; to: number; textAt: number }[] = [];

  constructor(
    private readonly autoAck = true,
    private readonly allowGaps = false,
  ) {}

  output(frame: TerminalFrame): void {
    const gap = this.next >= 0 && frame.seq > this.next && this.allowGaps;
    if (gap) this.gaps.push({ from: this.next, to: frame.seq, textAt: this.text.length });
    else if (this.next >= 0 && frame.seq !== this.next) throw new Error(`stream gap/overlap: expected seq ${this.next}, got ${frame.seq}`);
    // Every frame must be whole characters of valid UTF-8 on its own: the browser decodes and counts each alone.
    const data = strictUtf8.decode(frame.data);
    this.frames.push({ seq: frame.seq, data });
    this.text += data;
    const bytes = frame.data.length;
    this.next = frame.seq + bytes;
    if (this.autoAck) queueMicrotask(() => this.attachment?.ack(bytes));
  }

  attach(t: DurableTerminal, fromSeq: number, size?: { cols: number; rows: number }): TerminalAttachment {
    this.attachment = t.attach(this, fromSeq, size);
    return this.attachment;
  }

  async waitFor(re: RegExp, ms = 5000): Promise<void> {
    await waitFor(() => re.test(this.text), ms, `${re} in terminal output (got …${JSON.stringify(this.text.slice(-200))})`);
  }
}

/** What a learner would see after the given output, as trimmed screen lines. */
export async function screen(output: string, cols = 80, rows = 24): Promise<string[]> {
  const term = new headless.Terminal({ cols, rows, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(output, resolve));
  const lines: string[] = [];
  const buf = term.buffer.active;
  for (let i = buf.viewportY; i < buf.viewportY + rows; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
