import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { allowsCgroupV1, FAIL_CGROUP_V1_PATCH, kindConfig, nodeImageKubernetesVersion } from './kind-config.js';

const IMAGE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';

describe('kindConfig', () => {
  it('makes one control-plane and N workers, each pinned to the image, with dnsSearch []', () => {
    const text = kindConfig({ type: 'kind', nodeImage: IMAGE, workers: 2, images: [], kubeadmConfigPatches: [] });
    const doc = parse(text) as Record<string, unknown>;
    assert.deepEqual(doc, {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      nodes: [
        { role: 'control-plane', image: IMAGE },
        { role: 'worker', image: IMAGE },
        { role: 'worker', image: IMAGE },
      ],
      networking: { dnsSearch: [] },
    });
    assert.match(text, /dnsSearch: \[\]/);
  });

  it('passes kubeadmConfigPatches through as documents', () => {
    const spec = { type: 'kind' as const, nodeImage: IMAGE, workers: 0, images: [], kubeadmConfigPatches: [FAIL_CGROUP_V1_PATCH] };
    const doc = parse(kindConfig(spec)) as { kubeadmConfigPatches: string[]; nodes: unknown[] };
    assert.equal(doc.nodes.length, 1);
    assert.deepEqual(doc.kubeadmConfigPatches, [FAIL_CGROUP_V1_PATCH]);
    assert.deepEqual(parse(doc.kubeadmConfigPatches[0] ?? ''), { kind: 'KubeletConfiguration', failCgroupV1: false });
    assert.equal(allowsCgroupV1(spec), true);
    assert.equal(allowsCgroupV1({ ...spec, kubeadmConfigPatches: [] }), false);
  });

  it('reads the Kubernetes version from a node image reference', () => {
    assert.deepEqual(nodeImageKubernetesVersion(IMAGE), { major: 1, minor: 34 });
    assert.deepEqual(nodeImageKubernetesVersion('kindest/node:v1.37.0-rc.1@sha256:aabb'), { major: 1, minor: 37 });
    assert.deepEqual(nodeImageKubernetesVersion('kindest/node:v1.35.0'), { major: 1, minor: 35 });
    assert.equal(nodeImageKubernetesVersion('kindest/node:latest'), undefined);
  });
});
