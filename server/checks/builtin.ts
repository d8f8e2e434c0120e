/**
 * Built-in (typed) checks and answer probes. A built-in validates its own
 * parameters with zod at load time (so `kindlab validate` reports bad ones with
 * file:line), then runs through the environment's `exec` and explains its
 * result as expected vs actual in plain words.
 */
import type { z } from 'zod';
import type { ExecOptions, ExecResult, TerminalTarget } from '../../cluster/environment.js';

/** What a built-in may do: run scripts in the session's machines. */
export interface CheckContext {
  exec(target: string, script: string, options: ExecOptions): Promise<ExecResult>;
  targets(): readonly TerminalTarget[];
  /** Find the target whose machine is the Kubernetes node `nodeName` (kind), if any. */
  targetForNode(nodeName: string): string | undefined;
  /** The target the check was declared with (e.g. where kubectl runs). */
  readonly target: string;
  /** Milliseconds left before the check's deadline. */
  remainingMs(): number;
}

/** A built-in's verdict. The runner adds the id and timing. */
export interface Verdict {
  readonly passed: boolean;
  readonly message: string;
  readonly expected?: string;
  readonly actual?: string;
}

export interface BuiltinCheck<P> {
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  run(ctx: CheckContext, params: P): Promise<Verdict>;
}

export interface BuiltinProbe<P> {
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  /** The expected answer, computed from live state. Throws ProbeError with a plain message when it cannot. */
  value(ctx: CheckContext, params: P): Promise<string>;
}

export class ProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBuiltinCheck = BuiltinCheck<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBuiltinProbe = BuiltinProbe<any>;

export class BuiltinRegistry {
  private readonly checks = new Map<string, AnyBuiltinCheck>();
  private readonly probes = new Map<string, AnyBuiltinProbe>();

  addCheck(c: AnyBuiltinCheck): this {
    if (this.checks.has(c.name)) throw new Error(`built-in check ${c.name} registered twice`);
    this.checks.set(c.name, c);
    return this;
  }
  addProbe(p: AnyBuiltinProbe): this {
    if (this.probes.has(p.name)) throw new Error(`built-in probe ${p.name} registered twice`);
    this.probes.set(p.name, p);
    return this;
  }
  check(name: string): AnyBuiltinCheck | undefined {
    return this.checks.get(name);
  }
  probe(name: string): AnyBuiltinProbe | undefined {
    return this.probes.get(name);
  }
  checkNames(): string[] {
    return [...this.checks.keys()].sort();
  }
  probeNames(): string[] {
    return [...this.probes.keys()].sort();
  }
}
