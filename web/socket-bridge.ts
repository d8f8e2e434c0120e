/**
 * The messages between the page (web/socket.ts) and the end that owns the
 * socket, and that end itself. The owning end normally runs in a Web Worker
 * (web/socket-worker.ts); where no worker may start, the page runs it in
 * place and talks to it through the same messages. Event arguments cross as
 * structured clones; the buffers under any bytes in them are transferred,
 * not copied.
 */
import { io, type Socket } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';

/** socket.io-client options the page may set (the owning end fixes transport and parser). */
export interface BridgeOptions {
  readonly reconnectionDelay?: number;
  readonly reconnectionDelayMax?: number;
}

export type ToWorker =
  | { readonly t: 'open'; readonly options: BridgeOptions }
  | { readonly t: 'emit'; readonly event: string; readonly args: readonly unknown[]; readonly ack?: number }
  | { readonly t: 'close' };

export type FromWorker =
  | { readonly t: 'connect' }
  | { readonly t: 'disconnect'; readonly reason: string }
  | { readonly t: 'connect_error'; readonly message: string }
  | { readonly t: 'event'; readonly event: string; readonly args: readonly unknown[] }
  | { readonly t: 'ack'; readonly id: number; readonly args: readonly unknown[] };

/** The buffers under every byte array in `value` (looked for a few levels deep), each once. */
export function buffersIn(value: unknown, depth = 3, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value instanceof ArrayBuffer) {
    found.add(value);
  } else if (depth > 0 && typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) buffersIn(v, depth - 1, found);
  }
  return [...found];
}

/**
 * The owning end: opens the socket on `open`, forwards every event it
 * receives through `post` in order, sends `emit`s (answering acks), and on
 * `close` closes the socket and calls `closed`.
 */
export function socketEnd(post: (message: FromWorker, transfer: ArrayBuffer[]) => void, closed: () => void = () => undefined): (message: ToWorker) => void {
  let socket: Socket | undefined;
  return (m) => {
    if (m.t === 'open' && !socket) {
      const s = io({ ...m.options, transports: ['websocket'], parser: socketParser });
      s.on('connect', () => post({ t: 'connect' }, []));
      s.on('disconnect', (reason) => post({ t: 'disconnect', reason }, []));
      s.on('connect_error', (e) => post({ t: 'connect_error', message: e.message }, []));
      s.onAny((event: string, ...args: unknown[]) => post({ t: 'event', event, args }, buffersIn(args)));
      socket = s;
    } else if (m.t === 'emit' && socket) {
      const { event, args, ack } = m;
      if (ack === undefined) socket.emit(event, ...args);
      else socket.emit(event, ...args, (...reply: unknown[]) => post({ t: 'ack', id: ack, args: reply }, buffersIn(reply)));
    } else if (m.t === 'close') {
      socket?.close();
      closed();
    }
  };
}
