/**
 * A learner's or instructor's view of a workshop server for tests: real HTTP
 * (fetch) with the cookie the server set, and real socket.io clients carrying it.
 */
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, OutputFrame, ServerToClientEvents } from '../../common/protocol.js';
import { socketParser } from '../../common/socket-parser.js';
import { outputText } from '../../common/terminal-data.js';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HttpReply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly headers: Headers;
}

export class Visitor {
  cookie = '';
  readonly sockets: Client[] = [];
  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown): Promise<HttpReply> {
    const res = await fetch(new URL(path, this.base), {
      method,
      redirect: 'manual',
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = [this.cookie, set.split(';')[0]!].filter(Boolean).join('; ');
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (CSV, XML, HTML)
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  }

  get(path: string): Promise<HttpReply> {
    return this.request('GET', path);
  }
  post(path: string, body: unknown = {}): Promise<HttpReply> {
    return this.request('POST', path, body);
  }

  async socket(): Promise<Client> {
    const s: Client = connect(this.base, { transports: ['websocket'], parser: socketParser, forceNew: true, reconnection: false, extraHeaders: this.cookie ? { cookie: this.cookie } : {} });
    this.sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  }

  close(): void {
    for (const s of this.sockets.splice(0)) s.disconnect();
  }
}

export function emitAck<T>(socket: Client, event: string, payload: unknown, timeoutMs = 10_000): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
    (socket.emit as (e: string, p: unknown, ack: (r: never) => void) => void)(event, payload, (r) => {
      clearTimeout(t);
      resolve(r);
    });
  });
}

/** Resolve with the first event that satisfies `match`. */
export function waitForEvent<T>(socket: Client, event: string, match: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = socket.on.bind(socket) as unknown as (e: string, l: (v: T) => void) => void;
    const off = socket.off.bind(socket) as unknown as (e: string, l: (v: T) => void) => void;
    const listener = (v: T) => {
      if (!match(v)) return;
      clearTimeout(t);
      off(event, listener);
      resolve(v);
    };
    const t = setTimeout(() => {
      off(event, listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    on(event, listener);
  });
}

/** Collect a terminal's output (term:output or shadow:output) as text. */
export function collectOutput(socket: Client, event: 'term:output' | 'shadow:output', terminal: string): { text(): string } {
  let text = '';
  const on = socket.on.bind(socket) as unknown as (e: string, l: (f: OutputFrame) => void) => void;
  on(event, (f) => {
    if (f.terminal === terminal) text += outputText(f.data);
  });
  return { text: () => text };
}

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
