/**
 * `kindlab serve`: wires the real parts (labs from disk, SQLite store, session
 * manager, environments, terminals) into the app and serves it on loopback
 * until SIGINT/SIGTERM, then shuts down in order and says what it left running.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_TERMINAL_GRACE_MS } from '../../common/protocol.js';
import type { Lab } from '../../common/lab.js';
import { findLeftovers } from '../../cluster/containers/inventory.js';
import { diagnose } from '../../cluster/doctor/doctor.js';
import { createEnvironment } from '../../cluster/create-environment.js';
import { createApp, type Catalogue } from '../server.js';
import { loadCatalogue } from '../labs/loader.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { SessionManager } from '../sessions/session-manager.js';
import { bindTerminalEvents } from '../terminals/terminal-channel.js';
import { parseDuration } from '../workshop/duration.js';
import { makeFolder } from './folders.js';
import { loadWorkshopConfig } from '../workshop/workshop-config.js';
import { Workshop } from '../workshop/workshop.js';
import { workshopDeps } from '../workshop/workshop-deps.js';
import { plausibleToken } from '../workshop/tokens.js';
import { isWildcardHost, reachableUrls } from '../workshop/reachable-urls.js';
import { workshopBanner } from '../workshop/workshop-banner.js';

const USAGE = `usage: kindlab serve [--port 4173] [--host 127.0.0.1] [--labs ./labs] [--data-dir ./.kindlab] [--terminal-grace 15m]
                     [--workshop workshop.yaml [--instructor-token T]]

  --port            TCP port (0 picks a free one)
  --host            loopback address to bind (127.0.0.1, ::1 or localhost); with --workshop
                    any address, e.g. 0.0.0.0 (the URLs printed list this machine's addresses)
  --labs            folder of labs
  --data-dir        where sessions, progress and environment state are kept
  --terminal-grace  how long a terminal nobody watches keeps its shell (e.g. 90s, 15m, 1h; 1s to 168h)
  --workshop        run an instructor-led event from this file (see docs/workshops.md);
                    only then may --host be a network address (e.g. 0.0.0.0)
  --instructor-token  set the instructor token instead of generating one`;

/** --terminal-grace's bounds: under a second a page reload loses the shell; past setTimeout's 2^31-1 ms (~24.8 days) the timer fires at once. */
export const MIN_TERMINAL_GRACE_MS = 1000;
export const MAX_TERMINAL_GRACE_MS = 7 * 24 * 3_600_000;

export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly labsDir: string;
  readonly dataDir: string;
  readonly terminalGraceMs: number;
  readonly workshopFile?: string;
  readonly instructorToken?: string;
}

/** Loopback unless in workshop mode (where every route needs a token). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The options, or the message explaining what is wrong with them. */
export function parseServeArgs(args: string[]): ServeOptions | { error: string } | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string', default: '4173' },
        host: { type: 'string', default: '127.0.0.1' },
        labs: { type: 'string', default: './labs' },
        'data-dir': { type: 'string', default: './.kindlab' },
        'terminal-grace': { type: 'string', default: `${DEFAULT_TERMINAL_GRACE_MS / 60_000}m` },
        workshop: { type: 'string' },
        'instructor-token': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  if (values.help) return 'help';
  // Decimal digits only: Number() would take "" as 0 and "0x50" as 80.
  const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65535)) return { error: `--port must be a whole number from 0 to 65535, got "${values.port}"` };
  if (!isLoopbackHost(values.host) && values.workshop === undefined) {
    return { error: `--host must be a loopback address (127.0.0.1, ::1 or localhost), got "${values.host}": kindlab serves shells, and only workshop mode (--workshop, where everyone needs a token) may serve them to the network` };
  }
  if (values['instructor-token'] !== undefined && values.workshop === undefined) return { error: '--instructor-token only makes sense with --workshop' };
  if (values['instructor-token'] !== undefined && !plausibleToken(values['instructor-token'])) {
    return { error: '--instructor-token must be 16 to 128 characters of A-Z, a-z, 0-9, - and _' };
  }
  const grace = parseDuration(values['terminal-grace']);
  if (grace === undefined) return { error: `--terminal-grace must be a duration such as 90s, 15m or 1h, got "${values['terminal-grace']}"` };
  if (grace < MIN_TERMINAL_GRACE_MS || grace > MAX_TERMINAL_GRACE_MS) return { error: `--terminal-grace must be from 1s to 168h (7 days), got "${values['terminal-grace']}"` };
  return {
    port,
    host: values.host,
    labsDir: resolve(values.labs),
    dataDir: resolve(values['data-dir']),
    terminalGraceMs: grace,
    ...(values.workshop !== undefined ? { workshopFile: resolve(values.workshop) } : {}),
    ...(values['instructor-token'] !== undefined ? { instructorToken: values['instructor-token'] } : {}),
  };
}

/** Why the labs folder cannot be read as one, or undefined when it can. */
export function labsFolderProblem(labsDir: string): string | undefined {
  try {
    if (!statSync(labsDir).isDirectory()) return `--labs ${labsDir} is a file, not a folder of labs`;
    accessSync(labsDir, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `no labs folder at ${labsDir}; run from the kindlab folder or pass --labs DIR`;
    return `cannot read the labs folder ${labsDir}: ${(e as Error).message}`;
  }
}

/** dist/web, found from this file whether it runs from dist/server/cli or from source through tsx. */
function webRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['web'] : ['dist', 'web']));
}

/**
 * Docker objects of kindlab sessions this data dir does not know (a crash, a
 * deleted database): reported, never removed silently. Sessions in the store
 * keep their environments on purpose and are adopted when they open again.
 */
async function reportLeftovers(dataDir: string, known: Iterable<string>): Promise<void> {
  try {
    const left = await findLeftovers(known);
    if (!left.length) return;
    console.log(`kindlab: found ${left.length} environment(s) that no session of ${dataDir} owns (left by a crash or another data dir):`);
    for (const l of left) console.log(`  session ${l.session}${l.lab ? `  lab ${l.lab}` : ''}  (${l.items.length} object(s))`);
    console.log('  remove them with: kindlab env down --session <id>   (or --all)');
  } catch (e) {
    console.error(`kindlab: could not look for leftover environments: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseServeArgs(args);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  if ('error' in parsed) {
    console.error(`kindlab serve: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const opts = parsed;
  let workshopConfig;
  if (opts.workshopFile) {
    const r = await loadWorkshopConfig(opts.workshopFile);
    if (!r.ok) {
      for (const p of r.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
      return 2;
    }
    workshopConfig = r.config;
  }
  const folderProblem = labsFolderProblem(opts.labsDir) ?? makeFolder('--data-dir', opts.dataDir, opts.dataDir);
  if (folderProblem) {
    console.error(`kindlab serve: ${folderProblem}`);
    return 2;
  }

  const registry = createBuiltinRegistry();
  let catalogue: Catalogue = await loadCatalogue(opts.labsDir, registry);
  const broken = catalogue.entries.filter((e) => !e.ok);
  console.log(`kindlab: ${catalogue.labs.size} lab(s) from ${opts.labsDir}${broken.length ? `, ${broken.length} with errors (shown in the catalogue)` : ''}`);

  const store = new SqliteStore(join(opts.dataDir, 'kindlab.db'));
  await reportLeftovers(opts.dataDir, store.listSessions().map((r) => r.id));
  const sessions = new SessionManager({
    store,
    labs: () => catalogue.labs,
    createEnvironment,
    registry,
    dataDir: opts.dataDir,
    terminalGraceMs: opts.terminalGraceMs,
    diagnose: (lab: Lab) => diagnose({ environment: lab.environment, labDir: lab.dir }),
  });
  let workshop: Workshop | undefined;
  if (workshopConfig) {
    const missing = workshopConfig.labs.filter((id) => !catalogue.labs.has(id));
    if (missing.length) {
      console.error(`kindlab serve: ${opts.workshopFile}: lab(s) ${missing.join(', ')} not found (or broken) in ${opts.labsDir}`);
      await sessions.dispose();
      store.close();
      return 2;
    }
    workshop = new Workshop({
      config: workshopConfig,
      store,
      sessions,
      labs: () => catalogue.labs,
      ...(opts.instructorToken ? { instructorToken: opts.instructorToken } : {}),
      log: (m) => console.log(m),
    });
    const { prewarm, capacity } = workshopConfig;
    const warming = workshop.prewarmCount();
    const capped = warming < prewarm.initial ? ` (prewarm.initial is ${prewarm.initial}; ${prewarm.initial > capacity ? `capacity ${capacity}` : `the ${warming} seat(s) left`} caps it)` : '';
    if (prewarm.initial) console.log(`kindlab: pre-warming ${warming} environment(s) of ${workshopConfig.labs[0]} before the doors open${capped}…`);
    // Ctrl-C before the doors open: stop the pre-warm and remove what it made (a second one leaves at once).
    let interrupted: string | undefined;
    let stopping: Promise<void> | undefined;
    const onStartupSignal = (signal: NodeJS.Signals) => {
      if (interrupted) {
        console.log(`kindlab: ${signal} again; leaving now. \`kindlab env ls\` lists what is left, \`kindlab env down --session <id>\` removes it`);
        process.exit(130);
      }
      interrupted = signal;
      console.log(`\nkindlab: ${signal} while pre-warming; removing the environments it made…`);
      stopping = workshop!.stopPrewarm().catch((e: unknown) => console.error(`kindlab: removing the pre-warmed environments failed: ${e instanceof Error ? e.message : String(e)}`));
    };
    process.on('SIGINT', onStartupSignal);
    process.on('SIGTERM', onStartupSignal);
    let started: Awaited<ReturnType<Workshop['start']>> | undefined;
    try {
      started = await workshop.start();
    } finally {
      process.off('SIGINT', onStartupSignal);
      process.off('SIGTERM', onStartupSignal);
    }
    if (interrupted) {
      await stopping;
      workshop.dispose();
      await sessions.dispose();
      store.close();
      console.log('kindlab: stopped');
      return 130;
    }
    const { restored, prewarmMs } = started;
    if (restored) console.log(`kindlab: restored ${restored} learner session(s) from the store`);
    if (prewarm.initial) console.log(`kindlab: pre-warmed in ${(prewarmMs / 1000).toFixed(1)} s`);
  }
  const app = createApp({
    catalogue: () => catalogue,
    sessions,
    bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
    doctor: () => diagnose(),
    webRoot: webRoot(),
    ...(workshop ? { workshop: workshopDeps(workshop, sessions) } : {}),
  });

  let url: string;
  try {
    ({ url } = await app.listen(opts.port, opts.host));
  } catch (e) {
    console.error(`kindlab serve: cannot listen on ${opts.host}:${opts.port}: ${e instanceof Error ? e.message : String(e)}`);
    await sessions.dispose();
    store.close();
    return 1;
  }
  const port = Number(new URL(url).port);
  // A wildcard bind is no address to type: say so, and list the machine's own addresses instead.
  console.log(isWildcardHost(opts.host) ? `kindlab: serving on every address of this machine (${opts.host}), port ${port}  (Ctrl-C to stop)` : `kindlab: serving on ${url}  (Ctrl-C to stop)`);
  if (workshop) {
    const urls = reachableUrls(opts.host, port, networkInterfaces());
    for (const line of workshopBanner({ title: workshop.title, code: workshop.code, urls, newInstructorToken: workshop.newInstructorToken })) console.log(line);
  }

  // SIGHUP re-reads the labs, for authors editing chapters.
  const reload = () => {
    void loadCatalogue(opts.labsDir, registry).then(
      (c) => {
        catalogue = c;
        console.log(`kindlab: reloaded ${c.labs.size} lab(s)`);
      },
      (e: unknown) => console.error('kindlab: reloading labs failed', e),
    );
  };
  process.on('SIGHUP', reload);

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      console.log(`\nkindlab: ${signal}, shutting down…`);
      done();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  process.off('SIGHUP', reload);

  const running = sessions
    .list()
    .filter((s) => s.lab.environment.type !== 'local' && s.snapshot().environment === 'ready')
    .map((s) => `  ${s.lab.id} (${s.lab.environment.type}, session ${s.id})`);
  workshop?.dispose();
  await app.close();
  await sessions.dispose();
  store.close();
  if (running.length) {
    console.log('kindlab: these environments are still running; the next `kindlab serve` adopts them:');
    for (const r of running) console.log(r);
    console.log('  to remove them: kindlab env ls shows their ids, then kindlab env down --session <id>   (or --all)');
  }
  console.log('kindlab: stopped');
  return 0;
}
