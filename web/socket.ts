/**
 * The page's connection to the server.
 *
 * The socket itself lives in a Web Worker (web/socket-worker.ts; why is said
 * there); the page holds a BridgedSocket, which has the part of socket.io's
 * client API the page uses (`on`, `off`, `emit` with acknowledgements,
 * `connected`, `close`) and passes everything through as messages. Where no
 * worker can start (it cannot be created, or it fails to load, e.g. under a
 * policy that forbids workers), the same messages go to the owning end run in
 * the page instead. Either way the connection is WebSocket only, with
 * kindlab's parser (common/socket-parser.ts), which the server requires.
 */
import type { Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../common/protocol.js';
import { socketEnd, type BridgeOptions, type FromWorker, type ToWorker } from './socket-bridge.js';

/** What the page may use of a socket; a BridgedSocket and socket.io's own both have it. */
export type PageSocket = Pick<Socket<ServerToClientEvents, ClientToServerEvents>, 'on' | 'off' | 'emit' | 'connected' | 'close'>;

type Listener = (...args: unknown[]) => void;

/** The part of a Worker the page uses (a real one, or a stand-in in unit tests). */
export type WorkerLike = Pick<Worker, 'postMessage' | 'terminate'> & {
  onmessage: ((e: MessageEvent<FromWorker>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
};

/** Open the page's socket: in a worker when the browser lets one start, else in the page. */
export function openSocket(options: BridgeOptions = {}): PageSocket {
  let worker: WorkerLike | undefined;
  try {
    worker = new Worker(new URL('./socket-worker.js', import.meta.url));
  } catch {
    worker = undefined;
  }
  return new BridgedSocket(worker, options) as unknown as PageSocket;
}

/** The page's end of a socket owned by a worker, or by the page itself when no worker may run. */
export class BridgedSocket {
  connected = false;
  /** Where the socket lives now. */
  where: 'worker' | 'page';
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly acks = new Map<number, Listener>();
  private nextAck = 1;
  private closed = false;
  private everConnected = false;
  /** What was sent before the first connect, to hand to the page's own end if the worker never starts. */
  private readonly early: ToWorker[] = [];
  private deliver: (m: ToWorker) => void;

  constructor(
    private worker: WorkerLike | undefined,
    options: BridgeOptions,
    /** The owning end when it runs in the page (web/socket-bridge.ts's; unit tests pass a stand-in). */
    private readonly pageEnd: (post: (m: FromWorker) => void) => (m: ToWorker) => void = (post) => socketEnd(post),
  ) {
    if (worker) {
      this.where = 'worker';
      worker.onmessage = (e) => this.receive(e.data);
      worker.onerror = () => this.inPage();
      this.deliver = (m) => worker.postMessage(m);
    } else {
      this.where = 'page';
      this.deliver = pageEnd((m) => this.receive(m));
    }
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
    if (this.closed) return;
    if (!this.everConnected) this.early.push(message);
    this.deliver(message);
  }

  /**
   * The worker failed (it could not load, or it died): carry on with the
   * socket in the page. Before any connection, what was sent is handed over
   * as it was; after one, the page's listeners see a disconnect, then the
   * new socket's connect, as after a dropped connection.
   */
  private inPage(): void {
    if (this.where === 'page' || this.closed) return;
    this.worker?.terminate();
    this.worker = undefined;
    this.where = 'page';
    const replay = this.everConnected ? [this.early[0]!] : this.early.splice(0);
    if (this.connected) {
      this.connected = false;
      this.dispatch('disconnect', ['transport error']);
    }
    this.deliver = this.pageEnd((m) => this.receive(m));
    for (const m of replay) this.deliver(m);
  }

  private receive(m: FromWorker): void {
    if (this.closed) return;
    switch (m.t) {
      case 'connect':
        this.connected = true;
        if (!this.everConnected) {
          this.everConnected = true;
          this.early.splice(1); // keep only `open`, to reopen in the page should the worker die later
        }
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
