/**
 * Looking a pod up through kubectl on the check's own target (on kind, the
 * control-plane node, where kubectl is configured) and finding the terminal
 * target of the node it runs on. The node is always discovered, never assumed.
 */
import type { CheckContext } from '../builtin.js';
import { parseKubePod, type KubePod } from './parse-kube-pod.js';
import { lastLine, runScript } from './run-script.js';

export const GET_POD_SCRIPT = 'kubectl get pod "$KL_POD" -n "$KL_NAMESPACE" -o json';

export type PodLookup = { readonly found: true; readonly pod: KubePod } | { readonly found: false; readonly message: string };

/** kubectl's "not found" is a learner's state (not created yet), every other failure a fault. */
export function isNotFound(stderr: string): boolean {
  return /\(NotFound\)|not found/i.test(stderr);
}

export async function findPod(ctx: CheckContext, pod: string, namespace: string): Promise<PodLookup> {
  const r = await runScript(ctx, ctx.target, GET_POD_SCRIPT, { KL_POD: pod, KL_NAMESPACE: namespace });
  if (r.exitCode !== 0) {
    if (isNotFound(r.stderr)) return { found: false, message: `pod ${pod} does not exist in namespace ${namespace}` };
    throw new Error(`kubectl could not read pod ${pod} on ${ctx.target}: ${lastLine(r.stderr || r.stdout) || `exit code ${r.exitCode}`}`);
  }
  return { found: true, pod: parseKubePod(r.stdout) };
}

export type NodeLookup =
  | { readonly ok: true; readonly pod: KubePod; readonly node: string; readonly target: string }
  | { readonly ok: false; readonly message: string; readonly pod?: KubePod };

/** The pod and the target of its node, or a plain reason why there is none yet. */
export async function findPodNode(ctx: CheckContext, pod: string, namespace: string): Promise<NodeLookup> {
  const found = await findPod(ctx, pod, namespace);
  if (!found.found) return { ok: false, message: found.message };
  const node = found.pod.nodeName;
  if (!node) return { ok: false, pod: found.pod, message: `pod ${pod} is not scheduled to a node yet (phase ${found.pod.phase})` };
  const target = ctx.targetForNode(node);
  if (!target) {
    const known = ctx.targets().map((t) => t.name).join(', ') || 'none';
    throw new Error(`pod ${pod} runs on node ${node}, but no terminal target belongs to that node (targets: ${known})`);
  }
  return { ok: true, pod: found.pod, node, target };
}
