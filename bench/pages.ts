/**
 * The pages the bench drives in headless Debian Chromium: kindlab's lab page,
 * WeTTY's page, and a bare xterm.js page for the parse ceiling. Each gets the
 * same harness (page-harness.js) bound to its xterm Terminal, the same size
 * (120×40), the same scrollback (5000) and the same font size (14).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO, type RunningServer } from './servers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
export const COLS = 120;
export const ROWS = 40;
/** kindlab's TerminalView uses 5000; WeTTY's default is 1000 and is raised to match. */
export const SCROLLBACK = 5000;
export const VIEWPORT = { width: 1600, height: 1000 };

export const HARNESS_FOR_INIT = readFileSync(join(REPO, 'bench', 'page-harness.js'), 'utf8');

/** WeTTY reads its xterm options from localStorage; fitting off so 120×40 holds. */
export const WETTY_OPTIONS = JSON.stringify({ xterm: { fontSize: 14, scrollback: SCROLLBACK }, wettyVoid: 0, wettyFitTerminal: false });

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface TermPage {
  readonly page: Page;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

async function waitPrompt(page: Page, ms: number): Promise<void> {
  // Strings, not functions: tsx's transform of a function breaks it once serialized into the page.
  await page.waitForFunction('/[#$]\\s*$/.test(window.__bench.cursorLine())', undefined, { timeout: ms, polling: 50 });
}

/** Resize to 120×40 (the server is told through the page's own onResize path) and confirm. */
export async function enforceSize(page: Page): Promise<{ cols: number; rows: number; scrollback: number; renderer: string }> {
  await page.evaluate(`window.__benchTerm.resize(${COLS}, ${ROWS})`);
  await page.waitForTimeout(100);
  return page.evaluate('window.__bench.size()');
}

/**
 * A fresh browser context (its own cookies) with one page carrying the harness.
 * bypassCSP: the bench evaluates its probes as strings; kindlab's CSP (rightly) forbids eval in pages.
 */
export async function openHarnessPage(browser: Browser): Promise<TermPage> {
  const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
  const page = await context.newPage();
  await page.addInitScript(HARNESS_FOR_INIT);
  return { page, context, close: () => context.close() };
}

/** Once the page's first terminal has parsed a prompt: ms since that page's navigation started. */
export async function firstPromptAt(page: Page, timeoutMs = 15_000): Promise<number> {
  await page.waitForFunction('window.__bench && window.__bench.promptAt !== undefined', undefined, { timeout: timeoutMs, polling: 20 });
  return (await page.evaluate('window.__bench.promptAt')) as number;
}

export async function openServerPage(browser: Browser, server: RunningServer): Promise<TermPage> {
  const { page, context } = await openHarnessPage(browser);
  if (server.name === 'wetty') await page.addInitScript(`try { localStorage.options = ${JSON.stringify(WETTY_OPTIONS)}; } catch {}`);
  await page.goto(server.pageUrl);
  const getter = server.name === 'wetty' ? 'window.wetty_term' : '(window.__benchTerms && window.__benchTerms[0])';
  try {
    await page.waitForFunction(`Boolean(${getter})`, undefined, { timeout: 15_000 });
  } catch (e) {
    throw new Error(`${server.name} page never created its terminal`, { cause: e });
  }
  await page.evaluate(`window.__benchTerm = ${getter}; window.__bench.install(window.__benchTerm)`);
  try {
    await waitPrompt(page, 15_000);
  } catch (e) {
    throw new Error(`${server.name} page never showed a prompt; its cursor line is ${JSON.stringify(await page.evaluate('window.__bench.cursorLine()'))}`, { cause: e });
  }
  const size = await enforceSize(page);
  if (size.cols !== COLS || size.rows !== ROWS || size.scrollback !== SCROLLBACK) throw new Error(`${server.name} page is ${JSON.stringify(size)}, not ${COLS}×${ROWS} with ${SCROLLBACK} scrollback`);
  await page.locator('.xterm').first().click();
  return { page, context, close: () => context.close() };
}

/** The ceiling page: nothing but xterm.js (`bareScript` defines BareTerminal) and the harness, at the bench's size. */
export function barePageHtml(bareScript: string, options: Record<string, unknown> = {}): string {
  const css = readFileSync(join(REPO, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), 'utf8');
  return `<!doctype html><html><head><style>${css} body{margin:0;background:#1e1e1e}</style></head><body><div id="t"></div>
<script>${bareScript}</script><script>${HARNESS_FOR_INIT}</script>
<script>const term = new BareTerminal({ ...${JSON.stringify(options)}, cols: ${COLS}, rows: ${ROWS}, scrollback: ${SCROLLBACK}, fontSize: 14 }); term.open(document.getElementById('t')); window.__benchTerm = term; window.__bench.install(term);</script></body></html>`;
}

/** A page with nothing but xterm.js, fed from memory; `files` are served beside it by name. */
export async function openBarePage(browser: Browser, bareScript: string, files: Record<string, string>, options: Record<string, unknown> = {}): Promise<TermPage> {
  const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
  const page = await context.newPage();
  const html = barePageHtml(bareScript, options);
  await page.route('http://bench.invalid/**', async (route) => {
    const name = new URL(route.request().url()).pathname.slice(1);
    if (name === '') await route.fulfill({ body: html, contentType: 'text/html' });
    else if (files[name]) await route.fulfill({ path: files[name], contentType: 'text/plain' });
    else await route.fulfill({ status: 404, body: '' });
  });
  await page.goto('http://bench.invalid/');
  await page.waitForFunction('Boolean(window.__benchTerm)');
  return { page, context, close: () => context.close() };
}

/** Clear the command line (Ctrl-U) and wait until only the prompt is left. */
export async function clearLine(page: Page): Promise<void> {
  await page.keyboard.press('Control+U');
  await waitPrompt(page, 5000);
}

/** One echo sample: ms from keydown to the character parsed by xterm.js, or -1 when it never came. */
export async function echoSample(page: Page, ch: string): Promise<number> {
  await page.evaluate(`window.__bench.armEcho(${JSON.stringify(ch)})`);
  await page.keyboard.press(ch);
  return page.evaluate('window.__bench.echoDone') as Promise<number>;
}

/** What the ceiling page hands xterm.js: strings, or UTF-8 bytes (Uint8Array), which it parses faster. */
export type XtermInput = 'text' | 'bytes';
export const XTERM_INPUTS: readonly XtermInput[] = ['text', 'bytes'];

export interface StreamResult {
  readonly ms: number;
  readonly chars: number;
}

/** Run `cat file` between two markers; time from Enter to the end marker parsed, counting chars between. */
export async function streamFile(page: Page, file: string, timeoutMs: number, around: (run: () => Promise<StreamResult>) => Promise<StreamResult> = (run) => run()): Promise<StreamResult> {
  await clearLine(page);
  const command = `printf '%s\\n' "BENCH-BEGIN-$((6*7))"; cat ${file}; printf '\\n%s\\n' "BENCH-END-$((6*7))"`;
  await page.keyboard.type(command);
  await page.waitForFunction(`window.__bench.text().replace(/\\n/g, '').includes(${JSON.stringify(command.slice(-20))})`, undefined, { timeout: 5000, polling: 50 });
  await page.evaluate('window.__bench.armStream("BENCH-BEGIN-42", "BENCH-END-42")');
  // `around` lets bench/profile.ts record just the stream, not the typing before it.
  const r = await around(async () => {
    await page.keyboard.press('Enter');
    let timer: NodeJS.Timeout | undefined;
    try {
      return (await Promise.race([
        page.evaluate('window.__bench.streamDone'),
        new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`stream of ${file} did not finish within ${timeoutMs} ms`)), timeoutMs))),
      ])) as StreamResult;
    } finally {
      clearTimeout(timer); // a pending timer would hold the process open for timeoutMs
    }
  });
  await waitPrompt(page, 30_000);
  return r;
}
