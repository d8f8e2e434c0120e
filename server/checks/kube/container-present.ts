/** `container-present`: the pod's app container is on its node (crictl ps) and running. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPodNode } from './find-pod.js';
import { listContainers, shortId, stateWord } from './find-on-node.js';
import { labelName, namespaceName, objectName } from './kube-names.js';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
  /** The container's name in the pod spec; defaults to the pod's only (or first) container. */
  container: labelName.optional(),
});

export const containerPresent: BuiltinCheck<z.output<typeof params>> = {
  name: 'container-present',
  description: "The pod's app container exists on the pod's node (found with crictl ps) and is running.",
  params,
  async run(ctx, p) {
    const where = await findPodNode(ctx, p.pod, p.namespace);
    const name = p.container ?? where.pod?.specContainers[0] ?? p.pod;
    const expected = `container ${name} of pod ${p.pod} running on its node`;
    if (!where.ok) return { passed: false, message: where.message, expected, actual: 'no node to search' };
    const found = await listContainers(ctx, where.target, p.pod, p.namespace, name);
    const best = found[0];
    if (!best) {
      return { passed: false, message: `searched node ${where.node} (${where.target}) with crictl ps: no container ${name} of pod ${p.pod}`, expected, actual: 'none found' };
    }
    const actual = `container ${shortId(best.id)} ${stateWord(best.state)} on ${where.node}`;
    if (best.state !== 'CONTAINER_RUNNING') {
      return { passed: false, message: `node ${where.node} has container ${name} (${shortId(best.id)}) of pod ${p.pod}, but it is ${stateWord(best.state)}, expected running`, expected, actual };
    }
    return { passed: true, message: `node ${where.node} runs container ${name} (${shortId(best.id)}) of pod ${p.pod}`, expected, actual };
  },
};
