/**
 * A learner's first minutes, in Debian's real Chromium against a real server
 * with a real shell: catalogue → hello-shell → type in the terminal → run
 * button → failing check with its hint → do the step → passing check →
 * reload keeps progress and the shell's history. Saves catalogue.png and
 * lab-page.png (to docs/screenshots/ with KINDLAB_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildTestWebRoot, collectPageErrors, launchChromium, requireChromium, screenshotsDir, typeInTerminal, waitForPromptAfter, waitForText } from '../helpers/browser.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const REPO = resolve(import.meta.dirname, '..', '..');

/** The shell's rendered rows, as painted in the page. */
function waitForTerminal(page: Page, pattern: RegExp): Promise<string> {
  return waitForText(page, '.kl-terms .xterm-rows', pattern);
}

describe('learner flow in Chromium (browser)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: TestServer;
  let url: string;
  let screenshots: string;
  let context: BrowserContext;
  let before0: string[];

  before(async () => {
    requireChromium();
    before0 = childProcesses();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-browser-'));
    screenshots = screenshotsDir(dir);
    const webRoot = await buildTestWebRoot(dir);
    server = await startTestServer({ labs: join(REPO, 'labs'), dataDir: join(dir, 'data'), webRoot });
    assert.ok(server.catalogue.labs.has('hello-shell'), 'labs/hello-shell loads');
    ({ url } = server);
    context = await launchChromium(join(dir, 'profile'));
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('walks through the first steps of hello-shell and keeps progress across a reload', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    // A failed request (e.g. a 404 the page did not need to make) shows up as a console error.
    const pageErrors = collectPageErrors(page, { consoleErrors: true });

    // Catalogue.
    await page.goto(url);
    const card = page.locator('.kl-card[data-lab="hello-shell"]');
    await card.waitFor();
    assert.match(await card.innerText(), /Hello, shell/);
    assert.match(await card.innerText(), /Local shell/);
    await page.screenshot({ path: join(screenshots, 'catalogue.png') });

    // Start the lab; the terminal appears once the environment is ready.
    await card.getByRole('link', { name: /Start/ }).click();
    await page.waitForURL(/\/labs\/hello-shell$/);
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await page.locator('.kl-terms .xterm-rows').waitFor();

    // Type into the terminal and see the output.
    await typeInTerminal(page, 'echo kindlab-$((6*7))');
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
    await typeInTerminal(page, 'echo "hello, shell" > hello.txt');
    await waitForPromptAfter(page, 'shell', 'echo "hello, shell" > hello.txt');
    await step.locator('.kl-check-button').click();
    await step.locator('.kl-result--passed').waitFor();
    assert.match(await step.locator('.kl-results').innerText(), /hello\.txt says: hello, shell/);
    assert.match(await step.locator('.kl-step-status').innerText(), /passed/);
    assert.match(await page.locator('.kl-progress-text').innerText(), /^1 of \d+ steps done$/);
    await page.screenshot({ path: join(screenshots, 'lab-page.png') });

    // Reload: progress comes back from the server, the shell (and its history) is the same one.
    await page.reload();
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await step.locator('.kl-step-status.kl-badge--passed').waitFor();
    await waitForTerminal(page, /kindlab-42/);
    await typeInTerminal(page, 'history | tail -n 5');
    await waitForTerminal(page, /\d+\s+echo "hello, shell" > hello\.txt/);

    assert.deepEqual(pageErrors, []);
  });

  it('leaves no process behind', async () => {
    await context.close();
    await server.close();
    await assertNoNewChildren(before0);
  });
});
