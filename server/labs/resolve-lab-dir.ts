/**
 * What a command takes as "a lab": a folder holding lab.yaml, or a lab id
 * found under the labs folder (so `kindlab prepare two-machines` works like
 * `kindlab prepare labs/two-machines`).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DEFAULT_LABS_DIR = 'labs';

/**
 * The folder `arg` names, as given (relative paths stay relative to `cwd`):
 * `arg` itself when it holds lab.yaml, else `labsDir/arg` when `arg` is a
 * lab id found there, else `arg`, for the loader to report in its own words.
 */
export function resolveLabDir(arg: string, labsDir: string = DEFAULT_LABS_DIR, cwd: string = process.cwd()): string {
  if (existsSync(join(resolve(cwd, arg), 'lab.yaml'))) return arg;
  const byId = join(labsDir, arg);
  return /^[a-z0-9][a-z0-9-]*$/i.test(arg) && existsSync(join(resolve(cwd, byId), 'lab.yaml')) ? byId : arg;
}
