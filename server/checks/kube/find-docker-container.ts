/**
 * Finding a container in a machine that runs its own dockerd (Docker-in-Docker),
 * by name/ID or by label, and reading its ID and PID with `docker inspect`.
 */
import { z } from 'zod';
import type { CheckContext } from '../builtin.js';
import { lastLine, runScript } from './run-script.js';

/** Docker's own rule for container names (plus hex IDs, which it also satisfies). */
const containerName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'must be a Docker container name or ID');
const labelSelector = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./-]*(=[^\n]*)?$/, 'must be a label key or key=value');

export const dockerRef = z.union([containerName, z.strictObject({ label: labelSelector })]);
export type DockerRef = z.output<typeof dockerRef>;

/** Exit code 3: the label matched zero or several containers (stderr says which). */
export const DOCKER_INSPECT_SCRIPT = [
  'if [ -n "$KL_LABEL" ]; then',
  '  ids=$(docker ps -q --no-trunc --filter "label=$KL_LABEL") || exit 1',
  '  n=$(printf "%s" "$ids" | grep -c .)',
  '  if [ "$n" -ne 1 ]; then echo "$n running containers have label $KL_LABEL, expected exactly one" >&2; exit 3; fi',
  '  set -- "$ids"',
  'else',
  '  set -- "$KL_NAME"',
  'fi',
  "docker inspect -f '{{.Id}} {{.State.Pid}}' \"$1\"",
].join('\n');

export type DockerLookup = { readonly ok: true; readonly id: string; readonly pid: number } | { readonly ok: false; readonly message: string };

export async function findDockerContainer(ctx: CheckContext, target: string, ref: DockerRef): Promise<DockerLookup> {
  const env = typeof ref === 'string' ? { KL_NAME: ref, KL_LABEL: '' } : { KL_NAME: '', KL_LABEL: ref.label };
  const r = await runScript(ctx, target, DOCKER_INSPECT_SCRIPT, env);
  if (r.exitCode === 3) return { ok: false, message: lastLine(r.stderr) };
  if (r.exitCode !== 0) {
    if (/no such (object|container)/i.test(r.stderr)) return { ok: false, message: 'no such container' };
    throw new Error(`docker inspect failed in ${target}: ${lastLine(r.stderr || r.stdout) || `exit code ${r.exitCode}`}`);
  }
  const [id, pid] = r.stdout.trim().split(/\s+/);
  if (!id || !/^[0-9a-f]{12,64}$/.test(id) || pid === undefined || !/^\d+$/.test(pid)) {
    throw new Error(`docker inspect printed "${r.stdout.trim().slice(0, 80)}", expected "<id> <pid>"`);
  }
  // Docker reports PID 0 for a stopped container.
  return { ok: true, id, pid: Number(pid) };
}
