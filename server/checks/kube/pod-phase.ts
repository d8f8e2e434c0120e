/** `pod-phase`: the pod is in the expected phase (Running by default) and, if asked, ready. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPod } from './find-pod.js';
import { namespaceName, objectName } from './kube-names.js';
import { describePodReadiness } from './parse-kube-pod.js';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
  phase: z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']).default('Running'),
  /** Also require every container to be ready. */
  ready: z.boolean().optional(),
});

export const podPhase: BuiltinCheck<z.output<typeof params>> = {
  name: 'pod-phase',
  description: 'A pod is in the given phase (default Running), optionally with every container ready.',
  params,
  async run(ctx, p) {
    const expected = `pod ${p.pod} ${p.phase}${p.ready ? ' and ready' : ''}`;
    const found = await findPod(ctx, p.pod, p.namespace);
    if (!found.found) return { passed: false, message: `${found.message}, expected it ${p.phase}`, expected, actual: 'no such pod' };
    const pod = found.pod;
    const readiness = describePodReadiness(pod);
    const allReady = pod.containers.length > 0 && pod.containers.every((c) => c.ready) && pod.containers.length >= pod.specContainers.length;
    const actual = `${pod.phase}, ${readiness}`;
    if (pod.phase !== p.phase) {
      return { passed: false, message: `pod ${p.pod} is ${pod.phase}, expected ${p.phase}: ${readiness}`, expected, actual };
    }
    if (p.ready && !allReady) {
      return { passed: false, message: `pod ${p.pod} is ${pod.phase} but not ready: ${readiness}`, expected, actual };
    }
    return { passed: true, message: `pod ${p.pod} is ${pod.phase}${p.ready || allReady ? ` (${readiness})` : ''}`, expected, actual };
  },
};
