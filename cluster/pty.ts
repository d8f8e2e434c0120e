/**
 * The one module that imports node-pty. Everything else sees the small `Pty`
 * interface, so tests and environments can wrap or replace the process behind it.
 */
import * as nodePty from 'node-pty';

export interface Pty {
  readonly pid: number;
  onData(listener: (data: string) => void): { dispose(): void };
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

export function spawnPty(file: string, args: readonly string[], options: PtySpawnOptions): Pty {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? process.env)) if (v !== undefined) env[k] = v;
  const p = nodePty.spawn(file, [...args], {
    name: 'xterm-256color',
    cols: options.cols,
    rows: options.rows,
    cwd: options.cwd ?? process.cwd(),
    env,
    encoding: 'utf8',
  });
  return {
    get pid() {
      return p.pid;
    },
    onData: (l) => p.onData(l),
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
