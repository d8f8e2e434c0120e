/**
 * The kindlab CLI in a child process, as a user runs it, but from source:
 * bin/kindlab.js's two lines pointed at server/main.ts through tsx, so a test
 * never runs a stale dist/.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');
/** Image builds and `kindlab test` runs print a lot; the default 1 MiB would cut them off. */
const MAX_OUTPUT_BYTES = 16 << 20;

export interface CliResult {
  /** null when the process was killed (e.g. at the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Write the CLI's entry script into `dir`; returns its path for runKindlab. */
export function writeCliEntry(dir: string): string {
  const entry = join(dir, 'kindlab.mjs');
  writeFileSync(entry, `import { main } from ${JSON.stringify(join(REPO, 'server', 'main.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
  return entry;
}

/** Run `kindlab <args>` in the repository (SIGKILL at the timeout); never rejects, the exit code says how it went. */
export function runKindlab(entry: string, args: readonly string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: REPO, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      done({ code, stdout, stderr });
    });
  });
}
