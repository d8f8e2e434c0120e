/**
 * The `local` environment: a shell on the host, in a per-session working
 * directory. Loopback-only and single-user by nature, so it isolates nothing
 * beyond the directory; it exists for labs about the shell itself and for fast
 * tests of everything above the environment seam.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { LocalEnvironmentSpec } from '../../common/lab.js';
import type { EnvironmentState, ProgressEvent, ProvisionResult } from '../../common/environment.js';
import {
  EnvironmentError,
  type Environment,
  type EnvironmentInit,
  type ExecOptions,
  type ExecResult,
  type SpawnOptions,
  type TerminalTarget,
} from '../environment.js';
import { spawnPty, type Pty } from '../pty.js';
import { ProgressEmitter } from '../progress.js';

/** The one target a local environment has. */
export const LOCAL_TARGET = 'local';

/**
 * Prompt: green "kindlab", blue working directory. The \[ \] pairs tell
 * readline the escapes take no columns, so line editing stays aligned.
 */
const FRIENDLY_PS1 = '\\[\\e[1;32m\\]kindlab\\[\\e[0m\\]:\\[\\e[1;34m\\]\\W\\[\\e[0m\\]\\$ ';

/** Output kept per stream of an exec; a runaway script must not exhaust memory. */
const MAX_EXEC_OUTPUT_BYTES = 4 * 1024 * 1024;

export class LocalEnvironment implements Environment {
  readonly kind = 'local' as const;
  readonly name: string;
  private currentState: EnvironmentState = 'absent';
  private readonly progress = new ProgressEmitter();
  private readonly workDir: string;
  private readonly sessionDir: string;

  constructor(
    _spec: LocalEnvironmentSpec,
    private readonly init: EnvironmentInit,
  ) {
    this.name = `kindlab-${init.sessionId}`;
    this.sessionDir = join(init.dataDir, 'sessions', init.sessionId);
    this.workDir = join(this.sessionDir, 'work');
  }

  get state(): EnvironmentState {
    return this.currentState;
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    return this.progress.on(listener);
  }

  async provision(): Promise<ProvisionResult> {
    const started = Date.now();
    const emit = this.progress.begin();
    this.currentState = 'provisioning';
    const stage = 'Preparing working directory';
    emit({ stage, status: 'started', detail: this.workDir });
    const t0 = Date.now();
    try {
      // An existing work dir is the learner's: adopt it and keep their edits.
      const adopted = await isDirectory(this.workDir);
      if (!adopted) {
        await mkdir(this.workDir, { recursive: true });
        if (await isDirectory(this.init.labFilesDir)) await cp(this.init.labFilesDir, this.workDir, { recursive: true });
      }
      emit({ stage, status: 'done', ms: Date.now() - t0, detail: adopted ? 'reused existing files' : 'copied lab files' });
      this.currentState = 'ready';
      return { ok: true, ms: Date.now() - started, adopted };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      emit({ stage, status: 'failed', ms: Date.now() - t0, detail: message });
      this.currentState = 'failed';
      return { ok: false, stage, message, fix: `Check that ${this.init.dataDir} is writable.` };
    }
  }

  targets(): readonly TerminalTarget[] {
    return [{ name: LOCAL_TARGET, address: LOCAL_TARGET }];
  }

  workdir(target: string): string {
    this.requireTarget(target);
    return this.workDir;
  }

  async exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    this.requireTarget(target);
    const started = Date.now();
    // detached: the script leads its own process group, so the timeout can
    // kill it together with everything it started (`sleep` in a pipeline,
    // background jobs) instead of orphaning grandchildren.
    // --norc: Debian's bash sources ~/.bashrc when stdin is a socket (its
    // rshd heuristic), which node's stdio pipes are; that cost ~300 ms per
    // check here and made scripts depend on the host user's rc files.
    const child = spawn('bash', ['--noprofile', '--norc', '-c', script], {
      cwd: this.workDir,
      env: { ...this.baseEnv('dumb'), ...(options.env ?? {}) },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    const stdout = new Capture();
    const stderr = new Capture();
    child.stdout.on('data', (b: Buffer) => stdout.add(b));
    child.stderr.on('data', (b: Buffer) => stderr.add(b));
    // A script that never reads stdin closes the pipe early: not our fault.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');

    let timedOut = false;
    const killGroup = (): void => {
      if (pgid === undefined) return;
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // group already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);

    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new EnvironmentError(`could not start bash: ${e.message}`, { cause: e }));
      });
      // 'exit', not 'close': a background grandchild holding stdout open must
      // not keep the exec waiting for it.
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    // Whatever the script left running in its group dies with it, so a check
    // never leaves a process behind. Give the pipes a moment to drain first.
    await drain(child.stdout, child.stderr);
    killGroup();
    return { exitCode: timedOut ? null : exitCode, stdout: stdout.text(), stderr: stderr.text(), timedOut, ms: Date.now() - started };
  }

  spawnShell(target: string, options: SpawnOptions): Pty {
    this.requireTarget(target);
    return spawnPty('bash', ['--noprofile', '--norc', '-i'], {
      cwd: this.workDir,
      env: { ...this.baseEnv('xterm-256color'), PS1: FRIENDLY_PS1 },
      cols: options.cols,
      rows: options.rows,
    });
  }

  async copyIn(target: string, hostDir: string): Promise<void> {
    this.requireTarget(target);
    await mkdir(this.workDir, { recursive: true });
    await cp(hostDir, this.workDir, { recursive: true });
  }

  async destroy(): Promise<void> {
    await rm(this.sessionDir, { recursive: true, force: true });
    this.currentState = 'destroyed';
  }

  /** A clean environment: the host's variables (tokens, proxies) do not leak into lab scripts. */
  private baseEnv(term: string): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? this.workDir,
      LANG: process.env.LANG ?? 'C.UTF-8',
      TERM: term,
      KINDLAB_WORKDIR: this.workDir,
    };
    return env;
  }

  private requireTarget(target: string): void {
    if (target !== LOCAL_TARGET) throw new EnvironmentError(`unknown target "${target}": a local environment has only "${LOCAL_TARGET}"`);
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Collects a stream up to MAX_EXEC_OUTPUT_BYTES, noting that the rest was dropped. */
class Capture {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private dropped = false;

  add(b: Buffer): void {
    if (this.bytes >= MAX_EXEC_OUTPUT_BYTES) {
      this.dropped = true;
      return;
    }
    this.chunks.push(b);
    this.bytes += b.length;
  }

  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped ? `${s}\n[output truncated at ${MAX_EXEC_OUTPUT_BYTES} bytes]\n` : s;
  }
}

/** How long to wait for output still in the pipes after the script exits. */
const DRAIN_MS = 50;

/** Wait until both streams end, or DRAIN_MS at most (a grandchild may hold them open). */
async function drain(...streams: Readable[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(streams.map((s) => new Promise<void>((resolve) => (s.readableEnded || s.destroyed ? resolve() : s.once('close', () => resolve()))))),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS))),
  ]);
  clearTimeout(timer);
  for (const s of streams) s.destroy();
}
