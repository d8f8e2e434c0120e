/** `k8s-object-exists`: `kubectl get <kind> <name>` finds the object. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { isNotFound } from './find-pod.js';
import { namespaceName, objectName, resourceKind } from './kube-names.js';
import { lastLine, runScript } from './run-script.js';

// An empty KL_NAMESPACE means a cluster-scoped kind (node, namespace, clusterrole…).
export const GET_OBJECT_SCRIPT = 'if [ -n "$KL_NAMESPACE" ]; then set -- -n "$KL_NAMESPACE"; fi\nkubectl get "$KL_KIND" "$KL_NAME" "$@" -o name';

const params = z.strictObject({
  kind: resourceKind,
  name: objectName,
  /** Omit for the default namespace; `""` for cluster-scoped kinds. */
  namespace: z.union([namespaceName, z.literal('')]).default('default'),
});

export const k8sObjectExists: BuiltinCheck<z.output<typeof params>> = {
  name: 'k8s-object-exists',
  description: 'A Kubernetes object of the given kind and name exists.',
  params,
  async run(ctx, p) {
    const where = p.namespace ? ` in namespace ${p.namespace}` : '';
    const expected = `${p.kind} ${p.name}${where} exists`;
    const r = await runScript(ctx, ctx.target, GET_OBJECT_SCRIPT, { KL_KIND: p.kind, KL_NAME: p.name, KL_NAMESPACE: p.namespace });
    if (r.exitCode === 0) return { passed: true, message: `${p.kind} ${p.name} exists${where}`, expected, actual: r.stdout.trim() };
    if (isNotFound(r.stderr)) return { passed: false, message: `${p.kind} ${p.name} does not exist${where}`, expected, actual: 'not found' };
    if (/doesn't have a resource type/i.test(r.stderr)) {
      return { passed: false, message: `the cluster has no resource kind "${p.kind}"`, expected, actual: lastLine(r.stderr) };
    }
    throw new Error(`kubectl could not look up ${p.kind} ${p.name}: ${lastLine(r.stderr || r.stdout) || `exit code ${r.exitCode}`}`);
  },
};
