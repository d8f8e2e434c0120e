/**
 * A workshop in Debian's real Chromium against a real server in workshop mode
 * with real shells: two learners (each in their own browser profile, so their
 * cookies are separate) join and open a lab; the instructor's room view shows
 * both; learner A passes a step and the grid updates live without a reload;
 * the instructor watches A's terminal read-only and sees A's typing appear,
 * while typing into the shadow reaches nothing; ending the workshop shows the
 * learners a plain "ended" state. Saves docs/screenshots/join.png and
 * docs/screenshots/room-view.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { parseWorkshopConfig } from '../../server/workshop/workshop-config.js';
import { Workshop } from '../../server/workshop/workshop.js';
import { workshopDeps } from '../../server/workshop/workshop-deps.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const REPO = resolve(import.meta.dirname, '..', '..');
const SCREENSHOTS = join(REPO, 'docs', 'screenshots');
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

async function waitForText(page: Page, selector: string, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
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

describe('workshop in Chromium (browser)', function () {
  this.timeout(90_000);
  let dir: string;
  let app: App;
  let url: string;
  let store: SqliteStore;
  let sessions: SessionManager;
  let workshop: Workshop;
  const contexts: BrowserContext[] = [];
  let before0: string[];

  const at = (path: string): string => new URL(path, url).href;

  /** One browser per person, each with a fresh profile: their cookies never meet. */
  async function person(name: string): Promise<Page> {
    const context = await chromium.launchPersistentContext(join(dir, `profile-${name}`), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1360, height: 800 },
    });
    contexts.push(context);
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    (page as Page & { errors: string[] }).errors = errors;
    return page;
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
    before0 = children();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-workshop-browser-'));
    // Bundle the current web/ source, so the test never runs a stale dist/.
    const webRoot = join(dir, 'web');
    await build({ entryPoints: { app: join(REPO, 'web', 'main.ts') }, bundle: true, format: 'esm', target: 'es2022', outdir: webRoot, logLevel: 'error' });
    cpSync(join(REPO, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), join(webRoot, 'xterm.css'));
    cpSync(join(REPO, 'web', 'styles.css'), join(webRoot, 'styles.css'));
    cpSync(join(REPO, 'web', 'favicon.svg'), join(webRoot, 'favicon.svg'));
    // esbuild keeps a service process for further builds; this test makes no more.
    await stopEsbuild();

    const labsDir = join(dir, 'labs');
    mkdirSync(join(labsDir, LAB, 'chapters'), { recursive: true });
    writeFileSync(join(labsDir, LAB, 'lab.yaml'), LAB_YAML);
    writeFileSync(join(labsDir, LAB, 'chapters', '01-room-demo.md'), CHAPTER);
    const registry = createBuiltinRegistry();
    const catalogue = await loadCatalogue(labsDir, registry);
    assert.ok(catalogue.labs.has(LAB), `the fixture lab loads: ${JSON.stringify(catalogue.entries)}`);

    const parsed = parseWorkshopConfig(`title: Pods, hands on\ncode: ${CODE}\nlabs: [${LAB}]\ncapacity: 12\nstuck: {failedChecks: 2, minutes: 10}\n`, 'workshop.yaml');
    assert.ok(parsed.ok, JSON.stringify(parsed));
    store = new SqliteStore(join(dir, 'kindlab.db'));
    sessions = new SessionManager({ store, labs: () => catalogue.labs, createEnvironment, registry, dataDir: join(dir, 'data'), terminalGraceMs: 60_000 });
    workshop = new Workshop({ config: parsed.config, store, sessions, labs: () => catalogue.labs, instructorToken: INSTRUCTOR_TOKEN });
    await workshop.start();
    app = createApp({
      catalogue: () => catalogue,
      sessions,
      bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
      doctor: async () => [],
      webRoot,
      workshop: workshopDeps(workshop, sessions),
      logger: { info: () => undefined, error: (m, e) => console.error(m, e) },
    });
    ({ url } = await app.listen(0, '127.0.0.1'));
  });

  after(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await app?.close();
    workshop?.dispose();
    await sessions?.dispose();
    store?.close();
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

  async function typeInTerminal(page: Page, text: string): Promise<void> {
    await page.locator('.kl-terms .xterm').first().click();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
  }

  it('runs a room: join, live grid, read-only shadow, end', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
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

    await joinAndOpen(ada, 'Ada Lovelace', join(SCREENSHOTS, 'join.png'));
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
    await instructor.screenshot({ path: join(SCREENSHOTS, 'room-view.png') });

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

    for (const p of [ada, grace, instructor]) assert.deepEqual((p as Page & { errors: string[] }).errors, []);
  });

  it('leaves no process behind', async () => {
    for (const c of contexts.splice(0)) await c.close();
    await app.close();
    workshop.dispose();
    await sessions.dispose();
    const end = Date.now() + 5000;
    while (children().length > before0.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(children(), before0);
  });
});
