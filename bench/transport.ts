/**
 * `node --import tsx bench/transport.ts [MiB] [runs] [frame KiB]`: what carrying terminal
 * output costs a page, by transport, with nothing of kindlab in the way. One
 * page with a bare xterm.js Terminal (120×40, DOM renderer, as the ceiling
 * page) is fed the same base64 payload in 256 KiB frames, at most 1 MiB
 * unacknowledged (kindlab's flow-control marks), each frame acknowledged from
 * xterm's write callback:
 *
 * - `memory`: from the page's own memory (the ceiling, no network), as strings;
 * - `memory-bytes`: the same as bytes (`Uint8Array`, which xterm.js also parses);
 * - `sio-text`: socket.io, `{terminal, seq, data}` with data a string (what kindlab sends);
 * - `sio-binary`: socket.io, the same object with data a Buffer (a binary attachment);
 * - `sio-packed`: the same, with kindlab's parser (common/socket-parser.ts: one message);
 * - `ws-text` / `ws-binary`: a plain WebSocket, one message per frame;
 * - `worker-binary`: the binary WebSocket owned by a Web Worker, which hands
 *   each frame's buffer to the page (transferred, not copied).
 *
 * Driven over a bare CDP connection (bench/cdp.ts; no Network domain), modes
 * alternating, after one unrecorded pass of each. Prints MiB/s per mode and
 * its share of `memory`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Server as IoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { socketParser } from '../common/socket-parser.js';
import { openRawPage } from './cdp.js';
import { COLS, ROWS, SCROLLBACK } from './pages.js';
import { REPO } from './servers.js';
import { inTurn, median } from './stats.js';

/** Frame size in KiB (third argument; kindlab sends up to 256 KiB). */
const FRAME = Number(process.argv[4] ?? 256) * 1024;
const WINDOW = 1024 * 1024;
const MODES = ['memory', 'memory-bytes', 'sio-text', 'sio-binary', 'sio-packed', 'ws-text', 'ws-binary', 'worker-binary'] as const;
type Mode = (typeof MODES)[number];

/** Sends `payload` in frames, keeping at most WINDOW bytes unacknowledged. */
function pump(payload: string, binary: boolean, send: (data: string | Buffer, seq: number) => void): (acked: number) => void {
  let sent = 0;
  let unacked = 0;
  const more = (): void => {
    while (sent < payload.length && unacked + FRAME <= WINDOW) {
      const part = payload.slice(sent, sent + FRAME);
      send(binary ? Buffer.from(part, 'latin1') : part, sent);
      sent += part.length;
      unacked += part.length;
    }
  };
  more();
  return (acked) => {
    unacked -= acked;
    more();
  };
}

async function main(): Promise<void> {
  const mib = Number(process.argv[2] ?? 20);
  const runs = Number(process.argv[3] ?? 3);
  const payload = randomBytes(((mib * 1024 * 1024) / 4) * 3).toString('base64');
  const bundle = (await build({ entryPoints: [join(REPO, 'bench', 'transport-page.js')], bundle: true, format: 'iife', target: 'es2022', minify: true, write: false, logLevel: 'error' })).outputFiles[0]!.text;
  const css = readFileSync(join(REPO, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), 'utf8');
  const page = `<!doctype html><html><head><style>${css} body{margin:0;background:#1e1e1e}</style></head><body><div id="t"></div>
<script>${bundle}</script>
<script>
const TOTAL = ${payload.length};
const term = new BareTerminal({ cols: ${COLS}, rows: ${ROWS}, scrollback: ${SCROLLBACK}, fontSize: 14 });
term.open(document.getElementById('t'));
window.runStream = (mode) => new Promise((done, fail) => {
  term.reset();
  let parsed = 0;
  let t0 = 0;
  let close = () => {};
  const frame = (data, ack) => {
    const n = typeof data === 'string' ? data.length : data.byteLength;
    term.write(typeof data === 'string' || data instanceof Uint8Array ? data : new Uint8Array(data), () => {
      parsed += n;
      ack(n);
      if (parsed === TOTAL) { close(); done({ ms: performance.now() - t0, parsed }); }
    });
  };
  if (mode.startsWith('memory')) {
    fetch('/payload').then((r) => mode === 'memory' ? r.text() : r.arrayBuffer().then((b) => new Uint8Array(b))).then((text) => {
      t0 = performance.now();
      let sent = 0, unacked = 0;
      const more = () => { while (sent < text.length && unacked + ${FRAME} <= ${WINDOW}) { const part = mode === 'memory' ? text.slice(sent, sent + ${FRAME}) : text.subarray(sent, sent + ${FRAME}); sent += part.length; unacked += part.length; frame(part, (n) => { unacked -= n; more(); }); } };
      more();
    }, fail);
  } else if (mode.startsWith('sio')) {
    const s = mode === 'sio-packed' ? io({ path: '/packed', parser: socketParser, transports: ['websocket'], forceNew: true }) : io({ transports: ['websocket'], forceNew: true });
    close = () => s.disconnect();
    s.on('o', (f) => frame(f.data, (n) => s.emit('a', n)));
    s.on('connect', () => { t0 = performance.now(); s.emit('go', mode); });
  } else if (mode === 'worker-binary') {
    const src = "let ws; onmessage = (e) => { if (e.data.url) { ws = new WebSocket(e.data.url); ws.binaryType = 'arraybuffer'; ws.onmessage = (m) => postMessage(m.data, [m.data]); ws.onopen = () => postMessage('open'); } else ws.send(String(e.data)); };";
    const w = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    close = () => w.terminate();
    w.onmessage = (e) => { if (e.data === 'open') { t0 = performance.now(); w.postMessage('go'); } else frame(e.data, (n) => w.postMessage(n)); };
    w.postMessage({ url: 'ws://' + location.host + '/raw?' + mode });
  } else {
    const ws = new WebSocket('ws://' + location.host + '/raw?' + mode);
    ws.binaryType = 'arraybuffer';
    close = () => ws.close();
    ws.onmessage = (e) => frame(e.data, (n) => ws.send(String(n)));
    ws.onopen = () => { t0 = performance.now(); ws.send('go'); };
  }
});
</script></body></html>`;

  const http = createServer((req, res) => {
    if (req.url === '/payload') res.end(payload);
    else res.setHeader('content-type', 'text/html').end(page);
  });
  const io = new IoServer(http, { transports: ['websocket'], maxHttpBufferSize: 256 * 1024 });
  const packed = new IoServer(http, { path: '/packed', parser: socketParser, transports: ['websocket'], maxHttpBufferSize: 256 * 1024 });
  for (const server of [io, packed]) {
    server.on('connection', (socket) => {
      socket.once('go', (mode: string) => {
        const ack = pump(payload, mode !== 'sio-text', (data, seq) => socket.emit('o', { terminal: 'shell', seq, data }));
        socket.on('a', (n: number) => ack(n));
      });
    });
  }
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (req, sock, head) => {
    if (!req.url?.startsWith('/raw')) return; // socket.io's engine handles its own path
    wss.handleUpgrade(req, sock, head, (ws) => {
      const binary = req.url!.endsWith('binary');
      ws.once('message', () => {
        const ack = pump(payload, binary, (data) => ws.send(data, { binary }));
        ws.on('message', (m) => ack(Number(String(m))));
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as { port: number };

  const raw = await openRawPage();
  const results: Record<Mode, number[]> = { memory: [], 'memory-bytes': [], 'sio-text': [], 'sio-binary': [], 'sio-packed': [], 'ws-text': [], 'ws-binary': [], 'worker-binary': [] };
  try {
    await raw.cdp.send('Page.enable');
    await raw.cdp.send('Page.navigate', { url: `http://127.0.0.1:${port}/` });
    await raw.cdp.until('typeof window.runStream === "function"', 15_000);
    // One unrecorded pass of every mode first: xterm's parser and each path get compiled.
    for (const mode of MODES) await raw.cdp.eval(`window.runStream(${JSON.stringify(mode)})`);
    for (let r = 0; r < runs; r++) {
      for (const mode of inTurn(MODES, r)) {
        const out = await raw.cdp.eval<{ ms: number; parsed: number }>(`window.runStream(${JSON.stringify(mode)})`);
        if (out.parsed !== payload.length) throw new Error(`${mode}: parsed ${out.parsed} of ${payload.length}`);
        results[mode].push(out.ms);
        console.log(`${mode.padEnd(10)} run ${r + 1}: ${((mib * 1000) / out.ms).toFixed(1)} MiB/s`);
      }
    }
  } finally {
    await raw.close();
    io.close();
    packed.close();
    wss.close();
    http.close();
  }
  const ceiling = (mib * 1000) / median(results.memory);
  for (const mode of MODES) {
    const rate = (mib * 1000) / median(results[mode]);
    console.log(`${mode.padEnd(10)} median ${rate.toFixed(1)} MiB/s = ${Math.round((100 * rate) / ceiling)} % of memory`);
  }
}

await main();
