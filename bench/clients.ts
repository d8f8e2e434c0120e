/**
 * Terminals opened from Node over each server's own socket.io protocol, the
 * way its page does it (the same method for both servers): kindlab's typed
 * session:join + term:attach with byte acks, WeTTY's login/resize/input/data
 * with its `commit` acks. Used for idle memory, noisy neighbours and the
 * malformed-message probes.
 */
import { io, type Socket } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';
import type { OutputFrame } from '../common/protocol.js';
import { byteLength, outputText } from '../common/terminal-data.js';
import type { ServerName } from './servers.js';

/** Output kept per client for matching; older text is dropped. */
const KEEP_CHARS = 64 * 1024;

export interface TermClient {
  readonly received: number;
  readonly connected: boolean;
  input(data: string): void;
  /** Send a raw event (malformed payloads included). */
  emitRaw(event: string, payload: unknown): void;
  waitFor(re: RegExp, ms: number): Promise<boolean>;
  close(): void;
}

abstract class BaseClient implements TermClient {
  protected text = '';
  received = 0;
  private readonly waiters = new Set<() => void>();

  constructor(protected readonly socket: Socket) {}

  get io(): Socket {
    return this.socket;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  protected got(data: string): void {
    this.received += data.length;
    this.text = (this.text + data).slice(-KEEP_CHARS);
    for (const w of [...this.waiters]) w();
  }

  abstract input(data: string): void;

  emitRaw(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  waitFor(re: RegExp, ms: number): Promise<boolean> {
    return new Promise((done) => {
      const check = (): void => {
        if (re.test(this.text)) finish(true);
      };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        done(ok);
      };
      const timer = setTimeout(() => finish(false), ms);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.socket.disconnect();
  }
}

class KindlabClient extends BaseClient {
  constructor(
    socket: Socket,
    private readonly terminal: string,
  ) {
    super(socket);
    socket.on('term:output', (f: OutputFrame) => {
      if (f.terminal !== this.terminal) return;
      this.got(outputText(f.data));
      // A fast consumer: acknowledge on receipt (the page acknowledges once parsed).
      socket.emit('term:ack', { terminal: this.terminal, bytes: byteLength(f.data) });
    });
  }

  input(data: string): void {
    this.socket.emit('term:input', { terminal: this.terminal, data });
  }

  override emitRaw(event: string, payload: unknown): void {
    this.socket.emit(event, event.startsWith('term:') && typeof payload === 'object' && payload !== null ? { terminal: this.terminal, ...payload } : payload);
  }
}

class WettyClient extends BaseClient {
  constructor(socket: Socket) {
    super(socket);
    socket.on('login', () => socket.emit('resize', { cols: 120, rows: 40 }));
    socket.on('data', (data: string) => {
      this.got(data);
      socket.emit('commit', data.length);
    });
  }

  input(data: string): void {
    this.socket.emit('input', data);
  }
}

function ackOf<T>(socket: Socket, event: string, payload: unknown, ms: number): Promise<T> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${event}: no answer within ${ms} ms`)), ms);
    socket.emit(event, payload, (reply: { ok: boolean; value?: T; error?: string }) => {
      clearTimeout(timer);
      if (reply.ok) done(reply.value as T);
      else fail(new Error(`${event}: ${reply.error}`));
    });
  });
}

/** Connect, with the client's listeners bound first so no early frame is missed. */
function connect<C>(url: string, parser: object | undefined, bind: (s: Socket) => C): Promise<C> {
  return new Promise((done, fail) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, autoConnect: false, ...(parser ? { parser } : {}) });
    const client = bind(socket);
    socket.connect();
    const timer = setTimeout(() => {
      socket.disconnect();
      fail(new Error(`no socket.io connection to ${url}`));
    }, 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      done(client);
    });
    socket.once('connect_error', (e) => {
      clearTimeout(timer);
      socket.disconnect();
      fail(e);
    });
  });
}

/** kindlab: open (or reuse) the learner's session of a lab over HTTP. */
export async function kindlabSession(url: string, labId: string): Promise<string> {
  const r = await fetch(`${url}api/labs/${labId}/session`, { method: 'POST' });
  if (r.status !== 201) throw new Error(`opening a ${labId} session answered ${r.status}: ${await r.text()}`);
  const { sessionId } = (await r.json()) as { sessionId: string };
  // A local environment provisions in milliseconds; wait until it is ready.
  for (let i = 0; i < 100; i++) {
    const s = (await (await fetch(`${url}api/sessions/${sessionId}`)).json()) as { environment?: string };
    if (s.environment === 'ready') return sessionId;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`session ${sessionId} never became ready`);
}

export interface OpenOptions {
  readonly server: ServerName;
  readonly url: string;
  /** kindlab only: the session and terminal to attach. */
  readonly sessionId?: string;
  readonly terminal?: string;
}

/** A terminal with its shell started and its first prompt received. */
export async function openTerminal(o: OpenOptions): Promise<TermClient> {
  if (o.server === 'kindlab') {
    const terminal = o.terminal ?? 'shell';
    // kindlab's server needs its own parser (large output is one binary message); WeTTY's the stock one.
    const c = await connect(o.url, socketParser, (s) => new KindlabClient(s, terminal));
    const socket = c.io;
    await ackOf(socket, 'session:join', { sessionId: o.sessionId }, 10_000);
    await ackOf(socket, 'term:attach', { terminal, fromSeq: 0, cols: 120, rows: 40 }, 10_000);
    if (!(await c.waitFor(/[#$] $/, 10_000))) throw new Error(`kindlab terminal ${terminal} showed no prompt`);
    return c;
  }
  const c = await connect(o.url, undefined, (s) => new WettyClient(s));
  if (!(await c.waitFor(/[#$] $/, 10_000))) throw new Error(`WeTTY terminal showed no prompt (connected: ${c.connected}, received ${c.received} chars)`);
  return c;
}

/** Type a command that prints a fresh token and wait for it: the terminal still works. */
export async function echoes(c: TermClient, token: number, ms = 5000): Promise<boolean> {
  if (!c.connected) return false;
  c.input(`echo "alive-$((${token}+1))"\r`);
  return c.waitFor(new RegExp(`^alive-${token + 1}\\r?$`, 'm'), ms);
}
