/**
 * The socket side of terminals: every `term:*` event a browser sends is
 * validated here before it can reach a PTY, and a refusal is a `client:error`
 * in plain words, never an exception.
 */
import type { Socket } from 'socket.io';
import { z } from 'zod';
import {
  MAX_COLS,
  MAX_INPUT_BYTES,
  MAX_ROWS,
  MIN_COLS,
  MIN_ROWS,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../../common/protocol.js';
import { toWire } from '../../common/terminal-data.js';
import type { TerminalAttachment, TerminalFrame, TerminalSize } from './durable-terminal.js';
import type { TerminalHub } from './terminal-hub.js';

const terminalName = z.string({ error: 'terminal must be a name' }).min(1, 'terminal must be a name').max(200, 'terminal name is too long');
/** Sizes must be whole, positive and within MAX; below MIN they are clamped (a tiny pane is not an error). */
const cols = z.number({ error: 'cols must be a number' }).int('cols must be a whole number').positive('cols must be positive').max(MAX_COLS, `cols must be at most ${MAX_COLS}`);
const rows = z.number({ error: 'rows must be a number' }).int('rows must be a whole number').positive('rows must be positive').max(MAX_ROWS, `rows must be at most ${MAX_ROWS}`);

const attachSchema = z.object({
  terminal: terminalName,
  fromSeq: z.number({ error: 'fromSeq must be a number' }).int('fromSeq must be a whole number').nonnegative('fromSeq must not be negative'),
  cols,
  rows,
});
const inputSchema = z.object({ terminal: terminalName, data: z.string({ error: 'data must be a string' }) });
const resizeSchema = z.object({ terminal: terminalName, cols, rows });
const ackSchema = z.object({ terminal: terminalName, bytes: z.number({ error: 'bytes must be a number' }).int('bytes must be a whole number').nonnegative('bytes must not be negative') });

type KindlabSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * Handle terminal events on one socket. The returned function (call it on
 * disconnect) detaches this socket's viewers; the shells keep running.
 */
export function bindTerminalEvents(socket: KindlabSocket, hub: TerminalHub): () => void {
  const attachments = new Map<string, TerminalAttachment>();

  const refuse = (event: string, message: string): void => {
    socket.emit('client:error', { event, message });
  };

  /** Parse a payload; on failure tell the client what was wrong and return undefined. */
  const parse = <T>(event: string, schema: z.ZodType<T>, payload: unknown): T | undefined => {
    const r = schema.safeParse(payload);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    const what = issue ? (issue.code === 'invalid_type' && issue.path.length === 0 ? 'the request must be an object' : issue.message) : 'malformed request';
    refuse(event, `${event} refused: ${what}`);
    return undefined;
  };

  const clampSize = (s: { cols: number; rows: number }): TerminalSize => ({ cols: Math.max(MIN_COLS, s.cols), rows: Math.max(MIN_ROWS, s.rows) });

  /** A handler that can never throw into socket.io (a fault becomes a client:error). */
  const guarded =
    <A extends unknown[]>(event: string, handler: (...args: A) => void) =>
    (...args: A): void => {
      try {
        handler(...args);
      } catch (e) {
        refuse(event, `${event} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };

  const onAttach = guarded('term:attach', (payload: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as (r: { ok: true; value: { seq: number } } | { ok: false; error: string }) => void) : undefined;
    const req = parse('term:attach', attachSchema, payload);
    if (!req) {
      reply?.({ ok: false, error: 'malformed term:attach request' });
      return;
    }
    const terminal = hub.get(req.terminal);
    if (!terminal) {
      const message = `there is no terminal named "${req.terminal}"`;
      refuse('term:attach', message);
      reply?.({ ok: false, error: message });
      return;
    }
    // Re-attaching (a reconnect, or restarting a closed shell) replaces this socket's old viewer.
    attachments.get(req.terminal)?.detach();
    // The reply goes out before the replay, so the client knows where the replay ends before the frames arrive.
    let replayEnd = -1;
    const queued: TerminalFrame[] = [];
    let attachment: TerminalAttachment;
    try {
      attachment = terminal.attach(
        {
          output: (frame) => {
            if (replayEnd < 0) queued.push(frame);
            else socket.emit('term:output', { terminal: req.terminal, seq: frame.seq, data: toWire(frame.data) });
          },
        },
        req.fromSeq,
        clampSize(req),
      );
    } catch (e) {
      // The shell could not start (e.g. the environment is not ready yet): say so, keep the socket.
      attachments.delete(req.terminal);
      const message = `terminal "${req.terminal}" could not start: ${e instanceof Error ? e.message : String(e)}`;
      refuse('term:attach', message);
      reply?.({ ok: false, error: message });
      return;
    }
    attachments.set(req.terminal, attachment);
    replayEnd = attachment.replayEnd;
    reply?.({ ok: true, value: { seq: replayEnd } });
    for (const frame of queued) socket.emit('term:output', { terminal: req.terminal, seq: frame.seq, data: toWire(frame.data) });
  });

  const attached = (event: string, name: string): TerminalAttachment | undefined => {
    const a = attachments.get(name);
    if (!a) refuse(event, hub.get(name) ? `attach to terminal "${name}" before sending ${event}` : `there is no terminal named "${name}"`);
    return a;
  };

  const onInput = guarded('term:input', (payload: unknown) => {
    const req = parse('term:input', inputSchema, payload);
    if (!req) return;
    const bytes = Buffer.byteLength(req.data, 'utf8');
    if (bytes > MAX_INPUT_BYTES) {
      refuse('term:input', `input of ${bytes} bytes refused: at most ${MAX_INPUT_BYTES} bytes may be sent at once`);
      return;
    }
    if (!attached('term:input', req.terminal)) return;
    if (!hub.get(req.terminal)?.write(req.data)) refuse('term:input', `terminal "${req.terminal}" is closed; attach again to start a new shell`);
  });

  const onResize = guarded('term:resize', (payload: unknown) => {
    const req = parse('term:resize', resizeSchema, payload);
    if (!req || !attached('term:resize', req.terminal)) return;
    hub.get(req.terminal)?.resize(clampSize(req));
  });

  const onAck = guarded('term:ack', (payload: unknown) => {
    const req = parse('term:ack', ackSchema, payload);
    if (!req) return;
    // An ack for a terminal we no longer watch is harmless (it raced a detach).
    attachments.get(req.terminal)?.ack(req.bytes);
  });

  const offStatus = hub.onStatus((s) => socket.emit('term:status', s));

  // The typed maps describe well-behaved clients; these handlers accept anything and validate.
  const untyped = socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void; off(e: string, l: (...a: unknown[]) => void): void };
  const handlers: [string, (...a: unknown[]) => void][] = [
    ['term:attach', onAttach as (...a: unknown[]) => void],
    ['term:input', onInput as (...a: unknown[]) => void],
    ['term:resize', onResize as (...a: unknown[]) => void],
    ['term:ack', onAck as (...a: unknown[]) => void],
  ];
  for (const [e, h] of handlers) untyped.on(e, h);

  return () => {
    for (const [e, h] of handlers) untyped.off(e, h);
    offStatus();
    for (const a of attachments.values()) a.detach();
    attachments.clear();
  };
}
