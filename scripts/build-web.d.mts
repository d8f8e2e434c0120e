/** Types for scripts/build-web.mjs (used by the test helpers and the bench). */
import type { Plugin } from 'esbuild';

export interface BuildWebOptions {
  /** Where app.js, socket-worker.js and the copied assets go. */
  readonly outdir: string;
  readonly minify?: boolean;
  /** esbuild plugins for the page's bundle (not the worker's). */
  readonly plugins?: Plugin[];
}
export function buildWeb(options: BuildWebOptions): Promise<void>;
/** The socket worker's entry file (web/socket-worker.ts). */
export const SOCKET_WORKER: string;
