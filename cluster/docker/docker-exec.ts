/**
 * The one implementation of "run things inside a container", shared by the
 * containers and kind environments.
 *
 * Killing the `docker exec` client does not stop what it started: the process
 * keeps running inside the container. So every process we start records its
 * PID in a file under /tmp in the container first; runc starts each exec'd
 * process as the leader of a new session, so that PID is also the session and
 * process-group id, and on timeout or kill a second `docker exec` kills every
 * process of that session from the inside.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { EnvironmentError, type ExecOptions, type ExecResult } from '../environment.js';
import { spawnPty, type Pty } from '../pty.js';
import { runTool, ToolError, tryTool } from '../tool.js';

/** Where PID files live inside containers (every image we support has /tmp). */
const PID_DIR = '/tmp';

/**
 * Records the wrapper's PID in the file `$f`, creating it exclusively
 * (noclobber): if the file is already there, a kill came first and left it as
 * a tombstone (see KILLER), so the wrapper removes it and exits without
 * running anything.
 */
const CLAIM_PID_FILE = '( set -C; echo $$ > "$f" ) 2>/dev/null || { rm -f "$f"; exit 137; }';

/**
 * Runs as `sh -c WRAPPER kindlab-exec <pidfile> <shell> <script>`. It records
 * its own PID (= the session id runc gave it) and runs the script as a child,
 * so it can remove the PID file afterwards and pass the exit code on.
 * `auto` picks bash when the image has it (kind nodes, Debian) and sh otherwise.
 * Exported for the tests that start it late, as a slow `docker exec` would.
 */
export const EXEC_WRAPPER = [
  'f=$1; sh_=$2; script=$3',
  CLAIM_PID_FILE,
  'if [ "$sh_" = auto ]; then if command -v bash >/dev/null 2>&1; then sh_=bash; else sh_=sh; fi; fi',
  '"$sh_" -c "$script"',
  'rc=$?',
  'rm -f "$f"',
  'exit $rc',
].join('\n');

/**
 * Runs as `sh -c SHELL_WRAPPER kindlab-shell <pidfile> [argv…]`: records its
 * PID, then becomes the shell, told that its terminal (xterm.js) speaks UTF-8:
 * - `docker exec -t` gives the shell a new PTY in the container with the
 *   kernel's default modes, IUTF8 off, so the wrapper sets it, as
 *   cluster/pty.ts does for the PTY on the host: without it, Backspace in a
 *   program that reads whole lines erases one byte of an é.
 * - An image that sets no locale (a kind node, busybox) leaves the shell in
 *   the C locale, where bash shows a typed é as `\303\251`; the shell then
 *   gets LANG=C.UTF-8 (built into glibc since 2.35 and Debian's long before;
 *   where it is missing, the C locale stays). A locale the image or the lab
 *   sets is kept.
 */
const SHELL_WRAPPER = [
  'f=$1; shift',
  CLAIM_PID_FILE,
  'stty iutf8 2>/dev/null',
  '[ -n "$LANG$LC_ALL$LC_CTYPE" ] || export LANG=C.UTF-8',
  'if [ $# -gt 0 ]; then exec "$@"; fi',
  'if command -v bash >/dev/null 2>&1; then exec bash -l; fi',
  'exec sh -l',
].join('\n');

/**
 * Runs as `sh -c KILLER kindlab-kill <pidfile>`: kills every process whose
 * session is the recorded PID (a shell's jobs get their own process groups, so
 * the process group alone is not enough). Waits briefly for the PID file,
 * because a kill can race the start of a very short-lived exec. If the file
 * still is not there, the exec has not started yet (a slow `docker exec`):
 * the killer creates it exclusively as a tombstone, and the wrapper, when it
 * does start, finds it and runs nothing. If the exclusive create fails, the
 * wrapper claimed the file that instant: wait for its PID and kill as usual.
 */
const KILLER = [
  'f=$1; i=0',
  'while [ ! -s "$f" ] && [ $i -lt 20 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done',
  'if [ ! -e "$f" ] && ( set -C; echo cancelled > "$f" ) 2>/dev/null; then exit 0; fi',
  'while [ ! -s "$f" ] && [ $i -lt 40 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done',
  'sid=$(cat "$f" 2>/dev/null)',
  // A tombstone from an earlier kill, or nothing: there is no session to kill.
  'case "$sid" in ""|*[!0-9]*) exit 0;; esac',
  'kill -KILL -- "-$sid" 2>/dev/null',
  'for p in /proc/[0-9]*; do',
  '  line=$(cat "$p/stat" 2>/dev/null) || continue',
  '  rest=${line##*) }',
  '  set -- $rest',
  '  [ "$4" = "$sid" ] && kill -KILL "${p#/proc/}" 2>/dev/null',
  'done',
  'rm -f "$f"',
  'exit 0',
].join('\n');

/** How long the inside kill may take before we give up on it (the container may be wedged). */
const KILL_TIMEOUT_MS = 10_000;

/** A container that does not exist or is not running. */
export class ContainerMissingError extends EnvironmentError {
  readonly container: string;
  constructor(container: string, detail: string, options?: { cause?: unknown }) {
    super(`container ${container} ${detail}`, options);
    this.name = 'ContainerMissingError';
    this.container = container;
  }
}

/** docker's own words when the container is gone or stopped (exit code 1, before anything ran). */
export function missingContainerDetail(stderr: string): string | undefined {
  if (/No such container/i.test(stderr)) return 'does not exist';
  if (/is not running/i.test(stderr)) return 'is not running';
  if (/is paused/i.test(stderr)) return 'is paused';
  return undefined;
}

function pidFile(kind: string): string {
  return `${PID_DIR}/kindlab-${kind}-${randomBytes(6).toString('hex')}.pid`;
}

function envArgs(env: Readonly<Record<string, string>> | undefined): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new EnvironmentError(`invalid environment variable name ${JSON.stringify(k)}`);
    args.push('-e', `${k}=${v}`);
  }
  return args;
}

/** Whether a container exists and is running. */
export async function containerRunning(container: string): Promise<boolean> {
  const r = await tryTool('docker', ['container', 'inspect', '-f', '{{.State.Running}}', container], { timeoutMs: KILL_TIMEOUT_MS });
  return r.exitCode === 0 && r.stdout.trim() === 'true';
}

/** Kill, from inside the container, every process of the session recorded in `file`. */
export async function killInside(container: string, file: string): Promise<void> {
  try {
    await tryTool('docker', ['exec', container, 'sh', '-c', KILLER, 'kindlab-kill', file], { timeoutMs: KILL_TIMEOUT_MS });
  } catch {
    // The container is gone or wedged: nothing left we can kill from here.
  }
}

/**
 * Run a script inside a container. A non-zero exit is a value; a missing or
 * stopped container throws ContainerMissingError; on timeout everything the
 * script started inside the container is killed before this resolves.
 */
export async function dockerExec(
  container: string,
  script: string,
  options: ExecOptions & { shell?: 'bash' | 'sh'; cwd?: string },
): Promise<ExecResult> {
  const file = pidFile('exec');
  const args = [
    'exec',
    ...(options.stdin !== undefined ? ['-i'] : []),
    ...envArgs(options.env),
    ...(options.cwd ? ['-w', options.cwd] : []),
    container,
    'sh',
    '-c',
    EXEC_WRAPPER,
    'kindlab-exec',
    file,
    options.shell ?? 'auto',
    script,
  ];
  const started = performance.now();
  try {
    const r = await tryTool('docker', args, {
      timeoutMs: options.timeoutMs,
      ...(options.stdin !== undefined ? { input: options.stdin } : {}),
    });
    // A script may print docker's words itself (e.g. in a dind machine), so confirm before blaming the container.
    if (r.exitCode !== 0 && missingContainerDetail(r.stderr) && !(await containerRunning(container))) {
      throw new ContainerMissingError(container, missingContainerDetail(r.stderr) ?? 'is gone');
    }
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, timedOut: false, ms: Math.round(performance.now() - started) };
  } catch (e) {
    if (e instanceof ToolError && e.timedOut) {
      await killInside(container, file);
      const cause = e.cause as { stdout?: unknown; stderr?: unknown } | undefined;
      return {
        exitCode: null,
        stdout: typeof cause?.stdout === 'string' ? cause.stdout : '',
        stderr: typeof cause?.stderr === 'string' ? cause.stderr : '',
        timedOut: true,
        ms: Math.round(performance.now() - started),
      };
    }
    throw e;
  }
}

/** A shell inside a container; `kill()` ends it inside the container too, and `closed` settles once it has. */
export interface DockerShell extends Pty {
  readonly container: string;
  /** Resolves when the shell has been killed inside the container (after `kill()`), or has exited by itself. */
  readonly closed: Promise<void>;
}

/** Start an interactive shell (bash when the image has it, else sh) in a container, on a PTY. */
export function dockerExecShell(
  container: string,
  size: { cols: number; rows: number },
  options: { shell?: string[]; cwd?: string; env?: Record<string, string> } = {},
): DockerShell {
  const file = pidFile('shell');
  const pty = spawnPty(
    'docker',
    [
      'exec',
      '-it',
      '-e',
      'TERM=xterm-256color',
      ...envArgs(options.env),
      ...(options.cwd ? ['-w', options.cwd] : []),
      container,
      'sh',
      '-c',
      SHELL_WRAPPER,
      'kindlab-shell',
      file,
      ...(options.shell ?? []),
    ],
    { cols: size.cols, rows: size.rows },
  );
  let killing: Promise<void> | undefined;
  let exited = false;
  let resolveExit!: () => void;
  const exitedP = new Promise<void>((resolve) => (resolveExit = resolve));
  pty.onExit(() => {
    exited = true;
    resolveExit();
  });
  const closed = (async () => {
    await exitedP;
    // The shell may have exited by itself (`exit`), or the client may have been
    // killed; either way make sure nothing of the session is left inside.
    await (killing ?? killInside(container, file));
  })();
  return {
    container,
    closed,
    get pid() {
      return pty.pid;
    },
    onData: (l) => pty.onData(l),
    onExit: (l) => pty.onExit(l),
    write: (d) => pty.write(d),
    resize: (c, r) => pty.resize(c, r),
    pause: () => pty.pause(),
    resume: () => pty.resume(),
    kill: (signal) => {
      if (!killing) {
        // Kill inside first, so the client sees its shell end and exits by itself.
        killing = killInside(container, file).then(() => {
          if (!exited) pty.kill(signal ?? 'SIGKILL');
        });
      }
    },
  };
}

/** Copy a host directory's contents into `destDir` in a container (created if missing). */
export async function dockerCopyIn(container: string, hostDir: string, destDir: string): Promise<void> {
  try {
    await runTool('docker', ['exec', container, 'mkdir', '-p', destDir], { timeoutMs: KILL_TIMEOUT_MS });
    if (!existsSync(hostDir)) return;
    await runTool('docker', ['cp', `${hostDir.replace(/\/+$/, '')}/.`, `${container}:${destDir}`], { timeoutMs: 60_000 });
  } catch (e) {
    const missing = e instanceof ToolError ? missingContainerDetail(e.stderr) : undefined;
    if (missing) throw new ContainerMissingError(container, missing, { cause: e });
    throw e;
  }
}
