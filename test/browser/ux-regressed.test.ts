/**
 * What a learner relies on after the first steps, in Debian's real Chromium
 * against a real server and a real shell (labs/hello-shell):
 * - "Re-check earlier steps" marks a step that passed and then broke as
 *   regressed, and the page says so (badge, step list, notice linking to it);
 * - an answer step accepts the value read live from the environment and
 *   rejects a wrong one with a plain message naming what was typed;
 * - keyboard only: Enter submits an answer, the terminal does not grab the
 *   focus on load, and F6 moves between the chapter and the terminal;
 * - a watched step on screen says "watching…" and animates nothing without
 *   end (that would slow every echo);
 * - a second tab of the same lab that parses nothing (frozen) does not stall
 *   the terminal in the tab in use, and catches up when it wakes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { buildTestWebRoot, collectPageErrors, launchChromium, requireChromium, typeInTerminal, waitForPromptAfter, waitForTerminal as waitForTerminalOf } from '../helpers/browser.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const REPO = resolve(import.meta.dirname, '..', '..');

/** hello-shell's one terminal, read through the page's test hook. */
function waitForTerminal(page: Page, pattern: RegExp): Promise<string> {
  return waitForTerminalOf(page, 'shell', pattern);
}

function activeClass(page: Page): Promise<string> {
  return page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.className : ''));
}

describe('re-check, answers and keyboard in Chromium (browser, ux)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: TestServer;
  let context: BrowserContext;
  let page: Page;
  let before0: string[];
  let pageErrors: string[] = [];

  before(async () => {
    requireChromium();
    before0 = childProcesses();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-ux-'));
    const webRoot = await buildTestWebRoot(dir);
    server = await startTestServer({ labs: join(REPO, 'labs'), dataDir: join(dir, 'data'), webRoot });
    assert.ok(server.catalogue.labs.has('hello-shell'), 'labs/hello-shell loads');
    context = await launchChromium(join(dir, 'profile'));
    page = context.pages()[0] ?? (await context.newPage());
    pageErrors = collectPageErrors(page);
    await page.goto(`${server.url}labs/hello-shell`);
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await waitForTerminal(page, /kindlab:work# ?$/m);
  });

  after(async () => {
    await context?.close();
    await server?.close();
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
    await typeInTerminal(page, 'rm hello.txt && echo removed-$((40+2))');
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
    await typeInTerminal(page, 'echo "hello, shell" > hello.txt');
    await waitForPromptAfter(page, 'shell', 'echo "hello, shell" > hello.txt');
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
    await typeInTerminal(page, 'echo "fruits=$(sort -u fruits.txt | wc -l | tr -d \' \')"');
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

  it('shows a watched step as "watching…" without an endless animation (one delays every echo by about a frame), nor a blinking caret', async () => {
    const step = page.locator('section.kl-step[data-step="background"]');
    await step.scrollIntoViewIfNeeded();
    await step.locator('.kl-watch').waitFor({ state: 'visible' });
    // While anything on the page animates without end, Chromium makes frames
    // nonstop and a keystroke's echo waits for one: with the old pulsing dot,
    // echo p95 went from 6 to 17 ms (docs/performance.md).
    const endless = await page.evaluate(() =>
      document
        .getAnimations()
        .filter((a) => a.playState === 'running' && a.effect?.getTiming().iterations === Infinity)
        .map((a) => (a instanceof CSSAnimation ? a.animationName : a.id)),
    );
    assert.deepEqual(endless, []);
    // Nor the hidden textarea xterm.js takes keys through: its invisible caret would blink, a frame each time.
    const caret = await page.evaluate(() => getComputedStyle(document.querySelector('.kl-terms .xterm-helper-textarea')!).getPropertyValue('caret-animation'));
    assert.equal(caret, 'manual');
  });

  it('a second tab of the lab that parses nothing (frozen) holds back neither the terminal in use nor itself once awake', async () => {
    const other = await context.newPage();
    try {
      await other.goto(`${server.url}labs/hello-shell`);
      await other.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
      await waitForTerminalOf(other, 'shell', /kindlab:work# ?$/m);
      // A tab whose page runs no script parses and acknowledges nothing: what
      // Chromium's freezing does to a background tab, and its timer throttling
      // nearly so. Headless Chromium keeps every tab visible, so this holds the
      // page's main thread in the debugger instead (its socket worker runs on).
      const cdp = await context.newCDPSession(other);
      await cdp.send('Debugger.enable');
      await cdp.send('Debugger.pause');
      // 2.8 MB, more than the flow-control window and the replay buffer together,
      // of colour resets: nothing to see, so the woken tab's notice stays on screen.
      await typeInTerminal(page, `yes $'\\e[0m' | head -n 700000 | tr -d '\\n'; echo "flood-$((6*7))"`);
      await waitForTerminal(page, /^flood-42\nkindlab:work# ?$/m);
      await cdp.send('Debugger.resume');
      await cdp.send('Debugger.disable');
      const seen = await waitForTerminalOf(other, 'shell', /^flood-42\nkindlab:work# ?$/m);
      assert.match(seen, /^\[\d+ bytes of older output are no longer available\]$/m, `the woken tab says what it missed, on a line of its own; it shows:\n${seen}`);
    } finally {
      await other.close();
    }
  });

  it('leaves no process behind', async () => {
    await context.close();
    await server.close();
    await assertNoNewChildren(before0);
  });
});
