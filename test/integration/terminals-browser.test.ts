/**
 * The browser terminal end to end, in Debian's real Chromium: TerminalTabs
 * bundled by esbuild, a real socket.io server with the terminal channel, and
 * real shells. Reads the screen through `window.__kindlab.terminals`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../common/protocol.js';
import { socketParser } from '../../common/socket-parser.js';
import { bindTerminalEvents } from '../../server/terminals/terminal-channel.js';
import { TerminalHub } from '../../server/terminals/terminal-hub.js';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium, withEsbuild } from '../helpers/browser.js';
import { SOCKET_WORKER } from '../../scripts/build-web.mjs';
import { ShellFactory, waitFor } from './terminals-support.js';
import { FLOOD_BYTES_PER_FRAME, FLOOD_FRAME_MS } from '../../web/terminal/frame-pacer.js';

const REPO = resolve(import.meta.dirname, '..', '..');

/** The page under test: the real TerminalTabs and the page's socket (in its worker), nothing else. */
const HARNESS = `
import { openSocket } from './web/socket.ts';
import { TerminalTabs } from './web/terminal/terminal-tabs.ts';
const socket = openSocket({ reconnectionDelay: 100, reconnectionDelayMax: 200 });
window.__sock = socket;
window.__frames = { text: 0, bytes: 0 };
window.__arrivals = [];
socket.on('term:output', (f) => {
  window.__frames[typeof f.data === 'string' ? 'text' : 'bytes']++;
  window.__arrivals.push([performance.now(), f.data.length]);
});
const terminals = JSON.parse(document.body.dataset.terminals);
window.__tabs = new TerminalTabs(document.getElementById('terms'), socket, terminals);
`;

interface Hook {
  text(name: string): string[];
  status(name: string): string | undefined;
  seq(name: string): number | undefined;
  run(name: string, command: string): void;
}
type Win = { __kindlab: { terminals: Hook }; __sock: { where: 'worker' | 'page' }; __frames: { text: number; bytes: number } };

describe('browser terminal in Chromium (TerminalTabs ↔ socket.io ↔ real shells)', function () {
  this.timeout(60_000);
  let shells: ShellFactory;
  let hub: TerminalHub;
  let http: HttpServer;
  let io: Server<ClientToServerEvents, ServerToClientEvents>;
  let browser: Browser;
  let page: Page;
  let url: string;

  before(async () => {
    requireChromium();
    const [bundle, worker] = await withEsbuild(() =>
      Promise.all([
        build({ stdin: { contents: HARNESS, resolveDir: REPO, loader: 'ts' }, bundle: true, format: 'esm', target: 'es2022', write: false, logLevel: 'silent' }),
        build({ entryPoints: [SOCKET_WORKER], bundle: true, format: 'iife', target: 'es2022', write: false, logLevel: 'silent' }),
      ]),
    );
    const js = bundle.outputFiles[0]!.text;
    const workerJs = worker.outputFiles[0]!.text;
    const css = readFileSync(resolve(REPO, 'node_modules/@xterm/xterm/css/xterm.css'), 'utf8');
    shells = new ShellFactory();
    await shells.setup();
    hub = new TerminalHub({
      specs: [
        { name: 'shell', target: 'local', title: 'Workstation' },
        { name: 'other', target: 'local', title: 'Other' },
      ],
      spawn: (_s, size) => shells.spawn(size),
      graceMs: 60_000,
    });
    const html = `<!doctype html><html><head><style>${css} html,body{margin:0;height:100%} #terms{height:480px;width:900px}</style></head>
<body data-terminals='${JSON.stringify(hub.list())}'><div id="terms"></div><script type="module" src="/app.js"></script></body></html>`;
    http = createServer((req, res) => {
      if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
      else if (req.url === '/socket-worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs);
      // ?no-worker: a page whose policy forbids workers (the socket must then live in the page).
      else res.writeHead(200, { 'content-type': 'text/html', ...(req.url?.includes('no-worker') ? { 'content-security-policy': "worker-src 'none'" } : {}) }).end(html);
    });
    io = new Server(http, { parser: socketParser });
    io.on('connection', (socket) => {
      const unbind = bindTerminalEvents(socket, hub);
      socket.on('disconnect', unbind);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
    page = await browser.newPage();
    await page.goto(url);
  });

  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => (io ? io.close(() => r()) : r()));
    hub?.dispose();
    await shells?.assertNoneLeft();
    await shells?.teardown();
  });

  const text = (name = 'shell'): Promise<string> => page.evaluate((n) => (window as unknown as Win).__kindlab.terminals.text(n).join('\n'), name);
  const status = (name = 'shell'): Promise<string | undefined> => page.evaluate((n) => (window as unknown as Win).__kindlab.terminals.status(n), name);
  async function waitText(re: RegExp, ms = 10_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const t = await text();
      if (re.test(t)) return t;
      if (Date.now() > end) throw new Error(`terminal never showed ${re}; it shows:\n${t}`);
      await page.waitForTimeout(50);
    }
  }
  const count = (t: string, s: string): number => t.split(s).length - 1;

  it('shows the first tab live with a prompt, sized to its pane, and only that shell started', async () => {
    await waitText(/kindlab:\S+[#$]/);
    assert.equal(await status(), 'live');
    assert.equal(await page.locator('.kl-term-tab[data-terminal="shell"]').getAttribute('data-status'), 'live');
    assert.equal(await page.locator('.kl-term-tab[data-terminal="other"] .kl-term-status').innerText(), 'connecting…');
    assert.equal(hub.get('other')!.status, 'connecting', 'a tab never shown starts no shell');
    assert.equal(await page.evaluate(() => (window as unknown as Win).__sock.where), 'worker', 'the socket lives in its worker');
    await page.locator('.kl-tabpane[data-terminal="shell"] .xterm').click();
    await page.keyboard.type('stty size\n');
    const t = await waitText(/stty size\n\d+ \d+/);
    const [rows, cols] = t.match(/stty size\n(\d+) (\d+)/)!.slice(1).map(Number);
    assert.ok(cols! > 80 && rows! > 15, `fitted to the 900×480 pane: ${cols}×${rows}`);
  });

  it('run() types a command into the terminal', async () => {
    await page.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', 'echo "run-$((2+3))"'));
    await waitText(/^run-5$/m);
  });

  it('shows multi-byte UTF-8 output whole', async () => {
    // é (2 bytes), → (3), 😀 (4), written by the shell from octal escapes so the command line itself is ASCII.
    await page.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', "printf 'utf8: caf\\303\\251 \\342\\206\\222 \\360\\237\\230\\200\\n'"));
    await waitText(/^utf8: café → 😀$/mu);
  });

  it('reconnects after a dropped connection and replays only what was missed', async () => {
    // The connection drops under the page (closed at the server's end, not by either side's socket.io).
    for (const s of io.sockets.sockets.values()) s.conn.close();
    hub.get('shell')!.write('echo "while-$((1+1))-away"\r');
    await waitText(/^while-2-away$/m);
    const t = await text();
    assert.equal(count(t, '\nrun-5\n'), 1, 'nothing replayed twice');
    assert.equal(await status(), 'live');
  });

  it('a full reload replays the buffer into a fresh page, same shell', async () => {
    const pid = hub.get('shell')!.pid;
    await page.reload();
    const t = await waitText(/^while-2-away$/m);
    assert.equal(count(t, '\nrun-5\n'), 1);
    assert.match(t, /^utf8: café → 😀$/mu, 'multi-byte characters replay whole');
    assert.equal(hub.get('shell')!.pid, pid);
    // And typing still works after the replay (input is accepted only once replay is parsed).
    await page.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', 'echo "after-$((3+4))"'));
    await waitText(/^after-7$/m);
  });

  it('streams a large output through flow control without losing the end', async () => {
    const frames = () => page.evaluate(() => ({ ...(window as unknown as Win).__frames }));
    const before = await frames();
    const started = Date.now();
    // ~1.9 MB of output: several times the high watermark, so the PTY pauses and resumes.
    await page.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', 'seq 1 300000; echo "flood-$((5*5))-done"'));
    const t = await waitText(/^flood-25-done$/m, 30_000);
    const ms = Date.now() - started;
    assert.match(t, /^300000$/m);
    // The prompt after the marker may come in a later frame than the marker
    // itself: give the browser up to 5 s to catch up, then compare. A lost
    // byte would leave it behind for good.
    const browserSeq = () => page.evaluate(() => (window as unknown as Win).__kindlab.terminals.seq('shell'));
    const caughtUp = Date.now() + 5000;
    while ((await browserSeq()) !== hub.get('shell')!.seq && Date.now() < caughtUp) await page.waitForTimeout(50);
    assert.equal(await browserSeq(), hub.get('shell')!.seq, 'the browser received every byte the shell wrote');
    const after = await frames();
    assert.ok(after.bytes > before.bytes, `the flood came as binary frames (${after.bytes - before.bytes} of them)`);
    console.log(`      flood: ~1.9 MB in ${ms} ms`);
  });

  it('repaints a flood about every FLOOD_FRAME_MS, and paints its end and the next echo at once', async () => {
    // Each repaint of the DOM renderer rewrites the rows; a frame's callbacks
    // may trigger several MutationObserver callbacks, so those less than 5 ms
    // apart count as one paint.
    await page.evaluate(() => {
      const rows = document.querySelector('.kl-tabpane[data-terminal="shell"] .xterm-rows')!;
      const paints: number[] = [];
      (window as unknown as { __paints: number[] }).__paints = paints;
      let last = -Infinity;
      new MutationObserver(() => {
        const now = performance.now();
        if (now - last >= 5) paints.push(now);
        last = now;
      }).observe(rows, { childList: true, subtree: true, characterData: true });
    });
    await page.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', 'seq 1 400000; echo "paced-$((6*7))"'));
    // What is painted, not just parsed: the rows' DOM must show the end.
    const rendered = (): Promise<string> => page.locator('.kl-tabpane[data-terminal="shell"] .xterm-rows').innerText();
    const end = Date.now() + 30_000;
    while (!/^paced-42$/m.test(await rendered())) {
      assert.ok(Date.now() < end, 'the end of the flood was never painted');
      await page.waitForTimeout(20);
    }
    const { paints, arrivals } = await page.evaluate(() => {
      const w = window as unknown as { __paints: number[]; __arrivals: [number, number][] };
      return { paints: w.__paints, arrivals: w.__arrivals };
    });
    assert.ok(paints.length >= 3, `the flood was painted along the way (${paints.length} paints)`);
    // A paint that showed a flood (more than FLOOD_BYTES_PER_FRAME arrived
    // since the paint before it) is followed by a gap of about FLOOD_FRAME_MS.
    // Single gaps jitter: a frame whose callbacks run late behind a parse
    // slice is seen late, and the next one is timed from the frame's start,
    // so a late paint is followed by an early one. Their mean does not: paced,
    // within half a frame (8 ms) of the interval; unpaced, this page paints
    // every ~16-26 ms. (When the page outruns the shell, a frame shows less
    // and the next may come sooner; those gaps are not the pacer's to hold.)
    const arrived = (from: number, to: number): number => arrivals.filter(([t]) => t > from && t <= to).reduce((n, [, b]) => n + b, 0);
    const floodGaps = paints.slice(1, -1).flatMap((t, i) => (arrived(paints[i]!, t) >= FLOOD_BYTES_PER_FRAME ? [paints[i + 2]! - t] : []));
    const mean = floodGaps.reduce((a, g) => a + g, 0) / floodGaps.length;
    console.log(`      flood: ${paints.length} paints over ${Math.round(paints.at(-1)! - paints[0]!)} ms; after ${floodGaps.length} flooded paints, a mean gap of ${mean.toFixed(1)} ms`);
    assert.ok(floodGaps.length >= 5, `the flood filled at least 5 frames (${floodGaps.length})`);
    assert.ok(mean >= FLOOD_FRAME_MS - 10, `a flooded frame is followed by a gap of ~${FLOOD_FRAME_MS} ms: ${floodGaps.map((g) => g.toFixed(0)).join(', ')} ms`);
    // Quiet again: a keystroke's echo is painted on the next frame, not held back.
    await page.locator('.kl-tabpane[data-terminal="shell"] .xterm').click();
    await page.waitForTimeout(FLOOD_FRAME_MS * 2);
    const typedAt = await page.evaluate(() => performance.now());
    await page.keyboard.type('Q');
    // (The DOM renderer writes spaces as no-break spaces, which \s matches.)
    const echoEnd = Date.now() + 5000;
    while (!/^kindlab:\S+[#$]\sQ\s*$/m.test(await rendered())) {
      assert.ok(Date.now() < echoEnd, 'the echo was never painted');
      await page.waitForTimeout(5);
    }
    const shownAt = await page.evaluate(() => (window as unknown as { __paints: number[] }).__paints.at(-1)!);
    assert.ok(shownAt - typedAt < FLOOD_FRAME_MS, `the echo was painted ${(shownAt - typedAt).toFixed(1)} ms after the key`);
    await page.keyboard.press('Control+U');
  });

  it('opens the socket in the page where no worker may start, and the terminal works the same', async () => {
    const other = await browser.newPage();
    try {
      const errors: string[] = [];
      other.on('pageerror', (e) => errors.push(String(e)));
      await other.goto(`${url}?no-worker`);
      await other.waitForFunction(() => (window as unknown as Win).__kindlab?.terminals.status('shell') === 'live');
      assert.equal(await other.evaluate(() => (window as unknown as Win).__sock.where), 'page');
      await other.evaluate(() => (window as unknown as Win).__kindlab.terminals.run('shell', 'echo "in-page-$((9*9))"'));
      await other.waitForFunction(() => (window as unknown as Win).__kindlab.terminals.text('shell').some((l) => l === 'in-page-81'));
      assert.deepEqual(errors, []);
    } finally {
      await other.close();
    }
  });

  it('shows another tab on click, starting its shell then', async () => {
    await page.locator('.kl-term-tab[data-terminal="other"]').click();
    await waitFor(() => hub.get('other')!.status === 'live', 5000, 'the other shell');
    await page.waitForFunction(() => (window as unknown as Win).__kindlab.terminals.status('other') === 'live');
    assert.equal(await page.locator('.kl-tabpane[data-terminal="shell"]').isHidden(), true);
  });
});
