// The kindlab server the bench measures, as its own process (so its memory is
// its own): the compiled server from dist/ (run `npm run build` first), the
// bench labs, a fresh data dir, and the web bundle the bench built. Prints one
// JSON line {url, labs} when it listens; stops in order on SIGTERM.
import { join } from 'node:path';
import { createApp } from '../dist/server/server.js';
import { loadCatalogue } from '../dist/server/labs/loader.js';
import { createBuiltinRegistry } from '../dist/server/checks/registry.js';
import { SqliteStore } from '../dist/server/store/sqlite-store.js';
import { SessionManager } from '../dist/server/sessions/session-manager.js';
import { bindTerminalEvents } from '../dist/server/terminals/terminal-channel.js';
import { createEnvironment } from '../dist/cluster/create-environment.js';

const [labsDir, dataDir, webRoot] = process.argv.slice(2);
if (!labsDir || !dataDir || !webRoot) {
  console.error('usage: node bench/kindlab-server.mjs <labs dir> <data dir> <web root>');
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
const app = createApp({
  catalogue: () => catalogue,
  sessions,
  bindTerminals: (socket, session) => bindTerminalEvents(socket, session.terminals),
  doctor: async () => [],
  webRoot,
  logger: { info: () => undefined, error: (m, e) => console.error(m, e ?? '') },
});
const { url } = await app.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url, labs: [...catalogue.labs.keys()] })}\n`);

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await sessions.dispose();
    store.close();
    process.exit(0);
  })();
});
