/**
 * Docker-in-Docker machines: how to start one (`dindRunArgs`) and how to know
 * its inner engine is usable (`readyDind`). The containers environment calls
 * these for a machine with `dind: true`.
 *
 * `--privileged` is the usual way to run dockerd in a container, but it fails
 * where the capability bounding set lacks CAP_SYS_RESOURCE (runc: "unable to
 * apply caps: operation not permitted"), as on kindlab's CI. There we grant
 * every other capability and lift the confinement dockerd trips over, one
 * flag at a time; that set was verified to run nested containers here.
 */
import { EnvironmentError, LABEL_SESSION } from '../environment.js';
import type { ProgressEvent } from '../../common/environment.js';
import { pipeTools, runTool, tryTool } from '../tool.js';
import { ensureImage } from '../images/ensure-image.js';
import { DIND_DOCKERD_LOG, PAUSE_IMAGE } from '../images/dind-image.js';

/** Where the inner engine keeps images and containers; a volume, so overlay2 is not stacked on overlayfs. */
export const DIND_DATA_DIR = '/var/lib/docker';

/** Everything but CAP_SYS_RESOURCE (the one the bounding set lacks), and no seccomp/AppArmor/masked /proc for dockerd. */
export const EXPLICIT_CAPS_ARGS: readonly string[] = [
  '--cap-add', 'ALL',
  '--cap-drop', 'SYS_RESOURCE',
  '--security-opt', 'seccomp=unconfined',
  '--security-opt', 'apparmor=unconfined',
  '--security-opt', 'systempaths=unconfined',
  // Inner containers create their own device nodes (/dev/null, /dev/pts …).
  '--device-cgroup-rule', 'a *:* rwm',
  '--tmpfs', '/run',
  // cgroup v1 mounts /sys/fs/cgroup read-only in unprivileged containers; dockerd must write there.
  '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
];

export interface DindRunArgs {
  /** Extra `docker run` arguments, to go before the image name. */
  readonly args: string[];
  readonly mode: 'privileged' | 'explicit-caps';
  /** Why explicit capabilities were chosen, when they were. */
  readonly note?: string;
}

export interface DindRunOptions {
  /** Labels for the /var/lib/docker volume (pass the machine's own, at least io.kindlab.session). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Receives the one line explaining a fallback (default: stderr). */
  readonly log?: (line: string) => void;
}

let probe: Promise<{ privileged: boolean; reason: string }> | undefined;

/** Does `docker run --privileged` work here? Asked once per process: the answer only changes with the host. */
function probePrivileged(): Promise<{ privileged: boolean; reason: string }> {
  probe ??= (async () => {
    const img = await ensureImage(PAUSE_IMAGE);
    if (!img.ok) throw new EnvironmentError(`cannot probe for --privileged: ${img.message}`);
    const r = await tryTool('docker', ['run', '--rm', '--privileged', '--network', 'none', '--entrypoint', '/bin/true', PAUSE_IMAGE], { timeoutMs: 60_000 });
    const reason = r.stderr.trim().split('\n').find((l) => l.trim()) ?? `exit code ${r.exitCode}`;
    return { privileged: r.exitCode === 0, reason };
  })();
  // A probe that could not run says nothing about the host; ask again next time.
  probe.catch(() => {
    probe = undefined;
  });
  return probe;
}

/**
 * The `docker run` arguments a dind machine needs on this host: `--privileged`
 * where it works, else the explicit-capability set. Both mount an anonymous,
 * labelled volume at /var/lib/docker; `docker rm -v` (or
 * `docker volume rm $(docker volume ls -q --filter label=io.kindlab.session=…)`)
 * removes it.
 */
export async function dindRunArgs(options: DindRunOptions = {}): Promise<DindRunArgs> {
  const labels = Object.entries(options.labels ?? {}).map(([k, v]) => `,volume-label=${csvSafe(k)}=${csvSafe(v)}`).join('');
  const volume = ['--mount', `type=volume,dst=${DIND_DATA_DIR}${labels}`];
  const { privileged, reason } = await probePrivileged();
  if (privileged) return { args: ['--privileged', '--tmpfs', '/run', ...volume], mode: 'privileged' };
  const note = `docker run --privileged fails on this host (${reason.replace(/^docker: /, '')}); starting Docker-in-Docker machines with explicit capabilities instead`;
  logOnce(options.log ?? ((l) => process.stderr.write(`kindlab: ${l}\n`)), note);
  return { args: [...EXPLICIT_CAPS_ARGS, ...volume], mode: 'explicit-caps', note };
}

let logged = false;
function logOnce(log: (line: string) => void, line: string): void {
  if (logged) return;
  logged = true;
  log(line);
}

/** `--mount` is comma-separated: a label with a comma or quote would change its meaning. */
function csvSafe(s: string): string {
  if (/[,"\n]/.test(s)) throw new EnvironmentError(`volume label ${JSON.stringify(s)} may not contain commas, quotes or newlines`);
  return s;
}

/** The session label as a volume label, for callers that have only the session id. */
export function sessionVolumeLabels(sessionId: string): Record<string, string> {
  return { [LABEL_SESSION]: sessionId };
}

export interface ReadyDindOptions {
  /** How long the inner dockerd may take to answer (it starts containerd first). */
  readonly timeoutMs?: number;
  /** Epoch ms that `atMs` in progress events counts from (default: when readyDind was called). */
  readonly startedAt?: number;
}

/** dockerd answers within a few seconds on an idle machine; 60 s allows for a loaded CI runner. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const POLL_MS = 250;
/** `docker save | docker load` of a small image takes ~1 s; a big one tens of seconds. */
const LOAD_TIMEOUT_MS = 5 * 60_000;

/**
 * Wait until the machine's inner `docker info` answers, then load each host
 * image into the inner engine (skipping those already there with the same ID).
 * Throws EnvironmentError naming the stage, with the end of the inner dockerd's
 * log, when the engine does not come up in time.
 */
export async function readyDind(container: string, loadImages: readonly string[], progress: (e: ProgressEvent) => void, options: ReadyDindOptions = {}): Promise<void> {
  const t0 = options.startedAt ?? Date.now();
  const at = (): number => Date.now() - t0;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;

  const stage = `Starting Docker inside ${container}`;
  const s0 = Date.now();
  progress({ stage, status: 'started', atMs: at() });
  const deadline = s0 + timeoutMs;
  let last: string;
  for (;;) {
    const left = deadline - Date.now();
    const r = await tryTool('docker', ['exec', container, 'docker', 'info', '--format', '{{.ServerVersion}} {{.Driver}}'], { timeoutMs: Math.max(1000, Math.min(left, 10_000)) }).catch((e: unknown) => ({
      exitCode: -1,
      stdout: '',
      stderr: e instanceof Error ? e.message : String(e),
    }));
    if (r.exitCode === 0) {
      const [version, driver] = r.stdout.trim().split(' ');
      progress({ stage, status: 'done', atMs: at(), ms: Date.now() - s0, detail: `Docker ${version ?? '?'}, storage driver ${driver ?? '?'}` });
      break;
    }
    last = r.stderr.trim();
    if (/No such container|is not running/.test(last) || Date.now() + POLL_MS >= deadline) {
      const log = await tryTool('docker', ['exec', container, 'tail', '-n', '15', DIND_DOCKERD_LOG], { timeoutMs: 10_000 }).catch(() => undefined);
      const tail = log?.exitCode === 0 && log.stdout.trim() ? `\ninner dockerd log (${DIND_DOCKERD_LOG}):\n${log.stdout.trim()}` : '';
      const why = /No such container|is not running/.test(last) ? 'the machine stopped' : `no answer from the inner \`docker info\` within ${Math.round(timeoutMs / 1000)} s`;
      progress({ stage, status: 'failed', atMs: at(), ms: Date.now() - s0, detail: why });
      throw new EnvironmentError(`Docker did not start inside ${container}: ${why} (last error: ${last || 'none'})${tail}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }

  for (const image of loadImages) {
    const st = `Loading image ${image} into ${container}`;
    const l0 = Date.now();
    progress({ stage: st, status: 'started', atMs: at() });
    const hostId = await tryTool('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 30_000 });
    if (hostId.exitCode !== 0) {
      progress({ stage: st, status: 'failed', atMs: at(), ms: Date.now() - l0, detail: 'not on the host' });
      throw new EnvironmentError(`cannot load ${image} into ${container}: the image is not on the host (build or load it first, e.g. \`kindlab prepare\`)`);
    }
    const innerId = await tryTool('docker', ['exec', container, 'docker', 'image', 'inspect', '--format', '{{.Id}}', image], { timeoutMs: 30_000 });
    if (innerId.exitCode === 0 && innerId.stdout.trim() === hostId.stdout.trim()) {
      progress({ stage: st, status: 'done', atMs: at(), ms: Date.now() - l0, detail: 'already loaded' });
      continue;
    }
    try {
      await pipeTools({ cmd: 'docker', args: ['save', image] }, { cmd: 'docker', args: ['exec', '-i', container, 'docker', 'load', '--quiet'] }, { timeoutMs: LOAD_TIMEOUT_MS });
    } catch (e) {
      progress({ stage: st, status: 'failed', atMs: at(), ms: Date.now() - l0, detail: e instanceof Error ? e.message : String(e) });
      throw new EnvironmentError(`loading ${image} into ${container} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    progress({ stage: st, status: 'done', atMs: at(), ms: Date.now() - l0 });
  }
}

/** The inner engine's containers, as `docker ps -aq` lists them (for tests and `env ls`). */
export async function innerContainers(container: string): Promise<string[]> {
  const r = await runTool('docker', ['exec', container, 'docker', 'ps', '-aq'], { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter(Boolean);
}
