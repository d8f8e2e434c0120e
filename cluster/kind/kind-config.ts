/**
 * The kind cluster config kindlab passes on stdin (`kind create cluster --config -`).
 * Every node names the lab's pinned image, so `--image` is never needed and a
 * cluster made offline from a tagged image (see docs/operators.md) uses that tag.
 */
import { stringify } from 'yaml';
import type { KindEnvironmentSpec } from '../../common/lab.js';

interface KindNode {
  role: 'control-plane' | 'worker';
  image: string;
}

export function kindConfig(spec: KindEnvironmentSpec): string {
  const nodes: KindNode[] = [{ role: 'control-plane', image: spec.nodeImage }];
  for (let i = 0; i < spec.workers; i++) nodes.push({ role: 'worker', image: spec.nodeImage });
  const config: Record<string, unknown> = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    nodes,
    // An empty list makes the node entrypoint drop the host's DNS search domains,
    // so a pod's resolv.conf "search" line is exactly the three cluster domains.
    networking: { dnsSearch: [] },
  };
  if (spec.kubeadmConfigPatches.length > 0) config['kubeadmConfigPatches'] = [...spec.kubeadmConfigPatches];
  // Block-literal strings keep each patch a readable YAML document.
  return stringify(config, { blockQuote: 'literal', lineWidth: 0 });
}

/** The kubeadm patch that lets Kubernetes ≥ 1.35 start on a cgroup v1 host. */
export const FAIL_CGROUP_V1_PATCH = 'kind: KubeletConfiguration\nfailCgroupV1: false\n';

/** `1.35` from `kindest/node:v1.35.0@sha256:…`; undefined when the tag is not a version. */
export function nodeImageKubernetesVersion(image: string): { major: number; minor: number } | undefined {
  const m = /:v(\d+)\.(\d+)(?:\.\d+)?(?:[-+][\w.-]*)?(?:@|$)/.exec(image);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Whether a lab's patches already set `failCgroupV1: false` for the kubelet. */
export function allowsCgroupV1(spec: KindEnvironmentSpec): boolean {
  return spec.kubeadmConfigPatches.some((p) => /kind:\s*KubeletConfiguration/.test(p) && /failCgroupV1:\s*false/.test(p));
}
