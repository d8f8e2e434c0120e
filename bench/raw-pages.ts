/**
 * The bench's pages driven over a bare CDP connection (bench/cdp.ts) instead
 * of Playwright: kindlab's lab page, WeTTY's page and the bare xterm.js page,
 * each in its own Chromium with Playwright's launch switches, the same
 * viewport, harness, size and scrollback as in pages.ts.
 *
 * Why: Playwright enables CDP's Network domain on every page, so Chromium
 * copies every WebSocket frame's payload into a DevTools event and the bench
 * process parses it. During a 50 MiB stream that is two more processes
 * busy on a 2-core machine, for a socket-fed page (kindlab, WeTTY) and not
 * for the ceiling page fed from memory. Here only Page, Runtime, Emulation
 * and Input are enabled, so throughput is what a learner's browser does.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openRawPage, type Cdp } from './cdp.js';
import { barePageHtml, COLS, HARNESS_FOR_INIT, ROWS, SCROLLBACK, type StreamResult, VIEWPORT, type XtermInput, WETTY_OPTIONS } from './pages.js';
import type { RunningServer } from './servers.js';

export interface RawTermPage {
  readonly cdp: Cdp;
  close(): Promise<void>;
}

export interface RawPageOptions {
  /** Enable the Network domain too, as Playwright does (for an A/B of that one thing). */
  readonly network?: boolean;
}

async function openConfigured(scripts: readonly string[], options: RawPageOptions = {}): Promise<{ cdp: Cdp; close(): Promise<void> }> {
  const raw = await openRawPage();
  try {
    const { cdp } = raw;
    await cdp.send('Page.enable');
    if (options.network) await cdp.send('Network.enable');
    await cdp.send('Emulation.setDeviceMetricsOverride', { width: VIEWPORT.width, height: VIEWPORT.height, deviceScaleFactor: 1, mobile: false });
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    // As pages.ts's bypassCSP: the bench evaluates its probes as strings, which kindlab's CSP forbids.
    await cdp.send('Page.setBypassCSP', { enabled: true });
    for (const source of [HARNESS_FOR_INIT, ...scripts]) await cdp.send('Page.addScriptToEvaluateOnNewDocument', { source });
    return raw;
  } catch (e) {
    await raw.close();
    throw e;
  }
}

const PROMPT = '/[#$]\\s*$/.test(window.__bench.cursorLine())';

/** A server's page in its own Chromium, its terminal bound to the harness, prompt shown, at 120×40. */
export async function openRawServerPage(server: RunningServer, options: RawPageOptions = {}): Promise<RawTermPage> {
  const raw = await openConfigured(server.name === 'wetty' ? [`try { localStorage.options = ${JSON.stringify(WETTY_OPTIONS)}; } catch {}`] : [], options);
  const { cdp } = raw;
  try {
    await cdp.send('Page.navigate', { url: server.pageUrl });
    const getter = server.name === 'wetty' ? 'window.wetty_term' : '(window.__benchTerms && window.__benchTerms[0])';
    await cdp.until(getter, 15_000);
    await cdp.eval(`window.__benchTerm = ${getter}; window.__bench.install(window.__benchTerm); true`);
    await cdp.until(PROMPT, 15_000);
    await cdp.eval(`window.__benchTerm.resize(${COLS}, ${ROWS}); true`);
    await new Promise((r) => setTimeout(r, 300));
    const size = await cdp.eval<{ cols: number; rows: number; scrollback: number }>('window.__bench.size()');
    if (size.cols !== COLS || size.rows !== ROWS || size.scrollback !== SCROLLBACK) throw new Error(`${server.name} page (bare CDP) is ${JSON.stringify(size)}, not ${COLS}×${ROWS} with ${SCROLLBACK} scrollback`);
    await cdp.eval('window.__benchTerm.focus(); true');
    return raw;
  } catch (e) {
    await raw.close();
    throw e;
  }
}

/** The bare xterm.js page, served from loopback with the payload files, in its own Chromium. */
export async function openRawBarePage(bareScript: string, files: Record<string, string>): Promise<RawTermPage> {
  const html = barePageHtml(bareScript);
  const http: Server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    const file = files[name];
    if (name === '') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    else if (file) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const stopHttp = (): Promise<void> => new Promise((r) => http.close(() => r()));
  try {
    const raw = await openConfigured([]);
    try {
      await raw.cdp.send('Page.navigate', { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/` });
      await raw.cdp.until('window.__benchTerm', 15_000);
    } catch (e) {
      await raw.close();
      throw e;
    }
    return {
      cdp: raw.cdp,
      close: async () => {
        await raw.close();
        await stopHttp();
      },
    };
  } catch (e) {
    await stopHttp();
    throw e;
  }
}

/** The ceiling: the page fetches `name` and feeds it to xterm.js from memory, as text or as bytes, as in pages.ts's bare page. */
export async function rawFeed(p: RawTermPage, name: string, bytes: number, form: XtermInput = 'text'): Promise<StreamResult> {
  const length = await p.cdp.eval<number>(`window.__bench.load('/${name}', '${form}')`);
  if (length !== bytes) throw new Error(`the bare page loaded ${length} chars of ${name}, expected ${bytes}`);
  return p.cdp.eval<StreamResult>('window.__bench.feedLoaded()');
}

/**
 * A fresh Chromium's JavaScript is cold: stream ~2 MB through the page once,
 * untimed, so the timed runs measure a page that has parsed output before (as
 * the Playwright-driven pages have, from the echo phase).
 */
export async function rawWarmUp(p: RawTermPage): Promise<void> {
  await p.cdp.eval("window.__benchTerm.input('seq 1 300000; echo WARM-$((2+3))\\r', true); true");
  await p.cdp.until("window.__bench.text().includes('\\nWARM-5')", 60_000);
  await p.cdp.until(PROMPT, 10_000);
  await p.cdp.eval('window.__benchTerm.clear(); true');
}

async function key(cdp: Cdp, k: { key: string; code: string; keyCode: number; text: string }): Promise<void> {
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: k.key, code: k.code, windowsVirtualKeyCode: k.keyCode, nativeVirtualKeyCode: k.keyCode, text: k.text, unmodifiedText: k.text });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: k.key, code: k.code, windowsVirtualKeyCode: k.keyCode, nativeVirtualKeyCode: k.keyCode });
}

const ENTER = { key: 'Enter', code: 'Enter', keyCode: 13, text: '\r' };

/** As pages.ts's streamFile: `cat file` between two markers, timed from Enter's keydown to the end marker parsed. */
export async function rawStreamFile(p: RawTermPage, file: string, timeoutMs: number): Promise<StreamResult> {
  const { cdp } = p;
  await cdp.eval(`window.__benchTerm.resize(${COLS}, ${ROWS}); window.__benchTerm.focus(); true`);
  // Ctrl-U clears the command line, through xterm's onData as a keystroke would.
  await cdp.eval("window.__benchTerm.input('\\x15', true); true");
  await cdp.until(PROMPT, 5000);
  const command = `printf '%s\\n' "BENCH-BEGIN-$((6*7))"; cat ${file}; printf '\\n%s\\n' "BENCH-END-$((6*7))"`;
  await cdp.send('Input.insertText', { text: command });
  await cdp.until(`window.__bench.text().replace(/\\n/g, '').includes(${JSON.stringify(command.slice(-20))})`, 5000);
  await cdp.eval('window.__bench.armStream("BENCH-BEGIN-42", "BENCH-END-42"); true');
  await key(cdp, ENTER);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      cdp.eval<StreamResult>('window.__bench.streamDone'),
      new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`stream of ${file} did not finish within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    await cdp.until(PROMPT, 30_000);
    await cdp.eval('window.__benchTerm.clear(); true');
  }
}

/** As pages.ts's echoSample: ms from the key's keydown to the character parsed, or -1 when it never came. */
export async function rawEchoSample(p: RawTermPage, ch: string): Promise<number> {
  await p.cdp.eval(`window.__bench.armEcho(${JSON.stringify(ch)}); true`);
  await key(p.cdp, { key: ch, code: `Key${ch.toUpperCase()}`, keyCode: ch.toUpperCase().charCodeAt(0), text: ch });
  return p.cdp.eval<number>('window.__bench.echoDone');
}

/** Ctrl-U, then wait until only the prompt is left. */
export async function rawClearLine(p: RawTermPage): Promise<void> {
  await p.cdp.eval("window.__benchTerm.input('\\x15', true); true");
  await p.cdp.until(PROMPT, 5000);
}
