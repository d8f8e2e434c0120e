/**
 * The socket.io side of a session: `session:join` binds a socket to a session
 * (terminals plus step, progress and environment events), and the step events
 * call the session. Every payload is validated here; a malformed one gets an ack
 * error or a `client:error`, and a handler that throws is logged and answered
 * without taking the server down.
 */
import { z } from 'zod';
import { allSteps } from '../../common/lab.js';
import { MAX_ANSWER_LENGTH, type ClientToServerEvents } from '../../common/protocol.js';
import { SessionRequestError } from '../sessions/session.js';
import type { AppDeps, AppIo, AppLogger, AppSocket, ServerSession } from '../server.js';
import { ROOM_EVENTS } from '../workshop/room-channel.js';
import { identify } from '../workshop/workshop-routes.js';

const Id = z.string().min(1).max(200);

const schemas = {
  'session:join': z.object({ sessionId: Id }).strict(),
  'check:run': z.object({ stepId: Id }).strict(),
  'check:watch': z.object({ stepId: Id, on: z.boolean() }).strict(),
  'answer:submit': z.object({ stepId: Id, answerId: Id, value: z.string().max(MAX_ANSWER_LENGTH) }).strict(),
  'steps:recheck': z.object({}).strict(),
  'step:solve': z.object({ stepId: Id }).strict(),
} as const;

type SessionEvent = keyof typeof schemas;

/** Events the terminal channel handles once a socket has joined. */
const TERMINAL_EVENTS = new Set<string>(['term:attach', 'term:input', 'term:resize', 'term:ack']);
const KNOWN_EVENTS = new Set<string>([...Object.keys(schemas), ...TERMINAL_EVENTS]);
/** In workshop mode the room channel answers these (and refuses them to non-instructors). */
const WORKSHOP_KNOWN_EVENTS = new Set<string>([...KNOWN_EVENTS, ...ROOM_EVENTS]);

/** A reply that failed; what a malformed or failed request is told. */
type Reply = (r: { ok: true; value: unknown } | { ok: false; error: string }) => void;

/** A client expected to work is told why something failed, in plain words. */
class RequestError extends Error {}

export function attachSessionChannel<S extends ServerSession>(io: AppIo, deps: AppDeps<S>, logger: AppLogger): void {
  io.on('connection', (socket) => new SessionChannel(socket, deps, logger));
}

class SessionChannel<S extends ServerSession> {
  private session: S | undefined;
  private unbind: (() => void)[] = [];
  /** Workshop mode: the learner this socket's cookie names (read once, at the handshake). */
  private readonly learnerId: string | undefined;

  constructor(
    private readonly socket: AppSocket,
    private readonly deps: AppDeps<S>,
    private readonly logger: AppLogger,
  ) {
    this.learnerId = deps.workshop ? identify(deps.workshop.workshop, socket.handshake.headers.cookie).learner?.id : undefined;
    socket.onAny((event: string, ...args: unknown[]) => this.screen(event, args));
    this.handle('session:join', async ({ sessionId }) => this.join(sessionId));
    this.handle('check:run', async ({ stepId }) => this.joined(stepId).runChecks(stepId));
    this.handle('check:watch', async ({ stepId, on }) => {
      this.joined(stepId).setWatch(stepId, on);
      return null;
    });
    this.handle('answer:submit', async ({ stepId, answerId, value }) => {
      const session = this.joined(stepId);
      const step = allSteps(session.lab).find((s) => s.id === stepId);
      if (!step?.answers.some((a) => a.id === answerId)) throw new RequestError(`step ${stepId} has no answer ${answerId}`);
      return session.submitAnswer(stepId, answerId, value);
    });
    this.handle('steps:recheck', async () => this.joined().recheck());
    this.handle('step:solve', async ({ stepId }) => this.joined(stepId).solveThrough(stepId));
    socket.on('disconnect', () => this.leave());
  }

  /** Unknown events, and terminal events before a join, are refused here. */
  private screen(event: string, args: unknown[]): void {
    let message: string | undefined;
    if (!(this.deps.workshop ? WORKSHOP_KNOWN_EVENTS : KNOWN_EVENTS).has(event)) message = `unknown event "${event}"`;
    else if (TERMINAL_EVENTS.has(event) && !this.session) message = 'join a session before using its terminals';
    if (!message) return;
    const ack = args.at(-1);
    if (typeof ack === 'function') (ack as Reply)({ ok: false, error: message });
    this.socket.emit('client:error', { event: String(event).slice(0, 100), message });
  }

  private handle<E extends SessionEvent>(event: E, fn: (req: z.infer<(typeof schemas)[E]>) => Promise<unknown>): void {
    const listener = async (...args: unknown[]) => {
      const last = args.at(-1);
      const ack = typeof last === 'function' ? (last as Reply) : undefined;
      const refuse = (error: string) => {
        if (ack) ack({ ok: false, error });
        else this.socket.emit('client:error', { event, message: error });
      };
      const parsed = schemas[event].safeParse(args[0]);
      if (!parsed.success) return refuse(`malformed ${event}: ${describeIssues(parsed.error)}`);
      try {
        const value = await fn(parsed.data as z.infer<(typeof schemas)[E]>);
        ack?.({ ok: true, value });
      } catch (e) {
        if (e instanceof RequestError || e instanceof SessionRequestError) return refuse(e.message);
        this.logger.error(`kindlab: ${event} failed`, e);
        refuse(`${event} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    // The typed map cannot express "validate first": listeners take unknown and check.
    this.socket.on(event as keyof ClientToServerEvents, listener as never);
  }

  private join(sessionId: string) {
    const ws = this.deps.workshop;
    if (ws) {
      if (!this.learnerId) throw new RequestError('join the workshop first (at /join)');
      if (ws.workshop.ended) throw new RequestError('The workshop has ended.');
      const owner = ws.workshop.ownerOf(sessionId);
      if (owner !== this.learnerId) throw new RequestError(owner === undefined ? `no session ${sessionId}` : 'that session belongs to someone else');
    }
    const session = this.deps.sessions.get(sessionId);
    if (!session) throw new RequestError(`no session ${sessionId}`);
    this.leave();
    this.session = session;
    const s = this.socket;
    this.unbind = [
      session.onStepState((state) => s.emit('step:state', state)),
      session.onProgress((e) => s.emit('env:progress', e)),
      session.onEnvState((state) => s.emit('env:state', state)),
      this.deps.bindTerminals(s, session),
    ];
    return session.snapshot();
  }

  /** The joined session, after checking the step exists in its lab. */
  private joined(stepId?: string): S {
    const session = this.session;
    if (!session) throw new RequestError('join a session first');
    if (stepId !== undefined && !allSteps(session.lab).some((st) => st.id === stepId)) throw new RequestError(`no step ${stepId} in lab ${session.lab.id}`);
    return session;
  }

  private leave(): void {
    this.session = undefined;
    for (const u of this.unbind.splice(0)) {
      try {
        u();
      } catch (e) {
        this.logger.error('kindlab: unbinding a socket failed', e);
      }
    }
  }
}

/** "sessionId: Invalid input: expected string, received number" — field first, one line. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
