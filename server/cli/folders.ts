/**
 * Paths a command is given, checked before anything is made. A folder
 * (`--data-dir`): the nearest folder that exists at or above it must be one
 * that can be written in; `serve` then makes it one level at a time (Node's
 * recursive mkdirSync spins forever under /proc), `test` leaves that to its
 * environments. A file to write at the end (`--junit`): its folder must exist.
 */
import { accessSync, constants, mkdirSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';

export const notAFolder = (st: Stats): string => (st.isFile() ? 'is a file, not a folder' : 'is not a folder');

/** The levels of `path` that do not exist yet (outermost first), or why it cannot become a folder to write in. */
function missingLevels(flag: string, given: string, path: string): string[] | string {
  const missing: string[] = [];
  for (let at = path; ; at = dirname(at)) {
    let st: Stats;
    try {
      st = statSync(at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOENT' || code === 'ENOTDIR') && dirname(at) !== at) {
        missing.unshift(at);
        continue;
      }
      return `${flag} ${given}: ${(e as Error).message}`;
    }
    if (!st.isDirectory()) return at === path ? `${flag} ${given} ${notAFolder(st)}` : `${flag} ${given}: ${at} ${notAFolder(st)}`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch {
      return `${flag} ${given}: cannot write in ${at} (permission denied)`;
    }
    return missing;
  }
}

/** Why `path` (which may not exist yet) cannot be a folder to write in, or undefined. */
export function folderProblem(flag: string, given: string, path: string): string | undefined {
  const levels = missingLevels(flag, given, path);
  return typeof levels === 'string' ? levels : undefined;
}

/** Make the folder and any missing level above it, or say why not; the levels made before a failure are removed again. */
export function makeFolder(flag: string, given: string, path: string): string | undefined {
  const levels = missingLevels(flag, given, path);
  if (typeof levels === 'string') return levels;
  const made: string[] = [];
  for (const level of levels) {
    try {
      mkdirSync(level);
      made.push(level);
    } catch (e) {
      for (const m of made.reverse()) {
        try {
          rmdirSync(m);
        } catch {
          // someone else put something there: leave it
        }
      }
      return `${flag} ${given}: cannot create ${level}: ${(e as Error).message}`;
    }
  }
  return undefined;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Why the file `path` could not be written later (its folder must exist; `example` names a file to suggest), or undefined. */
export function fileProblem(flag: string, given: string, path: string, example: string): string | undefined {
  const file = statOrUndefined(path);
  if (file?.isDirectory()) return `${flag} ${given} is a folder; give a file to write, e.g. ${join(given, example)}`;
  const dir = dirname(path);
  const folder = statOrUndefined(dir);
  if (!folder) return `${flag} ${given}: the folder ${dir} does not exist`;
  if (!folder.isDirectory()) return `${flag} ${given}: ${dir} ${notAFolder(folder)}`;
  try {
    accessSync(file ? path : dir, constants.W_OK);
  } catch {
    return `${flag} ${given}: cannot write ${file ? path : `in ${dir}`} (permission denied)`;
  }
  return undefined;
}
