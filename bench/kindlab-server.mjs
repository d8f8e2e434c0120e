// The kindlab server the bench measures, as its own process (so its memory is
// its own): the compiled server from dist/ (run `npm run build` first), the
// bench labs, a fresh data dir, and the web bundle the bench built. Prints one
// JSON line {url, labs} when it listens; stops in order on SIGTERM. With a
// workshop file and an instructor token it runs that workshop as
// `kindlab serve --workshop` does, listening once its seats are pre-warmed.
import { join } from 'node:path';
import { createApp } from '../dist/server/server.js';
import { loadCatalogue } from '../dist/server/labs/loader.js';
import { createBuiltinRegistry } from '../dist/server/checks/registry.js';
import { SqliteStore } from '../dist/server/store/sqlite-store.js';
import { SessionManager } from '../dist/server/sessions/session-manager.js';
import { bindTerminalEvents } from '../dist/server/terminals/terminal-channel.js';
import { createEnvironment } from '../dist/cluster/create-environment.js';
import { loadWorkshopConfig } from '../dist/server/workshop/workshop-config.js';
import { Workshop } from '../dist/server/workshop/workshop.js';
import { workshopDeps } from '../dist/server/workshop/workshop-deps.js';

const [labsDir, dataDir, webRoot, workshopFile, instructorToken] = process.argv.slice(2);
if (!labsDir || !dataDir || !webRoot || (workshopFile && !instructorToken)) {
  console.error('usage: node bench/kindlab-server.mjs <labs dir> <data dir> <web root> [<workshop.yaml> <instructor token>]');
  process.exit(2);
}

const registry = createBuiltinRegistry();
const catalogue = await loadCatalogue(labsDir, registry);
const broken = catalogue.entries.filter((e) => !e.ok);
if (broken.length) {
  console.error(`bench labs have errors: ${JSON.stringify(broken)}`);
  process.exit(1);
}
const store = new SqliteStore(join(dataDir, 'kindlab.db'));
const sessions = new SessionManager({ store, labs: () => catalogue.labs, createEnvironment, registry, dataDir, terminalGraceMs: 60_000 });
let workshop;
if (workshopFile) {
  const r = await loadWorkshopConfig(workshopFile);
  if (!r.ok) {
    console.error(`bench workshop has errors: ${JSON.stringify(r.problems)}`);
    process.exit(1);
  }
  workshop = new Workshop({ config: r.config, store, sessions, labs: () => catalogue.labs, instructorToken, log: () => undefined });
  await workshop.start();
}
const app = createApp({
  catalogue: () => catalogue,
  sessions,
  bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
  doctor: async () => [],
  webRoot,
  ...(workshop ? { workshop: workshopDeps(workshop, sessions) } : {}),
  logger: { info: () => undefined, error: (m, e) => console.error(m, e ?? '') },
});
const { url } = await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url, labs: [...catalogue.labs.keys()] })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    workshop?.dispose();
    await sessions.dispose();
    store.close();
    process.exit(0);
  })();
});
