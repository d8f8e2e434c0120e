/**
 * How much memory Docker objects of kindlab use and have: what workshop
 * capacity planning measures (`docker stats --no-stream`, `docker info`).
 */
import { totalmem } from 'node:os';
import { LABEL_LAB, LABEL_SESSION } from '../environment.js';
import { tryTool } from '../tool.js';

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };

/** "12.5MiB / 7.7GiB" → bytes used (the part before the slash). */
export function parseMemUsage(text: string): number | undefined {
  const m = /^\s*([\d.]+)\s*([a-z]+)/i.exec(text.split('/')[0] ?? '');
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  return m && unit ? Math.round(Number(m[1]) * unit) : undefined;
}

/** Memory used now by every container of a session, in bytes (undefined when none runs or Docker cannot say). */
export async function measureEnvironmentMemory(sessionId: string): Promise<number | undefined> {
  const ps = await tryTool('docker', ['ps', '-q', '--filter', `label=${LABEL_SESSION}=${sessionId}`], { timeoutMs: 30_000 });
  const ids = ps.exitCode === 0 ? ps.stdout.split('\n').filter((l) => l.trim()) : [];
  if (!ids.length) return undefined;
  const stats = await tryTool('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', ...ids], { timeoutMs: 60_000 });
  if (stats.exitCode !== 0) return undefined;
  const used = stats.stdout.split('\n').filter((l) => l.trim()).map(parseMemUsage);
  return used.some((u) => u === undefined) ? undefined : used.reduce<number>((a, b) => a + b!, 0);
}

/** Memory Docker can use (its MemTotal), else this host's. */
export async function dockerMemory(): Promise<number> {
  const r = await tryTool('docker', ['info', '--format', '{{.MemTotal}}'], { timeoutMs: 30_000 });
  const n = Number(r.stdout.trim());
  return r.exitCode === 0 && n > 0 ? n : totalmem();
}

/** A session of this lab whose containers are running now (e.g. a pre-warmed seat), if any. */
export async function runningSessionOfLab(labId: string): Promise<string | undefined> {
  const ps = await tryTool('docker', ['ps', '--format', `{{.Label "${LABEL_SESSION}"}}`, '--filter', `label=${LABEL_LAB}=${labId}`], { timeoutMs: 30_000 });
  return ps.exitCode === 0 ? ps.stdout.split('\n').map((l) => l.trim()).find((l) => l) : undefined;
}
