/**
 * Diagnostics over a bare CDP connection (bench/raw-pages.ts), not Playwright:
 *
 * `node --import tsx bench/raw-cdp-stream.ts [MiB] [runs] [network|ceiling]`:
 * kindlab's lab page streaming a base64 file, as npm run bench's throughput
 * rows do. Playwright enables CDP's Network domain on every page, so Chromium
 * copies each WebSocket frame's payload into a DevTools event for the driver;
 * `network` turns that domain on here too, so the difference between the two
 * is that instrumentation alone. `ceiling` alternates each stream with the
 * xterm.js ceiling (the bare page in its own Chromium, fed the same file from
 * memory as bytes and as text) and prints the medians and their ratio: one
 * stream's figure moves a lot between runs here, so the ratio is read over
 * several alternating rounds.
 *
 * `node --import tsx bench/raw-cdp-stream.ts echo [runs]`: keystroke echo
 * (130 keys a run), kindlab and WeTTY alternating, each page in its own
 * Chromium, to compare with npm run bench's echo rows (under Playwright).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoPhase, rawDriver } from './echo-run.js';
import { XTERM_INPUTS, type XtermInput } from './pages.js';
import { openRawBarePage, openRawServerPage, rawFeed, rawStreamFile, rawWarmUp, type RawTermPage } from './raw-pages.js';
import { buildBareXterm, buildKindlabWeb, startServer, WORK, type RunningServer, type ServerName } from './servers.js';
import { inTurn, median } from './stats.js';

async function stream(mib: number, runs: number, network: boolean, ceiling: boolean): Promise<void> {
  const file = join(WORK, 'raw-cdp-base64');
  const bytes = mib * 1024 * 1024;
  writeFileSync(file, randomBytes((bytes / 4) * 3).toString('base64'));
  const rate = (ms: number): number => (mib * 1000) / ms;
  const server = await startServer('kindlab', await buildKindlabWeb());
  const bare = ceiling ? await openRawBarePage(await buildBareXterm(), { base64: file }) : undefined;
  const figures: Record<'kindlab' | XtermInput, number[]> = { kindlab: [], text: [], bytes: [] };
  try {
    const page = await openRawServerPage(server, { network });
    try {
      await rawWarmUp(page);
      if (bare) for (const form of XTERM_INPUTS) await rawFeed(bare, 'base64', bytes, form); // untimed, as in npm run bench
      for (let i = 0; i < runs; i++) {
        const r = await rawStreamFile(page, file, 120_000);
        if (r.chars !== bytes) throw new Error(`parsed ${r.chars} chars, expected ${bytes}`);
        figures.kindlab.push(rate(r.ms));
        let line = `kindlab page over bare CDP (Network domain ${network ? 'on' : 'off'}): ${mib} MiB in ${r.ms.toFixed(0)} ms = ${rate(r.ms).toFixed(1)} MiB/s`;
        if (bare) {
          for (const form of inTurn(XTERM_INPUTS, i)) {
            const x = await rawFeed(bare, 'base64', bytes, form);
            if (x.chars !== bytes) throw new Error(`the ceiling parsed ${x.chars} of ${bytes} (${form})`);
            figures[form].push(rate(x.ms));
          }
          line += `; xterm.js ${figures.bytes.at(-1)!.toFixed(1)} bytes, ${figures.text.at(-1)!.toFixed(1)} text`;
        }
        console.log(line);
      }
    } finally {
      await page.close();
    }
    if (bare) {
      const [k, b, t] = [median(figures.kindlab), median(figures.bytes), median(figures.text)];
      console.log(`medians of ${runs}: kindlab ${k.toFixed(1)} MiB/s, xterm.js ${b.toFixed(1)} bytes / ${t.toFixed(1)} text: ${Math.round((100 * k) / Math.max(b, t))} % of the faster`);
    }
  } finally {
    await bare?.close().catch(() => undefined);
    await server.stop();
    rmSync(file, { force: true });
  }
}

async function echo(runs: number): Promise<void> {
  const web = await buildKindlabWeb();
  const names: ServerName[] = ['kindlab', 'wetty'];
  const servers: RunningServer[] = [];
  const pages = new Map<ServerName, RawTermPage>();
  try {
    for (const name of names) {
      const server = await startServer(name, web);
      servers.push(server);
      pages.set(name, await openRawServerPage(server));
    }
    const echo = await echoPhase(names, runs, 130, (name) => rawDriver(pages.get(name)!));
    for (const name of names) console.log(`${name} echo over bare CDP (ms): ${JSON.stringify(echo[name])}`);
  } finally {
    for (const page of pages.values()) await page.close();
    for (const server of servers) await server.stop();
  }
}

mkdirSync(WORK, { recursive: true });
if (process.argv[2] === 'echo') await echo(Number(process.argv[3] ?? 4));
else await stream(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 3), process.argv[4] === 'network', process.argv[4] === 'ceiling');
