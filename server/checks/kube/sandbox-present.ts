/** `sandbox-present`: the pod's sandbox (what Docker-era nodes showed as k8s_POD_…) is on its node and ready. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPodNode } from './find-pod.js';
import { listSandboxes, shortId, stateWord } from './find-on-node.js';
import { namespaceName, objectName } from './kube-names.js';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
});

export const sandboxPresent: BuiltinCheck<z.output<typeof params>> = {
  name: 'sandbox-present',
  description: "The pod's sandbox exists on the node the pod is scheduled to (found with crictl pods) and is ready.",
  params,
  async run(ctx, p) {
    const expected = `a ready sandbox for pod ${p.pod} on its node`;
    const where = await findPodNode(ctx, p.pod, p.namespace);
    if (!where.ok) return { passed: false, message: where.message, expected, actual: 'no node to search' };
    const sandboxes = await listSandboxes(ctx, where.target, p.pod, p.namespace);
    const best = sandboxes[0];
    if (!best) {
      return { passed: false, message: `searched node ${where.node} (${where.target}) with crictl pods: no sandbox named ${p.pod}`, expected, actual: 'none found' };
    }
    const actual = `sandbox ${shortId(best.id)} ${stateWord(best.state)} on ${where.node}`;
    if (best.state !== 'SANDBOX_READY') {
      return { passed: false, message: `node ${where.node} has sandbox ${shortId(best.id)} for pod ${p.pod}, but it is ${stateWord(best.state)}, expected ready`, expected, actual };
    }
    if (best.uid && best.uid !== where.pod.uid) {
      return { passed: false, message: `sandbox ${shortId(best.id)} on ${where.node} belongs to an older pod ${p.pod} (UID ${best.uid}, the pod's is ${where.pod.uid})`, expected, actual };
    }
    return { passed: true, message: `node ${where.node} runs sandbox ${shortId(best.id)} for pod ${p.pod} (ready)`, expected, actual };
  },
};
