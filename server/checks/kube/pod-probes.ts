/**
 * Answer probes about a pod: values the learner reads off kubectl or crictl
 * (UID, IP, node, sandbox ID, app container ID, pause PID), computed from live
 * state. On-node values are looked up on the node the pod runs on.
 */
import { z } from 'zod';
import { ProbeError, type BuiltinProbe, type CheckContext } from '../builtin.js';
import { findPod, findPodNode } from './find-pod.js';
import { inspectSandbox, listContainers, listSandboxes } from './find-on-node.js';
import { labelName, namespaceName, objectName } from './kube-names.js';
import { readNamespaces } from './compare-namespaces.js';
import type { KubePod } from './parse-kube-pod.js';

const podParams = z.strictObject({ pod: objectName, namespace: namespaceName.default('default') });
const containerParams = podParams.extend({ container: labelName.optional() });
type PodParams = z.output<typeof podParams>;

async function pod(ctx: CheckContext, p: PodParams): Promise<KubePod> {
  const found = await findPod(ctx, p.pod, p.namespace);
  if (!found.found) throw new ProbeError(found.message);
  return found.pod;
}

async function onNode(ctx: CheckContext, p: PodParams) {
  const where = await findPodNode(ctx, p.pod, p.namespace);
  if (!where.ok) throw new ProbeError(where.message);
  return where;
}

async function readySandbox(ctx: CheckContext, p: PodParams) {
  const where = await onNode(ctx, p);
  const sandbox = (await listSandboxes(ctx, where.target, p.pod, p.namespace)).find((s) => s.state === 'SANDBOX_READY');
  if (!sandbox) throw new ProbeError(`node ${where.node} has no ready sandbox for pod ${p.pod}`);
  return { where, sandbox };
}

/** The node the pod runs on and the PID of its pause process there. */
async function pauseProcess(ctx: CheckContext, p: PodParams) {
  const { where, sandbox } = await readySandbox(ctx, p);
  const inspected = await inspectSandbox(ctx, where.target, sandbox.id);
  if (!inspected.pid) throw new ProbeError(`the sandbox of pod ${p.pod} has no running pause process`);
  return { where, pid: inspected.pid };
}

export const podUidProbe: BuiltinProbe<PodParams> = {
  name: 'pod-uid',
  description: "The pod's UID (metadata.uid).",
  params: podParams,
  async value(ctx, p) {
    return (await pod(ctx, p)).uid;
  },
};

export const podIpProbe: BuiltinProbe<PodParams> = {
  name: 'pod-ip',
  description: "The pod's IP (status.podIP).",
  params: podParams,
  async value(ctx, p) {
    const found = await pod(ctx, p);
    if (!found.podIP) throw new ProbeError(`pod ${p.pod} has no IP yet (phase ${found.phase})`);
    return found.podIP;
  },
};

export const podNodeProbe: BuiltinProbe<PodParams> = {
  name: 'pod-node',
  description: 'The node the pod is scheduled to (spec.nodeName).',
  params: podParams,
  async value(ctx, p) {
    const found = await pod(ctx, p);
    if (!found.nodeName) throw new ProbeError(`pod ${p.pod} is not scheduled to a node yet`);
    return found.nodeName;
  },
};

export const sandboxIdProbe: BuiltinProbe<PodParams> = {
  name: 'sandbox-id',
  description: "The full ID of the pod's ready sandbox, from crictl pods on the pod's node (use match=prefix for the short form).",
  params: podParams,
  async value(ctx, p) {
    return (await readySandbox(ctx, p)).sandbox.id;
  },
};

export const containerIdProbe: BuiltinProbe<z.output<typeof containerParams>> = {
  name: 'container-id',
  description: "The full ID of the pod's running app container, from crictl ps on the pod's node.",
  params: containerParams,
  async value(ctx, p) {
    const where = await onNode(ctx, p);
    const name = p.container ?? where.pod.specContainers[0] ?? p.pod;
    const c = (await listContainers(ctx, where.target, p.pod, p.namespace, name)).find((x) => x.state === 'CONTAINER_RUNNING');
    if (!c) throw new ProbeError(`node ${where.node} has no running container ${name} of pod ${p.pod}`);
    return c.id;
  },
};

export const pausePidProbe: BuiltinProbe<PodParams> = {
  name: 'pause-pid',
  description: "The PID (in the node's PID namespace) of the pod's pause process, from crictl inspectp .info.pid.",
  params: podParams,
  async value(ctx, p) {
    return String((await pauseProcess(ctx, p)).pid);
  },
};

export const podNetnsProbe: BuiltinProbe<PodParams> = {
  name: 'pod-netns',
  description:
    "The inode number of the pod's network namespace (the N in net:[N]), read as readlink /proc/<pause PID>/ns/net on the pod's node.",
  params: podParams,
  async value(ctx, p) {
    const { where, pid } = await pauseProcess(ctx, p);
    const links = await readNamespaces(ctx, where.target, pid, pid);
    if ('gone' in links) throw new ProbeError(`could not read the pause process's namespaces on ${where.node}: ${links.gone}`);
    const inode = /^net:\[(\d+)\]$/.exec(links.net.a)?.[1];
    if (!inode) throw new ProbeError(`unexpected network namespace link "${links.net.a}" on ${where.node}`);
    return inode;
  },
};
