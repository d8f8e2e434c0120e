/**
 * `node --import tsx bench/raw-cdp-stream.ts [MiB] [runs]`: kindlab's lab page
 * streaming a base64 file, driven over a bare CDP connection instead of
 * Playwright. Playwright enables CDP's Network domain on every page, so
 * Chromium copies each WebSocket frame's payload into a DevTools event
 * (`Network.webSocketFrameReceived`) and ships it to the driver; that costs
 * a page fed over a socket (kindlab, WeTTY) and not the bare xterm.js page fed
 * from memory. This script enables only Page and Runtime, so the difference
 * between its figure and Playwright's is that instrumentation; `network` as
 * the third argument turns the domain on to show it. The lab page here keeps
 * the size its own fit gives it (about 104×42 in this window; it refits after
 * the bench's resize, which it does not under Playwright), so compare its
 * figures with each other (A/B), not with npm run bench's.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLS, HARNESS_FOR_INIT, ROWS } from './pages.js';
import { buildKindlabWeb, startServer, WORK } from './servers.js';
import { openRawPage } from './cdp.js';

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 20);
  const runs = Number(process.argv[3] ?? 3);
  // `network` as the third argument turns the Network domain on, as Playwright does: the A/B of that one thing.
  const network = process.argv[4] === 'network';
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, 'raw-cdp-base64');
  writeFileSync(file, randomBytes(((mib * 1024 * 1024) / 4) * 3).toString('base64'));
  const server = await startServer('kindlab', await buildKindlabWeb());
  const raw = await openRawPage();
  const { cdp } = raw;
  try {
    await cdp.send('Page.enable');
    if (network) await cdp.send('Network.enable');
    await cdp.send('Page.setBypassCSP', { enabled: true });
    await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source: HARNESS_FOR_INIT });
    await cdp.send('Page.navigate', { url: server.pageUrl });
    await cdp.until('window.__benchTerms && window.__benchTerms[0]', 15_000);
    await cdp.eval('window.__benchTerm = window.__benchTerms[0]; window.__bench.install(window.__benchTerm); true');
    await cdp.until('/[#$]\\s*$/.test(window.__bench.cursorLine())', 15_000);
    await cdp.eval(`window.__benchTerm.resize(${COLS}, ${ROWS}); true`);
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < runs; i++) {
      const command = `clear; printf '%s\\n' "BENCH-BEGIN-$((6*7))"; cat ${file}; printf '\\n%s\\n' "BENCH-END-$((6*7))"`;
      await cdp.eval('window.__bench.armStream("BENCH-BEGIN-42", "BENCH-END-42"); true');
      // xterm's input() goes through onData like a keystroke; the harness times from the last keydown, so time here.
      const t0 = await cdp.eval<number>(`(() => { const t = performance.now(); window.__benchTerm.input(${JSON.stringify(`${command}\r`)}, true); return t; })()`);
      const r = await cdp.eval<{ chars: number }>('window.__bench.streamDone.then((r) => ({ chars: r.chars, at: performance.now() }))');
      const at = (r as unknown as { at: number }).at;
      if (r.chars !== mib * 1024 * 1024) throw new Error(`parsed ${r.chars} chars, expected ${mib * 1024 * 1024}`);
      console.log(`kindlab page over raw CDP (Network domain ${network ? 'on' : 'off'}): ${mib} MiB in ${(at - t0).toFixed(0)} ms = ${((mib * 1000) / (at - t0)).toFixed(1)} MiB/s`);
      await cdp.until('/[#$]\\s*$/.test(window.__bench.cursorLine())', 30_000);
    }
  } finally {
    await raw.close();
    await server.stop();
    rmSync(file, { force: true });
  }
}

await main();
