/** `pod-node`: the pod is scheduled to some node, or to the given one. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPod } from './find-pod.js';
import { namespaceName, nodeName, objectName } from './kube-names.js';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
  node: nodeName.optional(),
});

export const podNode: BuiltinCheck<z.output<typeof params>> = {
  name: 'pod-node',
  description: 'A pod is scheduled to a node (any, or the one named).',
  params,
  async run(ctx, p) {
    const expected = p.node ? `pod ${p.pod} on node ${p.node}` : `pod ${p.pod} scheduled to a node`;
    const found = await findPod(ctx, p.pod, p.namespace);
    if (!found.found) return { passed: false, message: `${found.message}, so it is on no node`, expected, actual: 'no such pod' };
    const node = found.pod.nodeName;
    if (!node) return { passed: false, message: `pod ${p.pod} is not scheduled to any node yet (phase ${found.pod.phase})`, expected, actual: 'not scheduled' };
    if (p.node && node !== p.node) return { passed: false, message: `pod ${p.pod} runs on node ${node}, expected ${p.node}`, expected, actual: `on ${node}` };
    return { passed: true, message: `pod ${p.pod} runs on node ${node}`, expected, actual: `on ${node}` };
  },
};
