/**
 * A real kindlab server for a test, wired like `kindlab serve` wires it: labs
 * loaded from disk, SQLite in the data dir, the session manager with real
 * environments, the terminal channel, and (optionally) workshop mode.
 * `close()` disposes everything in order and may be called more than once.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnosis } from '../../common/environment.js';
import type { Lab } from '../../common/lab.js';
import { createEnvironment } from '../../cluster/create-environment.js';
import type { BuiltinRegistry } from '../../server/checks/builtin.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { loadCatalogue } from '../../server/labs/loader.js';
import { createApp, type App, type AppLogger, type Catalogue } from '../../server/server.js';
import { SessionManager } from '../../server/sessions/session-manager.js';
import { DB_FILE, SqliteStore } from '../../server/store/sqlite-store.js';
import { bindTerminalEvents } from '../../server/terminals/terminal-channel.js';
import type { Workshop } from '../../server/workshop/workshop.js';
import { workshopDeps } from '../../server/workshop/workshop-deps.js';

/** Long enough that no test sees a detached terminal reaped (they reattach within seconds). */
const TERMINAL_GRACE_MS = 60_000;

/** Says nothing, for tests that provoke errors on purpose. */
export const quietLogger: AppLogger = { info: () => undefined, error: () => undefined };
/** Keeps info quiet but shows errors, so an unexpected server fault is visible in the test output. */
export const errorsLogger: AppLogger = { info: () => undefined, error: (m, e) => console.error(m, e) };

/** The parts a workshop is built from. */
export interface WorkshopParts {
  readonly store: SqliteStore;
  readonly sessions: SessionManager;
  readonly labs: () => ReadonlyMap<string, Lab>;
}

export interface TestServerOptions {
  /** A folder of labs to load, or a catalogue the test put together. */
  readonly labs: string | Catalogue;
  /** Sessions' files and the SQLite database (kindlab.db), as `kindlab serve --data` keeps them. */
  readonly dataDir: string;
  /** The built web root (see buildTestWebRoot); API-only tests leave it out and get 404s for assets. */
  readonly webRoot?: string;
  readonly registry?: BuiltinRegistry;
  readonly doctor?: () => Promise<readonly Diagnosis[]>;
  /** Default: errorsLogger. */
  readonly logger?: AppLogger;
  /** Default 0 (any free port); a restart passes the port it had. */
  readonly port?: number;
  /** Workshop mode: build the workshop from the server's parts; the server starts it and disposes it. */
  readonly workshop?: (parts: WorkshopParts) => Workshop;
}

export interface TestServer {
  /** http://127.0.0.1:<port>/ */
  readonly url: string;
  readonly app: App;
  readonly sessions: SessionManager;
  readonly store: SqliteStore;
  readonly catalogue: Catalogue;
  readonly registry: BuiltinRegistry;
  readonly workshop: Workshop | undefined;
  /** Workshop, then HTTP and sockets, then sessions (their shells and environments' processes), then the database. */
  close(): Promise<void>;
}

export async function startTestServer(o: TestServerOptions & { workshop: (parts: WorkshopParts) => Workshop }): Promise<TestServer & { readonly workshop: Workshop }>;
export async function startTestServer(o: TestServerOptions): Promise<TestServer>;
export async function startTestServer(o: TestServerOptions): Promise<TestServer> {
  const registry = o.registry ?? createBuiltinRegistry();
  const catalogue = typeof o.labs === 'string' ? await loadCatalogue(o.labs, registry) : o.labs;
  const labs = (): ReadonlyMap<string, Lab> => catalogue.labs;
  mkdirSync(o.dataDir, { recursive: true });
  const store = new SqliteStore(join(o.dataDir, DB_FILE));
  const sessions = new SessionManager({ store, labs, createEnvironment, registry, dataDir: o.dataDir, terminalGraceMs: TERMINAL_GRACE_MS });
  let workshop: Workshop | undefined;
  let app: App | undefined;
  try {
    workshop = o.workshop?.({ store, sessions, labs });
    await workshop?.start();
    app = createApp({
      catalogue: () => catalogue,
      sessions,
      bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
      doctor: o.doctor ?? (async () => []),
      webRoot: o.webRoot ?? join(o.dataDir, 'no-web-root'),
      logger: o.logger ?? errorsLogger,
      ...(workshop ? { workshop: workshopDeps(workshop, sessions) } : {}),
    });
    const { url } = await app.listen(o.port ?? 0, '127.0.0.1');
    let closing: Promise<void> | undefined;
    const listening = app;
    return {
      url,
      app,
      sessions,
      store,
      catalogue,
      registry,
      workshop,
      close: () => (closing ??= dispose(workshop, listening, sessions, store)),
    };
  } catch (e) {
    await dispose(workshop, app, sessions, store);
    throw e;
  }
}

async function dispose(workshop: Workshop | undefined, app: App | undefined, sessions: SessionManager, store: SqliteStore): Promise<void> {
  workshop?.dispose();
  await app?.close();
  await sessions.dispose();
  store.close();
}
