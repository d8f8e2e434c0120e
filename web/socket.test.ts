import assert from 'node:assert/strict';
import { buffersIn, type FromWorker, type ToWorker } from './socket-bridge.js';
import { WorkerSocket } from './socket.js';

/** The page's side is tested against a stand-in worker here; the real one runs in test/integration/terminals-browser.test.ts. */
class StandInWorker {
  readonly sent: ToWorker[] = [];
  onmessage: ((e: { data: FromWorker }) => void) | null = null;
  onerror: ((e: { message: string }) => void) | null = null;
  postMessage(m: ToWorker): void {
    this.sent.push(m);
  }
  reply(m: FromWorker): void {
    this.onmessage?.({ data: m });
  }
}

function open(): { worker: StandInWorker; socket: WorkerSocket } {
  const worker = new StandInWorker();
  return { worker, socket: new WorkerSocket(worker as unknown as Worker, { reconnectionDelay: 100 }) };
}

describe('WorkerSocket (the page end of the socket worker)', () => {
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

  it('says a worker that fails to load is a connection error', () => {
    const { worker, socket } = open();
    const errors: string[] = [];
    socket.on('connect_error', (e) => errors.push((e as Error).message));
    worker.onerror?.({ message: '' });
    assert.deepEqual(errors, ['the socket worker failed: it could not load']);
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
