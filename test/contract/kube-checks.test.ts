// Contract: every Kubernetes-aware built-in check and probe, run against a fake CheckContext whose
// exec replays real captured kubectl/crictl output (test/fixtures/real-outputs) for the exact fixed
// scripts each built-in sends. The seam is `exec(target, script, {env})`: the test asserts which
// target (node) was searched and which values reached the script as env vars.
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import type { ExecOptions, ExecResult, TerminalTarget } from '../../cluster/environment.js';
import { ProbeError, type CheckContext, type Verdict } from '../../server/checks/builtin.js';
import { READLINK_NS_SCRIPT } from '../../server/checks/kube/compare-namespaces.js';
import { DOCKER_INSPECT_SCRIPT } from '../../server/checks/kube/find-docker-container.js';
import { CRICTL_INSPECTP_SCRIPT, CRICTL_INSPECT_SCRIPT, CRICTL_PODS_SCRIPT, CRICTL_PS_SCRIPT } from '../../server/checks/kube/find-on-node.js';
import { GET_POD_SCRIPT } from '../../server/checks/kube/find-pod.js';
import { KUBELET_HOSTS_SCRIPT } from '../../server/checks/kube/hosts-file-entry.js';
import { GET_OBJECT_SCRIPT } from '../../server/checks/kube/k8s-object-exists.js';
import { EXEC_RESOLV_SCRIPT, GET_KUBE_DNS_SCRIPT, SANDBOX_RESOLV_SCRIPT } from '../../server/checks/kube/resolv-conf-dns.js';
import { GET_ROOT_CA_SCRIPT, SA_VOLUME_SCRIPT } from '../../server/checks/kube/serviceaccount-volume.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { realOutput } from '../helpers/real-outputs.js';


// ---- real outputs, shaped as the commands the checks send -----------------------------------------
const RUNNING_POD = parseYaml(realOutput('5-kubectl-get-pod-running-yaml-a-kind.txt')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PENDING_POD_JSON = JSON.stringify(parseYaml(realOutput('5-kubectl-get-pod-pending-imagepullbackoff-yaml-a-kind.txt').split('\n').map((l) => l.slice(3)).join('\n')));
const PODS_JSON = realOutput('3-crictl-pods-json-a.txt');
const PS_JSON = realOutput('3-crictl-ps-json-a.txt');
const INSPECT_JSON = realOutput('4-crictl-inspect-a-containerd17-kind.txt');
const INSPECTP_JSON = realOutput('4-crictl-inspectp-a-containerd16-kind.txt');
const [, HOSTS = '', RESOLV = ''] = realOutput('8-etc-hosts-and-resolv-conf-a-tabs.txt').split(/^bash-5\.1# cat \S+\n/m);
/** kube-dns's ClusterIP as the captured `kubectl get svc` table shows it, served as `-o json`. */
const KUBE_DNS_IP = /^kube-dns\s+ClusterIP\s+(\S+)/m.exec(realOutput('7-kubectl-get-svc-kube-dns-a-kubeadm.txt'))![1]!;
const SVC_JSON = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system' }, spec: { clusterIP: KUBE_DNS_IP, type: 'ClusterIP' } });
const CA_CRT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n/.exec(realOutput('9-describe-configmap-kube-root-ca-a-kubeadm.txt'))![0];
const CONFIGMAP_JSON = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA_CRT } });

const BPF_POD = 'bpfman-operator-65747dc769-pjztg';
const BPF_UID = '4cad64d0-7a36-452a-8a08-bd3a694cdad5';
const BPF_SANDBOX = '655b0ad6e26c0403c00ef9ab69c399e4e86f92d6bd3ad22a286849bf310b31f3';
const BPF_CID = 'b1f06ea545e81d89dc503414d20a33f1b3f3eca71e3a4344fd16ddc202cc8129';

/** The captured Running pod, re-addressed to the pod whose crictl output we have (same shape, other names). */
function podJson(o: { name: string; namespace: string; uid: string; node: string; ip: string; container?: string }): string {
  const p = structuredClone(RUNNING_POD);
  Object.assign(p.metadata, { name: o.name, namespace: o.namespace, uid: o.uid });
  p.spec.nodeName = o.node;
  p.spec.containers[0].name = o.container ?? o.name;
  p.status.containerStatuses[0].name = o.container ?? o.name;
  p.status.podIP = o.ip;
  return JSON.stringify(p);
}
const BPF_POD_JSON = podJson({ name: BPF_POD, namespace: 'bpfman', uid: BPF_UID, node: 'kind-worker2', ip: '10.244.2.9', container: 'bpfman-operator' });
const HACKER_POD_JSON = podJson({ name: 'hacker-container', namespace: 'default', uid: BPF_UID, node: 'kind-worker', ip: '172.16.7.159' });

// ---- the fake context --------------------------------------------------------------------------
type Reply = { stdout?: string; stderr?: string; exitCode?: number };
type Route = (env: Readonly<Record<string, string>>, target: string) => Reply;
interface Call { target: string; script: string; env: Readonly<Record<string, string>> }

const NODES: Record<string, string> = { 'kind-control-plane': 'controlplane', 'kind-worker': 'worker', 'kind-worker2': 'worker2' };
const NOT_FOUND: Reply = { exitCode: 1, stderr: 'Error from server (NotFound): pods "simple-pod" not found\n' };

class ReplayContext implements CheckContext {
  readonly calls: Call[] = [];
  readonly target = 'controlplane';
  constructor(private readonly routes: ReadonlyMap<string, Route>) {}
  async exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    assert.ok(options.timeoutMs > 0, 'every exec has a deadline');
    const env = options.env ?? {};
    this.calls.push({ target, script, env });
    const route = this.routes.get(script);
    if (!route) throw new Error(`unexpected script on ${target}: ${script}`);
    const r = route(env, target);
    return { exitCode: r.exitCode ?? 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '', timedOut: false, ms: 1 };
  }
  targets(): TerminalTarget[] {
    return Object.entries(NODES).map(([address, name]) => ({ name, address }));
  }
  targetForNode(node: string): string | undefined {
    return NODES[node];
  }
  remainingMs(): number {
    return 5000;
  }
  on(script: string): Call[] {
    return this.calls.filter((c) => c.script === script);
  }
}

function ctx(routes: Record<string, Route>): ReplayContext {
  return new ReplayContext(new Map(Object.entries(routes)));
}
const reply = (stdout: string): Route => () => ({ stdout });

const registry = createBuiltinRegistry();
async function check(name: string, c: CheckContext, params: unknown): Promise<Verdict> {
  const b = registry.check(name);
  assert.ok(b, `built-in ${name} is registered`);
  return b.run(c, b.params.parse(params));
}
async function probe(name: string, c: CheckContext, params: unknown): Promise<string> {
  const b = registry.probe(name);
  assert.ok(b, `probe ${name} is registered`);
  return b.value(c, b.params.parse(params));
}

/** A cluster where the bpfman pod runs on kind-worker2 and crictl there replays the captures. */
function bpfCluster(extra: Record<string, Route> = {}): ReplayContext {
  return ctx({
    [GET_POD_SCRIPT]: (env) => (env.KL_POD === BPF_POD && env.KL_NAMESPACE === 'bpfman' ? { stdout: BPF_POD_JSON } : NOT_FOUND),
    [CRICTL_PODS_SCRIPT]: reply(PODS_JSON),
    [CRICTL_PS_SCRIPT]: reply(PS_JSON),
    [CRICTL_INSPECT_SCRIPT]: reply(INSPECT_JSON),
    [CRICTL_INSPECTP_SCRIPT]: reply(INSPECTP_JSON),
    ...extra,
  });
}

describe('contract: Kubernetes-aware built-in checks on replayed real outputs', () => {
  it('registers every documented check and probe', () => {
    assert.deepEqual(registry.checkNames(), ['command-output', 'container-present', 'file-exists', 'file-matches', 'hosts-file-entry', 'k8s-object-exists', 'pod-node', 'pod-phase', 'resolv-conf-dns', 'sandbox-present', 'serviceaccount-volume', 'shared-netns']);
    assert.deepEqual(registry.probeNames(), ['container-id', 'docker-container-id', 'docker-pid', 'pause-pid', 'pod-ip', 'pod-netns', 'pod-node', 'pod-uid', 'sandbox-id']);
  });

  it('rejects unsafe or malformed params at load time', () => {
    const phase = registry.check('pod-phase')!;
    assert.equal(phase.params.safeParse({ pod: 'simple-pod; rm -rf /' }).success, false);
    assert.equal(phase.params.safeParse({ pod: 'Simple' }).success, false);
    assert.equal(phase.params.safeParse({ pod: 'simple-pod', colour: 'red' }).success, false);
    assert.deepEqual(phase.params.parse({ pod: 'simple-pod' }), { pod: 'simple-pod', namespace: 'default', phase: 'Running' });
    assert.equal(registry.check('shared-netns')!.params.safeParse({ runtime: 'docker', sandbox: '$(id)', app: 'x' }).success, false);
  });

  describe('pod-phase', () => {
    it('explains an ImagePullBackOff pod in plain words', async () => {
      const c = ctx({ [GET_POD_SCRIPT]: reply(PENDING_POD_JSON) });
      const v = await check('pod-phase', c, { pod: 'hello-28328646-h9fnh', namespace: 'fred' });
      assert.deepEqual(v, {
        passed: false,
        message: 'pod hello-28328646-h9fnh is Pending, expected Running: 0/1 container ready, reason ImagePullBackOff',
        expected: 'pod hello-28328646-h9fnh Running',
        actual: 'Pending, 0/1 container ready, reason ImagePullBackOff',
      });
      assert.deepEqual(c.calls[0], { target: 'controlplane', script: GET_POD_SCRIPT, env: { KL_POD: 'hello-28328646-h9fnh', KL_NAMESPACE: 'fred' } });
    });

    it('passes a Running, ready pod and fails a missing one', async () => {
      const c = ctx({ [GET_POD_SCRIPT]: (env) => (env.KL_POD === 'coredns-5d78c9869d-dxvz8' ? { stdout: JSON.stringify(RUNNING_POD) } : NOT_FOUND) });
      const ok = await check('pod-phase', c, { pod: 'coredns-5d78c9869d-dxvz8', namespace: 'kube-system', ready: true });
      assert.equal(ok.passed, true);
      assert.equal(ok.message, 'pod coredns-5d78c9869d-dxvz8 is Running (1/1 container ready)');
      const missing = await check('pod-phase', c, { pod: 'simple-pod' });
      assert.equal(missing.message, 'pod simple-pod does not exist in namespace default, expected it Running');
      assert.equal(missing.passed, false);
    });

    it('turns a kubectl that cannot reach the API into a fault, not a verdict', async () => {
      const c = ctx({ [GET_POD_SCRIPT]: () => ({ exitCode: 1, stderr: 'The connection to the server localhost:8080 was refused - did you specify the right host or port?\n' }) });
      await assert.rejects(check('pod-phase', c, { pod: 'simple-pod' }), /kubectl could not read pod simple-pod on controlplane: The connection to the server/);
    });
  });

  it('pod-node: scheduled anywhere, or a named node', async () => {
    const c = bpfCluster();
    assert.equal((await check('pod-node', c, { pod: BPF_POD, namespace: 'bpfman' })).message, `pod ${BPF_POD} runs on node kind-worker2`);
    const wrong = await check('pod-node', c, { pod: BPF_POD, namespace: 'bpfman', node: 'kind-worker' });
    assert.equal(wrong.passed, false);
    assert.equal(wrong.message, `pod ${BPF_POD} runs on node kind-worker2, expected kind-worker`);
    const pending = JSON.parse(PENDING_POD_JSON);
    delete pending.spec.nodeName;
    const unscheduled = ctx({ [GET_POD_SCRIPT]: reply(JSON.stringify(pending)) });
    assert.equal((await check('pod-node', unscheduled, { pod: 'hello-28328646-h9fnh', namespace: 'fred' })).message, 'pod hello-28328646-h9fnh is not scheduled to any node yet (phase Pending)');
  });

  it('k8s-object-exists: found, not found, cluster-scoped', async () => {
    const c = ctx({
      [GET_OBJECT_SCRIPT]: (env) => (env.KL_NAME === 'kube-dns' ? { stdout: 'service/kube-dns\n' } : { exitCode: 1, stderr: `Error from server (NotFound): ${env.KL_KIND}s "${env.KL_NAME}" not found\n` }),
    });
    const ok = await check('k8s-object-exists', c, { kind: 'service', name: 'kube-dns', namespace: 'kube-system' });
    assert.deepEqual(ok, { passed: true, message: 'service kube-dns exists in namespace kube-system', expected: 'service kube-dns in namespace kube-system exists', actual: 'service/kube-dns' });
    const no = await check('k8s-object-exists', c, { kind: 'configmap', name: 'my-configmap' });
    assert.equal(no.message, 'configmap my-configmap does not exist in namespace default');
    await check('k8s-object-exists', c, { kind: 'node', name: 'kind-worker2', namespace: '' });
    assert.equal(c.calls.at(-1)?.env.KL_NAMESPACE, '');
  });

  describe('sandbox-present / container-present', () => {
    it('discover the node through kubectl, then search that node with crictl', async () => {
      const c = bpfCluster();
      const sb = await check('sandbox-present', c, { pod: BPF_POD, namespace: 'bpfman' });
      assert.deepEqual(sb, { passed: true, message: `node kind-worker2 runs sandbox 655b0ad6e26c0 for pod ${BPF_POD} (ready)`, expected: `a ready sandbox for pod ${BPF_POD} on its node`, actual: 'sandbox 655b0ad6e26c0 ready on kind-worker2' });
      const ct = await check('container-present', c, { pod: BPF_POD, namespace: 'bpfman' });
      assert.equal(ct.message, `node kind-worker2 runs container bpfman-operator (b1f06ea545e81) of pod ${BPF_POD}`);
      assert.equal(ct.passed, true);
      assert.deepEqual(c.on(CRICTL_PODS_SCRIPT).map((x) => [x.target, x.env.KL_NAME_RE]), [['worker2', `^${BPF_POD}$`]]);
      assert.deepEqual(c.on(CRICTL_PS_SCRIPT).map((x) => [x.target, x.env.KL_NAME_RE]), [['worker2', '^bpfman-operator$']]);
    });

    it('say which node was searched when nothing is there, and report a stopped sandbox', async () => {
      const empty = bpfCluster({ [CRICTL_PODS_SCRIPT]: reply('{"items": []}'), [CRICTL_PS_SCRIPT]: reply('{"containers": []}') });
      assert.equal((await check('sandbox-present', empty, { pod: BPF_POD, namespace: 'bpfman' })).message, `searched node kind-worker2 (worker2) with crictl pods: no sandbox named ${BPF_POD}`);
      assert.equal((await check('container-present', empty, { pod: BPF_POD, namespace: 'bpfman' })).message, `searched node kind-worker2 (worker2) with crictl ps: no container bpfman-operator of pod ${BPF_POD}`);
      const notReady = bpfCluster({ [CRICTL_PODS_SCRIPT]: reply(PODS_JSON.replace('SANDBOX_READY', 'SANDBOX_NOTREADY')), [CRICTL_PS_SCRIPT]: reply(PS_JSON.replace('CONTAINER_RUNNING', 'CONTAINER_EXITED')) });
      assert.equal((await check('sandbox-present', notReady, { pod: BPF_POD, namespace: 'bpfman' })).message, `node kind-worker2 has sandbox 655b0ad6e26c0 for pod ${BPF_POD}, but it is notready, expected ready`);
      assert.equal((await check('container-present', notReady, { pod: BPF_POD, namespace: 'bpfman' })).message, `node kind-worker2 has container bpfman-operator (b1f06ea545e81) of pod ${BPF_POD}, but it is exited, expected running`);
    });

    it('fail before the pod exists without touching any node', async () => {
      const c = bpfCluster();
      const v = await check('sandbox-present', c, { pod: 'simple-pod' });
      assert.equal(v.message, 'pod simple-pod does not exist in namespace default');
      assert.equal(c.on(CRICTL_PODS_SCRIPT).length, 0);
    });
  });

  describe('shared-netns', () => {
    const links = (appNet: string): Route => (env, target) => {
      assert.equal(target, 'worker2');
      assert.deepEqual([env.KL_PID_A, env.KL_PID_B], ['6075', '2092']);
      return { stdout: `net net:[4026532462] ${appNet}\nipc ipc:[4026532459] ipc:[4026532459]\nuts uts:[4026532458] uts:[4026532458]\npid pid:[4026532460] pid:[4026532463]\n` };
    };
    it('compares the pause and app PIDs from crictl inspectp/inspect on the pod node', async () => {
      const c = bpfCluster({ [READLINK_NS_SCRIPT]: links('net:[4026532462]') });
      const v = await check('shared-netns', c, { pod: BPF_POD, namespace: 'bpfman' });
      assert.equal(v.passed, true);
      assert.equal(v.message, 'container bpfman-operator (PID 2092) shares network namespace net:[4026532462] with sandbox 655b0ad6e26c0 (pause PID 6075) on kind-worker2; ipc and uts are shared too; pid differs (each has its own process tree)');
      assert.deepEqual(c.on(CRICTL_INSPECTP_SCRIPT)[0]?.env, { KL_ID: BPF_SANDBOX });
      assert.deepEqual(c.on(CRICTL_INSPECT_SCRIPT)[0]?.env, { KL_ID: BPF_CID });
    });
    it('fails when the namespaces differ', async () => {
      const v = await check('shared-netns', bpfCluster({ [READLINK_NS_SCRIPT]: links('net:[4026531992]') }), { pod: BPF_POD, namespace: 'bpfman' });
      assert.equal(v.passed, false);
      assert.equal(v.message, 'container bpfman-operator (PID 2092) has network namespace net:[4026531992] but sandbox 655b0ad6e26c0 (pause PID 6075) on kind-worker2 has net:[4026532462]: they do not share one');
    });
    it('docker variant: containers by name or label in a dind machine', async () => {
      const ids: Record<string, string> = { pause: `${'a'.repeat(64)} 4100`, 'app=web': `${'b'.repeat(64)} 4200` };
      const c = ctx({
        [DOCKER_INSPECT_SCRIPT]: (env) => (ids[env.KL_NAME || env.KL_LABEL!] ? { stdout: `${ids[env.KL_NAME || env.KL_LABEL!]}\n` } : { exitCode: 1, stderr: `Error: No such object: ${env.KL_NAME}\n` }),
        [READLINK_NS_SCRIPT]: () => ({ stdout: 'net net:[1] net:[1]\nipc ipc:[2] ipc:[3]\nuts uts:[4] uts:[5]\npid pid:[6] pid:[7]\n' }),
      });
      const v = await check('shared-netns', c, { runtime: 'docker', sandbox: 'pause', app: { label: 'app=web' } });
      assert.equal(v.message, 'the container labelled app=web (PID 4200) shares network namespace net:[1] with container pause (PID 4100); ipc and uts differ; pid differs (each has its own process tree)');
      const missing = await check('shared-netns', c, { runtime: 'docker', sandbox: 'sandbox', app: 'web' });
      assert.equal(missing.message, 'container sandbox in controlplane: no such container');
      assert.equal(await probe('docker-pid', c, { container: 'pause' }), '4100');
      assert.equal(await probe('docker-container-id', c, { container: { label: 'app=web' } }), 'b'.repeat(64));
    });
  });

  describe('resolv-conf-dns', () => {
    const cluster = (resolv: string) =>
      ctx({
        [GET_POD_SCRIPT]: reply(HACKER_POD_JSON),
        [GET_KUBE_DNS_SCRIPT]: reply(SVC_JSON),
        [CRICTL_PODS_SCRIPT]: reply(PODS_JSON.replace(BPF_POD, 'hacker-container').replace('"bpfman"', '"default"')),
        [SANDBOX_RESOLV_SCRIPT]: (env, target) => (target === 'worker' && env.KL_SANDBOX === BPF_SANDBOX ? { stdout: resolv } : { exitCode: 1, stderr: 'cat: No such file or directory' }),
        [EXEC_RESOLV_SCRIPT]: reply(resolv),
      });
    it('passes the captured file, reporting the extra host search domain', async () => {
      const v = await check('resolv-conf-dns', cluster(RESOLV), { pod: 'hacker-container' });
      assert.deepEqual(v, {
        passed: true,
        message: "sandbox 655b0ad6e26c0's resolv.conf on kind-worker uses kube-dns 10.96.0.10 and searches default.svc.cluster.local svc.cluster.local cluster.local (plus host search domain thezoo.local, appended by kubelet from the node)",
        expected: 'nameserver 10.96.0.10; search default.svc.cluster.local svc.cluster.local cluster.local',
        actual: 'nameserver 10.96.0.10; search default.svc.cluster.local svc.cluster.local cluster.local thezoo.local',
      });
    });
    it('still passes with the lines in reverse (Docker-era) order, through kubectl exec', async () => {
      const reversed = RESOLV.trim().split('\n').reverse().join('\n');
      const v = await check('resolv-conf-dns', cluster(reversed), { pod: 'hacker-container', source: 'exec' });
      assert.equal(v.passed, true);
    });
    it('fails on extra search domains only with exactSearch, and on a wrong nameserver', async () => {
      const strict = await check('resolv-conf-dns', cluster(RESOLV), { pod: 'hacker-container', exactSearch: true });
      assert.equal(strict.message, "sandbox 655b0ad6e26c0's resolv.conf on kind-worker: search has extra domains thezoo.local");
      const wrong = await check('resolv-conf-dns', cluster(RESOLV.replace('10.96.0.10', '8.8.8.8')), { pod: 'hacker-container' });
      assert.equal(wrong.passed, false);
      assert.equal(wrong.message, "sandbox 655b0ad6e26c0's resolv.conf on kind-worker: nameserver is 8.8.8.8, expected the kube-dns ClusterIP 10.96.0.10");
    });
  });

  describe('hosts-file-entry', () => {
    const cluster = (hosts: string) =>
      ctx({ [GET_POD_SCRIPT]: reply(HACKER_POD_JSON), [KUBELET_HOSTS_SCRIPT]: (env, target) => (target === 'worker' && env.KL_UID === BPF_UID ? { stdout: hosts } : { exitCode: 1, stderr: 'cat: No such file' }) });
    it('passes with tabs and with spaces', async () => {
      for (const hosts of [HOSTS, HOSTS.replace(/\t/g, ' ')]) {
        const v = await check('hosts-file-entry', cluster(hosts), { pod: 'hacker-container' });
        assert.equal(v.message, `/var/lib/kubelet/pods/${BPF_UID}/etc-hosts on kind-worker maps 172.16.7.159 to hacker-container`);
      }
    });
    it('fails, saying what the file maps instead', async () => {
      const v = await check('hosts-file-entry', cluster(HOSTS.replace('172.16.7.159', '10.244.1.7')), { pod: 'hacker-container' });
      assert.equal(v.passed, false);
      assert.equal(v.message, `/var/lib/kubelet/pods/${BPF_UID}/etc-hosts on kind-worker does not map 172.16.7.159 to hacker-container: hacker-container → 10.244.1.7`);
    });
  });

  describe('serviceaccount-volume', () => {
    const dir = `/var/lib/kubelet/pods/${BPF_UID}/volumes/kubernetes.io~projected/kube-api-access-sg2p4`;
    const cluster = (listing: string) =>
      ctx({ [GET_POD_SCRIPT]: reply(HACKER_POD_JSON), [SA_VOLUME_SCRIPT]: reply(listing), [GET_ROOT_CA_SCRIPT]: (env) => (env.KL_NAMESPACE === 'default' ? { stdout: CONFIGMAP_JSON } : NOT_FOUND) });
    const listing = (ca: string, files = ['ca.crt', 'namespace', 'token']) =>
      `dir ${dir}\n${['ca.crt', 'namespace', 'token'].map((f) => (files.includes(f) ? `has ${f}` : `missing ${f}`)).join('\n')}\nnamespace default\nca.crt:\n${ca}`;
    it('passes when ca.crt equals the ConfigMap (trailing newlines aside)', async () => {
      const v = await check('serviceaccount-volume', cluster(listing(`${CA_CRT}\n\n`)), { pod: 'hacker-container' });
      assert.equal(v.passed, true);
      assert.match(v.message, /^\/var\/lib\/kubelet\/pods\/.+\/kube-api-access-sg2p4 on kind-worker holds ca\.crt, namespace and token; ca\.crt equals ConfigMap kube-root-ca\.crt \(sha256 [0-9a-f]{16}…\)$/);
    });
    it('fails on a different ca.crt with fingerprints and the first differing line, never the cert', async () => {
      const other = CA_CRT.replace('wHI=', 'xHI=');
      const v = await check('serviceaccount-volume', cluster(listing(other)), { pod: 'hacker-container' });
      assert.equal(v.passed, false);
      assert.match(v.message, /^ca\.crt in the pod's volume \(sha256 [0-9a-f]{16}…\) differs from ConfigMap kube-root-ca\.crt \(sha256 [0-9a-f]{16}…\), first at line 4$/);
      assert.ok(!v.message.includes('MIIC') && !(v.actual ?? '').includes('MIIC'));
    });
    it('fails when a file is missing', async () => {
      const v = await check('serviceaccount-volume', cluster(listing(CA_CRT, ['ca.crt', 'namespace'])), { pod: 'hacker-container' });
      assert.equal(v.message, `${dir} on kind-worker lacks token (has ca.crt, namespace; expected ca.crt, namespace, token)`);
    });
  });

  describe('probes', () => {
    it('read pod UID, IP, node, sandbox ID, container ID and pause PID from live state', async () => {
      const c = bpfCluster();
      const p = { pod: BPF_POD, namespace: 'bpfman' };
      assert.equal(await probe('pod-uid', c, p), BPF_UID);
      assert.equal(await probe('pod-ip', c, p), '10.244.2.9');
      assert.equal(await probe('pod-node', c, p), 'kind-worker2');
      assert.equal(await probe('sandbox-id', c, p), BPF_SANDBOX);
      assert.equal(await probe('container-id', c, p), BPF_CID);
      assert.equal(await probe('pause-pid', c, p), '6075');
    });
    it('read the network namespace inode of the pause process on the pod\'s node', async () => {
      const c = bpfCluster({ [READLINK_NS_SCRIPT]: () => ({ stdout: 'net net:[4026532462] net:[4026532462]\nipc ipc:[1] ipc:[1]\nuts uts:[2] uts:[2]\npid pid:[3] pid:[3]\n' }) });
      assert.equal(await probe('pod-netns', c, { pod: BPF_POD, namespace: 'bpfman' }), '4026532462');
      const read = c.on(READLINK_NS_SCRIPT);
      assert.equal(read.length, 1);
      assert.equal(read[0]!.target, 'worker2', 'namespaces are read on the node that runs the pod');
      assert.deepEqual([read[0]!.env.KL_PID_A, read[0]!.env.KL_PID_B], ['6075', '6075']);
    });
    it('explain with a ProbeError when the pod is not there yet', async () => {
      await assert.rejects(probe('pod-uid', bpfCluster(), { pod: 'simple-pod' }), (e: unknown) => e instanceof ProbeError && e.message === 'pod simple-pod does not exist in namespace default');
    });
  });
});
