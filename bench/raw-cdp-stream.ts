/**
 * Diagnostics over a bare CDP connection (bench/raw-pages.ts), not Playwright:
 *
 * `node --import tsx bench/raw-cdp-stream.ts [MiB] [runs] [network]`: kindlab's
 * lab page streaming a base64 file, as npm run bench's throughput rows do.
 * Playwright enables CDP's Network domain on every page, so Chromium copies
 * each WebSocket frame's payload into a DevTools event for the driver;
 * `network` turns that domain on here too, so the difference between the two
 * is that instrumentation alone.
 *
 * `node --import tsx bench/raw-cdp-stream.ts echo [runs]`: keystroke echo
 * (130 keys a run), kindlab and WeTTY alternating, each page in its own
 * Chromium, to compare with npm run bench's echo rows (under Playwright).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoRun, rawDriver } from './echo-run.js';
import { openRawServerPage, rawStreamFile, rawWarmUp, type RawTermPage } from './raw-pages.js';
import { buildKindlabWeb, startServer, WORK, type RunningServer, type ServerName } from './servers.js';
import { summarize } from './stats.js';

async function stream(mib: number, runs: number, network: boolean): Promise<void> {
  const file = join(WORK, 'raw-cdp-base64');
  writeFileSync(file, randomBytes(((mib * 1024 * 1024) / 4) * 3).toString('base64'));
  const server = await startServer('kindlab', await buildKindlabWeb());
  try {
    const page = await openRawServerPage(server, { network });
    try {
      await rawWarmUp(page);
      for (let i = 0; i < runs; i++) {
        const r = await rawStreamFile(page, file, 120_000);
        if (r.chars !== mib * 1024 * 1024) throw new Error(`parsed ${r.chars} chars, expected ${mib * 1024 * 1024}`);
        console.log(`kindlab page over bare CDP (Network domain ${network ? 'on' : 'off'}): ${mib} MiB in ${r.ms.toFixed(0)} ms = ${((mib * 1000) / r.ms).toFixed(1)} MiB/s`);
      }
    } finally {
      await page.close();
    }
  } finally {
    await server.stop();
    rmSync(file, { force: true });
  }
}

async function echo(runs: number): Promise<void> {
  const web = await buildKindlabWeb();
  const names: ServerName[] = ['kindlab', 'wetty'];
  const servers: RunningServer[] = [];
  const pages = new Map<ServerName, RawTermPage>();
  const samples: Record<ServerName, number[]> = { kindlab: [], wetty: [] };
  try {
    for (const name of names) {
      const server = await startServer(name, web);
      servers.push(server);
      pages.set(name, await openRawServerPage(server));
    }
    const lost = { kindlab: { n: 0 }, wetty: { n: 0 } };
    for (let r = 0; r < runs; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) await echoRun(rawDriver(pages.get(name)!), 130, samples[name], lost[name]);
    }
    for (const name of names) console.log(`${name} echo over bare CDP (ms, ${lost[name].n} lost): ${JSON.stringify(summarize(samples[name]))}`);
  } finally {
    for (const page of pages.values()) await page.close();
    for (const server of servers) await server.stop();
  }
}

mkdirSync(WORK, { recursive: true });
if (process.argv[2] === 'echo') await echo(Number(process.argv[3] ?? 4));
else await stream(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 3), process.argv[4] === 'network');
