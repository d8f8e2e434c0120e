/**
 * A bare Chrome DevTools Protocol connection: only the domains a script
 * enables, unlike Playwright, which enables Network on every page (and so
 * copies every WebSocket frame to the driver; see docs/performance.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from './pages.js';
import { freePort, WORK } from './servers.js';

export class Cdp {
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

/**
 * The switches Playwright's launcher adds to a headless Chromium that bear on
 * how a page runs (playwright-core's chromiumSwitches and headless extras), so
 * a page driven here differs from one driven by Playwright only in the CDP
 * domains enabled: no hidden timer throttling or backgrounding, no IPC
 * flood protection, scrollbars hidden (a scrollbar narrows kindlab's pane and
 * makes it refit after the bench's resize), and software WebGL allowed
 * (WeTTY's renderer).
 */
const PLAYWRIGHT_LIKE_ARGS = [
  '--hide-scrollbars',
  '--mute-audio',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-ipc-flooding-protection',
  '--disable-hang-monitor',
  '--disable-dev-shm-usage',
  '--disable-back-forward-cache',
  '--disable-features=PaintHolding',
  '--force-color-profile=srgb',
  '--enable-unsafe-swiftshader',
];

/** Debian's Chromium with the bench's flags (and Playwright's), a remote-debugging port, and a bare CDP connection to its page. */
export async function openRawPage(): Promise<{ cdp: Cdp; close(): Promise<void> }> {
  const port = await freePort();
  const profileDir = mkdtempSync(join(WORK, 'chromium-'));
  const browser = spawn(CHROMIUM, [...CHROMIUM_ARGS, ...PLAYWRIGHT_LIKE_ARGS, `--remote-debugging-port=${port}`, `--user-data-dir=${profileDir}`, '--window-size=1600,1000', 'about:blank'], { stdio: 'ignore', detached: true });
  const close = async (): Promise<void> => {
    const exited = browser.exitCode !== null ? Promise.resolve() : new Promise((r) => browser.once('exit', r));
    // Its own process group: the zygote, renderer and utility processes end with it.
    signalGroup(browser.pid, 'SIGTERM');
    await exited;
    // Helpers may still be writing the profile for a moment after the browser exits: wait until the group is gone.
    for (let i = 0; i < 50 && signalGroup(browser.pid, 0); i++) await new Promise((r) => setTimeout(r, 100));
    signalGroup(browser.pid, 'SIGKILL');
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (e) {
      // Never let a leftover profile stop the caller's cleanup (its servers); the bench's work dir goes at the next run.
      console.error(`bench: could not remove ${profileDir}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
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
    const cdp = await Cdp.open(target.webSocketDebuggerUrl);
    return {
      cdp,
      close: async () => {
        cdp.close();
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Signal a process group; false once no process of it is left. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
