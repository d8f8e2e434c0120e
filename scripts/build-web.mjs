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
 * Bundle web/main.ts into `outdir` (app.js + app.js.map) and copy the assets.
 * It leaves esbuild's service process running (a caller may build again); a
 * caller that is done must call esbuild's `stop()`.
 * @param {{ outdir: string, minify: boolean }} options
 * @returns {Promise<void>}
 */
export async function buildWeb({ outdir, minify }) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(REPO, 'web', 'main.ts') },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    minify,
    outdir,
    loader: { '.css': 'css' },
    logLevel: 'warning',
  });
  for (const [from, to] of ASSETS) cpSync(join(REPO, from), join(outdir, to));
}

// Run as the CLI (not when imported).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // --no-minify keeps the bundle readable while developing.
  await buildWeb({ outdir: join(REPO, 'dist', 'web'), minify: !process.argv.includes('--no-minify') });
}
