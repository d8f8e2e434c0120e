/**
 * `serviceaccount-volume`: the pod's projected service-account volume on its
 * node holds ca.crt, namespace and token, and its ca.crt is the one the
 * `kube-root-ca.crt` ConfigMap publishes. Certificates are compared after
 * normalising line ends and trailing newlines, and only fingerprints and the
 * first differing line are shown, never the whole certificate.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { findPodNode } from './find-pod.js';
import { namespaceName, objectName } from './kube-names.js';
import { describeIssue, parseJsonOutput } from './parse-error.js';
import { lastLine, runScript } from './run-script.js';

/** Exit 3: no kube-api-access volume (e.g. automountServiceAccountToken: false). */
export const SA_VOLUME_SCRIPT = [
  'set -- "/var/lib/kubelet/pods/$KL_UID/volumes/kubernetes.io~projected/"kube-api-access-*',
  'if [ ! -d "$1" ]; then echo "no kube-api-access-* volume in /var/lib/kubelet/pods/$KL_UID/volumes/kubernetes.io~projected" >&2; exit 3; fi',
  'echo "dir $1"',
  'for f in ca.crt namespace token; do if [ -e "$1/$f" ]; then echo "has $f"; else echo "missing $f"; fi; done',
  'printf "namespace %s\\n" "$(cat "$1/namespace" 2>/dev/null)"',
  'echo "ca.crt:"',
  'cat "$1/ca.crt" 2>/dev/null',
].join('\n');
export const GET_ROOT_CA_SCRIPT = 'kubectl get configmap kube-root-ca.crt -n "$KL_NAMESPACE" -o json';

const FILES = ['ca.crt', 'namespace', 'token'] as const;
/** Hex digits of a SHA-256 shown to the learner: enough to tell two certificates apart at a glance. */
const FINGERPRINT_CHARS = 16;

const params = z.strictObject({
  pod: objectName,
  namespace: namespaceName.default('default'),
});

const configMapSchema = z.object({ data: z.record(z.string(), z.string()).nullish() });

export function normalisePem(text: string): string {
  return text.replace(/\r\n/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();
}

export function fingerprint(text: string): string {
  return createHash('sha256').update(normalisePem(text)).digest('hex').slice(0, FINGERPRINT_CHARS);
}

/** 1-based number of the first line that differs, after normalising. */
export function firstDifferingLine(a: string, b: string): number {
  const la = normalisePem(a).split('\n');
  const lb = normalisePem(b).split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return i + 1;
  return 0;
}

export interface SaVolumeListing {
  readonly dir: string;
  readonly present: readonly string[];
  readonly missing: readonly string[];
  readonly namespace: string;
  readonly caCrt: string;
}

export function parseSaVolumeListing(stdout: string): SaVolumeListing {
  const marker = stdout.indexOf('ca.crt:\n');
  const head = (marker >= 0 ? stdout.slice(0, marker) : stdout).split('\n');
  const present: string[] = [];
  const missing: string[] = [];
  let dir = '';
  let namespace = '';
  for (const line of head) {
    if (line.startsWith('dir ')) dir = line.slice(4);
    else if (line.startsWith('has ')) present.push(line.slice(4));
    else if (line.startsWith('missing ')) missing.push(line.slice(8));
    else if (line.startsWith('namespace ')) namespace = line.slice(10).trim();
  }
  if (!dir) throw new Error(`unexpected output from the service-account volume listing: "${stdout.slice(0, 80)}"`);
  return { dir, present, missing, namespace, caCrt: marker >= 0 ? stdout.slice(marker + 'ca.crt:\n'.length) : '' };
}

export const serviceaccountVolume: BuiltinCheck<z.output<typeof params>> = {
  name: 'serviceaccount-volume',
  description: "The pod's projected service-account volume on its node holds ca.crt, namespace and token, and ca.crt matches the kube-root-ca.crt ConfigMap.",
  params,
  async run(ctx, p) {
    const expected = `ca.crt, namespace (${p.namespace}) and token, with ca.crt equal to ConfigMap kube-root-ca.crt`;
    const where = await findPodNode(ctx, p.pod, p.namespace);
    if (!where.ok) return { passed: false, message: where.message, expected, actual: 'no node to search' };
    const [vol, cm] = await Promise.all([
      runScript(ctx, where.target, SA_VOLUME_SCRIPT, { KL_UID: where.pod.uid }),
      runScript(ctx, ctx.target, GET_ROOT_CA_SCRIPT, { KL_NAMESPACE: p.namespace }),
    ]);
    if (vol.exitCode === 3) return { passed: false, message: `on ${where.node}: ${lastLine(vol.stderr)}`, expected, actual: 'no volume' };
    if (vol.exitCode !== 0) throw new Error(`could not list the service-account volume on ${where.node}: ${lastLine(vol.stderr) || `exit code ${vol.exitCode}`}`);
    const listing = parseSaVolumeListing(vol.stdout);
    const actual = `${listing.present.join(', ') || 'no files'} in ${listing.dir}`;
    if (listing.missing.length) {
      return { passed: false, message: `${listing.dir} on ${where.node} lacks ${listing.missing.join(', ')} (has ${listing.present.join(', ') || 'nothing'}; expected ${FILES.join(', ')})`, expected, actual };
    }
    if (listing.namespace !== p.namespace) {
      return { passed: false, message: `the namespace file in ${listing.dir} says "${listing.namespace}", expected ${p.namespace}`, expected, actual };
    }
    if (cm.exitCode !== 0) {
      return { passed: false, message: `could not read ConfigMap kube-root-ca.crt in namespace ${p.namespace}: ${lastLine(cm.stderr)}`, expected, actual };
    }
    const what = 'kubectl get configmap kube-root-ca.crt -o json';
    const parsed = configMapSchema.safeParse(parseJsonOutput(cm.stdout, what));
    if (!parsed.success) throw describeIssue(what, parsed.error.issues);
    const published = parsed.data.data?.['ca.crt'];
    if (published === undefined) return { passed: false, message: 'ConfigMap kube-root-ca.crt has no ca.crt key', expected, actual };
    const fpVolume = fingerprint(listing.caCrt);
    const fpMap = fingerprint(published);
    if (normalisePem(listing.caCrt) !== normalisePem(published)) {
      const line = firstDifferingLine(listing.caCrt, published);
      return {
        passed: false,
        message: `ca.crt in the pod's volume (sha256 ${fpVolume}…) differs from ConfigMap kube-root-ca.crt (sha256 ${fpMap}…), first at line ${line}`,
        expected,
        actual: `ca.crt sha256 ${fpVolume}… vs ConfigMap ${fpMap}…`,
      };
    }
    return {
      passed: true,
      message: `${listing.dir} on ${where.node} holds ca.crt, namespace and token; ca.crt equals ConfigMap kube-root-ca.crt (sha256 ${fpMap}…)`,
      expected,
      actual,
    };
  },
};
