/**
 * The one place kindlab runs external tools (docker, kind, kubectl) through
 * execa. Failures are wrapped into ToolError, which names the command, its exit
 * code and its stderr, and keeps execa's error as `cause`.
 */
import { execa, type ResultPromise } from 'execa';

export class ToolError extends Error {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  /** Set when the tool itself could not be found on PATH. */
  readonly notFound: boolean;
  readonly timedOut: boolean;

  constructor(init: { command: string; exitCode?: number; stderr: string; notFound?: boolean; timedOut?: boolean; cause?: unknown }) {
    const what = init.notFound
      ? `${init.command.split(' ')[0]} is not installed or not on PATH`
      : init.timedOut
        ? `\`${init.command}\` timed out`
        : `\`${init.command}\` failed with exit code ${init.exitCode ?? 'unknown'}`;
    const tail = init.stderr.trim() ? `: ${lastLines(init.stderr, 4)}` : '';
    super(what + tail, { cause: init.cause });
    this.name = 'ToolError';
    this.command = init.command;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
    this.notFound = init.notFound ?? false;
    this.timedOut = init.timedOut ?? false;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

export interface ToolOptions {
  readonly input?: string | Buffer;
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** Called with each line of stderr as it arrives (kind prints its progress there). */
  readonly onStderrLine?: (line: string) => void;
  readonly onStdoutLine?: (line: string) => void;
}

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Quote an argument for display only; arguments are always passed as an array. */
function display(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Run a tool to completion. Throws ToolError on a non-zero exit, a timeout or a missing binary. */
export async function runTool(cmd: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  const child = startTool(cmd, args, options);
  try {
    const r = await child;
    return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 0 };
  } catch (e) {
    throw toToolError(cmd, args, e);
  }
}

/** Run a tool and return its result whatever the exit code (still throws when it cannot start). */
export async function tryTool(cmd: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolResult> {
  try {
    return await runTool(cmd, args, options);
  } catch (e) {
    if (e instanceof ToolError && !e.notFound && !e.timedOut && e.exitCode !== undefined) {
      const cause = e.cause as { stdout?: unknown } | undefined;
      return { stdout: String(cause?.stdout ?? ''), stderr: e.stderr, exitCode: e.exitCode };
    }
    throw e;
  }
}

function startTool(cmd: string, args: readonly string[], options: ToolOptions): ResultPromise {
  const child = execa(cmd, [...args], {
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
    ...(options.env ? { env: { ...options.env } } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    killSignal: 'SIGKILL',
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  if (options.onStderrLine) lineReader(child.stderr, options.onStderrLine);
  if (options.onStdoutLine) lineReader(child.stdout, options.onStdoutLine);
  return child;
}

function lineReader(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.on('data', (chunk: Buffer | string) => {
    buf += chunk.toString();
    // kind redraws its spinner with \r; treat it as a line break too.
    const parts = buf.split(/\r\n|\n|\r/);
    buf = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  stream.on('end', () => {
    if (buf) onLine(buf);
  });
}

export function toToolError(cmd: string, args: readonly string[], e: unknown): ToolError {
  if (e instanceof ToolError) return e;
  const err = e as { code?: string; exitCode?: number; stderr?: unknown; timedOut?: boolean; shortMessage?: string };
  return new ToolError({
    command: display(cmd, args),
    ...(err.exitCode !== undefined ? { exitCode: err.exitCode } : {}),
    stderr: typeof err.stderr === 'string' ? err.stderr : String(err.stderr ?? err.shortMessage ?? ''),
    notFound: err.code === 'ENOENT',
    timedOut: err.timedOut === true,
    cause: e,
  });
}

export interface ToolCommand {
  readonly cmd: string;
  readonly args: readonly string[];
}

/**
 * Run `from | to` without a shell (e.g. `docker save img | docker exec -i c docker load`):
 * the bytes never pass through Node's memory as a whole. Throws ToolError for
 * whichever side failed first (the producer when both did), like runTool.
 */
export async function pipeTools(from: ToolCommand, to: ToolCommand, options: { readonly timeoutMs?: number } = {}): Promise<ToolResult> {
  const common = { ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}), killSignal: 'SIGKILL' as const, stripFinalNewline: false, encoding: 'utf8' as const };
  // The producer's stdout goes to the pipe only; buffering it too would hold a whole image in memory.
  const source = execa(from.cmd, [...from.args], { ...common, stdin: 'ignore', buffer: { stdout: false } });
  const sink = execa(to.cmd, [...to.args], common);
  const piped = source.pipe(sink);
  const [src, dst] = await Promise.allSettled([source, piped]);
  if (src.status === 'rejected') {
    sink.kill('SIGKILL');
    throw toToolError(from.cmd, from.args, src.reason);
  }
  if (dst.status === 'rejected') throw toToolError(to.cmd, to.args, dst.reason);
  return { stdout: String(dst.value.stdout), stderr: String(dst.value.stderr), exitCode: dst.value.exitCode ?? 0 };
}
