/**
 * `node --import tsx bench/profile.ts [throughput|echo] [MiB]`: where the
 * browser spends its time. Records a V8 CPU profile (CDP Profiler) of
 * kindlab's lab page while it streams a base64 file (or while keys are typed)
 * and of the bare xterm.js page parsing the same file from memory, then prints
 * each page's top functions by self time. Not part of `npm run bench`: it
 * explains the bench's numbers, it does not produce them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { clearLine, echoSample, launchBrowser, openBarePage, openServerPage, streamFile } from './pages.js';
import { buildBareXterm, buildKindlabWeb, startServer, WORK, type ServerName } from './servers.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms), summed over every node of the same frame. */
function selfTimes(p: Profile): { name: string; ms: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!);
    if (!n) continue;
    const f = n.callFrame;
    const file = f.url.split('/').pop() ?? '';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

async function profiled<T>(page: Page, work: () => Promise<T>): Promise<{ result: T; profile: Profile }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const result = await work();
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
  await cdp.detach();
  return { result, profile };
}

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  ts: number;
  args?: { name?: string; data?: { type?: string; functionName?: string; url?: string } };
}

/** A timeline trace of `work`: per event name on the renderer's main thread, count and inclusive ms. */
async function traced<T>(page: Page, work: () => Promise<T>): Promise<{ result: T; events: TraceEvent[] }> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((done) => cdp.once('Tracing.tracingComplete', () => done()));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'toplevel'] } });
  const result = await work();
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  return { result, events };
}

function reportTrace(label: string, events: TraceEvent[], top = 20): void {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const rows = new Map<string, { n: number; ms: number }>();
  for (const e of events) {
    if (!main || e.tid !== main.tid || e.pid !== main.pid || e.ph !== 'X' || e.dur === undefined) continue;
    const r = rows.get(e.name) ?? { n: 0, ms: 0 };
    r.n++;
    r.ms += e.dur / 1000;
    rows.set(e.name, r);
  }
  console.log(`\n== ${label}: main-thread trace events (inclusive)`);
  for (const [name, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) console.log(`${r.ms.toFixed(1).padStart(9)} ms ${String(r.n).padStart(7)} ×  ${name}`);
}

/** What the main thread did after each keydown (the last 3 of the trace), as offsets from the keydown. */
function keystrokeTimeline(label: string, events: TraceEvent[]): void {
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const top = events.filter((e) => main && e.tid === main.tid && e.pid === main.pid && e.ph === 'X' && (e.name === 'RunTask' || e.name === 'EventDispatch' || e.name === 'TimerFire' || e.name === 'FunctionCall' || e.name === 'FireAnimationFrame' || e.name === 'Paint' || e.name === 'Layout' || e.name === 'Receive mojo message'));
  top.sort((a, b) => a.ts - b.ts);
  const keys = top.filter((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'keydown').slice(-3);
  for (const k of keys) {
    console.log(`\n-- ${label}: keydown at ${(k.ts / 1000).toFixed(1)} ms`);
    for (const e of top.filter((e) => e.ts >= k.ts && e.ts < k.ts + 25_000 && e.name !== 'RunTask')) {
      const what = e.args?.data?.type ?? e.args?.data?.functionName ?? '';
      console.log(`  +${((e.ts - k.ts) / 1000).toFixed(2).padStart(6)} ms  ${((e.dur ?? 0) / 1000).toFixed(2).padStart(5)} ms  ${e.name} ${what}`);
    }
  }
}

function report(label: string, profile: Profile, top = 25): void {
  const rows = selfTimes(profile);
  const total = rows.reduce((s, r) => s + r.ms, 0);
  console.log(`\n== ${label}: ${total.toFixed(0)} ms sampled`);
  for (const r of rows.slice(0, top)) console.log(`${r.ms.toFixed(1).padStart(9)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)} %  ${r.name}`);
}

/** User + system CPU time of a process so far (ms), from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Busy and total CPU time of the whole machine so far (ms, all cores), from /proc/stat. */
function machineMs(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0) * 10;
  return { busy: total - ((f[3] ?? 0) + (f[4] ?? 0)) * 10, total };
}

/** CPU ms so far of every process, keyed by "pid command" (Chromium's type from its command line). */
function processMs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const type = cmd.find((a) => a.startsWith('--type='))?.slice(7) ?? (cmd.includes('--renderer-client-id') || cmd.some((a) => a.startsWith('--renderer-client-id=')) ? 'renderer' : undefined);
      const name = `${pid} ${cmd[0]?.split('/').pop()?.slice(0, 24)}${type ? ` ${type}` : ''}${cmd[1] && !type ? ` ${cmd[1].split('/').pop()?.slice(0, 40)}` : ''}`;
      out.set(name, cpuMs(Number(pid)));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function machineReport(label: string, m0: { busy: number; total: number }, p0: Map<string, number>): void {
  const p1 = processMs();
  const rows = [...p1].map(([k, v]) => [k, v - (p0.get(k) ?? 0)] as const).filter(([, v]) => v >= 30).sort((a, b) => b[1] - a[1]);
  for (const [k, v] of rows) console.log(`  ${String(v).padStart(6)} ms CPU  ${k}`);
  const m1 = machineMs();
  console.log(`${label}: machine ${(m1.busy - m0.busy).toFixed(0)} ms busy of ${(m1.total - m0.total).toFixed(0)} ms (${((100 * (m1.busy - m0.busy)) / (m1.total - m0.total)).toFixed(0)} % of all cores)`);
}

const KINDLAB_OPTIONS = { cursorBlink: false, fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace', lineHeight: 1.15, theme: { background: '#1e1e1e' } };

const log = (m: string): void => console.log(`[profile ${new Date().toISOString().slice(11, 19)}] ${m}`);

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'throughput';
  const mib = Number(process.argv[3] ?? 10);
  const servers = (process.argv[4]?.split(',') ?? ['kindlab']) as ServerName[];
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, 'profile-base64');
  writeFileSync(file, randomBytes(((mib * 1024 * 1024) / 4) * 3).toString('base64'));
  // Unminified, so the profile names functions.
  const [web, bare] = await Promise.all([buildKindlabWeb(false), buildBareXterm(false)]);
  log('built');
  const browser = await launchBrowser();
  try {
    for (const name of servers) {
      const server = await startServer(name, web);
      try {
        log(`${name} started`);
        const tp = await openServerPage(browser, server);
        log(`${name} page ready`);
        try {
          if (mode === 'echo') {
            const { result, profile } = await profiled(tp.page, async () => {
              const ms: number[] = [];
              for (let i = 0; i < 60; i++) {
                if (i % 30 === 0) await clearLine(tp.page);
                ms.push(await echoSample(tp.page, 'abcdefghij'[i % 10]!));
                await tp.page.waitForTimeout(15);
              }
              return ms.sort((a, b) => a - b);
            });
            console.log(`${name} echo p50 ${result[30]?.toFixed(1)} ms, max ${result.at(-1)?.toFixed(1)} ms`);
            report(`${name} page, 60 keystrokes`, profile, 12);
            const t = await traced(tp.page, async () => {
              for (let i = 0; i < 6; i++) {
                await echoSample(tp.page, 'klmnop'[i]!);
                await tp.page.waitForTimeout(30);
              }
            });
            keystrokeTimeline(name, t.events);
          } else {
            const m00 = machineMs();
            const p00 = processMs();
            const r0 = await streamFile(tp.page, file, 240_000);
            console.log(`${name}: ${mib} MiB in ${r0.ms.toFixed(0)} ms = ${((mib * 1000) / r0.ms).toFixed(1)} MiB/s (no profiler)`);
            machineReport(`${name} stream without profiler`, m00, p00);
            const cpu0 = cpuMs(server.pid);
            let profile: Profile | undefined;
            const r1 = await streamFile(tp.page, file, 240_000, async (run) => {
              const p = await profiled(tp.page, run);
              profile = p.profile;
              return p.result;
            });
            console.log(`${name}: ${mib} MiB in ${r1.ms.toFixed(0)} ms = ${((mib * 1000) / r1.ms).toFixed(1)} MiB/s (CPU profile on)`);
            console.log(`${name} server process CPU during the first stream: ${(cpuMs(server.pid) - cpu0).toFixed(0)} ms`);
            if (profile) report(`${name} page, cat ${mib} MiB`, profile);
            let events: TraceEvent[] = [];
            const m0 = machineMs();
            const p0 = processMs();
            const r2 = await streamFile(tp.page, file, 240_000, async (run) => {
              const t = await traced(tp.page, run);
              events = t.events;
              return t.result;
            });
            console.log(`${name}: ${mib} MiB in ${r2.ms.toFixed(0)} ms = ${((mib * 1000) / r2.ms).toFixed(1)} MiB/s (trace on)`);
            machineReport(`${name} stream with trace`, m0, p0);
            reportTrace(`${name} page, cat ${mib} MiB`, events);
          }
        } finally {
          await tp.close();
        }
      } finally {
        await server.stop();
      }
    }
    log('servers done');
    if (mode !== 'echo') {
      // Like with like: the bare page with the options TerminalView gives xterm (web/terminal/terminal-view.ts).
      const lab = await openBarePage(browser, bare, { base64: file }, KINDLAB_OPTIONS);
      try {
        await lab.page.evaluate('window.__bench.load("/base64")');
        for (let i = 0; i < 2; i++) {
          const r = (await lab.page.evaluate('window.__bench.feedLoaded()')) as { ms: number };
          console.log(`bare xterm.js with kindlab's options: ${mib} MiB in ${r.ms.toFixed(0)} ms = ${((mib * 1000) / r.ms).toFixed(1)} MiB/s (no profiler)`);
        }
      } finally {
        await lab.close();
      }
      const bp = await openBarePage(browser, bare, { base64: file });
      try {
        await bp.page.evaluate('window.__bench.load("/base64")');
        for (let i = 0; i < 2; i++) {
          const r = (await bp.page.evaluate('window.__bench.feedLoaded()')) as { ms: number };
          console.log(`bare xterm.js: ${mib} MiB in ${r.ms.toFixed(0)} ms = ${((mib * 1000) / r.ms).toFixed(1)} MiB/s (no profiler)`);
        }
        const { result, profile } = await profiled(bp.page, () => bp.page.evaluate('window.__bench.feedLoaded()') as Promise<{ ms: number }>);
        console.log(`bare xterm.js: ${mib} MiB in ${result.ms.toFixed(0)} ms = ${((mib * 1000) / result.ms).toFixed(1)} MiB/s`);
        report(`bare page, feed ${mib} MiB`, profile);
        const m0 = machineMs();
        const p0 = processMs();
        const t = await traced(bp.page, () => bp.page.evaluate('window.__bench.feedLoaded()') as Promise<{ ms: number }>);
        console.log(`bare xterm.js: ${mib} MiB in ${t.result.ms.toFixed(0)} ms (trace on)`);
        machineReport('bare feed with trace', m0, p0);
        reportTrace(`bare page, feed ${mib} MiB`, t.events);
      } finally {
        await bp.close();
      }
    }
  } finally {
    await browser.close();
    log('browser closed');
    rmSync(file, { force: true });
  }
}

await main();
