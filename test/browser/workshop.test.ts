/**
 * A workshop in Debian's real Chromium against a real server in workshop mode
 * with real shells: two learners (each in their own browser profile, so their
 * cookies are separate) join and open a lab; the instructor's room view shows
 * both; learner A passes a step and the grid updates live without a reload;
 * the instructor watches A's terminal read-only and sees A's typing appear,
 * while typing into the shadow reaches nothing; ending the workshop shows the
 * learners a plain "ended" state. Saves join.png and room-view.png (to
 * docs/screenshots/ with KINDLAB_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { parseWorkshopConfig } from '../../server/workshop/workshop-config.js';
import { Workshop } from '../../server/workshop/workshop.js';
import { buildTestWebRoot, collectPageErrors, launchChromium, requireChromium, screenshotsDir, typeInTerminal, waitForPromptAfter, waitForText } from '../helpers/browser.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CODE = 'ROOM-42';
/** A fixed instructor token (base64url, 43 characters like a generated one). */
const INSTRUCTOR_TOKEN = 'kL9-instructor-token-for-the-browser-test_0';
const LAB = 'room-demo';

const LAB_YAML = `title: Room demo
summary: Two small steps, for the workshop browser test.
environment:
  type: local
terminals:
  - {name: shell, target: local, title: Shell}
`;

const CHAPTER = `# Room demo

A tiny lab for the room view.

## Leave a marker {#make-marker}

Create a file called \`marker.txt\`.

\`\`\`check id=marker
if [ ! -f marker.txt ]; then
  echo "There is no marker.txt yet."
  exit 1
fi
echo "marker.txt is there."
\`\`\`

\`\`\`solve
touch marker.txt
\`\`\`

## Say hello {#say-hello}

Write the word hello into \`hello.txt\`.

\`\`\`check id=hello
grep -q hello hello.txt 2>/dev/null || { echo "hello.txt does not say hello yet."; exit 1; }
echo "hello.txt says hello."
\`\`\`

\`\`\`solve
echo hello > hello.txt
\`\`\`

## Wrap up {#wrap-up}

List what you made.

\`\`\`check id=listed
[ -f marker.txt ] && [ -f hello.txt ] || { echo "marker.txt and hello.txt should both be there."; exit 1; }
echo "Both files are there."
\`\`\`
`;

describe('workshop in Chromium (browser)', function () {
  this.timeout(90_000);
  let dir: string;
  let server: TestServer & { readonly workshop: Workshop };
  let url: string;
  let screenshots: string;
  const contexts: BrowserContext[] = [];
  const pageErrors = new Map<Page, string[]>();
  let before0: string[];

  const at = (path: string): string => new URL(path, url).href;

  /** One browser per person, each with a fresh profile: their cookies never meet. */
  async function person(name: string): Promise<Page> {
    const context = await launchChromium(join(dir, `profile-${name}`), { width: 1360, height: 800 });
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    pageErrors.set(page, collectPageErrors(page));
    return page;
  }

  before(async () => {
    requireChromium();
    before0 = childProcesses();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-workshop-browser-'));
    screenshots = screenshotsDir(dir);
    const webRoot = await buildTestWebRoot(dir);

    const labsDir = join(dir, 'labs');
    mkdirSync(join(labsDir, LAB, 'chapters'), { recursive: true });
    writeFileSync(join(labsDir, LAB, 'lab.yaml'), LAB_YAML);
    writeFileSync(join(labsDir, LAB, 'chapters', '01-room-demo.md'), CHAPTER);

    const parsed = parseWorkshopConfig(`title: Pods, hands on\ncode: ${CODE}\nlabs: [${LAB}]\ncapacity: 12\nstuck: {failedChecks: 2, minutes: 10}\n`, 'workshop.yaml');
    assert.ok(parsed.ok, JSON.stringify(parsed));
    server = await startTestServer({
      labs: labsDir,
      dataDir: join(dir, 'data'),
      webRoot,
      workshop: ({ store, sessions, labs }) => new Workshop({ config: parsed.config, store, sessions, labs, instructorToken: INSTRUCTOR_TOKEN }),
    });
    assert.ok(server.catalogue.labs.has(LAB), `the fixture lab loads: ${JSON.stringify(server.catalogue.entries)}`);
    ({ url } = server);
  });

  after(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Join through /join as `name`, then open the lab; returns the learner's session id. */
  async function joinAndOpen(page: Page, name: string, shoot?: string): Promise<void> {
    await page.goto(url);
    await page.waitForURL(/\/join$/);
    await page.locator('.kl-join-form').waitFor();
    assert.match(await page.locator('.kl-join-card h1').innerText(), /Pods, hands on/);
    await page.fill('#kl-join-code', CODE.toLowerCase()); // codes are case-insensitive
    await page.fill('#kl-join-name', name);
    if (shoot) await page.screenshot({ path: shoot });
    await page.locator('.kl-join-submit').click();
    await page.locator('.kl-resume').waitFor();
    assert.match(await page.locator('.kl-resume-title').innerText(), /keep this link to come back from another browser/i);
    assert.match(await page.locator('.kl-resume-link').inputValue(), /^http:\/\/127\.0\.0\.1:\d+\/resume\/[A-Za-z0-9_-]{40,}$/);
    await page.locator('.kl-join-continue').click();
    // The catalogue shows only the event's labs, and who is signed in.
    const card = page.locator(`.kl-card[data-lab="${LAB}"]`);
    await card.waitFor();
    assert.match(await page.locator('.kl-learner-chip').innerText(), new RegExp(name));
    await card.getByRole('link', { name: /Start/ }).click();
    await page.waitForURL(new RegExp(`/labs/${LAB}$`));
    await page.locator('#app.kl-ready').waitFor({ timeout: 15_000 });
    await page.locator('.kl-terms .xterm-rows').waitFor();
  }

  it('runs a room: join, live grid, read-only shadow, end', async () => {
    const ada = await person('ada');
    const grace = await person('grace');
    const instructor = await person('instructor');

    // A wrong code is refused in plain words, and nothing is lost from the form.
    await grace.goto(at('/join'));
    await grace.locator('.kl-join-form').waitFor({ timeout: 5000 }).catch(async (e: unknown) => {
      throw new Error(`no join form; the page shows: ${await grace.locator('body').innerText()} ${String(e)}`);
    });
    await grace.fill('#kl-join-code', 'NOPE-1');
    await grace.fill('#kl-join-name', 'Grace Hopper');
    await grace.locator('.kl-join-submit').click();
    await waitForText(grace, '.kl-join-error', /event code is not right/);
    assert.equal(await grace.inputValue('#kl-join-name'), 'Grace Hopper');

    await joinAndOpen(ada, 'Ada Lovelace', join(screenshots, 'join.png'));
    await joinAndOpen(grace, 'Grace Hopper');
    // A learner with the cookie who comes back to /join goes straight to the labs.
    await grace.goto(at('/join'));
    await grace.waitForURL(at('/'));
    await grace.goto(at(`/labs/${LAB}`));
    await grace.locator('#app.kl-ready').waitFor({ timeout: 15_000 });

    // Grace fails the first step twice: with stuck.failedChecks = 2 she is stuck.
    const graceStep = grace.locator('section.kl-step[data-step="make-marker"]');
    for (let i = 0; i < 2; i++) {
      await graceStep.locator('.kl-check-button').click();
      await graceStep.locator('.kl-result--failed').waitFor();
      await graceStep.locator('.kl-check-button:not([disabled])').waitFor();
    }

    // The instructor: token from the fragment, traded for a cookie, fragment wiped.
    await instructor.goto(at(`/instructor#token=${INSTRUCTOR_TOKEN}`));
    await instructor.locator('.kl-room-grid tbody tr').first().waitFor();
    assert.ok(!instructor.url().includes('#'), `the token left the address bar: ${instructor.url()}`);
    assert.ok(!instructor.url().includes(INSTRUCTOR_TOKEN));
    const rows = instructor.locator('.kl-room-grid tbody tr');
    await waitForText(instructor, '.kl-room-grid tbody', /Ada Lovelace[\s\S]*Grace Hopper|Grace Hopper[\s\S]*Ada Lovelace/);
    assert.equal(await rows.count(), 2);
    assert.match(await instructor.locator('.kl-stat-joined').innerText(), /2 \/ 12/);
    // Stuck learners first, flagged in words, not just colour.
    await waitForText(instructor, '.kl-room-grid tbody tr:first-child', /Grace Hopper[\s\S]*STUCK/);
    const graceRow = instructor.locator('tr.kl-room-row', { hasText: 'Grace Hopper' });
    assert.equal(await graceRow.locator('td[data-step="make-marker"]').getAttribute('data-state'), 'failing');
    assert.match(await graceRow.locator('td[data-step="make-marker"] .kl-cell-mark').innerText(), /✗/);

    // Ada passes a step; the instructor's grid updates without a reload.
    const adaRow = instructor.locator('tr.kl-room-row', { hasText: 'Ada Lovelace' });
    const adaCell = adaRow.locator('td[data-step="make-marker"]');
    assert.notEqual(await adaCell.getAttribute('data-state'), 'passed');
    await typeInTerminal(ada, 'touch marker.txt');
    await waitForPromptAfter(ada, 'shell', 'touch marker.txt');
    const adaStep = ada.locator('section.kl-step[data-step="make-marker"]');
    await adaStep.locator('.kl-check-button').click();
    const t0 = Date.now();
    await adaStep.locator('.kl-result--passed').waitFor();
    await instructor.locator('tr.kl-room-row:has-text("Ada Lovelace") td[data-step="make-marker"][data-state="passed"]').waitFor({ timeout: 5000 });
    console.log(`      room view showed Ada's pass ${Date.now() - t0} ms after her check passed`);
    assert.match(await adaRow.locator('.kl-done').innerText(), /^1\/3$/);

    // Watch Ada's terminal: read-only, her earlier output replayed, her new output live.
    await adaRow.locator('.kl-learner').click();
    const shadow = instructor.locator('.kl-shadow');
    await shadow.waitFor();
    assert.match(await shadow.locator('.kl-shadow-head').innerText(), /READ-ONLY[\s\S]*Ada Lovelace/);
    await waitForText(instructor, '.kl-shadow .xterm-rows', /touch marker\.txt/);
    await typeInTerminal(ada, 'echo live-$((6*7))');
    await waitForText(instructor, '.kl-shadow .xterm-rows', /live-42/);

    // Typing into the shadow does nothing: not in Ada's terminal, not in her folder.
    await instructor.locator('.kl-shadow .xterm').first().click();
    await instructor.keyboard.type('echo instructor-was-here > hacked.txt');
    await instructor.keyboard.press('Enter');
    await waitForText(instructor, '.kl-shadow-note', /keystrokes? not sent/);
    await typeInTerminal(ada, 'echo after-$((7*6)); ls');
    await waitForText(ada, '.kl-terms .xterm-rows', /after-42/);
    await waitForText(instructor, '.kl-shadow .xterm-rows', /after-42/);
    assert.doesNotMatch(await ada.locator('.kl-terms .xterm-rows').innerText(), /instructor-was-here|hacked/);
    const adaSession = await adaRow.getAttribute('data-session');
    assert.ok(adaSession);
    assert.ok(existsSync(join(dir, 'data', 'sessions', adaSession, 'work', 'marker.txt')), "Ada's own marker is in her folder");
    assert.ok(!existsSync(join(dir, 'data', 'sessions', adaSession, 'work', 'hacked.txt')), 'nothing typed in the shadow ran');

    // Latecomers (joined over HTTP, no lab opened yet) appear live too, offline and not started.
    for (const name of ['Linus Torvalds', 'Margaret Hamilton']) {
      const res = await fetch(at('/api/workshop/join'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: CODE, name }) });
      assert.equal(res.status, 200, await res.text());
    }
    await waitForText(instructor, '.kl-room-grid tbody', /Margaret Hamilton[\s\S]*lab not opened/);
    assert.match(await instructor.locator('.kl-stat-joined').innerText(), /4 \/ 12/);

    await instructor.mouse.move(0, 0);
    await instructor.screenshot({ path: join(screenshots, 'room-view.png') });

    // The export buttons download what the server computes, with the instructor's cookie.
    const csvHref = await instructor.locator('.kl-export[data-format="csv"]').getAttribute('href');
    assert.ok(csvHref);
    const csv = await instructor.evaluate((href) => fetch(href).then((r) => r.text()), csvHref);
    assert.match(csv, /Ada Lovelace/);
    assert.match(csv, /make-marker/);

    // The stuck filter shows only Grace.
    await instructor.locator('.kl-room-only-stuck').check();
    await waitForText(instructor, '.kl-room-grid tbody', /^(?![\s\S]*(Ada|Linus))[\s\S]*Grace Hopper/);
    assert.equal(await rows.count(), 1);
    await instructor.locator('.kl-room-only-stuck').uncheck();

    // End the workshop (after the confirm): learners see that it ended.
    instructor.once('dialog', (d) => void d.accept());
    await instructor.locator('.kl-end-button').click();
    await waitForText(instructor, '.kl-end-button', /Workshop ended/);
    await ada.locator('.kl-ended').waitFor({ timeout: 5000 });
    assert.match(await ada.locator('.kl-ended').innerText(), /The workshop has ended[\s\S]*progress was kept/);
    await grace.locator('.kl-ended').waitFor({ timeout: 5000 });
    // Coming back after the end shows the same plain state, not an error.
    await grace.reload();
    await grace.locator('.kl-ended').waitFor({ timeout: 5000 });
    assert.doesNotMatch(await grace.locator('#app').innerText(), /could not start/);

    for (const p of [ada, grace, instructor]) assert.deepEqual(pageErrors.get(p), []);
  });

  it('leaves no process behind', async () => {
    for (const c of contexts.splice(0)) await c.close();
    await server.close();
    await assertNoNewChildren(before0);
  });
});
