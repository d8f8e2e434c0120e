// Bundles the browser code (web/) with esbuild and copies the page's static assets beside it.
// `node scripts/build-web.mjs [--no-minify]` builds dist/web/ (npm run build); tests import buildWeb()
// so the web root they serve is built exactly like dist/web.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root, so the build does not depend on the caller's working directory. */
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Static files the page links to, copied as they are: [source in the repo, name in the web root]. */
const ASSETS = [
  ['node_modules/@xterm/xterm/css/xterm.css', 'xterm.css'],
  ['web/styles.css', 'styles.css'],
  ['web/favicon.svg', 'favicon.svg'],
];

/**
 * Bundle web/main.ts into `outdir` (app.js + app.js.map), the page's socket
 * worker beside it (socket-worker.js, a classic worker script; app.js finds it
 * next to itself), and copy the assets. `plugins` are esbuild plugins for the
 * page's bundle (the bench swaps in its xterm probe). It leaves esbuild's
 * service process running (a caller may build again); a caller that is done
 * must call esbuild's `stop()`.
 * @param {{ outdir: string, minify: boolean, plugins?: import('esbuild').Plugin[] }} options
 * @returns {Promise<void>}
 */
export async function buildWeb({ outdir, minify, plugins = [] }) {
  mkdirSync(outdir, { recursive: true });
  const common = { bundle: true, target: 'es2022', sourcemap: true, minify, outdir, logLevel: 'warning' };
  await Promise.all([
    build({ ...common, entryPoints: { app: join(REPO, 'web', 'main.ts') }, format: 'esm', loader: { '.css': 'css' }, plugins }),
    build({ ...common, entryPoints: { 'socket-worker': SOCKET_WORKER }, format: 'iife' }),
  ]);
  for (const [from, to] of ASSETS) cpSync(join(REPO, from), join(outdir, to));
}

/** The socket worker's entry (web/socket.ts loads it as ./socket-worker.js). */
export const SOCKET_WORKER = join(REPO, 'web', 'socket-worker.ts');

// Run as the CLI (not when imported).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // --no-minify keeps the bundle readable while developing.
  await buildWeb({ outdir: join(REPO, 'dist', 'web'), minify: !process.argv.includes('--no-minify') });
}
