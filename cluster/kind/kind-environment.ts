/**
 * The `kind` environment: one kind cluster per learner session. Terminals are
 * `docker exec` shells in the node containers; the control-plane is the
 * learner's workstation (kubectl is configured there) and holds the lab files.
 *
 * kind, kubectl and docker run through cluster/tool.ts only. The kubeconfig is
 * written under the session's data directory, never to ~/.kube/config.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EnvironmentState, ProgressEvent, ProvisionResult } from '../../common/environment.js';
import type { KindEnvironmentSpec } from '../../common/lab.js';
import { dockerCopyIn, dockerExec, dockerExecShell } from '../docker/docker-exec.js';
import {
  EnvironmentError,
  type Environment,
  type EnvironmentInit,
  type ExecOptions,
  type ExecResult,
  type SpawnOptions,
  type TerminalTarget,
} from '../environment.js';
import type { Pty } from '../pty.js';
import { tagOf } from '../prepare.js';
import { ProgressEmitter } from '../progress.js';
import { runTool, ToolError, tryTool, type ToolOptions } from '../tool.js';
import { kindConfig } from './kind-config.js';
import { kindFix } from './kind-fix.js';
import { KindProgress } from './kind-progress.js';

/** Where the lab's files live on the control-plane (the learner's workstation). */
export const KIND_LAB_DIR = '/root/lab';
export const CONTROL_PLANE_TARGET = 'controlplane';

/** Creating a 3-node cluster takes 1–2 minutes on a laptop; pulling the node image can add several. */
const DEFAULT_CREATE_TIMEOUT_MS = 10 * 60_000;
/** kind's own docs suggest 180 s for `kubectl wait` on all nodes after create. */
const DEFAULT_READY_TIMEOUT_MS = 180_000;
/** Short calls: `kind get clusters`, `docker image inspect`. */
const QUICK_MS = 30_000;
/** `kind load docker-image` streams an image into every node. */
const LOAD_TIMEOUT_MS = 5 * 60_000;
/** kind limits names to what fits a container hostname; a short id keeps `<name>-control-plane` well inside it. */
const SHORT_ID_LENGTH = 8;

export interface KindEnvironmentOptions {
  /**
   * Environment variables for every kind/kubectl/docker call, merged over the
   * server's own (e.g. a PATH with other binaries first). docker exec shells use
   * the server's PATH.
   */
  readonly toolEnv?: Readonly<Record<string, string>>;
  readonly createTimeoutMs?: number;
  readonly readyTimeoutMs?: number;
}

/** `kindlab-<short id>`: lower-case letters, digits and dashes only, as kind requires. */
export function kindClusterName(sessionId: string): string {
  let id = sessionId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, SHORT_ID_LENGTH).replace(/-+$/, '');
  if (!id) id = createHash('sha256').update(sessionId).digest('hex').slice(0, SHORT_ID_LENGTH);
  return `kindlab-${id}`;
}

type Stage = 'Checking for an existing cluster' | 'Creating cluster' | 'Waiting for nodes to be Ready' | 'Loading images' | 'Copying lab files';

class StageFailure extends Error {
  constructor(
    readonly stage: string,
    message: string,
    readonly toolOutput?: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

export class KindEnvironment implements Environment {
  readonly kind = 'kind' as const;
  readonly name: string;
  /** Where this session's kubeconfig lives (inside the data dir). */
  readonly kubeconfigPath: string;
  private currentState: EnvironmentState = 'absent';
  private readonly progress = new ProgressEmitter();
  private readonly nodes: readonly TerminalTarget[];

  constructor(
    private readonly spec: KindEnvironmentSpec,
    private readonly init: EnvironmentInit,
    private readonly options: KindEnvironmentOptions = {},
  ) {
    this.name = kindClusterName(init.sessionId);
    this.kubeconfigPath = join(init.dataDir, 'sessions', init.sessionId, 'kubeconfig');
    const nodes: TerminalTarget[] = [{ name: CONTROL_PLANE_TARGET, address: `${this.name}-control-plane` }];
    // kind names the first node of a role without a number, the second `2`, …
    for (let i = 1; i <= spec.workers; i++) nodes.push({ name: i === 1 ? 'worker' : `worker${i}`, address: `${this.name}-worker${i === 1 ? '' : i}` });
    this.nodes = nodes;
  }

  get state(): EnvironmentState {
    return this.currentState;
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    return this.progress.on(listener);
  }

  private tool(extra: ToolOptions = {}): ToolOptions {
    return { ...(this.options.toolEnv ? { env: this.options.toolEnv } : {}), ...extra };
  }

  async provision(): Promise<ProvisionResult> {
    const started = performance.now();
    const at = (): number => Math.round(performance.now() - started);
    const emit = (e: ProgressEvent): void => this.progress.emit(e);
    this.currentState = 'provisioning';
    let created = false;
    let stage: Stage = 'Checking for an existing cluster';
    const begin = (s: Stage, detail?: string): number => {
      stage = s;
      emit({ stage: s, status: 'started', atMs: at(), ...(detail ? { detail } : {}) });
      return performance.now();
    };
    const end = (s: Stage, t0: number, detail?: string): void => {
      emit({ stage: s, status: 'done', atMs: at(), ms: Math.round(performance.now() - t0), ...(detail ? { detail } : {}) });
    };
    try {
      await mkdir(join(this.init.dataDir, 'sessions', this.init.sessionId), { recursive: true });

      let t0 = begin('Checking for an existing cluster', this.name);
      const adopted = (await this.listClusters()).includes(this.name);
      end('Checking for an existing cluster', t0, adopted ? 'found: reusing it' : 'none yet');

      if (adopted) {
        // The kubeconfig may be gone (new data dir); kind can always write it again.
        await this.runKind(['export', 'kubeconfig', '--name', this.name, '--kubeconfig', this.kubeconfigPath], QUICK_MS);
      } else {
        stage = 'Creating cluster';
        created = true;
        await this.create(started, emit);
      }

      t0 = begin('Waiting for nodes to be Ready', `${this.nodes.length} nodes`);
      await this.waitForNodes();
      end('Waiting for nodes to be Ready', t0);

      if (!adopted) {
        if (this.spec.images.length > 0) {
          t0 = begin('Loading images', this.spec.images.join(', '));
          const loaded = await this.loadImages(emit, at);
          end('Loading images', t0, `${loaded} of ${this.spec.images.length} loaded`);
        }
        t0 = begin('Copying lab files', `${this.init.labFilesDir} → ${CONTROL_PLANE_TARGET}:${KIND_LAB_DIR}`);
        await dockerCopyIn(this.address(CONTROL_PLANE_TARGET), this.init.labFilesDir, KIND_LAB_DIR);
        end('Copying lab files', t0);
      }
      this.currentState = 'ready';
      return { ok: true, ms: at(), adopted };
    } catch (e) {
      const failure = this.toFailure(stage, e);
      emit({ stage: failure.stage, status: 'failed', atMs: at(), detail: failure.message });
      if (created) {
        // Never leave a half-made cluster behind: it holds several GB and blocks the next try.
        emit({ stage: 'Deleting the half-made cluster', status: 'started', atMs: at() });
        await this.deleteCluster();
        emit({ stage: 'Deleting the half-made cluster', status: 'done', atMs: at() });
      }
      this.currentState = 'failed';
      return {
        ok: false,
        stage: failure.stage,
        message: failure.message,
        ...(failure.toolOutput ? { toolOutput: failure.toolOutput } : {}),
        ...(failure.fix ? { fix: failure.fix } : {}),
      };
    }
  }

  private async runKind(args: readonly string[], timeoutMs: number, extra: ToolOptions = {}): Promise<string> {
    return (await runTool('kind', args, this.tool({ timeoutMs, ...extra }))).stdout;
  }

  private async listClusters(): Promise<string[]> {
    // "No kind clusters found." goes to stderr, so stdout is empty then.
    const out = await this.runKind(['get', 'clusters'], QUICK_MS);
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  private async create(started: number, emit: (e: ProgressEvent) => void): Promise<void> {
    const progress = new KindProgress(emit, () => performance.now(), started);
    const nodeImage = await this.resolveNodeImage((detail) => emit({ stage: 'Creating cluster', status: 'info', atMs: Math.round(performance.now() - started), detail }));
    const timeoutMs = this.options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS;
    try {
      await runTool(
        'kind',
        ['create', 'cluster', '--name', this.name, '--config', '-', '--kubeconfig', this.kubeconfigPath],
        this.tool({ input: kindConfig({ ...this.spec, nodeImage }), timeoutMs, onStderrLine: (l) => progress.feed(l) }),
      );
    } catch (e) {
      const stage = progress.failure?.stage ?? progress.runningStage ?? 'Creating cluster';
      if (e instanceof ToolError && e.timedOut) {
        throw new StageFailure(
          stage,
          `kind create cluster did not finish within ${Math.round(timeoutMs / 1000)} s (stuck at "${stage}")`,
          lastLines(e.stderr),
          'Check that Docker has enough memory and CPU (`kindlab doctor`), look at `docker ps` for the node containers, and try again.',
        );
      }
      const failure = progress.failure;
      if (failure) {
        const text = `${failure.message}\n${failure.commandOutput ?? ''}`;
        const fix = kindFix(text, { clusterName: this.name, nodeImage: this.spec.nodeImage });
        throw new StageFailure(failure.stage ?? stage, failure.message, failure.commandOutput, fix);
      }
      throw e;
    }
  }

  /**
   * The pinned image when Docker resolves it; else its tag when that is here
   * (after `docker load` a digest reference may not resolve, and kind would try
   * to pull, which fails offline); else the pinned image, for kind to pull.
   */
  private async resolveNodeImage(info: (detail: string) => void): Promise<string> {
    const pinned = this.spec.nodeImage;
    const tag = tagOf(pinned);
    if (!tag || (await this.imagePresent(pinned))) return pinned;
    if (await this.imagePresent(tag)) {
      info(`using the local ${tag}: ${pinned} does not resolve in this Docker (loaded offline?)`);
      return tag;
    }
    return pinned;
  }

  private async imagePresent(image: string): Promise<boolean> {
    return (await tryTool('docker', ['image', 'inspect', '--format', '{{.Id}}', image], this.tool({ timeoutMs: QUICK_MS }))).exitCode === 0;
  }

  private async waitForNodes(): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    // `kind create --wait` only waits for the control-plane; checks need every node.
    const r = await tryTool(
      'kubectl',
      ['--kubeconfig', this.kubeconfigPath, 'wait', '--for=condition=Ready', 'node', '--all', `--timeout=${Math.ceil(timeoutMs / 1000)}s`],
      this.tool({ timeoutMs: timeoutMs + QUICK_MS }),
    );
    if (r.exitCode !== 0) {
      throw new StageFailure(
        'Waiting for nodes to be Ready',
        `not every node became Ready within ${Math.ceil(timeoutMs / 1000)} s`,
        r.stderr.trim() || r.stdout.trim(),
        `Look at the nodes: \`kubectl --kubeconfig ${this.kubeconfigPath} get nodes\` and \`docker exec ${this.name}-worker journalctl -u kubelet\`. Too little memory or low inotify limits are the usual causes (\`kindlab doctor\`).`,
      );
    }
  }

  /** Load the lab's images that exist in the host Docker; the rest the nodes pull themselves (needs a registry). */
  private async loadImages(emit: (e: ProgressEvent) => void, at: () => number): Promise<number> {
    let loaded = 0;
    for (const image of this.spec.images) {
      if (!(await this.imagePresent(image))) {
        emit({ stage: 'Loading images', status: 'info', atMs: at(), detail: `${image} is not in the local Docker; the nodes will pull it (run \`kindlab prepare\` to work offline)` });
        continue;
      }
      await this.runKind(['load', 'docker-image', image, '--name', this.name], LOAD_TIMEOUT_MS);
      loaded++;
    }
    return loaded;
  }

  private toFailure(stage: string, e: unknown): { stage: string; message: string; toolOutput?: string; fix?: string } {
    if (e instanceof StageFailure) {
      return { stage: e.stage, message: e.message, ...(e.toolOutput ? { toolOutput: e.toolOutput } : {}), ...(e.fix ? { fix: e.fix } : {}) };
    }
    if (e instanceof ToolError) {
      const tool = e.command.split(' ')[0] ?? '';
      if (e.notFound) {
        const fix =
          tool === 'kind'
            ? 'Install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation) and make sure `kind` is on PATH.'
            : tool === 'kubectl'
              ? 'Install kubectl (https://kubernetes.io/docs/tasks/tools/) and make sure `kubectl` is on PATH.'
              : 'Install Docker Engine (https://docs.docker.com/engine/install/) and make sure `docker` is on PATH.';
        return { stage, message: `${tool} is not installed or not on PATH`, fix };
      }
      const words = kindWords(e.stderr);
      const fix = kindFix(e.stderr, { clusterName: this.name, nodeImage: this.spec.nodeImage });
      return { stage, message: words.message ?? e.message, ...(words.output ? { toolOutput: words.output } : e.stderr.trim() ? { toolOutput: lastLines(e.stderr) } : {}), ...(fix ? { fix } : {}) };
    }
    return { stage, message: e instanceof Error ? e.message : String(e) };
  }

  private async deleteCluster(): Promise<void> {
    try {
      await runTool('kind', ['delete', 'cluster', '--name', this.name, '--kubeconfig', this.kubeconfigPath], this.tool({ timeoutMs: QUICK_MS * 4 }));
    } catch {
      // Best effort: `kindlab env down` finds leftovers by name.
    }
  }

  targets(): readonly TerminalTarget[] {
    return this.nodes;
  }

  /** The target for a Kubernetes node name (e.g. `kindlab-ab12cd34-worker2` → `worker2`); checks use it to reach a pod's node. */
  nodeTarget(nodeName: string): string | undefined {
    return this.nodes.find((n) => n.address === nodeName)?.name;
  }

  private address(target: string): string {
    const node = this.nodes.find((n) => n.name === target);
    if (!node) throw new EnvironmentError(`unknown target "${target}" for kind cluster ${this.name}; known: ${this.nodes.map((n) => n.name).join(', ')}`);
    return node.address;
  }

  workdir(target: string): string {
    this.address(target);
    // Only the control-plane gets the lab files; workers start in root's home.
    return target === CONTROL_PLANE_TARGET ? KIND_LAB_DIR : '/root';
  }

  exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    return dockerExec(this.address(target), script, { ...options, cwd: this.workdir(target) });
  }

  spawnShell(target: string, options: SpawnOptions): Pty {
    return dockerExecShell(this.address(target), { cols: options.cols, rows: options.rows }, { cwd: this.workdir(target) });
  }

  copyIn(target: string, hostDir: string): Promise<void> {
    return dockerCopyIn(this.address(target), hostDir, this.workdir(target));
  }

  async destroy(): Promise<void> {
    if (this.currentState === 'destroyed') return;
    // Deleting a cluster that does not exist is not an error for kind.
    await runTool('kind', ['delete', 'cluster', '--name', this.name, '--kubeconfig', this.kubeconfigPath], this.tool({ timeoutMs: QUICK_MS * 4 }));
    this.currentState = 'destroyed';
  }
}

function lastLines(text: string, n = 10): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

/** kind's `ERROR:` and `Command Output:` lines from a failed command's stderr. */
function kindWords(stderr: string): { message?: string; output?: string } {
  const lines = stderr.split(/\r\n|\n|\r/);
  const err = lines.find((l) => l.startsWith('ERROR: '));
  const out = lines.findIndex((l) => l.startsWith('Command Output: '));
  return {
    ...(err ? { message: err.slice('ERROR: '.length) } : {}),
    ...(out >= 0 ? { output: [lines[out]?.slice('Command Output: '.length) ?? '', ...lines.slice(out + 1)].join('\n').trim() } : {}),
  };
}
