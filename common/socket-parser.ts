/**
 * kindlab's socket.io parser: socket.io's own, except that a packet carrying
 * bytes travels as ONE binary WebSocket message instead of socket.io's two or
 * more (a text header with placeholders, then each attachment on its own).
 *
 * Why: large terminal output is sent as bytes (see OUTPUT_BINARY_MIN_BYTES in common/protocol.ts),
 * and with the stock parser every such frame cost the page two WebSocket
 * messages and acted only on the second; a text frame costs the page a UTF-8
 * decode into a string and the server a JSON escape of every control
 * character. One binary message is what a plain WebSocket would send
 * (bench/transport.ts measures the four).
 *
 * The packed message, all lengths unsigned 32-bit big-endian:
 *
 *     [header length][header: socket.io's own text header, UTF-8]
 *     ([attachment length][attachment bytes]) × the header's attachment count
 *
 * Text packets are socket.io's unchanged. Both ends must use this parser
 * (`parser: socketParser` on the server and on every client); a packed
 * message that does not match its own header is refused with an error, which
 * socket.io answers by closing that connection.
 */
import { Decoder as StockDecoder, Encoder as StockEncoder, type Packet } from 'socket.io-parser';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

/** socket.io's own limit on attachments per packet (its Decoder's default). */
const MAX_ATTACHMENTS = 10;
const U32 = 4;

function asBytes(b: unknown): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new Error('socket parser: an attachment is not binary data');
}

/** Pack socket.io's header and attachments into one message. */
export function pack(header: string, attachments: readonly unknown[]): Uint8Array {
  const head = encodeUtf8(header);
  const parts = attachments.map(asBytes);
  const out = new Uint8Array(U32 + head.length + parts.reduce((n, p) => n + U32 + p.length, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, head.length);
  out.set(head, U32);
  let at = U32 + head.length;
  for (const p of parts) {
    view.setUint32(at, p.length);
    out.set(p, at + U32);
    at += U32 + p.length;
  }
  return out;
}

/** Split a packed message back into socket.io's header and attachments (views, not copies). */
export function unpack(message: Uint8Array): { header: string; attachments: Uint8Array[] } {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const read = (at: number, what: string): number => {
    if (at + U32 > message.length) throw new Error(`socket parser: packed message ends inside the ${what} length`);
    const n = view.getUint32(at);
    if (at + U32 + n > message.length) throw new Error(`socket parser: packed message is shorter than its ${what}`);
    return n;
  };
  const headLength = read(0, 'header');
  const header = decodeUtf8(message.subarray(U32, U32 + headLength), true);
  const m = /^[56](\d{1,2})-/.exec(header);
  if (!m) throw new Error('socket parser: a packed message must hold a binary event or ack');
  const count = Number(m[1]);
  if (count < 1 || count > MAX_ATTACHMENTS) throw new Error(`socket parser: ${count} attachments (1 to ${MAX_ATTACHMENTS} allowed)`);
  const attachments: Uint8Array[] = [];
  let at = U32 + headLength;
  for (let i = 0; i < count; i++) {
    const n = read(at, 'attachment');
    attachments.push(message.subarray(at + U32, at + U32 + n));
    at += U32 + n;
  }
  if (at !== message.length) throw new Error('socket parser: packed message has bytes after its last attachment');
  return { header, attachments };
}

export class Encoder extends StockEncoder {
  override encode(packet: Packet): (string | Uint8Array)[] {
    const parts = super.encode(packet) as unknown[];
    if (parts.length === 1) return parts as string[];
    return [pack(parts[0] as string, parts.slice(1))];
  }
}

export class Decoder extends StockDecoder {
  override add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      super.add(chunk);
      return;
    }
    // unpack checked that the header is a binary event or ack announcing
    // exactly the attachments that follow, so socket.io's decoder either
    // emits the packet with the last one or throws.
    try {
      const { header, attachments } = unpack(asBytes(chunk));
      super.add(header);
      for (const a of attachments) super.add(a);
    } catch (e) {
      this.destroy(); // drop a half-built packet, so the next message starts clean
      throw e;
    }
  }
}

/** Pass as `parser` to socket.io's Server and to every socket.io-client. */
export const socketParser = { Encoder, Decoder };
