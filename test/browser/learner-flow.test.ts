/**
 * A learner's first minutes, in Debian's real Chromium against a real server
 * with a real shell: catalogue → hello-shell → type in the terminal → run
 * button → failing check with its hint → do the step → passing check →
 * reload keeps progress and the shell's history. Saves the screenshots in
 * docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, stop as stopEsbuild } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createEnvironment } from '../../cluster/create-environment.js';
import { createApp, type App } from '../../server/server.js';
import { loadCatalogue } from '../../server/labs/loader.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { SqliteStore } from '../../server/store/sqlite-store.js';
import { SessionManager } from '../../server/sessions/session-manager.js';
import { bindTerminalEvents } from '../../server/terminals/terminal-channel.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const REPO = resolve(import.meta.dirname, '..', '..');
const SCREENSHOTS = join(REPO, 'docs', 'screenshots');

/** Processes this test process started that are still alive (PTY shells, Chromium). */
function children(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/\bps$/.test(l));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

async function terminalText(page: Page): Promise<string> {
  return page.locator('.kl-terms .xterm-rows').first().innerText();
}

async function waitForTerminal(page: Page, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await terminalText(page).catch(() => '');
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`terminal never showed ${pattern}; it shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

describe('learner flow in Chromium (browser)', function () {
  this.timeout(60_000);
  let dir: string;
  let app: App;
  let url: string;
  let store: SqliteStore;
  let sessions: SessionManager;
  let context: BrowserContext;
  let before0: string[];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
    before0 = children();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-browser-'));
    // Bundle the current web/ source, so the test never runs a stale dist/.
    const webRoot = join(dir, 'web');
    await build({ entryPoints: { app: join(REPO, 'web', 'main.ts') }, bundle: true, format: 'esm', target: 'es2022', outdir: webRoot, logLevel: 'error' });
    await stopEsbuild(); // its service process would otherwise outlive the test
    cpSync(join(REPO, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), join(webRoot, 'xterm.css'));
    cpSync(join(REPO, 'web', 'styles.css'), join(webRoot, 'styles.css'));
    cpSync(join(REPO, 'web', 'favicon.svg'), join(webRoot, 'favicon.svg'));

    const registry = createBuiltinRegistry();
    const catalogue = await loadCatalogue(join(REPO, 'labs'), registry);
    assert.ok(catalogue.labs.has('hello-shell'), 'labs/hello-shell loads');
    store = new SqliteStore(join(dir, 'kindlab.db'));
    sessions = new SessionManager({ store, labs: () => catalogue.labs, createEnvironment, registry, dataDir: join(dir, 'data'), terminalGraceMs: 60_000 });
    app = createApp({
      catalogue: () => catalogue,
      sessions,
      bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
      doctor: async () => [],
      webRoot,
      logger: { info: () => undefined, error: (m, e) => console.error(m, e) },
    });
    ({ url } = await app.listen(0, '127.0.0.1'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
    });
  });

  after(async () => {
    await context?.close();
    await app?.close();
    await sessions?.dispose();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('walks through the first steps of hello-shell and keeps progress across a reload', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // A failed request (e.g. a 404 the page did not need to make) shows up as a console error.
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()} ${m.location().url}`);
    });

    // Catalogue.
    await page.goto(url);
    const card = page.locator('.kl-card[data-lab="hello-shell"]');
    await card.waitFor();
    assert.match(await card.innerText(), /Hello, shell/);
    assert.match(await card.innerText(), /Local shell/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'catalogue.png') });

    // Start the lab; the terminal appears once the environment is ready.
    await card.getByRole('link', { name: /Start/ }).click();
    await page.waitForURL(/\/labs\/hello-shell$/);
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await page.locator('.kl-terms .xterm-rows').waitFor();

    // Type into the terminal and see the output.
    await page.locator('.kl-terms .xterm').first().click();
    await page.keyboard.type('echo kindlab-$((6*7))');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /kindlab-42/);

    // A run button types its command for the learner.
    await page.locator('.kl-section .kl-run-button').first().click();
    await waitForTerminal(page, /fruits\.txt/);

    // Check before doing the step: it fails and the hint appears.
    const step = page.locator('section.kl-step[data-step="create-file"]');
    await step.locator('.kl-check-button').click();
    await step.locator('.kl-result--failed').waitFor();
    assert.match(await step.locator('.kl-results').innerText(), /There is no hello\.txt/);
    assert.equal(await step.locator('.kl-hints').isVisible(), true, 'the hint is revealed after a failed check');

    // Do the step by typing, then pass the check.
    await page.locator('.kl-terms .xterm').first().click();
    await page.keyboard.type('echo "hello, shell" > hello.txt');
    await page.keyboard.press('Enter');
    await step.locator('.kl-check-button').click();
    await step.locator('.kl-result--passed').waitFor();
    assert.match(await step.locator('.kl-results').innerText(), /hello\.txt says: hello, shell/);
    assert.match(await step.locator('.kl-step-status').innerText(), /passed/);
    assert.match(await page.locator('.kl-progress-text').innerText(), /^1 of \d+ steps done$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'lab-page.png') });

    // Reload: progress comes back from the server, the shell (and its history) is the same one.
    await page.reload();
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await step.locator('.kl-step-status.kl-badge--passed').waitFor();
    await waitForTerminal(page, /kindlab-42/);
    await page.locator('.kl-terms .xterm').first().click();
    await page.keyboard.type('history | tail -n 5');
    await page.keyboard.press('Enter');
    await waitForTerminal(page, /\d+\s+echo "hello, shell" > hello\.txt/);

    assert.deepEqual(pageErrors, []);
  });

  it('leaves no process behind', async () => {
    await context.close();
    await app.close();
    await sessions.dispose();
    const end = Date.now() + 5000;
    while (children().length > before0.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(children(), before0);
  });
});
