/**
 * `node --import tsx bench/raw-cdp-stream.ts [MiB] [runs]`: kindlab's lab page
 * streaming a base64 file, driven over a bare CDP connection instead of
 * Playwright. Playwright enables CDP's Network domain on every page, so
 * Chromium copies each WebSocket frame's payload into a DevTools event
 * (`Network.webSocketFrameReceived`) and ships it to the driver; that costs
 * a page fed over a socket (kindlab, WeTTY) and not the bare xterm.js page fed
 * from memory. This script enables only Page and Runtime, so the difference
 * between its figure and Playwright's is that instrumentation; `network` as
 * the third argument turns the domain on to show it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM, CHROMIUM_ARGS, COLS, HARNESS_FOR_INIT, ROWS } from './pages.js';
import { buildKindlabWeb, freePort, startServer, WORK } from './servers.js';

class Cdp {
  private next = 1;
  private readonly waiting = new Map<number, { done: (v: unknown) => void; fail: (e: Error) => void }>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { id?: number; result?: unknown; error?: { message: string } };
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.error) w.fail(new Error(m.error.message));
      else w.done(m.result);
    });
  }

  static async open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise((done, fail) => ws.once('open', done).once('error', fail));
    return new Cdp(ws);
  }

  send(method: string, params: object = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((done, fail) => {
      this.waiting.set(id, { done, fail });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluate an expression in the page (awaiting a promise) and return its value. */
  async eval<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (r.exceptionDetails) throw new Error(`${expression}: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  async until(expression: string, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await this.eval<boolean>(`Boolean(${expression})`))) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${expression}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.ws.close();
  }
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 20);
  const runs = Number(process.argv[3] ?? 3);
  // `network` as the third argument turns the Network domain on, as Playwright does: the A/B of that one thing.
  const network = process.argv[4] === 'network';
  mkdirSync(WORK, { recursive: true });
  const file = join(WORK, 'raw-cdp-base64');
  writeFileSync(file, randomBytes(((mib * 1024 * 1024) / 4) * 3).toString('base64'));
  const server = await startServer('kindlab', await buildKindlabWeb());
  const port = await freePort();
  const profileDir = mkdtempSync(join(WORK, 'chromium-'));
  const browser = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--remote-debugging-port=${port}`, `--user-data-dir=${profileDir}`, '--window-size=1600,1000', 'about:blank'], { stdio: 'ignore' });
  let cdp: Cdp | undefined;
  try {
    let target: { type: string; webSocketDebuggerUrl: string } | undefined;
    for (let i = 0; i < 100 && !target; i++) {
      await new Promise((r) => setTimeout(r, 100));
      target = await fetch(`http://127.0.0.1:${port}/json/list`)
        .then((r) => r.json() as Promise<{ type: string; webSocketDebuggerUrl: string }[]>)
        .then((l) => l.find((t) => t.type === 'page'))
        .catch(() => undefined);
    }
    if (!target) throw new Error('chromium gave no page target');
    cdp = await Cdp.open(target.webSocketDebuggerUrl);
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
    cdp?.close();
    const exited = new Promise((r) => browser.once('exit', r));
    browser.kill('SIGTERM');
    await exited;
    await server.stop();
    rmSync(file, { force: true });
    rmSync(profileDir, { recursive: true, force: true });
  }
}

await main();
