/**
 * Settling a Node server's heap before measuring its memory.
 *
 * A V8 process's PSS moves by megabytes with garbage-collector state alone:
 * young-generation pages touched by garbage stay committed until a GC, and
 * V8's memory reducer returns pages to the OS only some seconds after a full
 * GC in a quiet process. Measured 3 s after opening 50 terminals without
 * settling, the same kindlab server read +257 KiB per terminal, and 40 s
 * later −269 KiB (below its baseline); WeTTY moved the same way
 * (docs/performance.md). So both servers are measured settled: a full GC
 * (bench/gc-on-signal.mjs, preloaded into both the same way), 10 s for the
 * memory reducer, another full GC.
 */
import { join } from 'node:path';
import { REPO } from './servers.js';

/** NODE_OPTIONS for a server whose heap the bench may settle. */
export const SETTLE_NODE_OPTIONS = `--expose-gc --import ${join(REPO, 'bench', 'gc-on-signal.mjs')}`;

/** How long the memory reducer gets after the first full GC. */
const REDUCER_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Full GC, time for the memory reducer, full GC again (the process was started with SETTLE_NODE_OPTIONS). */
export async function settleHeap(pid: number): Promise<void> {
  process.kill(pid, 'SIGUSR2');
  await sleep(REDUCER_MS);
  process.kill(pid, 'SIGUSR2');
  await sleep(500);
}
