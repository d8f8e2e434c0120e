/**
 * What a command takes as "a lab": a folder holding lab.yaml, or a lab id
 * found under the labs folder (so `kindlab prepare two-machines` works like
 * `kindlab prepare labs/two-machines`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_LABS_DIR = 'labs';

export function resolveLabDir(arg: string, labsDir: string = DEFAULT_LABS_DIR): string {
  if (existsSync(join(arg, 'lab.yaml'))) return arg;
  const byId = join(labsDir, arg);
  return /^[a-z0-9][a-z0-9-]*$/i.test(arg) && existsSync(join(byId, 'lab.yaml')) ? byId : arg;
}
