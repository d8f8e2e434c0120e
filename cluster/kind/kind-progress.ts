/**
 * Turns what `kind create cluster` prints on stderr into ProgressEvents with
 * per-stage timings, and remembers kind's own error for the failure result.
 *
 * kind prints each stage through its status logger (pkg/internal/cli/status.go):
 * - without a TTY: ` • Preparing nodes 📦 📦 📦  ...` when a stage starts, then ` ✓ Preparing nodes 📦 📦 📦`;
 * - with a TTY: spinner frames (`\x1b[?7l\r⠈⠁ Preparing nodes 📦 \x1b[?7h`) redrawn every 100 ms, then
 *   `\r \x1b[32m✓\x1b[0m Preparing nodes 📦` (older kinds print `✗ X` without the leading space).
 * On error kind prints `ERROR: <msg>` and, when a command failed, `Command Output: <output>`.
 */
import type { ProgressEvent } from '../../common/environment.js';

export type KindLine =
  | { readonly kind: 'start'; readonly stage: string; readonly detail?: string }
  | { readonly kind: 'done'; readonly stage: string; readonly detail?: string }
  | { readonly kind: 'failed'; readonly stage: string; readonly detail?: string }
  | { readonly kind: 'warning'; readonly text: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'command-output'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'blank' };

// eslint-disable-next-line no-control-regex -- ANSI escapes are control characters by definition
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** kind's spinner frames are pairs of braille patterns. */
const SPINNER = /^[\u2800-\u28ff]+\s+/u;
/** Emoji kind appends to each stage (🖼 📦 📜 🕹️ 🔌 💾 🚜), with their variation selectors and joiners. */
const EMOJI = /[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu;

/** Split `Ensuring node image (kindest/node:v1.34.0) 🖼` into a stage name and its detail. */
function stageOf(text: string): { stage: string; detail?: string } {
  const emojiCount = (text.match(/\p{Extended_Pictographic}/gu) ?? []).length;
  let s = text.replace(EMOJI, ' ').replace(/\s*\.\.\.\s*$/, '').replace(/\s+/g, ' ').trim();
  const paren = /^(.*?)\s*\(([^()]*)\)$/.exec(s);
  if (paren?.[1]) return { stage: paren[1], detail: paren[2] ?? '' };
  s = s.trim();
  // "Preparing nodes 📦 📦 📦" shows one box per node.
  if (s === 'Preparing nodes' && emojiCount > 0) return { stage: s, detail: `${emojiCount} node${emojiCount === 1 ? '' : 's'}` };
  return { stage: s };
}

function withDetail<K extends 'start' | 'done' | 'failed'>(kind: K, text: string): { kind: K; stage: string; detail?: string } {
  const { stage, detail } = stageOf(text);
  return detail !== undefined ? { kind, stage, detail } : { kind, stage };
}

/** Classify one line of kind's stderr (split on \n or \r). */
export function parseKindLine(raw: string): KindLine {
  const line = raw.replace(ANSI, '');
  const t = line.trim();
  if (!t) return { kind: 'blank' };
  if (t.startsWith('ERROR: ')) return { kind: 'error', message: t.slice('ERROR: '.length) };
  if (line.startsWith('Command Output: ')) return { kind: 'command-output', text: line.slice('Command Output: '.length).trimEnd() };
  if (t.startsWith('✓ ')) return withDetail('done', t.slice(2));
  if (t.startsWith('✗ ')) return withDetail('failed', t.slice(2));
  if (t.startsWith('• ')) {
    const rest = t.slice(2);
    if (/^WARNING:/.test(rest)) return { kind: 'warning', text: rest.replace(EMOJI, '').trim() };
    return withDetail('start', rest);
  }
  if (t.startsWith('⚠ ')) return { kind: 'warning', text: t.slice(2).replace(EMOJI, '').trim() };
  if (t.startsWith('WARNING: ')) return { kind: 'warning', text: t.replace(EMOJI, '').trim() };
  if (SPINNER.test(t)) return withDetail('start', t.replace(SPINNER, ''));
  return { kind: 'text', text: t };
}

/** What kind said when it failed. */
export interface KindFailure {
  /** The stage that failed (`✗` line, or the one still running), if any stage had started. */
  readonly stage?: string;
  /** The text after `ERROR: `. */
  readonly message: string;
  /** The text after `Command Output: ` (and any lines that followed it). */
  readonly commandOutput?: string;
}

/** Feeds lines in, emits ProgressEvents out, and keeps the failure for the result. */
export class KindProgress {
  private readonly started: number;
  private current: { stage: string; at: number } | undefined;
  private failedStage: string | undefined;
  private errorMessage: string | undefined;
  private commandOutput: string[] | undefined;
  /** Completed stages with their durations, in order. */
  readonly timings: { stage: string; ms: number; ok: boolean }[] = [];

  constructor(
    private readonly emit: (e: ProgressEvent) => void,
    private readonly clock: () => number = () => performance.now(),
    startedAt?: number,
  ) {
    this.started = startedAt ?? clock();
  }

  private at(): number {
    return Math.round(this.clock() - this.started);
  }

  feed(raw: string): void {
    const line = parseKindLine(raw);
    switch (line.kind) {
      case 'start':
        // A TTY redraws the same stage every 100 ms: only the first frame starts it.
        if (this.current?.stage === line.stage) return;
        this.current = { stage: line.stage, at: this.at() };
        this.emit({ stage: line.stage, status: 'started', atMs: this.current.at, ...(line.detail !== undefined ? { detail: line.detail } : {}) });
        return;
      case 'done':
      case 'failed': {
        const atMs = this.at();
        const since = this.current?.stage === line.stage ? this.current.at : (this.timings.length ? this.lastEnd : 0);
        const ms = atMs - since;
        this.current = undefined;
        this.lastEnd = atMs;
        this.timings.push({ stage: line.stage, ms, ok: line.kind === 'done' });
        if (line.kind === 'failed') this.failedStage = line.stage;
        this.emit({ stage: line.stage, status: line.kind, atMs, ms, ...(line.detail !== undefined ? { detail: line.detail } : {}) });
        return;
      }
      case 'warning':
        this.emit({ stage: 'Warning', status: 'info', atMs: this.at(), detail: line.text });
        return;
      case 'error':
        this.errorMessage = this.errorMessage ? `${this.errorMessage}\n${line.message}` : line.message;
        return;
      case 'command-output':
        this.commandOutput = [line.text];
        return;
      case 'text':
        if (this.commandOutput) this.commandOutput.push(line.text);
        else if (/^Creating cluster /.test(line.text)) this.emit({ stage: 'Creating cluster', status: 'info', atMs: this.at(), detail: line.text });
        return;
      case 'blank':
        return;
    }
  }

  private lastEnd = 0;

  /** kind's error, once it printed one. */
  get failure(): KindFailure | undefined {
    if (this.errorMessage === undefined) return undefined;
    const stage = this.failedStage ?? this.current?.stage;
    return {
      message: this.errorMessage,
      ...(stage !== undefined ? { stage } : {}),
      ...(this.commandOutput ? { commandOutput: this.commandOutput.join('\n') } : {}),
    };
  }

  /** The stage that was running when output stopped (e.g. when kind hangs and is killed). */
  get runningStage(): string | undefined {
    return this.current?.stage;
  }
}
