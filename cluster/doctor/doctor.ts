/**
 * `kindlab doctor`: everything a kind (or containers) lab needs from this host,
 * each item with what was found and how to fix it. The CLI prints it; the
 * server shows the same list in the browser (`diagnose`, through /api/doctor).
 */
import { readFile } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Diagnosis } from '../../common/environment.js';
import type { EnvironmentSpec } from '../../common/lab.js';
import { allowsCgroupV1, nodeImageKubernetesVersion } from '../kind/kind-config.js';
import { CGROUP_FIX, kindFix } from '../kind/kind-fix.js';
import { ToolError, tryTool, type ToolOptions, type ToolResult } from '../tool.js';

export interface DiagnoseOptions {
  /** The lab's environment, when diagnosing for one lab. */
  readonly environment?: EnvironmentSpec;
  /** The lab's folder, named in `kindlab prepare` fixes. */
  readonly labDir?: string;
  /** Clusters this host must run at once (a workshop's pre-warmed seats). */
  readonly workshopSeats?: number;
  /** Environment for docker/kind/kubectl (e.g. a PATH with other binaries first). */
  readonly toolEnv?: Readonly<Record<string, string>>;
  /** Where to read kernel limits from (tests point it at a folder shaped like /proc). */
  readonly procDir?: string;
}

/** kind's known-issues page: the values that stop "too many open files" with several nodes. */
export const MIN_INOTIFY_WATCHES = 524_288;
export const MIN_INOTIFY_INSTANCES = 512;
/** Rough working set of a kind control-plane and of a worker with a few small pods. */
const CONTROL_PLANE_BYTES = 1.5 * 1024 ** 3;
const WORKER_BYTES = 0.5 * 1024 ** 3;
/** Kubernetes 1.35 made kubelet refuse cgroup v1 (failCgroupV1 defaults to true). */
const CGROUP_V1_LAST_MINOR = 34;
/** Small images that can run `true`, for the --privileged probe (built by kindlab, or common on laptops). */
const PROBE_IMAGES = [/^kindlab\/busybox:/, /^busybox:/, /^alpine:/];
const QUICK_MS = 15_000;
/** Starting a container can take a few seconds on a busy host. */
const PROBE_MS = 30_000;

interface DockerInfo {
  readonly ServerVersion?: string;
  readonly CgroupVersion?: string;
  readonly MemTotal?: number;
  readonly NCPU?: number;
}

const GiB = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;

export async function diagnose(options: DiagnoseOptions = {}): Promise<Diagnosis[]> {
  const env = options.environment;
  const wantsKind = !env || env.type === 'kind';
  const seats = Math.max(1, options.workshopSeats ?? 1);
  const prepare = `kindlab prepare ${options.labDir ?? '<lab-dir>'}`;
  const run = async (cmd: string, args: string[], timeoutMs = QUICK_MS): Promise<ToolResult | ToolError> => {
    try {
      return await tryTool(cmd, args, { timeoutMs, ...(options.toolEnv ? { env: options.toolEnv } : {}) } satisfies ToolOptions);
    } catch (e) {
      if (e instanceof ToolError) return e;
      throw e;
    }
  };
  const out: Diagnosis[] = [];

  const [client, infoR, kind, kubectl] = await Promise.all([
    run('docker', ['version', '--format', '{{.Client.Version}}']),
    run('docker', ['info', '--format', '{{json .}}']),
    run('kind', ['version']),
    run('kubectl', ['version', '--client', '-o', 'json']),
  ]);

  // Docker client and daemon.
  if (client instanceof ToolError) {
    out.push({ id: 'docker-cli', ok: false, severity: 'error', title: 'Docker CLI', detail: client.notFound ? 'docker is not on PATH' : client.message, fix: 'Install Docker Engine (https://docs.docker.com/engine/install/) and make sure `docker` is on PATH.' });
  } else {
    out.push({ id: 'docker-cli', ok: true, severity: 'error', title: 'Docker CLI', detail: `docker ${client.stdout.trim().split('\n')[0] ?? ''}`.trim() });
  }
  let info: DockerInfo | undefined;
  if (!(client instanceof ToolError)) {
    if (infoR instanceof ToolError || infoR.exitCode !== 0) {
      const text = infoR instanceof ToolError ? infoR.stderr || infoR.message : infoR.stderr;
      out.push({
        id: 'docker-daemon',
        ok: false,
        severity: 'error',
        title: 'Docker daemon',
        detail: text.trim().split('\n').at(-1) ?? 'docker info failed',
        fix: kindFix(text, { clusterName: 'kind', nodeImage: '' }) ?? 'Start Docker and check that `docker info` works for your user.',
      });
    } else {
      try {
        info = JSON.parse(infoR.stdout) as DockerInfo;
        out.push({ id: 'docker-daemon', ok: true, severity: 'error', title: 'Docker daemon', detail: `Docker Engine ${info.ServerVersion ?? '?'}, ${info.NCPU ?? '?'} CPUs, ${info.MemTotal ? GiB(info.MemTotal) : '? GiB'}, cgroup v${info.CgroupVersion ?? '?'}` });
      } catch {
        out.push({ id: 'docker-daemon', ok: false, severity: 'error', title: 'Docker daemon', detail: 'docker info printed something that is not JSON', fix: 'Update Docker to 20.10 or newer.' });
      }
    }
  }

  // kind and kubectl.
  const toolSeverity = wantsKind ? 'error' : 'info';
  if (kind instanceof ToolError || kind.exitCode !== 0) {
    out.push({ id: 'kind', ok: false, severity: toolSeverity, title: 'kind', detail: kind instanceof ToolError && kind.notFound ? 'kind is not on PATH' : 'kind version failed', fix: 'Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation), e.g. `go install sigs.k8s.io/kind@v0.30.0` or the release binary, and put it on PATH.' });
  } else {
    out.push({ id: 'kind', ok: true, severity: toolSeverity, title: 'kind', detail: kind.stdout.trim() });
  }
  if (kubectl instanceof ToolError || kubectl.exitCode !== 0) {
    out.push({ id: 'kubectl', ok: false, severity: toolSeverity, title: 'kubectl', detail: kubectl instanceof ToolError && kubectl.notFound ? 'kubectl is not on PATH' : 'kubectl version failed', fix: 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) and put it on PATH.' });
  } else {
    let version = kubectl.stdout.trim();
    try {
      version = (JSON.parse(kubectl.stdout) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? version;
    } catch {
      // Older kubectl printed text; show it as is.
    }
    out.push({ id: 'kubectl', ok: true, severity: toolSeverity, title: 'kubectl', detail: `client ${version}` });
  }

  // cgroup version against the node image's Kubernetes version.
  if (info?.CgroupVersion && wantsKind) out.push(cgroupDiagnosis(info.CgroupVersion, env?.type === 'kind' ? env : undefined));

  // inotify limits.
  out.push(await inotifyDiagnosis(options.procDir ?? '/proc', seats));

  // Memory.
  if (wantsKind || env?.type === 'containers') {
    const workers = env?.type === 'kind' ? env.workers : 2;
    const need = env?.type === 'containers' ? 256 * 1024 ** 2 * env.machines.length * seats : (CONTROL_PLANE_BYTES + WORKER_BYTES * workers) * seats;
    const dockerMem = info?.MemTotal ?? totalmem();
    const free = Math.min(freemem(), dockerMem);
    const ok = free >= need;
    out.push({
      id: 'memory',
      ok,
      severity: 'warning',
      title: 'Free memory',
      detail: `${GiB(free)} free of ${GiB(dockerMem)} (Docker); ${seats > 1 ? `${seats} clusters need` : 'a cluster needs'} about ${GiB(need)}`,
      ...(ok ? {} : { fix: seats > 1 ? 'Use fewer workshop seats per host, or a host with more memory.' : 'Close other programs, or give Docker more memory (Docker Desktop: Settings → Resources).' }),
    });
  }

  // --privileged, which every kind node container needs.
  if (info && wantsKind) out.push(await privilegedDiagnosis(run));

  // Images the lab needs locally.
  if (info && env?.type === 'containers') {
    for (const image of [...new Set(env.machines.map((m) => m.image))]) {
      const r = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
      const ok = !(r instanceof ToolError) && r.exitCode === 0;
      out.push({ id: `image:${image}`, ok, severity: 'error', title: `Image ${image}`, detail: ok ? 'present locally' : 'not in the local Docker', ...(ok ? {} : { fix: `Run \`${prepare}\` to build it.` }) });
    }
  }
  if (info && env?.type === 'kind') {
    for (const image of [env.nodeImage, ...env.images]) {
      const r = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
      const ok = !(r instanceof ToolError) && r.exitCode === 0;
      const what = image === env.nodeImage ? 'node image' : 'image';
      out.push({
        id: `image:${image}`,
        ok,
        severity: 'warning',
        title: `Lab ${what} ${image}`,
        detail: ok ? 'present locally' : 'not in the local Docker: it will be pulled when the cluster is created (needs a registry)',
        ...(ok ? {} : { fix: `To work offline or speed up the first start, run \`${prepare}\` while online.` }),
      });
    }
  }
  return out;
}

function cgroupDiagnosis(version: string, env: Extract<EnvironmentSpec, { type: 'kind' }> | undefined): Diagnosis {
  const title = 'cgroup version';
  if (version !== '1') return { id: 'cgroup', ok: true, severity: 'error', title, detail: `Docker runs on cgroup v${version}` };
  if (!env) {
    return { id: 'cgroup', ok: false, severity: 'warning', title, detail: 'Docker runs on cgroup v1: node images for Kubernetes ≥ 1.35 will not start here', fix: CGROUP_FIX };
  }
  const v = nodeImageKubernetesVersion(env.nodeImage);
  const patched = allowsCgroupV1(env);
  if (v && v.major === 1 && v.minor <= CGROUP_V1_LAST_MINOR) {
    return { id: 'cgroup', ok: true, severity: 'warning', title, detail: `Docker runs on cgroup v1; the lab's node image (Kubernetes ${v.major}.${v.minor}) still supports it` };
  }
  if (patched) {
    return { id: 'cgroup', ok: true, severity: 'warning', title, detail: 'Docker runs on cgroup v1; the lab sets failCgroupV1: false so kubelet may start (not guaranteed by kind)' };
  }
  return {
    id: 'cgroup',
    ok: false,
    severity: 'error',
    title,
    detail: `Docker runs on cgroup v1 and the lab's node image is Kubernetes ${v ? `${v.major}.${v.minor}` : '(unknown version)'}: kubelet refuses cgroup v1 from 1.35 on`,
    fix: CGROUP_FIX,
  };
}

async function readNumber(file: string): Promise<number | undefined> {
  try {
    const n = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

async function inotifyDiagnosis(procDir: string, seats: number): Promise<Diagnosis> {
  const watches = await readNumber(join(procDir, 'sys/fs/inotify/max_user_watches'));
  const instances = await readNumber(join(procDir, 'sys/fs/inotify/max_user_instances'));
  const title = 'inotify limits';
  if (watches === undefined || instances === undefined) {
    return { id: 'inotify', ok: true, severity: 'info', title, detail: 'not a Linux host (or /proc is not readable): Docker Desktop sets these inside its VM' };
  }
  // Each extra cluster adds nodes that watch files; scale instances with the seats.
  const needInstances = MIN_INOTIFY_INSTANCES * seats;
  const ok = watches >= MIN_INOTIFY_WATCHES && instances >= needInstances;
  return {
    id: 'inotify',
    ok,
    severity: 'warning',
    title,
    detail: `max_user_watches=${watches} (want ≥ ${MIN_INOTIFY_WATCHES}), max_user_instances=${instances} (want ≥ ${needInstances})`,
    ...(ok
      ? {}
      : {
          fix:
            `Pods fail with "too many open files" otherwise. Run \`sudo sysctl fs.inotify.max_user_watches=${Math.max(watches, MIN_INOTIFY_WATCHES)} fs.inotify.max_user_instances=${Math.max(instances, needInstances)}\`, ` +
            'and add both to /etc/sysctl.d/99-kindlab.conf to keep them after a reboot.',
        }),
  };
}

async function privilegedDiagnosis(run: (cmd: string, args: string[], timeoutMs?: number) => Promise<ToolResult | ToolError>): Promise<Diagnosis> {
  const title = 'Privileged containers';
  const ls = await run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const images = ls instanceof ToolError ? [] : ls.stdout.split('\n').map((l) => l.trim());
  const probe = PROBE_IMAGES.map((p) => images.find((i) => p.test(i))).find(Boolean);
  if (!probe) {
    return { id: 'privileged', ok: true, severity: 'info', title, detail: 'unknown: no small local image (busybox, alpine) to probe with; kind needs `docker run --privileged` to work' };
  }
  const r = await run('docker', ['run', '--rm', '--privileged', '--network', 'none', probe, 'true'], PROBE_MS);
  if (!(r instanceof ToolError) && r.exitCode === 0) return { id: 'privileged', ok: true, severity: 'error', title, detail: `docker run --privileged ${probe} works` };
  const text = r instanceof ToolError ? r.stderr || r.message : r.stderr;
  return {
    id: 'privileged',
    ok: false,
    severity: 'error',
    title,
    detail: `docker run --privileged failed: ${firstError(text)}`,
    fix: 'kind runs every node as a privileged container. Use a host (or VM) where Docker may start privileged containers: not rootless Docker without delegation, not a container without CAP_SYS_ADMIN/CAP_SYS_RESOURCE.',
  };
}

/** Docker's own error line (it adds a "Run 'docker run --help'" line after it). */
function firstError(text: string): string {
  const lines = text.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? 'no output';
}

/** Whether any error-severity item failed (the CLI exits 1 then). */
export function hasFailedErrors(diagnoses: readonly Diagnosis[]): boolean {
  return diagnoses.some((d) => !d.ok && d.severity === 'error');
}
