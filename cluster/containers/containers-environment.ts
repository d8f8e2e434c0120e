/**
 * The `containers` environment: plain Docker containers, one per machine of
 * the lab, on a private network per session, for Linux and Docker labs.
 *
 * Everything it creates is named from the session (`kindlab-<session>`,
 * `kindlab-<session>-<machine>`) and labelled, so a second provision adopts
 * what exists instead of recreating it, and `kindlab env ls|down` finds
 * whatever a crash left behind.
 */
import type { ContainersEnvironmentSpec, MachineSpec } from '../../common/lab.js';
import type { EnvironmentState, ProgressEvent, ProvisionResult } from '../../common/environment.js';
import {
  EnvironmentError,
  LABEL_LAB,
  LABEL_SESSION,
  type Environment,
  type EnvironmentInit,
  type ExecOptions,
  type ExecResult,
  type SpawnOptions,
  type TerminalTarget,
} from '../environment.js';
import type { Pty } from '../pty.js';
import { ProgressEmitter } from '../progress.js';
import { runTool, ToolError, tryTool } from '../tool.js';
import { ContainerMissingError, dockerCopyIn, dockerExec, dockerExecShell } from '../docker/docker-exec.js';
import { imageExists } from '../images/ensure-image.js';
import { LABEL_MACHINE } from './machine-label.js';

export const DEFAULT_WORKDIR = '/root/lab';
/** Keeps a machine up without doing anything; `--init` makes it stop at once on `docker stop`. */
const DEFAULT_COMMAND = ['sleep', 'infinity'];
/** docker run/network/rm calls answer within seconds; a minute means the daemon is stuck. */
const DOCKER_TIMEOUT_MS = 60_000;

/** Where a stage failed, and what the learner or author can do about it. */
class StageFailure extends Error {
  constructor(
    readonly stage: string,
    message: string,
    readonly fix?: string,
    readonly toolOutput?: string,
  ) {
    super(message);
  }
}

interface ContainerState {
  readonly exists: boolean;
  readonly running: boolean;
  /** The io.kindlab.session label it carries ('' when none). */
  readonly session: string;
}

export class ContainersEnvironment implements Environment {
  readonly kind = 'containers' as const;
  /** The session's Docker network; containers are `<name>-<machine>`. */
  readonly name: string;
  private currentState: EnvironmentState = 'absent';
  private readonly progress = new ProgressEmitter();
  private readonly machines: ReadonlyMap<string, MachineSpec>;

  constructor(
    private readonly spec: ContainersEnvironmentSpec,
    private readonly init: EnvironmentInit,
  ) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(init.sessionId)) throw new EnvironmentError(`session id ${JSON.stringify(init.sessionId)} cannot be part of a Docker name`);
    this.name = `kindlab-${init.sessionId}`;
    const machines = new Map<string, MachineSpec>();
    for (const m of spec.machines) {
      if (machines.has(m.name)) throw new EnvironmentError(`machine ${m.name} is declared twice`);
      if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(m.name)) throw new EnvironmentError(`machine name ${JSON.stringify(m.name)} is not a valid hostname`);
      machines.set(m.name, m);
    }
    this.machines = machines;
  }

  get state(): EnvironmentState {
    return this.currentState;
  }

  /** The Docker container behind a machine. */
  containerName(machine: string): string {
    return `${this.name}-${machine}`;
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    return this.progress.on(listener);
  }

  async provision(): Promise<ProvisionResult> {
    const started = Date.now();
    const emit = this.progress.begin();
    /** Run one stage, with its timing; any error becomes a StageFailure naming it. */
    const stage = async <T>(name: string, work: () => Promise<{ value: T; detail?: string }>): Promise<T> => {
      const t0 = Date.now();
      emit({ stage: name, status: 'started' });
      try {
        const { value, detail } = await work();
        emit({ stage: name, status: 'done', ms: Date.now() - t0, ...(detail ? { detail } : {}) });
        return value;
      } catch (e) {
        const failure =
          e instanceof StageFailure
            ? e
            : new StageFailure(name, (e as Error).message, undefined, e instanceof ToolError ? e.stderr.trim() || undefined : undefined);
        emit({ stage: name, status: 'failed', ms: Date.now() - t0, detail: failure.message });
        throw failure;
      }
    };

    this.currentState = 'provisioning';
    // What this call made, so a failed stage removes it (and only it: adopted parts are the learner's).
    const created: { network: boolean; containers: string[] } = { network: false, containers: [] };
    let adopted = true;
    try {
      for (const image of new Set(this.spec.machines.map((m) => m.image))) {
        await stage(`image ${image}`, async () => {
          if (!(await imageExists(image))) {
            throw new StageFailure(`image ${image}`, `the image ${image} is not on this machine`, `run \`kindlab prepare ${this.init.labId}\` to build or load it, then start the lab again`);
          }
          return { value: undefined };
        });
      }

      await stage(`network ${this.name}`, async () => {
        const exists = (await tryTool('docker', ['network', 'inspect', this.name], { timeoutMs: DOCKER_TIMEOUT_MS })).exitCode === 0;
        if (exists) return { value: undefined, detail: 'reused' };
        await runTool('docker', ['network', 'create', ...this.labelArgs(), this.name], { timeoutMs: DOCKER_TIMEOUT_MS });
        created.network = true;
        adopted = false;
        return { value: undefined, detail: 'created' };
      });

      for (const machine of this.spec.machines) {
        const container = this.containerName(machine.name);
        const fresh = await stage(`machine ${machine.name}`, async () => {
          const state = await this.inspect(container);
          if (state.exists && state.session !== this.init.sessionId) {
            throw new StageFailure(
              `machine ${machine.name}`,
              `a container named ${container} exists but does not belong to this session`,
              `remove it (\`docker rm -f ${container}\`), then start the lab again`,
            );
          }
          if (state.exists) {
            if (!state.running) await runTool('docker', ['start', container], { timeoutMs: DOCKER_TIMEOUT_MS });
            return { value: false, detail: state.running ? `reused ${container}` : `restarted ${container}` };
          }
          // Recorded before `docker run`: a run that fails half-way can leave a created-but-dead container.
          created.containers.push(container);
          adopted = false;
          await this.runMachine(machine, container, emit);
          await this.requireRunning(machine.name, container);
          return { value: true, detail: `started ${container}` };
        });
        if (machine.dind) {
          const { readyDind } = await import('./dind.js');
          const dindStage = `docker engine in ${machine.name}`;
          await stage(dindStage, async () => {
            try {
              await readyDind(container, machine.loadImages ?? [], emit, { startedAt: started });
            } catch (e) {
              throw new StageFailure(dindStage, (e as Error).message);
            }
            return { value: undefined };
          });
        }
        // Files are copied only into a new machine: an adopted one holds the learner's edits.
        if (fresh) {
          await stage(`copy files → ${machine.name}`, async () => {
            await dockerCopyIn(container, this.init.labFilesDir, this.workdir(machine.name));
            return { value: undefined, detail: this.workdir(machine.name) };
          });
        }
      }
      this.currentState = 'ready';
      return { ok: true, ms: Date.now() - started, adopted };
    } catch (e) {
      await this.removeCreated(created);
      this.currentState = 'failed';
      if (e instanceof StageFailure) {
        return {
          ok: false,
          stage: e.stage,
          message: e.message,
          ...(e.fix ? { fix: e.fix } : {}),
          ...(e.toolOutput ? { toolOutput: e.toolOutput } : {}),
        };
      }
      throw e;
    }
  }

  targets(): readonly TerminalTarget[] {
    return this.spec.machines.map((m) => ({ name: m.name, address: this.containerName(m.name) }));
  }

  workdir(target: string): string {
    return this.machine(target).workdir ?? DEFAULT_WORKDIR;
  }

  async exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    const machine = this.machine(target);
    try {
      return await dockerExec(this.containerName(machine.name), script, { ...options, cwd: this.workdir(target) });
    } catch (e) {
      throw this.explain(machine.name, e);
    }
  }

  spawnShell(target: string, options: SpawnOptions): Pty {
    const machine = this.machine(target);
    return dockerExecShell(this.containerName(machine.name), options, {
      cwd: this.workdir(target),
      ...(machine.env ? { env: { ...machine.env } } : {}),
    });
  }

  async copyIn(target: string, hostDir: string): Promise<void> {
    const machine = this.machine(target);
    try {
      await dockerCopyIn(this.containerName(machine.name), hostDir, this.workdir(target));
    } catch (e) {
      throw this.explain(machine.name, e);
    }
  }

  /** Remove every container, network and volume labelled with this session. Idempotent. */
  async destroy(): Promise<void> {
    await removeSession(this.init.sessionId);
    this.currentState = 'destroyed';
  }

  private machine(target: string): MachineSpec {
    const m = this.machines.get(target);
    if (!m) throw new EnvironmentError(`unknown target ${JSON.stringify(target)}: this lab's machines are ${[...this.machines.keys()].join(', ')}`);
    return m;
  }

  /** A container removed behind our back: say which machine, and how to get it back. */
  private explain(machine: string, e: unknown): unknown {
    if (!(e instanceof ContainerMissingError)) return e;
    return new EnvironmentError(
      `machine ${machine} (container ${e.container}) ${e.message.replace(`container ${e.container} `, '')}: it was stopped or removed outside kindlab. ` +
        `Restart the lab's environment to recreate it (or run \`kindlab env down --session ${this.init.sessionId}\` and open the lab again).`,
      { cause: e },
    );
  }

  private labelArgs(machine?: string): string[] {
    return [
      '--label',
      `${LABEL_SESSION}=${this.init.sessionId}`,
      '--label',
      `${LABEL_LAB}=${this.init.labId}`,
      ...(machine ? ['--label', `${LABEL_MACHINE}=${machine}`] : []),
    ];
  }

  private async inspect(container: string): Promise<ContainerState> {
    const r = await tryTool('docker', ['container', 'inspect', '--format', `{{.State.Running}} {{index .Config.Labels "${LABEL_SESSION}"}}`, container], {
      timeoutMs: DOCKER_TIMEOUT_MS,
    });
    const [running, session] = r.stdout.trim().split(' ');
    return { exists: r.exitCode === 0, running: running === 'true', session: session ?? '' };
  }

  private async runMachine(machine: MachineSpec, container: string, emit: (e: Omit<ProgressEvent, 'atMs'>) => void): Promise<void> {
    let extra: string[] = [];
    if (machine.dind) {
      const { dindRunArgs } = await import('./dind.js');
      const dind = await dindRunArgs({
        labels: { [LABEL_SESSION]: this.init.sessionId, [LABEL_LAB]: this.init.labId, [LABEL_MACHINE]: machine.name },
        log: (line) => emit({ stage: `machine ${machine.name}`, status: 'info', detail: line }),
      });
      extra = dind.args;
    }
    const env = Object.entries(machine.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // A dind image's own command starts its inner engine, so it is kept unless the lab names one.
    const command = machine.command ?? (machine.dind ? [] : DEFAULT_COMMAND);
    await runTool(
      'docker',
      [
        'run',
        '--detach',
        '--init',
        '--name',
        container,
        '--hostname',
        machine.name,
        '--network',
        this.name,
        '--network-alias',
        machine.name,
        ...this.labelArgs(machine.name),
        ...env,
        ...extra,
        machine.image,
        ...command,
      ],
      { timeoutMs: DOCKER_TIMEOUT_MS },
    );
  }

  /** A machine whose command exits at once is broken: say so here, with its last words, not at a later stage. */
  private async requireRunning(machine: string, container: string): Promise<void> {
    if ((await this.inspect(container)).running) return;
    const logs = await tryTool('docker', ['logs', '--tail', '20', container], { timeoutMs: DOCKER_TIMEOUT_MS });
    const output = (logs.stdout + logs.stderr).trim();
    throw new StageFailure(`machine ${machine}`, `${container} stopped right after it started${output ? `: ${output.split('\n').slice(-1)[0]}` : ''}`, 'check the machine\'s image and command in lab.yaml', output || undefined);
  }

  private async removeCreated(created: { network: boolean; containers: string[] }): Promise<void> {
    for (const c of created.containers) await tryTool('docker', ['rm', '--force', '--volumes', c], { timeoutMs: DOCKER_TIMEOUT_MS }).catch(() => undefined);
    if (created.network) await tryTool('docker', ['network', 'rm', this.name], { timeoutMs: DOCKER_TIMEOUT_MS }).catch(() => undefined);
  }
}

/** Remove every container, network and volume labelled with a session (containers first: they hold the rest). */
export async function removeSession(sessionId: string): Promise<void> {
  const filter = `label=${LABEL_SESSION}=${sessionId}`;
  const ids = async (args: string[]): Promise<string[]> =>
    (await runTool('docker', [...args, '--filter', filter], { timeoutMs: DOCKER_TIMEOUT_MS })).stdout.split('\n').filter((l) => l.trim());
  const containers = await ids(['ps', '-aq']);
  if (containers.length) await runTool('docker', ['rm', '--force', '--volumes', ...containers], { timeoutMs: DOCKER_TIMEOUT_MS });
  const networks = await ids(['network', 'ls', '-q']);
  if (networks.length) await runTool('docker', ['network', 'rm', ...networks], { timeoutMs: DOCKER_TIMEOUT_MS });
  const volumes = await ids(['volume', 'ls', '-q']);
  if (volumes.length) await runTool('docker', ['volume', 'rm', '--force', ...volumes], { timeoutMs: DOCKER_TIMEOUT_MS });
}
