/**
 * Leak checks for processes: what this test process started and has not
 * reaped (PTY shells, docker exec, Chromium, CLI children).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** How often assertNoNewChildren looks again while processes are still exiting. */
const POLL_MS = 100;

/** Live child processes of this test process, as `pid comm` lines. */
export function childProcesses(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/\bps$/.test(l));
  } catch {
    return []; // ps exits 1 when it lists nothing
  }
}

/**
 * Assert no child runs that was not already running in `before`. Disposed
 * processes take a moment to exit and be reaped, so it waits up to
 * `timeoutMs` for the new ones to go. One of `before` that has exited since
 * (something an earlier suite was still finishing) is not a leak.
 */
export async function assertNoNewChildren(before: readonly string[], timeoutMs = 5000, message?: string): Promise<void> {
  const known = new Set(before);
  const added = (): string[] => childProcesses().filter((p) => !known.has(p));
  const end = Date.now() + timeoutMs;
  while (added().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, POLL_MS));
  assert.deepEqual(added(), [], message);
}

/** Running, not merely a zombie waiting for its new parent (pid 1 here) to reap it. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
