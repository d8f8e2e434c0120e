/**
 * Puts the fake kind/kubectl/docker (test/fakes/bin) first on PATH for a
 * contract test, with a scenario chosen by FAKE_* variables, and reads back what
 * they recorded. process.env is changed only while a test runs and restored after,
 * because docker-exec.ts (shared with the containers environment) runs `docker`
 * with the server's own environment.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKE_BIN = fileURLToPath(new URL('./bin', import.meta.url));

export interface Call {
  readonly tool: 'kind' | 'kubectl' | 'docker';
  readonly args: string[];
  readonly stdin?: string;
}

export interface Fakes {
  readonly dir: string;
  readonly dataDir: string;
  readonly dockerRoot: string;
  /** What the fakes' callers should see as their environment (PATH with the fakes first). */
  readonly env: Record<string, string>;
  calls(tool?: Call['tool']): Call[];
  restore(): void;
}

export function useFakes(scenario: Record<string, string> = {}, path = `${FAKE_BIN}:${process.env['PATH'] ?? ''}`): Fakes {
  const dir = mkdtempSync(join(tmpdir(), 'kindlab-fakes-'));
  const log = join(dir, 'calls.jsonl');
  const env: Record<string, string> = { PATH: path, FAKE_LOG: log, FAKE_DOCKER_ROOT: join(dir, 'containers'), ...scenario };
  const saved = new Map<string, string | undefined>();
  for (const k of new Set([...Object.keys(env), ...Object.keys(process.env).filter((k) => k.startsWith('FAKE_'))])) {
    saved.set(k, process.env[k]);
    if (env[k] === undefined) delete process.env[k];
    else process.env[k] = env[k];
  }
  return {
    dir,
    dataDir: join(dir, 'data'),
    dockerRoot: join(dir, 'containers'),
    env,
    calls(tool) {
      if (!existsSync(log)) return [];
      const all = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Call);
      return tool ? all.filter((c) => c.tool === tool) : all;
    },
    restore() {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
