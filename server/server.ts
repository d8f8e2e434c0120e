/**
 * The public door of server/: `createApp(deps)` builds the HTTP app and the
 * socket.io server from the parts it is given. The CLI (`kindlab serve`) wires
 * real parts; tests pass their own. Nothing here reads the environment or
 * starts anything until `listen()`.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { Server as IoServer, type Socket } from 'socket.io';
import type { CatalogueEntry, Lab } from '../common/lab.js';
import type { StepState } from '../common/check.js';
import type { Diagnosis, ProgressEvent } from '../common/environment.js';
import type { ClientToServerEvents, ServerToClientEvents, SessionSnapshot } from '../common/protocol.js';
import { socketParser } from '../common/socket-parser.js';
import { HostGuard } from './http/host-guard.js';
import { securityHeaders } from './http/security-headers.js';
import { apiRouter } from './http/api-router.js';
import { pageRouter } from './http/page-router.js';
import { errorHandler, notFound } from './http/errors.js';
import { attachSessionChannel } from './socket/session-channel.js';
import type { Workshop } from './workshop/workshop.js';
import { workshopRoutes } from './workshop/workshop-routes.js';

export type AppIo = IoServer<ClientToServerEvents, ServerToClientEvents>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
export type EnvStateEvent = Parameters<ServerToClientEvents['env:state']>[0];

/** What the app needs of a session (server/sessions/session-manager.ts provides it). */
export interface ServerSession {
  readonly id: string;
  readonly lab: Lab;
  snapshot(): SessionSnapshot;
  runChecks(stepId: string): Promise<StepState>;
  submitAnswer(stepId: string, answerId: string, value: string): Promise<StepState>;
  setWatch(stepId: string, on: boolean): void;
  recheck(): Promise<readonly StepState[]>;
  solveThrough(stepId: string): Promise<readonly StepState[]>;
  onStepState(listener: (s: StepState) => void): () => void;
  onProgress(listener: (e: ProgressEvent) => void): () => void;
  onEnvState(listener: (s: EnvStateEvent) => void): () => void;
}

export interface SessionHost<S extends ServerSession> {
  /** Open (or resume) the learner's session for a lab; provisioning continues in the background. */
  open(labId: string, learner?: string): Promise<S>;
  get(id: string): S | undefined;
}

export interface Catalogue {
  readonly labs: ReadonlyMap<string, Lab>;
  readonly entries: readonly CatalogueEntry[];
}

export interface AppLogger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

/** Workshop mode: learners with tokens, each kept to their own sessions; see server/workshop/. */
export interface WorkshopDeps<S extends ServerSession> {
  readonly workshop: Workshop;
  /** The learner's session for a lab (their own, a pre-warmed seat, or a new one). */
  openSession(labId: string, learnerId: string): Promise<S>;
  /** Presence, the room view and shadowing on the socket server; returns the detacher. */
  attachSockets(io: AppIo): () => void;
}

export interface AppDeps<S extends ServerSession> {
  /** The labs as currently loaded (called per request, so a reload shows up). */
  catalogue(): Catalogue;
  sessions: SessionHost<S>;
  /** Handle the `term:*` events of a joined socket; returns the unbinder. */
  bindTerminals(socket: AppSocket, session: S): () => void;
  /** `kindlab doctor`'s findings, for the page to explain a failed environment. */
  doctor?(): Promise<readonly Diagnosis[]>;
  /** Folder of the built browser bundle (dist/web). */
  webRoot: string;
  logger?: AppLogger;
  /** Present in workshop mode (`kindlab serve --workshop`). */
  workshop?: WorkshopDeps<S>;
}

export interface App {
  readonly app: Express;
  readonly httpServer: HttpServer;
  readonly io: AppIo;
  listen(port: number, host: string): Promise<{ url: string }>;
  close(): Promise<void>;
}

const consoleLogger: AppLogger = {
  info: (m) => console.log(m),
  error: (m, e) => console.error(m, e ?? ''),
};

export function createApp<S extends ServerSession>(deps: AppDeps<S>): App {
  const logger = deps.logger ?? consoleLogger;
  const guard = new HostGuard();
  if (deps.workshop) guard.openToNetwork();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // The Host check comes first so a rebinding page learns nothing, not even a 404.
  app.use((req, res, next) => {
    if (guard.hostAllowed(req.headers.host)) return next();
    res.status(421).type('text/plain').send('kindlab: this server only answers requests addressed to its own loopback address.\n');
  });
  app.use(securityHeaders);
  if (deps.workshop) app.use(workshopRoutes(deps.workshop.workshop));
  app.use('/assets', express.static(deps.webRoot, { index: false, fallthrough: true }));
  app.use('/api', apiRouter(deps, logger));
  app.use(pageRouter(deps));
  app.use(notFound);
  app.use(errorHandler(logger));

  const httpServer = createServer(app);
  const io: AppIo = new IoServer(httpServer, {
    serveClient: false,
    // Large output frames travel as one binary message each; every client uses the same parser.
    parser: socketParser,
    // Terminal input is capped by MAX_INPUT_BYTES; leave headroom for the envelope.
    maxHttpBufferSize: 256 * 1024,
    allowRequest: (req, callback) => {
      const why = guard.refusal(req);
      if (why) logger.info(`kindlab: refused a socket handshake (${why})`);
      callback(why ?? null, why === undefined);
    },
  });
  attachSessionChannel(io, deps, logger);
  const detachWorkshop = deps.workshop?.attachSockets(io);

  return {
    app,
    httpServer,
    io,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (e: Error) => reject(e);
        httpServer.once('error', onError);
        httpServer.listen(port, host, () => {
          httpServer.off('error', onError);
          const { port: bound } = httpServer.address() as AddressInfo;
          guard.bind(host, bound);
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ url: `http://${shown}:${bound}/` });
        });
      });
    },
    async close() {
      detachWorkshop?.();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        // Keep-alive connections would hold close() open for their idle timeout.
        httpServer.closeAllConnections();
      });
    },
  };
}
