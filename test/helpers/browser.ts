/**
 * What the browser suites share: Debian's Chromium launched the same way
 * everywhere, a web root built exactly like dist/web, where screenshots go,
 * and reading what a learner sees in a page.
 *
 * Screenshots: `KINDLAB_SCREENSHOTS=1` (`npm run screenshots`) writes them to
 * docs/screenshots/ to refresh the docs; otherwise they go to the test's temp
 * dir, so `npm test` leaves the git tree clean.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stop as stopEsbuild } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWeb } from '../../scripts/build-web.mjs';

/** Debian's chromium package (CI installs it through .ci/run); playwright downloads nothing here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless without the sandbox (tests run as root in a container) and without anything that phones home. */
export const CHROMIUM_ARGS: readonly string[] = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** A laptop screen: the size the docs' screenshots are taken at. */
export const DEFAULT_VIEWPORT = { width: 1280, height: 800 } as const;

const REPO = resolve(import.meta.dirname, '..', '..');

/** Fail (never skip) with what to install when Chromium is missing. */
export function requireChromium(): void {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
}

/** A Chromium with its own profile in `profileDir` (so cookies never meet another test's); close the context to end it. */
export async function launchChromium(profileDir: string, viewport: { width: number; height: number } = DEFAULT_VIEWPORT): Promise<BrowserContext> {
  requireChromium();
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true, viewport });
}

/**
 * Run esbuild work, then stop esbuild's service process, which would
 * otherwise outlive the test and fail the leak checks. (The service is this
 * module instance's own: tsx's loader runs its esbuild in another thread.)
 */
export async function withEsbuild<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await stopEsbuild();
  }
}

/**
 * Build the current web/ source into `dir`/web, exactly as `npm run build`
 * builds dist/web, so a test never serves a stale dist/. Returns the web root.
 */
export async function buildTestWebRoot(dir: string): Promise<string> {
  const webRoot = join(dir, 'web');
  await withEsbuild(() => buildWeb({ outdir: webRoot, minify: false }));
  return webRoot;
}

/** Where a test saves its screenshots: docs/screenshots/ with KINDLAB_SCREENSHOTS=1, else `tempDir`/screenshots. */
export function screenshotsDir(tempDir: string): string {
  const dir = process.env.KINDLAB_SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : join(tempDir, 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Errors the page throws (and, with `consoleErrors`, what it logs as errors, e.g. a failed request), collected as they happen. */
export function collectPageErrors(page: Page, { consoleErrors = false } = {}): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (consoleErrors) {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} ${m.location().url}`);
    });
  }
  return errors;
}

/** Poll until the first element matching `selector` shows `pattern` in its rendered text; returns that text. */
export async function waitForText(page: Page, selector: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await page
      .locator(selector)
      .first()
      .innerText()
      .catch(() => '');
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`${selector} never showed ${pattern}; it shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

/** A terminal's lines as the learner sees them, through the page's test hook (`window.__kindlab.terminals`); none before the page set it up. */
export async function terminalLines(page: Page, name: string): Promise<string[]> {
  return page.evaluate((n) => (globalThis as unknown as { __kindlab?: { terminals?: { text(n: string): string[] } } }).__kindlab?.terminals?.text(n) ?? [], name);
}

/**
 * Poll until terminal `name` shows what `test` looks for: a pattern matched
 * against its lines joined with newlines, or a predicate on the lines.
 * Returns the joined text.
 */
export async function waitForTerminal(page: Page, name: string, test: RegExp | ((lines: string[]) => boolean), what: string = String(test), timeoutMs = 10_000): Promise<string> {
  const matches = test instanceof RegExp ? (lines: string[]) => test.test(lines.join('\n')) : test;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const lines = await terminalLines(page, name).catch(() => []);
    if (matches(lines)) return lines.join('\n');
    if (Date.now() > end) throw new Error(`terminal ${name} never showed ${what}; it shows:\n${lines.join('\n')}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Type a line into a terminal as a learner would: click it, type, Enter.
 * With `terminal`, its tab is selected first; without, the first terminal.
 */
export async function typeInTerminal(page: Page, line: string, terminal?: string): Promise<void> {
  if (terminal === undefined) {
    await page.locator('.kl-terms .xterm').first().click();
  } else {
    await page.locator(`.kl-term-tab[data-terminal="${terminal}"]`).click();
    await page.locator(`.kl-tabpane[data-terminal="${terminal}"] .xterm`).click();
  }
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** A prompt line of kindlab's shells (`kindlab:work# `), trimmed. */
const PROMPT_LINE = /^kindlab:\S+[#$]$/;

/**
 * Wait until terminal `name` has run a command that prints nothing (`touch
 * x`, `echo hi > x`): the shell sits at a bare prompt right below the
 * command's line. typeInTerminal returns once the keys are sent, so a check
 * clicked right after it races the shell running the command.
 */
export async function waitForPromptAfter(page: Page, name: string, command: string): Promise<void> {
  await waitForTerminal(
    page,
    name,
    (lines) => {
      const shown = lines.map((l) => l.trim()).filter(Boolean);
      return shown.length >= 2 && PROMPT_LINE.test(shown.at(-1)!) && shown.at(-2)!.endsWith(command);
    },
    `a prompt right after ${command}`,
  );
}
