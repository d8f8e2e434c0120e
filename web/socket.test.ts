import assert from 'node:assert/strict';
import { buffersIn, type FromWorker, type ToWorker } from './socket-bridge.js';
import { BridgedSocket } from './socket.js';

/**
 * The page's side is tested against a stand-in worker and a stand-in for the
 * owning end in the page; the real ones run in
 * test/integration/terminals-browser.test.ts (a worker, and a page whose
 * policy forbids workers).
 */
class StandInWorker {
  readonly sent: ToWorker[] = [];
  terminated = false;
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  postMessage(m: ToWorker): void {
    this.sent.push(m);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(m: FromWorker): void {
    this.onmessage?.({ data: m });
  }
}

/** The owning end in the page, as a stand-in: records what it is handed and can answer. */
class StandInPageEnd {
  readonly got: ToWorker[] = [];
  post: (m: FromWorker) => void = () => undefined;
  readonly start = (post: (m: FromWorker) => void): ((m: ToWorker) => void) => {
    this.post = post;
    return (m) => void this.got.push(m);
  };
}

function open(): { worker: StandInWorker; socket: BridgedSocket; page: StandInPageEnd } {
  const worker = new StandInWorker();
  const page = new StandInPageEnd();
  return { worker, page, socket: new BridgedSocket(worker as unknown as Worker, { reconnectionDelay: 100 }, page.start) };
}

describe('BridgedSocket (the page end of the socket, which lives in a worker)', () => {
  it('opens with the options, follows connect and disconnect, and delivers events in order', () => {
    const { worker, socket } = open();
    assert.deepEqual(worker.sent, [{ t: 'open', options: { reconnectionDelay: 100 } }]);
    const seen: unknown[] = [];
    socket.on('connect', () => seen.push(['connect', socket.connected]));
    socket.on('disconnect', (reason) => seen.push(['disconnect', reason, socket.connected]));
    socket.on('term:output', (f) => seen.push(f));
    worker.reply({ t: 'connect' });
    worker.reply({ t: 'event', event: 'term:output', args: [{ seq: 0 }] });
    worker.reply({ t: 'event', event: 'term:output', args: [{ seq: 5 }] });
    worker.reply({ t: 'disconnect', reason: 'transport close' });
    assert.deepEqual(seen, [['connect', true], { seq: 0 }, { seq: 5 }, ['disconnect', 'transport close', false]]);
  });

  it('passes a trailing function as an acknowledgement and calls it with the reply, once', () => {
    const { worker, socket } = open();
    const replies: unknown[] = [];
    socket.emit('term:attach', { terminal: 'shell' }, (r: unknown) => replies.push(r));
    socket.emit('term:input', { terminal: 'shell', data: 'x' });
    assert.deepEqual(worker.sent.slice(1), [
      { t: 'emit', event: 'term:attach', args: [{ terminal: 'shell' }], ack: 1 },
      { t: 'emit', event: 'term:input', args: [{ terminal: 'shell', data: 'x' }] },
    ]);
    worker.reply({ t: 'ack', id: 1, args: [{ ok: true }] });
    worker.reply({ t: 'ack', id: 1, args: [{ ok: true }] });
    assert.deepEqual(replies, [{ ok: true }]);
  });

  it('keeps delivering to other listeners when one throws, and stops everything on close', () => {
    const { worker, socket } = open();
    const got: string[] = [];
    const thrown: unknown[] = [];
    const g = globalThis as { reportError?: (e: unknown) => void };
    const had = g.reportError;
    g.reportError = (e) => thrown.push(e); // the browser's: reports an error as uncaught
    socket.on('x', () => {
      throw new Error('listener bug');
    });
    socket.on('x', () => got.push('second'));
    try {
      worker.reply({ t: 'event', event: 'x', args: [] });
    } finally {
      g.reportError = had;
    }
    assert.deepEqual(got, ['second']);
    assert.match(String(thrown[0]), /listener bug/, 'the error is reported, not swallowed');
    worker.reply({ t: 'connect' });
    socket.close();
    assert.equal(socket.connected, false);
    assert.deepEqual(worker.sent.at(-1), { t: 'close' });
    const count = worker.sent.length;
    socket.emit('term:input', { terminal: 'shell', data: 'late' });
    worker.reply({ t: 'event', event: 'x', args: [] });
    assert.equal(worker.sent.length, count, 'nothing is sent after close');
    assert.deepEqual(got, ['second'], 'nothing is delivered after close');
  });

  it('moves the socket into the page when the worker cannot load, handing over what was sent', () => {
    const { worker, socket, page } = open();
    const seen: string[] = [];
    socket.on('connect', () => seen.push(`connect in the ${socket.where}`));
    socket.emit('session:join', { sessionId: 's' }, (r: unknown) => seen.push(`joined ${JSON.stringify(r)}`));
    assert.equal(socket.where, 'worker');
    worker.onerror?.({ message: '' });
    assert.equal(socket.where, 'page');
    assert.equal(worker.terminated, true);
    assert.deepEqual(page.got, [
      { t: 'open', options: { reconnectionDelay: 100 } },
      { t: 'emit', event: 'session:join', args: [{ sessionId: 's' }], ack: 1 },
    ]);
    page.post({ t: 'connect' });
    page.post({ t: 'ack', id: 1, args: [{ ok: true }] });
    assert.deepEqual(seen, ['connect in the page', 'joined {"ok":true}']);
    socket.emit('term:input', { terminal: 'shell', data: 'x' });
    assert.deepEqual(page.got.at(-1), { t: 'emit', event: 'term:input', args: [{ terminal: 'shell', data: 'x' }] });
    assert.equal(worker.sent.length, 2, 'nothing more goes to the dead worker');
  });

  it('reopens in the page when a connected worker dies: a disconnect, then a fresh connect', () => {
    const { worker, socket, page } = open();
    const seen: string[] = [];
    socket.on('connect', () => seen.push('connect'));
    socket.on('disconnect', (reason) => seen.push(`disconnect: ${reason}`));
    worker.reply({ t: 'connect' });
    socket.emit('term:input', { terminal: 'shell', data: 'sent while the worker lived' });
    worker.onerror?.({ message: 'boom' });
    assert.equal(socket.connected, false);
    assert.deepEqual(page.got, [{ t: 'open', options: { reconnectionDelay: 100 } }], 'only the open is replayed');
    page.post({ t: 'connect' });
    assert.deepEqual(seen, ['connect', 'disconnect: transport error', 'connect']);
    assert.equal(socket.connected, true);
  });
});

describe('buffersIn', () => {
  it('finds the buffer under each byte array a few levels deep, once each, and nothing in plain data', () => {
    const a = new Uint8Array(8);
    const view = a.subarray(2, 4);
    const b = new ArrayBuffer(4);
    assert.deepEqual(buffersIn([{ terminal: 'x', seq: 1, data: view }, 'text', 3]), [a.buffer]);
    assert.deepEqual(buffersIn([{ data: a }, { data: view }, b]), [a.buffer, b]);
    assert.deepEqual(buffersIn([{ terminal: 'x', data: 'text' }, null, undefined]), []);
  });
});
