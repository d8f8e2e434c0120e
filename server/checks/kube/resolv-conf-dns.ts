/**
 * `resolv-conf-dns`: the pod's resolv.conf names the kube-dns Service's
 * ClusterIP as nameserver and searches `<ns>.svc.<domain> svc.<domain> <domain>`.
 * Line order does not matter (containerd writes search first, Docker wrote
 * nameserver first); host search domains kubelet appends are reported, and only
 * fail the check with `exactSearch: true`.
 */
import { z } from 'zod';
import type { BuiltinCheck, CheckContext } from '../builtin.js';
import { findPod, findPodNode } from './find-pod.js';
import { listSandboxes, shortId } from './find-on-node.js';
import { namespaceName, objectName } from './kube-names.js';
import { describeIssue, parseJsonOutput } from './parse-error.js';
import { parseResolvConf } from './parse-resolv-conf.js';
import { lastLine, runScript } from './run-script.js';

export const GET_KUBE_DNS_SCRIPT = 'kubectl get svc kube-dns -n kube-system -o json';
export const SANDBOX_RESOLV_SCRIPT = 'cat "/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/$KL_SANDBOX/resolv.conf"';
export const EXEC_RESOLV_SCRIPT = 'kubectl exec "$KL_POD" -n "$KL_NAMESPACE" -- cat /etc/resolv.conf';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
  /** node: the sandbox's file on the pod's node (needs no tools in the image); exec: `kubectl exec … cat`. */
  source: z.enum(['node', 'exec']).default('node'),
  clusterDomain: objectName.default('cluster.local'),
  /** Fail when search has domains beyond the three cluster ones. */
  exactSearch: z.boolean().default(false),
});

const serviceSchema = z.object({ spec: z.object({ clusterIP: z.string() }) });

export async function kubeDnsClusterIp(ctx: CheckContext): Promise<string> {
  const r = await runScript(ctx, ctx.target, GET_KUBE_DNS_SCRIPT);
  if (r.exitCode !== 0) throw new Error(`kubectl could not read Service kube-dns in kube-system: ${lastLine(r.stderr) || `exit code ${r.exitCode}`}`);
  const what = 'kubectl get svc kube-dns -o json';
  const parsed = serviceSchema.safeParse(parseJsonOutput(r.stdout, what));
  if (!parsed.success) throw describeIssue(what, parsed.error.issues);
  return parsed.data.spec.clusterIP;
}

type Source = { ok: true; text: string; from: string } | { ok: false; message: string };

async function readResolvConf(ctx: CheckContext, p: z.output<typeof params>): Promise<Source> {
  if (p.source === 'exec') {
    const found = await findPod(ctx, p.pod, p.namespace);
    if (!found.found) return { ok: false, message: found.message };
    const r = await runScript(ctx, ctx.target, EXEC_RESOLV_SCRIPT, { KL_POD: p.pod, KL_NAMESPACE: p.namespace });
    if (r.exitCode !== 0) return { ok: false, message: `could not read /etc/resolv.conf in pod ${p.pod}: ${lastLine(r.stderr) || `exit code ${r.exitCode}`}` };
    return { ok: true, text: r.stdout, from: `/etc/resolv.conf in pod ${p.pod}` };
  }
  const where = await findPodNode(ctx, p.pod, p.namespace);
  if (!where.ok) return { ok: false, message: where.message };
  const sandbox = (await listSandboxes(ctx, where.target, p.pod, p.namespace)).find((s) => s.state === 'SANDBOX_READY');
  if (!sandbox) return { ok: false, message: `node ${where.node} has no ready sandbox for pod ${p.pod}` };
  const r = await runScript(ctx, where.target, SANDBOX_RESOLV_SCRIPT, { KL_SANDBOX: sandbox.id });
  if (r.exitCode !== 0) return { ok: false, message: `could not read the resolv.conf of sandbox ${shortId(sandbox.id)} on ${where.node}: ${lastLine(r.stderr)}` };
  return { ok: true, text: r.stdout, from: `sandbox ${shortId(sandbox.id)}'s resolv.conf on ${where.node}` };
}

export const resolvConfDns: BuiltinCheck<z.output<typeof params>> = {
  name: 'resolv-conf-dns',
  description: "A pod's resolv.conf uses the kube-dns ClusterIP as nameserver and the cluster's search domains.",
  params,
  async run(ctx, p) {
    const wantSearch = [`${p.namespace}.svc.${p.clusterDomain}`, `svc.${p.clusterDomain}`, p.clusterDomain];
    const [dnsIp, source] = await Promise.all([kubeDnsClusterIp(ctx), readResolvConf(ctx, p)]);
    const expected = `nameserver ${dnsIp}; search ${wantSearch.join(' ')}`;
    if (!source.ok) return { passed: false, message: source.message, expected, actual: 'no resolv.conf' };
    const conf = parseResolvConf(source.text);
    const actual = `nameserver ${conf.nameservers.join(', ') || '(none)'}; search ${conf.search.join(' ') || '(none)'}`;
    const problems: string[] = [];
    if (!conf.nameservers.includes(dnsIp)) {
      problems.push(`nameserver is ${conf.nameservers.join(', ') || 'missing'}, expected the kube-dns ClusterIP ${dnsIp}`);
    }
    const missing = wantSearch.filter((d) => !conf.search.includes(d));
    if (missing.length) problems.push(`search lacks ${missing.join(', ')}`);
    const extra = conf.search.filter((d) => !wantSearch.includes(d));
    if (extra.length && p.exactSearch) problems.push(`search has extra domains ${extra.join(', ')}`);
    if (problems.length) return { passed: false, message: `${source.from}: ${problems.join('; ')}`, expected, actual };
    const note = extra.length ? ` (plus host search domain${extra.length > 1 ? 's' : ''} ${extra.join(', ')}, appended by kubelet from the node)` : '';
    return { passed: true, message: `${source.from} uses kube-dns ${dnsIp} and searches ${wantSearch.join(' ')}${note}`, expected, actual };
  },
};
