/**
 * The terminals of one session, by name. Shells start lazily, on the first
 * attach, so a session whose learner never opens a tab costs no process.
 */
import type { TerminalSpec } from '../../common/lab.js';
import type { TerminalInfo, TerminalStatus } from '../../common/protocol.js';
import type { Pty } from '../../cluster/pty.js';
import { DurableTerminal, type TerminalLimits } from './durable-terminal.js';

export interface TerminalHubOptions {
  specs: readonly TerminalSpec[];
  spawn(spec: TerminalSpec, size: { cols: number; rows: number }): Pty;
  graceMs: number;
  /** Overrides for tests; production uses the shared limits from common/protocol.ts. */
  limits?: Partial<TerminalLimits>;
}

export class TerminalHub {
  private readonly terminals = new Map<string, DurableTerminal>();
  private readonly listeners = new Set<(s: { terminal: string; status: TerminalStatus; message?: string }) => void>();

  constructor(o: TerminalHubOptions) {
    for (const spec of o.specs) {
      const terminal = new DurableTerminal({
        name: spec.name,
        title: spec.title ?? spec.name,
        spawn: (size) => o.spawn(spec, size),
        graceMs: o.graceMs,
        ...(o.limits ? { limits: o.limits } : {}),
      });
      terminal.onStatus((e) => {
        for (const l of this.listeners) l(e);
      });
      this.terminals.set(spec.name, terminal);
    }
  }

  list(): TerminalInfo[] {
    return [...this.terminals.values()].map((t) => t.info);
  }

  get(name: string): DurableTerminal | undefined {
    return this.terminals.get(name);
  }

  onStatus(l: (s: { terminal: string; status: TerminalStatus; message?: string }) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Kill every shell. */
  dispose(): void {
    for (const t of this.terminals.values()) t.dispose();
    this.listeners.clear();
  }
}
