/**
 * The page's socket.io connection, owned by a dedicated Web Worker.
 *
 * Receiving a WebSocket message costs the thread that owns the socket a good
 * deal: during a flood, on the page's main thread, it was most of the gap
 * between a served terminal and xterm.js parsing from memory (a plain binary
 * WebSocket reached ~63 % of that; owned by a worker that hands the page each
 * frame's buffer, ~93 %: bench/transport.ts). So the socket lives here, and
 * the main thread only parses and paints. Every event is forwarded as it
 * arrives, in order; bytes are transferred, not copied. web/socket.ts is the
 * page's side.
 */
import { io, type Socket } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';
import { buffersIn, type FromWorker, type ToWorker } from './socket-bridge.js';

/** The part of the worker's global scope used here (web/ compiles against the DOM library, not WebWorker's). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => scope.postMessage(message, transfer);

let socket: Socket | undefined;

scope.onmessage = ({ data: m }) => {
  if (m.t === 'open' && !socket) {
    const s = io({ ...m.options, transports: ['websocket'], parser: socketParser });
    s.on('connect', () => post({ t: 'connect' }));
    s.on('disconnect', (reason) => post({ t: 'disconnect', reason }));
    s.on('connect_error', (e) => post({ t: 'connect_error', message: e.message }));
    s.onAny((event: string, ...args: unknown[]) => post({ t: 'event', event, args }, buffersIn(args)));
    socket = s;
  } else if (m.t === 'emit' && socket) {
    const { event, args, ack } = m;
    if (ack === undefined) socket.emit(event, ...args);
    else socket.emit(event, ...args, (...reply: unknown[]) => post({ t: 'ack', id: ack, args: reply }, buffersIn(reply)));
  } else if (m.t === 'close') {
    socket?.close();
    scope.close();
  }
};
