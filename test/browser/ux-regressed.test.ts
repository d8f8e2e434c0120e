/**
 * What a learner relies on after the first steps, in Debian's real Chromium
 * against a real server and a real shell (labs/hello-shell):
 * - "Re-check earlier steps" marks a step that passed and then broke as
 *   regressed, and the page says so (badge, step list, notice linking to it);
 * - an answer step accepts the value read live from the environment and
 *   rejects a wrong one with a plain message naming what was typed;
 * - keyboard only: Enter submits an answer, the terminal does not grab the
 *   focus on load, and F6 moves between the chapter and the terminal.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
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

/** The shell terminal's lines as the learner sees them (through the page's test hook). */
async function terminalLines(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { __kindlab: { terminals: { text(n: string): string[] } } }).__kindlab.terminals.text('shell'));
}

async function waitForTerminal(page: Page, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = (await terminalLines(page).catch(() => [])).join('\n');
    if (pattern.test(text)) return text;
    if (Date.now() > end) throw new Error(`terminal never showed ${pattern}; it shows:\n${text}`);
    await page.waitForTimeout(100);
  }
}

/** Type a line into the shell as a learner would: click the terminal, type, Enter. */
async function typeInShell(page: Page, line: string): Promise<void> {
  await page.locator('.kl-terms .xterm').first().click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

function activeClass(page: Page): Promise<string> {
  return page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.className : ''));
}

describe('re-check, answers and keyboard in Chromium (browser, ux)', function () {
  this.timeout(60_000);
  let dir: string;
  let app: App;
  let url: string;
  let store: SqliteStore;
  let sessions: SessionManager;
  let context: BrowserContext;
  let page: Page;
  let before0: string[];
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
    before0 = children();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-ux-'));
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
    context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, viewport: { width: 1280, height: 800 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${url}labs/hello-shell`);
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await waitForTerminal(page, /kindlab:work# ?$/m);
  });

  after(async () => {
    await context?.close();
    await app?.close();
    await sessions?.dispose();
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the keyboard out of the terminal until asked, and F6 moves between chapter and terminal', async () => {
    assert.doesNotMatch(await activeClass(page), /xterm/, 'the terminal does not take the focus on load (Tab would be trapped there)');
    const check = page.locator('section.kl-step[data-step="create-file"] .kl-check-button');
    await check.focus();
    await page.keyboard.press('F6');
    assert.match(await activeClass(page), /xterm-helper-textarea/, 'F6 from the chapter focuses the terminal');
    await page.keyboard.press('F6');
    assert.match(await activeClass(page), /kl-check-button/, 'F6 from the terminal returns to where the learner was');
    assert.equal(await page.locator('.kl-term-keys').innerText(), 'F6 chapter ⇄ terminal');
  });

  it('marks a passed step that broke as regressed after "Re-check earlier steps", and says so', async () => {
    const recheck = page.locator('.kl-recheck-button');
    assert.equal(await recheck.isDisabled(), true, 'nothing to re-check before any step passed');

    const step = page.locator('section.kl-step[data-step="create-file"]');
    await step.locator('.kl-run-button').click();
    await waitForTerminal(page, /echo "hello, shell" > hello\.txt\n.*kindlab:work#/);
    await step.locator('.kl-check-button').click();
    await step.locator('.kl-result--passed').waitFor();
    assert.equal(await recheck.isDisabled(), false, 'a passed step can be re-checked');

    // Break it behind the page's back, then re-check.
    await typeInShell(page, 'rm hello.txt && echo removed-$((40+2))');
    await waitForTerminal(page, /removed-42/);
    await recheck.click();
    const notice = page.locator('.kl-notice');
    await notice.locator('a.kl-notice-step').waitFor();
    assert.match(await notice.innerText(), /1 step no longer passes: Create a file\./);
    assert.match(await step.locator('.kl-step-status').innerText(), /regressed/);
    assert.equal(await step.evaluate((el) => el.classList.contains('kl-step--regressed')), true);
    assert.match(await step.locator('.kl-results').innerText(), /passed before but does not pass any more[\s\S]*There is no hello\.txt/);
    assert.equal(await step.locator('.kl-hints').isVisible(), true, 'the hint comes back for a regressed step');
    assert.match(await page.locator('.kl-nav-item--regressed').innerText(), /Create a file/);
    assert.match(await page.locator('.kl-progress-text').innerText(), /^0 of 4 steps done$/);
    // The notice never pushes the panes off screen: the page itself does not scroll.
    assert.equal(await page.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight), true);

    // The notice's link takes the learner to the step's Check button.
    await notice.locator('a.kl-notice-step').click();
    assert.match(await activeClass(page), /kl-check-button/);

    // Fix it: the step passes again and the notice says so.
    await typeInShell(page, 'echo "hello, shell" > hello.txt');
    await page.keyboard.press('F6'); // back from the terminal to the Check button the link focused
    assert.match(await activeClass(page), /kl-check-button/);
    await page.keyboard.press('Enter');
    await step.locator('.kl-step-status.kl-badge--passed').waitFor();
    assert.match(await notice.innerText(), /passes again/);
    assert.equal(await step.locator('.kl-hints').isVisible(), false, 'the hint gets out of the way once the step passes');
  });

  it('accepts the live answer and rejects a wrong one with a plain message; Enter submits', async () => {
    const step = page.locator('section.kl-step[data-step="pipes"]');
    const input = step.locator('form.kl-answer input[name="value"]');
    const verdict = step.locator('.kl-answer-result');

    // Keyboard only: focus the box, type, Enter.
    await input.focus();
    await page.keyboard.type('1000');
    await page.keyboard.press('Enter');
    await verdict.locator('xpath=self::*[contains(@class, "kl-result--failed")]').waitFor();
    assert.equal(await verdict.innerText(), '✗ You answered “1000”. That does not match.');
    assert.equal(await step.locator('.kl-results').innerText(), '', 'the answer’s verdict is not listed a second time under the step');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'value', 'the box keeps the focus for another try');

    // Read the real value in the real shell, as the learner would, and answer with it.
    await typeInShell(page, 'echo "fruits=$(sort -u fruits.txt | wc -l | tr -d \' \')"');
    const live = /fruits=(\d+)/.exec(await waitForTerminal(page, /fruits=\d+/))?.[1];
    assert.ok(live, 'the shell printed the count');
    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(live);
    await page.keyboard.press('Enter');
    await verdict.locator('xpath=self::*[contains(@class, "kl-result--passed")]').waitFor();
    assert.equal(await verdict.innerText(), '✓ Correct.');
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
