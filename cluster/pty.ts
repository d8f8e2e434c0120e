/**
 * The one module that imports node-pty. Everything else sees the small `Pty`
 * interface, so tests and environments can wrap or replace the process behind it.
 */
import * as nodePty from 'node-pty';

export interface Pty {
  readonly pid: number;
  /** Output as the PTY gave it: bytes, and a read may end inside a UTF-8 character. */
  onData(listener: (data: Buffer) => void): { dispose(): void };
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): { dispose(): void };
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Kill the process (and, for environments that wrap it, whatever it started remotely). */
  kill(signal?: string): void;
}

export interface PtySpawnOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cols: number;
  readonly rows: number;
}

/**
 * node-pty sets the terminal's IUTF8 flag only when it decodes output as
 * UTF-8 itself, and kindlab reads bytes. Without the flag, Backspace in a
 * program that reads whole lines (`cat`, `read`, Python's `input()`) erases
 * one byte of a character like é instead of the character; so the command
 * starts behind a `stty iutf8` instead (exec keeps its pid).
 */
const WITH_IUTF8 = 'stty iutf8 2>/dev/null; exec "$0" "$@"';

export function spawnPty(file: string, args: readonly string[], options: PtySpawnOptions): Pty {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
  const p = nodePty.spawn('/bin/sh', ['-c', WITH_IUTF8, file, ...args], {
    name: 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd ?? process.cwd(),
    env,
    // Bytes, not text: large output goes to the browser as the same bytes
    // (server/terminals/output-bytes.ts), so decoding it here would only be
    // undone later. Input (strings) is still written as UTF-8.
    encoding: null,
  });
  return {
    get pid() {
      return p.pid;
    },
    // node-pty types onData as strings whatever the encoding; with none it emits Buffers.
    onData: (l) => p.onData(l as unknown as (data: string) => void),
    onExit: (l) => p.onExit((e) => l({ exitCode: e.exitCode, ...(e.signal ? { signal: e.signal } : {}) })),
    write: (d) => p.write(d),
    resize: (c, r) => p.resize(c, r),
    pause: () => p.pause(),
    resume: () => p.resume(),
    kill: (signal) => {
      try {
        p.kill(signal);
      } catch {
        // already gone
      }
    },
  };
}
