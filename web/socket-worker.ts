/**
 * The page's socket.io connection, owned by a dedicated Web Worker.
 *
 * Receiving a WebSocket message costs the thread that owns the socket a good
 * deal: during a flood, on the page's main thread, it was most of the gap
 * between a served terminal and xterm.js parsing from memory (a plain binary
 * WebSocket reached ~63 % of that; owned by a worker that hands the page each
 * frame's buffer, ~93 %: bench/transport.ts). So the socket lives here, and
 * the main thread only parses and paints. The owning end is
 * web/socket-bridge.ts's `socketEnd`; web/socket.ts is the page's side.
 */
import { socketEnd, type FromWorker, type ToWorker } from './socket-bridge.js';

/** The part of the worker's global scope used here (web/ compiles against the DOM library, not WebWorker's). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer: ArrayBuffer[]): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  close(): void;
}
const scope = self as unknown as WorkerScope;
const handle = socketEnd(
  (message, transfer) => scope.postMessage(message, transfer),
  () => scope.close(),
);
scope.onmessage = ({ data }) => handle(data);
