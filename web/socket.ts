/**
 * The page's connection to the server.
 *
 * The socket itself lives in a Web Worker (web/socket-worker.ts; why is said
 * there); the page holds a WorkerSocket, which has the part of socket.io's
 * client API the page uses (`on`, `off`, `emit` with acknowledgements,
 * `connected`, `close`) and passes everything through. Where no worker can
 * start, the page opens the socket itself. Either way the connection is
 * WebSocket only, with kindlab's parser (common/socket-parser.ts), which the
 * server requires.
 */
import { io, type Socket } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../common/protocol.js';
import type { BridgeOptions, FromWorker, ToWorker } from './socket-bridge.js';

/** What the page may use of a socket; a WorkerSocket and socket.io's own both have it. */
export type PageSocket = Pick<Socket<ServerToClientEvents, ClientToServerEvents>, 'on' | 'off' | 'emit' | 'connected' | 'close'>;

type Listener = (...args: unknown[]) => void;

/** Open the page's socket: in a worker when the browser can, else here. */
export function openSocket(options: BridgeOptions = {}): PageSocket {
  let worker: Worker | undefined;
  try {
    worker = new Worker(new URL('./socket-worker.js', import.meta.url));
  } catch {
    worker = undefined;
  }
  if (worker) return new WorkerSocket(worker, options) as unknown as PageSocket;
  return io({ ...options, transports: ['websocket'], parser: socketParser });
}

/** The page's end of a socket that lives in a worker. */
export class WorkerSocket {
  connected = false;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly acks = new Map<number, Listener>();
  private nextAck = 1;
  private closed = false;

  constructor(
    private readonly worker: Worker,
    options: BridgeOptions,
  ) {
    worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    // A worker that fails to load or dies is a connection that cannot be made: say so as socket.io would.
    worker.onerror = (e) => this.dispatch('connect_error', [new Error(`the socket worker failed: ${e.message || 'it could not load'}`)]);
    this.send({ t: 'open', options });
  }

  on(event: string, listener: Listener): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  /** Send an event; a function as the last argument receives the server's acknowledgement. */
  emit(event: string, ...args: unknown[]): this {
    const last = args.at(-1);
    if (typeof last === 'function') {
      const id = this.nextAck++;
      this.acks.set(id, last as Listener);
      this.send({ t: 'emit', event, args: args.slice(0, -1), ack: id });
    } else {
      this.send({ t: 'emit', event, args });
    }
    return this;
  }

  /** Disconnect for good (socket.io's `close`); the worker ends with it. */
  close(): this {
    if (this.closed) return this;
    this.send({ t: 'close' });
    this.closed = true;
    const was = this.connected;
    this.connected = false;
    this.acks.clear();
    if (was) this.dispatch('disconnect', ['io client disconnect']);
    return this;
  }

  private send(message: ToWorker): void {
    if (!this.closed) this.worker.postMessage(message);
  }

  private receive(m: FromWorker): void {
    if (this.closed) return;
    switch (m.t) {
      case 'connect':
        this.connected = true;
        this.dispatch('connect', []);
        break;
      case 'disconnect':
        this.connected = false;
        this.dispatch('disconnect', [m.reason]);
        break;
      case 'connect_error':
        this.dispatch('connect_error', [new Error(m.message)]);
        break;
      case 'event':
        this.dispatch(m.event, m.args);
        break;
      case 'ack': {
        const ack = this.acks.get(m.id);
        this.acks.delete(m.id);
        ack?.(...m.args);
        break;
      }
    }
  }

  /** Call every listener; one that throws does not keep the others from the event. */
  private dispatch(event: string, args: readonly unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(...args);
      } catch (e) {
        reportError(e); // as an uncaught error, the way a throwing socket.io listener shows
      }
    }
  }
}
