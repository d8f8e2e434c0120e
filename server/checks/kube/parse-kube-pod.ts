/**
 * Reads `kubectl get pod NAME -o json`: phase, readiness, container states
 * (with waiting reasons such as ErrImagePull / ImagePullBackOff), node, IP and
 * UID. Unknown fields are ignored, so any Kubernetes version's output parses.
 */
import { z } from 'zod';
import { describeIssue, parseJsonOutput } from './parse-error.js';

export interface KubeContainerStatus {
  readonly name: string;
  readonly ready: boolean;
  readonly restartCount: number;
  readonly state: 'running' | 'waiting' | 'terminated' | 'unknown';
  /** Waiting or terminated reason, e.g. ImagePullBackOff, CrashLoopBackOff, Completed. */
  readonly reason?: string;
  readonly message?: string;
  /** `containerd://<64 hex>` without the scheme. */
  readonly containerId?: string;
}

export interface KubePod {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly phase: string;
  readonly nodeName?: string;
  readonly podIP?: string;
  readonly deleting: boolean;
  readonly conditions: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
  /** Init containers are left out: readiness is about the app containers. */
  readonly containers: readonly KubeContainerStatus[];
  /** Names of containers from the spec, so "0/1 ready" counts containers with no status yet. */
  readonly specContainers: readonly string[];
}

const stateDetail = z.object({ reason: z.string().optional(), message: z.string().optional() }).nullish();

const podSchema = z.object({
  kind: z.string().optional(),
  metadata: z.object({
    name: z.string(),
    namespace: z.string().default('default'),
    uid: z.string(),
    deletionTimestamp: z.string().nullish(),
  }),
  spec: z.object({
    nodeName: z.string().nullish(),
    containers: z.array(z.object({ name: z.string() })).default([]),
  }).default({ containers: [] }),
  status: z.object({
    phase: z.string().default('Unknown'),
    podIP: z.string().nullish(),
    conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().nullish(), message: z.string().nullish() })).default([]),
    containerStatuses: z.array(z.object({
      name: z.string(),
      ready: z.boolean().default(false),
      restartCount: z.number().default(0),
      containerID: z.string().nullish(),
      state: z.object({ running: z.object({}).nullish(), waiting: stateDetail, terminated: stateDetail }).nullish(),
    })).default([]),
  }).default({ phase: 'Unknown', conditions: [], containerStatuses: [] }),
});

export function parseKubePod(text: string): KubePod {
  const what = 'kubectl get pod -o json';
  const parsed = podSchema.safeParse(parseJsonOutput(text, what));
  if (!parsed.success) throw describeIssue(what, parsed.error.issues);
  const p = parsed.data;
  if (p.kind !== undefined && p.kind !== 'Pod') throw describeIssue(what, [{ path: ['kind'], message: `expected Pod, got ${p.kind}` }]);
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace,
    uid: p.metadata.uid,
    phase: p.status.phase,
    ...(p.spec.nodeName ? { nodeName: p.spec.nodeName } : {}),
    ...(p.status.podIP ? { podIP: p.status.podIP } : {}),
    deleting: Boolean(p.metadata.deletionTimestamp),
    conditions: p.status.conditions.map((c) => ({ type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) })),
    containers: p.status.containerStatuses.map((c) => {
      const s = c.state ?? {};
      const state = s.running ? 'running' : s.waiting ? 'waiting' : s.terminated ? 'terminated' : 'unknown';
      const detail = s.waiting ?? s.terminated ?? undefined;
      return {
        name: c.name,
        ready: c.ready,
        restartCount: c.restartCount,
        state,
        ...(detail?.reason ? { reason: detail.reason } : {}),
        ...(detail?.message ? { message: detail.message } : {}),
        ...(c.containerID ? { containerId: c.containerID.replace(/^[a-z]+:\/\//, '') } : {}),
      } satisfies KubeContainerStatus;
    }),
    specContainers: p.spec.containers.map((c) => c.name),
  };
}

/** "0/1 containers ready, reason ErrImagePull" — the part of a message that explains a pod. */
export function describePodReadiness(pod: KubePod): string {
  const total = Math.max(pod.specContainers.length, pod.containers.length);
  const ready = pod.containers.filter((c) => c.ready).length;
  const reasons = [...new Set(pod.containers.filter((c) => !c.ready && c.reason).map((c) => c.reason as string))];
  if (reasons.length === 0 && total > ready) {
    const cond = pod.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (cond?.reason) reasons.push(cond.reason);
  }
  const because = reasons.length ? `, reason ${reasons.join(', ')}` : '';
  return `${ready}/${total} container${total === 1 ? '' : 's'} ready${because}`;
}
