/** `hosts-file-entry`: the kubelet-managed hosts file of the pod (on its node) maps the pod IP to the pod's hostname. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPodNode } from './find-pod.js';
import { namespaceName, objectName } from './kube-names.js';
import { parseHostsFile } from './parse-hosts-file.js';
import { lastLine, runScript } from './run-script.js';

export const KUBELET_HOSTS_SCRIPT = 'cat "/var/lib/kubelet/pods/$KL_UID/etc-hosts"';

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
  /** The name expected beside the pod IP; defaults to the pod name (its hostname unless spec.hostname is set). */
  hostname: objectName.optional(),
});

export const hostsFileEntry: BuiltinCheck<z.output<typeof params>> = {
  name: 'hosts-file-entry',
  description: "The kubelet's etc-hosts file for the pod, on the pod's node, maps the pod IP to the pod's name.",
  params,
  async run(ctx, p) {
    const name = p.hostname ?? p.pod;
    const where = await findPodNode(ctx, p.pod, p.namespace);
    if (!where.ok) return { passed: false, message: where.message, expected: `pod IP → ${name}`, actual: 'no node to search' };
    const ip = where.pod.podIP;
    const expected = `${ip ?? '<pod IP>'} → ${name}`;
    if (!ip) return { passed: false, message: `pod ${p.pod} has no IP yet (phase ${where.pod.phase})`, expected, actual: 'no pod IP' };
    const file = `/var/lib/kubelet/pods/${where.pod.uid}/etc-hosts`;
    const r = await runScript(ctx, where.target, KUBELET_HOSTS_SCRIPT, { KL_UID: where.pod.uid });
    if (r.exitCode !== 0) return { passed: false, message: `could not read ${file} on ${where.node}: ${lastLine(r.stderr)}`, expected, actual: 'no file' };
    const entries = parseHostsFile(r.stdout);
    const forIp = entries.filter((e) => e.ip === ip);
    if (forIp.some((e) => e.names.includes(name))) {
      return { passed: true, message: `${file} on ${where.node} maps ${ip} to ${name}`, expected, actual: expected };
    }
    const forName = entries.filter((e) => e.names.includes(name));
    const actual = forIp.length
      ? `${ip} → ${forIp.flatMap((e) => e.names).join(' ')}`
      : forName.length
        ? `${name} → ${forName.map((e) => e.ip).join(', ')}`
        : `no line for ${ip} or ${name}`;
    return { passed: false, message: `${file} on ${where.node} does not map ${ip} to ${name}: ${actual}`, expected, actual };
  },
};
