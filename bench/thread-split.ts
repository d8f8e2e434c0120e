/**
 * Where the two cores go during a stream, thread by thread, for kindlab's lab
 * page and for the xterm.js ceiling page (each in its own Chromium over bare
 * CDP, as npm run bench's throughput rows):
 *
 *   node --import tsx bench/thread-split.ts [MiB] [runs]
 *
 * For every thread on the machine it reads /proc/<pid>/task/<tid>/schedstat
 * before and after: time on a CPU, and time runnable but waiting for one (the
 * run queue). A thread that waits is slowed by the others, not by its own
 * work; comparing the page's main thread on the two pages tells which it is.
 * Processes that exit during the stream (`cat`) have no schedstat left; their
 * CPU shows in their parent's reaped-children time (the shell), from
 * /proc/<pid>/stat.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRawBarePage, openRawServerPage, rawStreamFile, rawWarmUp } from './raw-pages.js';
import { statFields } from './proc-tree.js';
import { buildBareXterm, buildKindlabWeb, startServer, WORK } from './servers.js';
import type { StreamResult } from './pages.js';

interface Thread {
  /** "process | thread", e.g. "chromium renderer | chromium" for a renderer's main thread. */
  readonly name: string;
  readonly runMs: number;
  readonly waitMs: number;
}

const TICK_MS = 10; // USER_HZ, in which /proc/<pid>/stat counts

function processName(pid: string): string {
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (cmd.includes('kindlab-server')) return 'kindlab server';
  const type = /--type=([a-z-]+)/.exec(cmd)?.[1];
  if (!type) return comm;
  return `${comm} ${type}${cmd.includes('--utility-sub-type=network') ? ' (network)' : ''}`;
}

/** Every thread's counters, by pid/tid, and every process's reaped children's CPU (ms). */
function snapshot(): { threads: Map<string, Thread>; reaped: Map<string, { name: string; ms: number }> } {
  const threads = new Map<string, Thread>();
  const reaped = new Map<string, { name: string; ms: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const name = processName(pid);
      const fields = statFields(pid);
      if (!fields) continue;
      // cutime and cstime: fields 16 and 17 of proc(5).
      reaped.set(pid, { name, ms: (Number(fields[13]) + Number(fields[14])) * TICK_MS });
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        threads.set(`${pid}/${tid}`, { name: `${name} | ${comm.replace(/\d+$/, '#')}`, runMs: run! / 1e6, waitMs: wait! / 1e6 });
      }
    } catch {
      // exited meanwhile
    }
  }
  return { threads, reaped };
}

async function measured(label: string, run: () => Promise<StreamResult>, mib: number): Promise<void> {
  const a = snapshot();
  const t0 = performance.now();
  const r = await run();
  const wall = performance.now() - t0;
  const b = snapshot();
  const sums = new Map<string, { run: number; wait: number }>();
  for (const [id, t] of b.threads) {
    const before = a.threads.get(id);
    const v = sums.get(t.name) ?? { run: 0, wait: 0 };
    v.run += t.runMs - (before?.runMs ?? 0);
    v.wait += t.waitMs - (before?.waitMs ?? 0);
    sums.set(t.name, v);
  }
  for (const [pid, p] of b.reaped) {
    const ms = p.ms - (a.reaped.get(pid)?.ms ?? p.ms);
    if (ms <= 0) continue;
    const key = `${p.name} | its exited children`;
    sums.set(key, { run: (sums.get(key)?.run ?? 0) + ms, wait: Number.NaN });
  }
  const rows = [...sums].filter(([, v]) => v.run >= 10).sort((x, y) => y[1].run - x[1].run);
  const total = rows.reduce((n, [, v]) => n + v.run, 0);
  const pct = (ms: number): string => `${Math.round((100 * ms) / wall)} %`.padStart(5);
  console.log(`\n${label}: ${mib} MiB in ${r.ms.toFixed(0)} ms = ${((mib * 1000) / r.ms).toFixed(1)} MiB/s; measured over ${wall.toFixed(0)} ms, threads on CPU ${total.toFixed(0)} ms (${pct(total)} of one core)`);
  console.log('   on CPU         waiting for one   thread');
  for (const [name, v] of rows.slice(0, 16)) {
    const wait = Number.isNaN(v.wait) ? '         —      ' : `${v.wait.toFixed(0).padStart(6)} ms ${pct(v.wait)}`;
    console.log(`  ${v.run.toFixed(0).padStart(6)} ms ${pct(v.run)}   ${wait}   ${name}`);
  }
}

const mib = Number(process.argv[2] ?? 50);
const runs = Number(process.argv[3] ?? 2);
const file = join(WORK, 'thread-split-base64');
const bytes = mib * 1024 * 1024;
writeFileSync(file, randomBytes((bytes / 4) * 3).toString('base64'));
const server = await startServer('kindlab', await buildKindlabWeb());
try {
  const bare = await openRawBarePage(await buildBareXterm(), { base64: file });
  try {
    const page = await openRawServerPage(server);
    try {
      await rawWarmUp(page);
      // The ceiling's payload is fetched before each measured feed: the feed alone is measured.
      const load = (): Promise<number> => bare.cdp.eval<number>("window.__bench.load('/base64', 'bytes')");
      await load();
      await bare.cdp.eval('window.__bench.feedLoaded()'); // untimed, as in npm run bench
      for (let i = 0; i < runs; i++) {
        await measured('lab page', () => rawStreamFile(page, file, 120_000), mib);
        if ((await load()) !== bytes) throw new Error('the bare page loaded the wrong payload');
        await measured('xterm.js ceiling (bytes from memory)', () => bare.cdp.eval<StreamResult>('window.__bench.feedLoaded()'), mib);
      }
    } finally {
      await page.close();
    }
  } finally {
    await bare.close();
  }
} finally {
  await server.stop();
  rmSync(file, { force: true });
}
