/**
 * Hostile messages against both servers: resizes with NaN (which JSON sends
 * as null), negative and 100000 columns, and inputs beyond any sane paste.
 * After each, on a fresh server: is the process alive, does HTTP answer, does
 * the terminal that sent it still echo, does a new terminal echo.
 */
import { echoes, kindlabSession, openTerminal, type TermClient } from './clients.js';
import type { RunningServer, ServerName } from './servers.js';

export interface MalformedCase {
  readonly name: string;
  readonly event: 'resize' | 'input';
  readonly payload: () => unknown;
}

export const MALFORMED_CASES: readonly MalformedCase[] = [
  { name: 'resize cols=NaN', event: 'resize', payload: () => ({ cols: Number.NaN, rows: 40 }) },
  { name: 'resize cols=-5 rows=-1', event: 'resize', payload: () => ({ cols: -5, rows: -1 }) },
  { name: 'resize cols=100000 rows=100000', event: 'resize', payload: () => ({ cols: 100_000, rows: 100_000 }) },
  { name: 'input of 200 KiB', event: 'input', payload: () => 'x'.repeat(200 * 1024) },
  { name: 'input of 2 MiB', event: 'input', payload: () => 'x'.repeat(2 * 1024 * 1024) },
];

export interface MalformedOutcome {
  readonly server: ServerName;
  readonly case: string;
  readonly processAlive: boolean;
  readonly httpAnswers: boolean;
  readonly sameTerminalEchoes: boolean;
  readonly newTerminalEchoes: boolean;
  readonly survived: boolean;
}

async function httpAnswers(server: RunningServer): Promise<boolean> {
  try {
    const r = await fetch(server.pageUrl, { signal: AbortSignal.timeout(3000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

async function open(server: RunningServer, sessionId: string | undefined, terminal: string): Promise<TermClient> {
  return openTerminal({ server: server.name, url: server.url, ...(sessionId ? { sessionId, terminal } : {}) });
}

/** Runs one case on a server it starts itself, and stops it afterwards. */
export async function malformedCase(start: () => Promise<RunningServer>, c: MalformedCase): Promise<MalformedOutcome> {
  const server = await start();
  let a: TermClient | undefined;
  let b: TermClient | undefined;
  try {
    const sessionId = server.name === 'kindlab' ? await kindlabSession(server.url, 'bench-many') : undefined;
    a = await open(server, sessionId, 't0');
    const event = server.name === 'kindlab' ? `term:${c.event}` : c.event;
    const payload = c.payload();
    a.emitRaw(event, server.name === 'kindlab' && c.event === 'input' ? { data: payload } : payload);
    await new Promise((r) => setTimeout(r, 1000));
    const processAlive = server.alive();
    const http = processAlive && (await httpAnswers(server));
    const same = processAlive && (await echoes(a, 41));
    let fresh = false;
    if (processAlive) {
      try {
        b = await open(server, sessionId, 't1');
        fresh = await echoes(b, 51);
      } catch {
        fresh = false;
      }
    }
    return { server: server.name, case: c.name, processAlive, httpAnswers: http, sameTerminalEchoes: same, newTerminalEchoes: fresh, survived: processAlive && http && fresh };
  } finally {
    a?.close();
    b?.close();
    await server.stop();
  }
}
