// Bundles the browser code (web/) with esbuild into dist/web/.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
mkdirSync('dist/web', { recursive: true });
const options = {
  entryPoints: { app: 'web/main.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  minify: !watch,
  outdir: 'dist/web',
  loader: { '.css': 'css' },
  logLevel: 'warning',
};
await build(options);
cpSync('node_modules/@xterm/xterm/css/xterm.css', 'dist/web/xterm.css');
cpSync('web/styles.css', 'dist/web/styles.css');
cpSync('web/favicon.svg', 'dist/web/favicon.svg');
