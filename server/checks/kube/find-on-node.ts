/**
 * Finding a pod's sandbox and containers with crictl on the pod's node. crictl's
 * `--name` is a regular expression, so the name is anchored and its dots
 * escaped; results are still filtered by the exact pod name and namespace.
 */
import type { CheckContext } from '../builtin.js';
import { parseCrictlInspect, parseCrictlInspectp, type CrictlInspected } from './parse-crictl-inspect.js';
import { parseCrictlPods, type CrictlSandbox } from './parse-crictl-pods.js';
import { parseCrictlPs, type CrictlContainer } from './parse-crictl-ps.js';
import { lastLine, runScript } from './run-script.js';

export const CRICTL_PODS_SCRIPT = 'crictl pods --name "$KL_NAME_RE" -o json';
/** `-a` so an exited or crash-looping container is found and reported, not missed. */
export const CRICTL_PS_SCRIPT = 'crictl ps -a --name "$KL_NAME_RE" -o json';
export const CRICTL_INSPECT_SCRIPT = 'crictl inspect -o json "$KL_ID"';
export const CRICTL_INSPECTP_SCRIPT = 'crictl inspectp -o json "$KL_ID"';

export function exactNameRegex(name: string): string {
  return `^${name.replace(/[.]/g, '\\.')}$`;
}

async function crictl(ctx: CheckContext, target: string, script: string, env: Record<string, string>): Promise<string> {
  const r = await runScript(ctx, target, script, env);
  if (r.exitCode !== 0) throw new Error(`crictl failed on ${target}: ${lastLine(r.stderr || r.stdout) || `exit code ${r.exitCode}`}`);
  return r.stdout;
}

/** Sandboxes of the pod on that node, newest attempt first (a restarted sandbox leaves NotReady ones behind). */
export async function listSandboxes(ctx: CheckContext, target: string, pod: string, namespace: string): Promise<CrictlSandbox[]> {
  const out = await crictl(ctx, target, CRICTL_PODS_SCRIPT, { KL_NAME_RE: exactNameRegex(pod) });
  return parseCrictlPods(out)
    .filter((s) => s.name === pod && (s.namespace === '' || s.namespace === namespace))
    .sort((a, b) => Number(b.state === 'SANDBOX_READY') - Number(a.state === 'SANDBOX_READY') || b.attempt - a.attempt);
}

/** Containers named `container` that belong to the pod, running ones and newest attempts first. */
export async function listContainers(ctx: CheckContext, target: string, pod: string, namespace: string, container: string): Promise<CrictlContainer[]> {
  const out = await crictl(ctx, target, CRICTL_PS_SCRIPT, { KL_NAME_RE: exactNameRegex(container) });
  return parseCrictlPs(out)
    .filter((c) => c.name === container && (c.podName === undefined || c.podName === pod) && (c.podNamespace === undefined || c.podNamespace === namespace))
    .sort((a, b) => Number(b.state === 'CONTAINER_RUNNING') - Number(a.state === 'CONTAINER_RUNNING') || b.attempt - a.attempt);
}

export async function inspectContainer(ctx: CheckContext, target: string, id: string): Promise<CrictlInspected> {
  return parseCrictlInspect(await crictl(ctx, target, CRICTL_INSPECT_SCRIPT, { KL_ID: id }));
}

export async function inspectSandbox(ctx: CheckContext, target: string, id: string): Promise<CrictlInspected> {
  return parseCrictlInspectp(await crictl(ctx, target, CRICTL_INSPECTP_SCRIPT, { KL_ID: id }));
}

/** "SANDBOX_READY" → "ready", "CONTAINER_RUNNING" → "running". */
export function stateWord(state: string): string {
  return state.replace(/^(SANDBOX|CONTAINER)_/, '').toLowerCase();
}

export function shortId(id: string): string {
  return id.slice(0, 13);
}
