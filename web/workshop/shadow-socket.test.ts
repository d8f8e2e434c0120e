/**
 * The shadow adapter over a real socket.io connection: an attach becomes
 * `term:shadow` for the learner's session, only that session's frames reach
 * the view, its acks go out as `shadow:ack`, and nothing the view would
 * write ever reaches the wire.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import type { OutputFrame } from '../../common/protocol.js';
import { ShadowSocket } from './shadow-socket.js';
import type { PageSocket } from '../socket.js';

describe('ShadowSocket (real socket.io)', () => {
  let http: ReturnType<typeof createServer>;
  let server: Server;
  let client: PageSocket;
  const received: { event: string; args: unknown[] }[] = [];

  before(async () => {
    http = createServer();
    server = new Server(http);
    server.on('connection', (socket) => {
      socket.onAny((event: string, ...args: unknown[]) => {
        received.push({ event, args: args.filter((a) => typeof a !== 'function') });
        const ack = args.find((a) => typeof a === 'function') as ((r: unknown) => void) | undefined;
        if (event === 'term:shadow') {
          ack?.({ ok: true, value: { seq: 5 } });
          const req = args[0] as { sessionId: string; terminal: string };
          // Another learner's frame first, then this learner's, and a learner-side frame that must be ignored.
          socket.emit('shadow:output', { sessionId: 'someone-else', terminal: req.terminal, seq: 0, data: 'not yours' });
          socket.emit('term:output', { terminal: req.terminal, seq: 0, data: 'own-session output' });
          socket.emit('shadow:output', { sessionId: req.sessionId, terminal: req.terminal, seq: 0, data: 'hello' });
        } else ack?.({ ok: true, value: null });
      });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });
    await new Promise<void>((r) => client.on('connect', r));
  });

  after(async () => {
    client?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('turns an attach into term:shadow, keeps only its session’s frames, passes its acks on and drops every write', async () => {
    const shadow = new ShadowSocket(client, 'session-a');
    const view = shadow.asTerminalSocket();
    const frames: OutputFrame[] = [];
    const onOutput = (f: OutputFrame): void => void frames.push(f);
    view.on('term:output', onOutput);
    const dropped: string[] = [];
    shadow.onDropped((e) => dropped.push(e));

    const reply = await new Promise<unknown>((r) => view.emit('term:attach', { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 }, r));
    assert.deepEqual(reply, { ok: true, value: { seq: 5 } });
    const end = Date.now() + 2000;
    while (frames.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50)); // let any stray frame arrive too
    assert.deepEqual(frames, [{ terminal: 'shell', seq: 0, data: 'hello' }]);

    view.emit('term:input', { terminal: 'shell', data: 'rm -rf ~\r' });
    view.emit('term:resize', { terminal: 'shell', cols: 10, rows: 5 });
    view.emit('term:ack', { terminal: 'shell', bytes: 5 });
    view.emit('term:ack', { terminal: 'other', bytes: 7 }); // not shadowed: not sent
    assert.deepEqual(dropped, ['term:input', 'term:resize']);
    assert.equal(shadow.dropped, 2);

    view.off('term:output', onOutput);
    shadow.close();
    // A round trip after everything above: the server has seen all the client sent.
    await new Promise<unknown>((r) => client.emit('room:subscribe', {}, r as never));
    assert.deepEqual(
      received.map((x) => x.event),
      ['term:shadow', 'shadow:ack', 'term:unshadow', 'room:subscribe'],
    );
    assert.deepEqual(received[0]?.args, [{ sessionId: 'session-a', terminal: 'shell', fromSeq: 0 }]);
    assert.deepEqual(received[1]?.args, [{ sessionId: 'session-a', terminal: 'shell', bytes: 5 }], 'the view’s ack, for its session');
    assert.deepEqual(received[2]?.args, [{ sessionId: 'session-a', terminal: 'shell' }]);
  });
});
