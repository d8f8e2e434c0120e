/**
 * The workshop's socket side: learner presence (online while a socket is
 * open), the instructor's live room (`room:subscribe` → `room:update`, at
 * most ROOM_UPDATE_INTERVAL_MS apart) and read-only shadowing of a learner's
 * terminal. A shadow is a viewer with no input path at all: nothing the
 * instructor's socket sends reaches the learner's shell.
 */
import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import { ROOM_UPDATE_INTERVAL_MS, type ClientToServerEvents, type ServerToClientEvents } from '../../common/protocol.js';
import { toWire } from '../../common/terminal-data.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { TerminalAttachment, TerminalFrame } from '../terminals/durable-terminal.js';
import { identify } from './workshop-routes.js';
import { INSTRUCTOR_COOKIE, parseCookies } from './cookies.js';
import { ENDED_MESSAGE, type Workshop } from './workshop.js';

type Io = Server<ClientToServerEvents, ServerToClientEvents>;
type AnySocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type Reply = (r: { ok: true; value: unknown } | { ok: false; error: string }) => void;

export const ROOM_EVENTS = ['room:subscribe', 'term:shadow', 'shadow:ack', 'term:unshadow'] as const;

const Id = z.string().min(1).max(200);
const shadowSchema = z.object({ sessionId: Id, terminal: Id, fromSeq: z.number().int().nonnegative() }).strict();
const unshadowSchema = z.object({ sessionId: Id, terminal: Id }).strict();
const shadowAckSchema = z.object({ sessionId: Id, terminal: Id, bytes: z.number().int().positive() }).strict();

export function attachRoomChannel(io: Io, workshop: Workshop, sessions: SessionManager): () => void {
  const subscribers = new Set<AnySocket>();
  let timer: NodeJS.Timeout | undefined;
  let lastSent = 0;
  const send = () => {
    timer = undefined;
    lastSent = Date.now();
    if (!subscribers.size) return;
    const room = workshop.room();
    for (const s of subscribers) s.emit('room:update', room);
  };
  // Leading edge when quiet, then at most one update per interval; the last change is never lost.
  const offChange = workshop.onChange(() => {
    if (timer || !subscribers.size) return;
    timer = setTimeout(send, Math.max(0, lastSent + ROOM_UPDATE_INTERVAL_MS - Date.now()));
  });
  const offEnded = workshop.onEnded(() => io.emit('workshop:ended', { message: ENDED_MESSAGE }));
  // A learner's open sockets, so one whose session expires is told in plain words and let go.
  const learnerSockets = new Map<string, Set<AnySocket>>();
  const offExpired = workshop.onLearnerExpired((learnerId, message) => {
    for (const s of learnerSockets.get(learnerId) ?? []) {
      // The page shows its "ended" state with this message; the disconnect follows it on the same connection.
      s.emit('workshop:ended', { message });
      s.disconnect();
    }
  });

  io.on('connection', (socket) => {
    const who = identify(workshop, socket.handshake.headers.cookie);
    const learnerId = who.learner?.id;
    if (learnerId) {
      workshop.connected(learnerId);
      const mine = learnerSockets.get(learnerId) ?? new Set<AnySocket>();
      learnerSockets.set(learnerId, mine.add(socket));
      socket.onAny(() => workshop.touch(learnerId));
      socket.on('disconnect', () => {
        mine.delete(socket);
        if (!mine.size) learnerSockets.delete(learnerId);
        workshop.disconnected(learnerId);
      });
    }
    if (workshop.ended) socket.emit('workshop:ended', { message: ENDED_MESSAGE });
    const shadows = new Map<string, TerminalAttachment>();

    const guard = (event: string, fn: (payload: unknown) => unknown) => (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as Reply) : undefined;
      const refuse = (error: string) => {
        if (reply) reply({ ok: false, error });
        else socket.emit('client:error', { event, message: error });
      };
      // Re-checked per event: a cookie is read at the handshake, but an instructor token could be rotated by a restart.
      if (!who.instructor || !workshop.instructorTokenValid(parseInstructor(socket))) return refuse(`${event} is for the instructor only`);
      try {
        const value = fn(payload);
        reply?.({ ok: true, value });
      } catch (e) {
        refuse(e instanceof Error ? e.message : String(e));
      }
    };

    const on = socket.on.bind(socket) as unknown as (e: string, l: (...a: unknown[]) => void) => void;
    on(
      'room:subscribe',
      guard('room:subscribe', () => {
        subscribers.add(socket);
        return workshop.room();
      }) as (...a: unknown[]) => void,
    );
    on(
      'term:shadow',
      guard('term:shadow', (payload) => {
        const req = shadowSchema.safeParse(payload);
        if (!req.success) throw new Error('malformed term:shadow: send {sessionId, terminal, fromSeq}');
        const { sessionId, terminal: name, fromSeq } = req.data;
        const session = sessions.get(sessionId);
        if (!session || workshop.ownerOf(sessionId) === undefined) throw new Error(`no learner session ${sessionId}`);
        const terminal = session.terminals.get(name);
        if (!terminal) throw new Error(`there is no terminal named "${name}"`);
        if (terminal.pid === undefined) throw new Error(`the learner has not opened terminal "${name}" yet`);
        const key = `${sessionId}\u0000${name}`;
        shadows.get(key)?.detach();
        let ready = false;
        const queued: TerminalFrame[] = [];
        // Acknowledged by the instructor's page as it parses (shadow:ack): a
        // shadow that falls behind is sent no more than it can take and
        // catches up later; it never pauses the learner's shell, which
        // follows its fastest viewer.
        const forward = (f: TerminalFrame) => {
          socket.emit('shadow:output', { sessionId, terminal: name, seq: f.seq, data: toWire(f.data) });
        };
        // No size: a shadow never resizes the learner's terminal.
        const attached = terminal.attach({ output: (frame) => (ready ? forward(frame) : void queued.push(frame)) }, fromSeq);
        shadows.set(key, attached);
        // The ack goes out first (guard replies when this returns), then the replay, then live frames.
        setImmediate(() => {
          for (const f of queued.splice(0)) forward(f);
          ready = true;
        });
        return { seq: attached.replayEnd };
      }) as (...a: unknown[]) => void,
    );
    on(
      'shadow:ack',
      guard('shadow:ack', (payload) => {
        const req = shadowAckSchema.safeParse(payload);
        if (!req.success) throw new Error('malformed shadow:ack: send {sessionId, terminal, bytes}');
        shadows.get(`${req.data.sessionId}\u0000${req.data.terminal}`)?.ack(req.data.bytes);
        return null;
      }) as (...a: unknown[]) => void,
    );
    on(
      'term:unshadow',
      guard('term:unshadow', (payload) => {
        const req = unshadowSchema.safeParse(payload);
        if (!req.success) throw new Error('malformed term:unshadow: send {sessionId, terminal}');
        const key = `${req.data.sessionId}\u0000${req.data.terminal}`;
        shadows.get(key)?.detach();
        shadows.delete(key);
        return null;
      }) as (...a: unknown[]) => void,
    );
    socket.on('disconnect', () => {
      subscribers.delete(socket);
      for (const a of shadows.values()) a.detach();
      shadows.clear();
    });
  });

  return () => {
    clearTimeout(timer);
    offChange();
    offEnded();
    offExpired();
    subscribers.clear();
    learnerSockets.clear();
  };
}

function parseInstructor(socket: AnySocket): string | undefined {
  return parseCookies(socket.handshake.headers.cookie).get(INSTRUCTOR_COOKIE);
}
