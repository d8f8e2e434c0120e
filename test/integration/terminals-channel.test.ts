import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { MAX_INPUT_BYTES, type ClientToServerEvents, type ServerToClientEvents } from '../../common/protocol.js';
import { socketParser } from '../../common/socket-parser.js';
import { byteLength, outputText } from '../../common/terminal-data.js';
import { bindTerminalEvents } from '../../server/terminals/terminal-channel.js';
import { TerminalHub } from '../../server/terminals/terminal-hub.js';
import { alive } from '../helpers/processes.js';
import { ShellFactory, waitFor } from './terminals-support.js';

type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

describe('terminal channel over a real socket.io server (127.0.0.1)', function () {
  let shells: ShellFactory;
  let hub: TerminalHub;
  let http: HttpServer;
  let io: Server<ClientToServerEvents, ServerToClientEvents>;
  let url: string;
  const clients: Client[] = [];
  let notReady = false;

  beforeEach(async () => {
    shells = new ShellFactory();
    await shells.setup();
    hub = new TerminalHub({ specs: [{ name: 'shell', target: 'local' }], spawn: (_s, size) => {
        if (notReady) throw new Error('the environment is not ready yet');
        return shells.spawn(size);
      },
      graceMs: 60_000,
    });
    http = createServer();
    io = new Server(http, { parser: socketParser });
    io.on('connection', (socket) => {
      const unbind = bindTerminalEvents(socket, hub);
      socket.on('disconnect', unbind);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await new Promise<void>((resolve) => io.close(() => resolve()));
    hub.dispose();
    await shells.assertNoneLeft();
    await shells.teardown();
  });

  async function client(): Promise<Client & { out: () => string; errors: { event: string; message: string }[]; frames: { text: number; bytes: number; byteCount: number } }> {
    const c = connect(url, { transports: ['websocket'], parser: socketParser, forceNew: true, reconnection: false }) as Client;
    clients.push(c);
    let text = '';
    const errors: { event: string; message: string }[] = [];
    const frames = { text: 0, bytes: 0, byteCount: 0 };
    c.on('term:output', (f) => {
      if (typeof f.data === 'string') frames.text++;
      else frames.bytes++;
      frames.byteCount += byteLength(f.data);
      text += outputText(f.data);
      c.emit('term:ack', { terminal: f.terminal, bytes: byteLength(f.data) });
    });
    c.on('client:error', (e) => errors.push(e));
    await new Promise<void>((resolve, reject) => {
      c.once('connect', resolve);
      c.once('connect_error', reject);
    });
    return Object.assign(c, { out: () => text, errors, frames });
  }

  const attach = (c: Client, req: { terminal: string; fromSeq: number; cols: number; rows: number }) =>
    new Promise<{ ok: true; value: { seq: number } } | { ok: false; error: string }>((resolve) => c.emit('term:attach', req, resolve));

  it('attaches, types, resizes, and a disconnect keeps the shell for the next socket', async () => {
    const c = await client();
    const r = await attach(c, { terminal: 'shell', fromSeq: 0, cols: 90, rows: 20 });
    assert.deepEqual(r, { ok: true, value: { seq: 0 } });
    await waitFor(() => /[#$] $/.test(c.out()), 5000, 'the prompt');
    c.emit('term:input', { terminal: 'shell', data: 'stty size\r' });
    await waitFor(() => /20 90\r\n/.test(c.out()), 5000, 'stty size');
    c.emit('term:resize', { terminal: 'shell', cols: 100, rows: 30 });
    c.emit('term:input', { terminal: 'shell', data: 'stty size; echo "mark-$((2*21))"\r' });
    await waitFor(() => /30 100\r\nmark-42/.test(c.out()), 5000, 'the new size');
    const pid = hub.get('shell')!.pid!;
    const seen = Buffer.byteLength(c.out());
    c.disconnect();
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(hub.get('shell')!.status, 'live', 'the shell outlives the socket');
    hub.get('shell')!.write('echo "while-away-$((3*3))"\r');
    await new Promise((res) => setTimeout(res, 200));
    const d = await client();
    const back = await attach(d, { terminal: 'shell', fromSeq: seen, cols: 100, rows: 30 });
    assert.ok(back.ok);
    await waitFor(() => /while-away-9\r\n/.test(d.out()), 5000, 'the missed output to be replayed');
    assert.ok(!d.out().includes('mark-42'), 'only what was missed is replayed');
    assert.equal(hub.get('shell')!.pid, pid);
    assert.ok(alive(pid));
    assert.deepEqual(c.errors, []);
    assert.deepEqual(d.errors, []);
  });

  it('sends a flood as bytes and an echo as text, every byte counted once, multi-byte characters whole', async () => {
    const c = await client();
    assert.ok((await attach(c, { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok);
    await waitFor(() => /[#$] $/.test(c.out()), 5000, 'the prompt');
    const before = { ...c.frames };
    // ~1.3 MB of 1-, 2-, 3- and 4-byte characters (the command line itself is ASCII), past the high watermark.
    c.emit('term:input', { terminal: 'shell', data: "for i in $(seq 1 50000); do printf 'line %05d caf\\303\\251 \\342\\206\\222 \\360\\237\\230\\200\\n' $i; done; echo \"flood-$((6*7))\"\r" });
    await waitFor(() => /flood-42\r\n[^]*[#$] $/.test(c.out()), 20_000, 'the end of the flood and the prompt');
    assert.ok(c.frames.bytes - before.bytes > 0, 'the flood arrived in binary frames');
    assert.match(c.out(), /^line 50000 café → 😀\r$/mu, 'characters across frames arrive whole');
    assert.equal(c.out().match(/line \d{5} café → 😀\r\n/gu)?.length, 50000, 'every line once');
    assert.equal(c.frames.byteCount, hub.get('shell')!.seq, 'bytes received = bytes the shell wrote');
    assert.equal(Buffer.byteLength(c.out()), hub.get('shell')!.seq, 'and they decode to as many bytes of text');
    const textFrames = c.frames.text;
    c.emit('term:input', { terminal: 'shell', data: 'x' });
    await waitFor(() => c.out().endsWith('x'), 5000, 'the echo');
    assert.equal(c.frames.text, textFrames + 1, 'an echo is a text frame');
    assert.deepEqual(c.errors, []);
  });

  it('refuses bad payloads with client:error in plain words and never reaches the PTY', async () => {
    const c = await client();
    const raw = c as unknown as { emit(e: string, ...a: unknown[]): void };
    // Before any attach: a shell must not have been started by these.
    raw.emit('term:input', { terminal: 'shell', data: 'echo hi\r' });
    const unknown = await attach(c, { terminal: 'nope', fromSeq: 0, cols: 80, rows: 24 });
    assert.deepEqual(unknown, { ok: false, error: 'there is no terminal named "nope"' });
    raw.emit('term:attach', 'not an object', () => undefined);
    raw.emit('term:attach', { terminal: 'shell', fromSeq: -1, cols: 80, rows: 24 }); // no ack function at all
    await waitFor(() => c.errors.length >= 4, 2000, 'four refusals');
    assert.equal(hub.get('shell')!.status, 'connecting', 'nothing started the shell');

    assert.ok((await attach(c, { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok);
    await waitFor(() => /[#$] $/.test(c.out()), 5000, 'the prompt');
    c.errors.length = 0;
    raw.emit('term:input', { terminal: 'shell', data: 42 });
    raw.emit('term:input', { terminal: 'shell', data: 'x'.repeat(MAX_INPUT_BYTES + 1) });
    raw.emit('term:input', null);
    raw.emit('term:resize', { terminal: 'shell', cols: null, rows: 24 }); // NaN arrives as null over JSON
    raw.emit('term:resize', { terminal: 'shell', cols: -5, rows: 24 });
    raw.emit('term:resize', { terminal: 'shell', cols: 80, rows: 1e9 });
    raw.emit('term:resize', { terminal: 'shell', cols: 80.5, rows: 24 });
    raw.emit('term:ack', { terminal: 'shell', bytes: 'lots' });
    raw.emit('term:input', { terminal: 'nope', data: 'x' });
    await waitFor(() => c.errors.length >= 9, 2000, 'nine refusals');
    const msgs = c.errors.map((e) => `${e.event}: ${e.message}`);
    assert.match(msgs[0]!, /term:input refused: data must be a string/);
    assert.match(msgs[1]!, new RegExp(`at most ${MAX_INPUT_BYTES} bytes`));
    assert.match(msgs[2]!, /the request must be an object/);
    assert.match(msgs[3]!, /cols must be a number/);
    assert.match(msgs[4]!, /cols must be positive/);
    assert.match(msgs[5]!, /rows must be at most 500/);
    assert.match(msgs[6]!, /cols must be a whole number/);
    assert.match(msgs[7]!, /bytes must be a number/);
    assert.match(msgs[8]!, /no terminal named "nope"/);

    // The server survived and the terminal still works at its old size.
    c.emit('term:input', { terminal: 'shell', data: 'stty size; echo "ok-$((1+1))"\r' });
    await waitFor(() => /24 80\r\nok-2\r\n/.test(c.out()), 5000, 'the shell to still answer');
    assert.doesNotMatch(c.out(), /echo hi/);
  });

  it('answers an attach whose shell cannot start with the reason, and a later attach works', async () => {
    const c = await client();
    notReady = true;
    try {
      const r = await attach(c, { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 });
      assert.deepEqual(r, { ok: false, error: 'terminal "shell" could not start: the environment is not ready yet' });
      assert.equal(c.errors.length, 1);
    } finally {
      notReady = false;
    }
    assert.ok((await attach(c, { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok);
    c.emit('term:input', { terminal: 'shell', data: 'echo "up-$((4*4))"\r' });
    await waitFor(() => /up-16\r\n/.test(c.out()), 5000, 'the shell');
  });

  it('clamps a tiny but valid size to the minimum', async () => {
    const c = await client();
    assert.ok((await attach(c, { terminal: 'shell', fromSeq: 0, cols: 1, rows: 1 })).ok);
    await waitFor(() => hub.get('shell')!.status === 'live', 2000, 'live');
    c.emit('term:input', { terminal: 'shell', data: 'stty size\r' });
    await waitFor(() => /1 2\r\n/.test(c.out()), 5000, 'the clamped size');
  });

  it('sends status changes and the exit message', async () => {
    const c = await client();
    const statuses: string[] = [];
    c.on('term:status', (s) => statuses.push(`${s.status}${s.message ? `: ${s.message}` : ''}`));
    assert.ok((await attach(c, { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok);
    await waitFor(() => /[#$] $/.test(c.out()), 5000, 'the prompt');
    c.emit('term:input', { terminal: 'shell', data: 'exit 4\r' });
    await waitFor(() => statuses.length >= 2, 5000, 'closed status');
    assert.deepEqual(statuses, ['live', 'closed: shell exited with code 4']);
    c.emit('term:input', { terminal: 'shell', data: 'echo nobody\r' });
    await waitFor(() => c.errors.length === 1, 2000, 'a refusal');
    assert.match(c.errors[0]!.message, /closed; attach again/);
  });
});
