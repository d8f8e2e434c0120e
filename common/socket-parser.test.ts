import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { Encoder as StockEncoder, PacketType, type Packet } from 'socket.io-parser';
import { Decoder, Encoder, pack, socketParser, unpack } from './socket-parser.js';

const event = (data: unknown[]): Packet => ({ type: PacketType.EVENT, nsp: '/', data });

/** Decode messages and return the packets they made. */
function decodeAll(decoder: Decoder, messages: unknown[]): Packet[] {
  const out: Packet[] = [];
  decoder.on('decoded', (p: Packet) => out.push(p));
  for (const m of messages) decoder.add(m);
  return out;
}

describe('socket parser (one binary message per packet with bytes)', () => {
  it('leaves text packets exactly as socket.io encodes them', () => {
    const p = event(['term:output', { terminal: 'shell', seq: 7, data: 'hello\r\n' }]);
    assert.deepEqual(new Encoder().encode(p), new StockEncoder().encode(p));
    assert.deepEqual(decodeAll(new Decoder(), new Encoder().encode(p)), [p]);
  });

  it('packs a packet with bytes into one message and decodes it back, the bytes as a view of it', () => {
    const bytes = Buffer.from('x'.repeat(100_000) + 'é');
    const p = event(['term:output', { terminal: 'shell', seq: 0, data: bytes }]);
    assert.equal(new StockEncoder().encode(p).length, 2, 'socket.io alone sends a header and an attachment');
    const messages = new Encoder().encode(p);
    assert.equal(messages.length, 1);
    assert.ok(messages[0] instanceof Uint8Array);
    const [decoded] = decodeAll(new Decoder(), messages);
    const data = (decoded!.data as [string, { data: Uint8Array }])[1].data;
    assert.ok(Buffer.from(data).equals(bytes));
    assert.equal(data.buffer, (messages[0] as Uint8Array).buffer, 'not copied');
  });

  it('carries several attachments, and an ack with bytes', () => {
    const p: Packet = { type: PacketType.ACK, nsp: '/', id: 3, data: [{ a: new Uint8Array([1, 2]), b: [new Uint8Array([]), new Uint8Array([3])] }] };
    const [decoded] = decodeAll(new Decoder(), new Encoder().encode(p));
    assert.equal(decoded!.type, PacketType.ACK);
    assert.equal(decoded!.id, 3);
    const d = (decoded!.data as { a: Uint8Array; b: Uint8Array[] }[])[0]!;
    assert.deepEqual([...d.a], [1, 2]);
    assert.deepEqual(d.b.map((x) => [...x]), [[], [3]]);
  });

  it('refuses malformed packed messages with a clear error, and decodes the next good one', () => {
    const good = new Encoder().encode(event(['e', new Uint8Array([9])]))[0] as Uint8Array;
    const { header } = unpack(good);
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /ends inside the header length/],
      ['truncated attachment', good.subarray(0, good.length - 1), /shorter than its attachment/],
      ['trailing bytes', new Uint8Array([...good, 0]), /bytes after its last attachment/],
      ['a text event packed', pack('2["e"]', []), /must hold a binary event or ack/],
      ['fewer attachments than the header says', pack(header.replace(/^51-/, '52-'), [new Uint8Array([1])]), /shorter than its attachment|ends inside the attachment length/],
      ['too many attachments', pack('511-["e"]', Array.from({ length: 11 }, () => new Uint8Array(1))), /11 attachments/],
      ['bad JSON in the header', pack('51-["e",{"_placeholder":true,"num":0}', [new Uint8Array(1)]), /invalid payload|Unexpected|JSON/i],
      ['a header that is not UTF-8', Uint8Array.from([0, 0, 0, 2, 0xc3, 0x28]), /not valid/],
    ];
    const decoder = new Decoder();
    const got = decodeAll(decoder, []);
    for (const [what, message, error] of cases) assert.throws(() => decoder.add(message), error, what);
    // socket.io's own two-message form (header, then a bare attachment) is not accepted either.
    const [stockHeader, stockAttachment] = new StockEncoder().encode(event(['e', Buffer.from([9])]));
    decoder.add(stockHeader); // text: socket.io's decoder now waits for an attachment...
    assert.throws(() => decoder.add(stockAttachment), /ends inside the header length/); // ...which is refused, and the wait dropped
    decoder.add(good);
    assert.equal(got.length, 1, 'only the good message made a packet');
  });

  it('works end to end over real socket.io: a large binary emit is one WebSocket message', async function () {
    const http = createServer();
    const io = new Server(http, { parser: socketParser, transports: ['websocket'] });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const sent: unknown[] = [];
    io.on('connection', (s) => {
      s.conn.on('packetCreate', (p: { type: string; data: unknown }) => {
        if (p.type === 'message') sent.push(p.data);
      });
      s.on('go', () => s.emit('out', { seq: 1, data: Buffer.alloc(300_000, 0x61) }, 'tail'));
    });
    const client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { parser: socketParser, transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      const got = await new Promise<[{ seq: number; data: Uint8Array }, string]>((resolve) => {
        client.on('out', (f: { seq: number; data: Uint8Array }, t: string) => resolve([f, t]));
        client.emit('go');
      });
      assert.equal(got[0].seq, 1);
      assert.equal(got[0].data.length, 300_000);
      assert.ok(got[0].data.every((b) => b === 0x61));
      assert.equal(got[1], 'tail');
      assert.equal(sent.length, 1, 'one message for the whole packet');
      assert.ok(sent[0] instanceof Uint8Array);
    } finally {
      client.disconnect();
      await new Promise<void>((r) => io.close(() => r()));
    }
  });
});
