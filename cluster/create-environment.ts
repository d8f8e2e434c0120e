/**
 * Picks the Environment implementation for a lab's spec. The local shell is
 * always there; the containers and kind implementations are loaded on first
 * provision, so a part that is missing or broken fails that lab's provisioning
 * (as a value naming the stage) instead of the whole server at startup.
 */
import type { EnvironmentSpec } from '../common/lab.js';
import type { EnvironmentKind, EnvironmentState, ProgressEvent, ProvisionResult } from '../common/environment.js';
import { EnvironmentError, type Environment, type EnvironmentInit, type ExecOptions, type ExecResult, type SpawnOptions, type TerminalTarget } from './environment.js';
import type { Pty } from './pty.js';
import { LocalEnvironment } from './local/local-environment.js';

type EnvironmentClass = new (spec: never, init: EnvironmentInit) => Environment;

/** Module path and exported class name per environment kind; paths are relative to this file. */
const LAZY: Record<Exclude<EnvironmentKind, 'local'>, { module: string; export: string }> = {
  containers: { module: './containers/containers-environment.js', export: 'ContainersEnvironment' },
  kind: { module: './kind/kind-environment.js', export: 'KindEnvironment' },
};

export function createEnvironment(spec: EnvironmentSpec, init: EnvironmentInit): Environment {
  if (spec.type === 'local') return new LocalEnvironment(spec, init);
  const where = LAZY[spec.type];
  return new DeferredEnvironment(spec.type, `kindlab-${init.sessionId}`, async () => {
    // A computed specifier keeps the type checker from requiring optional parts at build time.
    const mod = (await import(where.module)) as Record<string, unknown>;
    const Cls = mod[where.export];
    if (typeof Cls !== 'function') throw new Error(`${where.module} does not export ${where.export}`);
    return new (Cls as EnvironmentClass)(spec as never, init);
  });
}

/** Stands in for an implementation until provision() has loaded it, then forwards everything. */
class DeferredEnvironment implements Environment {
  private inner: Environment | undefined;
  private loadFailed = false;
  private readonly listeners = new Set<(e: ProgressEvent) => void>();

  constructor(
    readonly kind: EnvironmentKind,
    private readonly fallbackName: string,
    private readonly load: () => Promise<Environment>,
  ) {}

  get name(): string {
    return this.inner?.name ?? this.fallbackName;
  }

  get state(): EnvironmentState {
    return this.inner?.state ?? (this.loadFailed ? 'failed' : 'absent');
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    const off = this.inner?.onProgress(listener);
    return () => {
      this.listeners.delete(listener);
      off?.();
    };
  }

  async provision(): Promise<ProvisionResult> {
    if (!this.inner) {
      try {
        this.inner = await this.load();
      } catch (e) {
        this.loadFailed = true;
        return {
          ok: false,
          stage: `Loading the ${this.kind} environment`,
          message: `kindlab could not load its ${this.kind} support: ${e instanceof Error ? e.message : String(e)}`,
          fix: 'Rebuild kindlab (`npm run build`); if the problem stays, report it.',
        };
      }
      for (const l of this.listeners) this.inner.onProgress(l);
    }
    return this.inner.provision();
  }

  private ready(): Environment {
    if (!this.inner) throw new EnvironmentError(`the ${this.kind} environment is not provisioned yet`);
    return this.inner;
  }

  targets(): readonly TerminalTarget[] {
    return this.inner?.targets() ?? [];
  }

  exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    return this.ready().exec(target, script, options);
  }

  spawnShell(target: string, options: SpawnOptions): Pty {
    return this.ready().spawnShell(target, options);
  }

  copyIn(target: string, hostDir: string): Promise<void> {
    return this.ready().copyIn(target, hostDir);
  }

  workdir(target: string): string {
    return this.ready().workdir(target);
  }

  async destroy(): Promise<void> {
    await this.inner?.destroy();
  }
}
