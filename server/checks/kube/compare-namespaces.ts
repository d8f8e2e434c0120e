/**
 * Comparing the Linux namespaces of two processes by `readlink /proc/<pid>/ns/<ns>`,
 * run on the machine both PIDs belong to (a kind node, or a dind machine).
 */
import type { CheckContext } from '../builtin.js';
import { lastLine, runScript } from './run-script.js';

export const NAMESPACE_KINDS = ['net', 'ipc', 'uts', 'pid'] as const;
export type NamespaceKind = (typeof NAMESPACE_KINDS)[number];

export const READLINK_NS_SCRIPT = [
  'for ns in net ipc uts pid; do',
  '  a=$(readlink "/proc/$KL_PID_A/ns/$ns") || exit 3',
  '  b=$(readlink "/proc/$KL_PID_B/ns/$ns") || exit 3',
  '  printf \'%s %s %s\\n\' "$ns" "$a" "$b"',
  'done',
].join('\n');

export type NamespaceLinks = Record<NamespaceKind, { readonly a: string; readonly b: string }>;

export async function readNamespaces(ctx: CheckContext, target: string, pidA: number, pidB: number): Promise<NamespaceLinks | { readonly gone: string }> {
  const r = await runScript(ctx, target, READLINK_NS_SCRIPT, { KL_PID_A: String(pidA), KL_PID_B: String(pidB) });
  if (r.exitCode !== 0) return { gone: lastLine(r.stderr) || `readlink failed with exit code ${r.exitCode}` };
  const out: Partial<NamespaceLinks> = {};
  for (const line of r.stdout.split('\n')) {
    const [ns, a, b] = line.trim().split(/\s+/);
    if (ns && a && b && (NAMESPACE_KINDS as readonly string[]).includes(ns)) out[ns as NamespaceKind] = { a, b };
  }
  for (const ns of NAMESPACE_KINDS) {
    if (!out[ns]) throw new Error(`could not read the ${ns} namespace links on ${target} (got "${r.stdout.trim().slice(0, 80)}")`);
  }
  return out as NamespaceLinks;
}

/** "ipc and uts are shared too; pid differs" */
export function describeOthers(links: NamespaceLinks): string {
  const shared = (['ipc', 'uts'] as const).filter((k) => links[k].a === links[k].b);
  const apart = (['ipc', 'uts'] as const).filter((k) => links[k].a !== links[k].b);
  const parts: string[] = [];
  if (shared.length) parts.push(`${shared.join(' and ')} ${shared.length > 1 ? 'are' : 'is'} shared too`);
  if (apart.length) parts.push(`${apart.join(' and ')} ${apart.length > 1 ? 'differ' : 'differs'}`);
  parts.push(links.pid.a === links.pid.b ? 'pid is shared as well (shareProcessNamespace)' : 'pid differs (each has its own process tree)');
  return parts.join('; ');
}
