/**
 * Helpers for integration tests against the real Docker engine: unique names,
 * throwaway containers that are always removed, and label queries that prove
 * nothing leaked.
 */
import { randomBytes } from 'node:crypto';
import { runTool, tryTool } from '../../cluster/tool.js';
import { ensureImage } from '../../cluster/images/ensure-image.js';

export const BUSYBOX = 'kindlab/busybox:1';

/** Label every test resource carries, so a crashed run can be cleaned with one query. */
export const LABEL_TEST = 'io.kindlab.test';

export function uniqueId(prefix = 't'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** Fail loudly (never skip) when the image cannot be built: the suite needs real Docker. */
export async function requireBusybox(): Promise<void> {
  const r = await ensureImage(BUSYBOX);
  if (!r.ok) throw new Error(`cannot build ${BUSYBOX}: ${r.message}`);
}

/** Start a long-running busybox container for a test; remove it with removeContainer. */
export async function startContainer(name: string, extra: readonly string[] = []): Promise<string> {
  await runTool('docker', ['run', '-d', '--init', '--name', name, '--label', `${LABEL_TEST}=1`, ...extra, BUSYBOX, 'sleep', 'infinity'], { timeoutMs: 30_000 });
  return name;
}

export async function removeContainer(name: string): Promise<void> {
  await tryTool('docker', ['rm', '-f', '-v', name], { timeoutMs: 30_000 });
}

/** Processes in a container, as `pid args` lines (from /proc, so it works in any image). */
export async function processes(container: string): Promise<string[]> {
  const r = await runTool('docker', ['exec', container, 'sh', '-c', 'for p in /proc/[0-9]*; do printf "%s %s\\n" "${p#/proc/}" "$(tr "\\0" " " < $p/cmdline 2>/dev/null)"; done'], { timeoutMs: 10_000 });
  return r.stdout.split('\n').filter((l) => l.trim());
}

/** Names of Docker objects of one type that carry a label (optionally with a value). */
export async function objectsWithLabel(type: 'container' | 'network' | 'volume', label: string, value?: string): Promise<string[]> {
  const filter = value === undefined ? label : `${label}=${value}`;
  const args =
    type === 'container'
      ? ['ps', '-a', '--filter', `label=${filter}`, '--format', '{{.Names}}']
      : [type, 'ls', '--filter', `label=${filter}`, '--format', '{{.Name}}'];
  const r = await runTool('docker', args, { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter((l) => l.trim());
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every container, network and volume carrying a label filter (`key` or `key=value`), as `container <id>` lines: a leak check expects none. */
export async function labelledObjects(filter: string): Promise<string[]> {
  const list = async (args: string[]) => (await runTool('docker', [...args, '--filter', `label=${filter}`])).stdout.split('\n').filter(Boolean);
  return [
    ...(await list(['ps', '-aq'])).map((c) => `container ${c}`),
    ...(await list(['network', 'ls', '-q'])).map((n) => `network ${n}`),
    ...(await list(['volume', 'ls', '-q'])).map((v) => `volume ${v}`),
  ];
}

/** Full IDs of the containers carrying a label filter (`key=value`), sorted. */
export async function containerIds(filter: string): Promise<string[]> {
  const r = await runTool('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=${filter}`], { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter((l) => l.trim()).sort();
}

/** Remove whatever containers, networks and volumes a failed test left with this label (each removal best effort). */
export async function removeLabelled(label: string, value: string): Promise<void> {
  const rm = (args: string[]) => runTool('docker', args, { timeoutMs: 30_000 }).catch(() => undefined);
  for (const c of await objectsWithLabel('container', label, value)) await rm(['rm', '-f', '-v', c]);
  for (const n of await objectsWithLabel('network', label, value)) await rm(['network', 'rm', n]);
  for (const v of await objectsWithLabel('volume', label, value)) await rm(['volume', 'rm', '-f', v]);
}
