// Contract: the parsers read real captured crictl/kubectl output (test/fixtures/real-outputs),
// every layout variant those captures show, and fail with a plain message on garbage.
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { parseCrictlInspect, parseCrictlInspectAll, parseCrictlInspectp } from '../../server/checks/kube/parse-crictl-inspect.js';
import { parseCrictlPods } from '../../server/checks/kube/parse-crictl-pods.js';
import { parseCrictlPs } from '../../server/checks/kube/parse-crictl-ps.js';
import { ParseError } from '../../server/checks/kube/parse-error.js';
import { parseHostsFile } from '../../server/checks/kube/parse-hosts-file.js';
import { describePodReadiness, parseKubePod } from '../../server/checks/kube/parse-kube-pod.js';
import { parseResolvConf } from '../../server/checks/kube/parse-resolv-conf.js';
import { realOutput } from '../helpers/real-outputs.js';

const yamlToJson = (text: string) => JSON.stringify(parseYaml(text));
const pendingYaml = () => realOutput('5-kubectl-get-pod-pending-imagepullbackoff-yaml-a-kind.txt').split('\n').map((l) => l.slice(3)).join('\n');
function hostsAndResolv(): { hosts: string; resolv: string } {
  const text = realOutput('8-etc-hosts-and-resolv-conf-a-tabs.txt');
  const [, hosts = '', resolv = ''] = text.split(/^bash-5\.1# cat \S+\n/m);
  return { hosts, resolv };
}

describe('contract: kube parsers on real outputs', () => {
  it('reads crictl pods -o json', () => {
    const [s, ...rest] = parseCrictlPods(realOutput('3-crictl-pods-json-a.txt'));
    assert.equal(rest.length, 0);
    assert.deepEqual(s, { id: '655b0ad6e26c0403c00ef9ab69c399e4e86f92d6bd3ad22a286849bf310b31f3', state: 'SANDBOX_READY', name: 'bpfman-operator-65747dc769-pjztg', namespace: 'bpfman', uid: '4cad64d0-7a36-452a-8a08-bd3a694cdad5', attempt: 0 });
    assert.deepEqual(parseCrictlPods('{"items":[]}'), []);
    assert.deepEqual(parseCrictlPods('{"items":null}'), []);
  });

  it('reads crictl ps -o json with its pod labels', () => {
    const [c] = parseCrictlPs(realOutput('3-crictl-ps-json-a.txt'));
    assert.equal(c?.name, 'bpfman-operator');
    assert.equal(c?.state, 'CONTAINER_RUNNING');
    assert.equal(c?.sandboxId, '655b0ad6e26c0403c00ef9ab69c399e4e86f92d6bd3ad22a286849bf310b31f3');
    assert.equal(c?.podName, 'bpfman-operator-65747dc769-pjztg');
    assert.equal(c?.podNamespace, 'bpfman');
  });

  it('reads crictl inspect (status first, camelCase) and the same with info first, and as an array', () => {
    const text = realOutput('4-crictl-inspect-a-containerd17-kind.txt');
    const c = parseCrictlInspect(text);
    assert.equal(c.pid, 2092);
    assert.equal(c.sandboxId, '655b0ad6e26c0403c00ef9ab69c399e4e86f92d6bd3ad22a286849bf310b31f3');
    assert.equal(c.podUid, '4cad64d0-7a36-452a-8a08-bd3a694cdad5');
    const obj = JSON.parse(text) as { status: unknown; info: unknown };
    const infoFirst = JSON.stringify({ info: obj.info, status: obj.status }, null, 2);
    assert.deepEqual(parseCrictlInspect(infoFirst), c);
    assert.deepEqual(parseCrictlInspectAll(JSON.stringify([obj, obj])), [c, c]);
  });

  it('reads crictl inspectp: pause PID, pod IP, snake_case dns_config and the netns path', () => {
    const s = parseCrictlInspectp(realOutput('4-crictl-inspectp-a-containerd16-kind.txt'));
    assert.equal(s.pid, 6075);
    assert.equal(s.ip, '10.244.0.9');
    assert.equal(s.state, 'SANDBOX_READY');
    assert.equal(s.podName, 'red-deployment-5bc7b56845-cgt7w');
    assert.deepEqual(s.dns?.servers, ['10.96.0.10']);
    assert.deepEqual(s.dns?.searches, ['test-ns-fc5ef8f4.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'dns.podman']);
    assert.equal(s.netnsPath, '/var/run/netns/cni-6c2f3f24-c065-fe4d-c5d6-849f28acc7de');
  });

  it('reads kubectl pod JSON: a Running pod and an ImagePullBackOff pod', () => {
    const running = parseKubePod(yamlToJson(realOutput('5-kubectl-get-pod-running-yaml-a-kind.txt')));
    assert.equal(running.phase, 'Running');
    assert.equal(running.nodeName, 'kind-control-plane');
    assert.equal(running.podIP, '10.244.0.3');
    assert.equal(running.uid, '53bb2cbd-2e51-431f-b1fa-ee9ddcb018dc');
    assert.equal(running.containers[0]?.containerId, '3f83bb8b96d18496801e6d607dde71e3369cff79f56b45dbea220ba6e32fc54a');
    assert.equal(describePodReadiness(running), '1/1 container ready');
    const pending = parseKubePod(yamlToJson(pendingYaml()));
    assert.equal(pending.phase, 'Pending');
    assert.equal(pending.containers[0]?.reason, 'ImagePullBackOff');
    assert.equal(describePodReadiness(pending), '0/1 container ready, reason ImagePullBackOff');
  });

  it('reads resolv.conf in any line order, with comments, tabs and extra search domains', () => {
    const { resolv } = hostsAndResolv();
    const want = { nameservers: ['10.96.0.10'], search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'thezoo.local'], options: ['ndots:5'] };
    assert.deepEqual(parseResolvConf(resolv), want);
    const reordered = `# written by Docker\n${resolv.trim().split('\n').reverse().join('\n').replace(/ /g, '\t')}\n`;
    assert.deepEqual(parseResolvConf(reordered), want);
  });

  it('reads the kubelet hosts file with tabs and with spaces', () => {
    const { hosts } = hostsAndResolv();
    assert.ok(hosts.includes('\t'), 'the fixture keeps real tabs');
    const tabs = parseHostsFile(hosts);
    const spaces = parseHostsFile(hosts.replace(/\t/g, '    '));
    assert.deepEqual(tabs, spaces);
    assert.deepEqual(tabs.at(-1), { ip: '172.16.7.159', names: ['hacker-container'], line: 8 });
    assert.deepEqual(tabs[1]?.names, ['localhost', 'ip6-localhost', 'ip6-loopback']);
  });

  it('fails with a plain message on garbage', () => {
    assert.throws(() => parseCrictlPods('FATA[0000] connect: connection refused'), { name: 'ParseError', message: /crictl pods -o json did not print JSON \(it began with "FATA\[0000\]/ });
    assert.throws(() => parseCrictlInspect('{"status":{}}'), (e: unknown) => e instanceof ParseError && /crictl inspect has an unexpected shape at status\.id/.test(e.message));
    assert.throws(() => parseKubePod(''), { message: 'kubectl get pod -o json printed nothing' });
    assert.throws(() => parseKubePod('{"kind":"Service","metadata":{"name":"x","uid":"u"}}'), { message: /expected Pod, got Service/ });
    assert.throws(() => parseHostsFile('hello world\n'), { message: /line 1 of the hosts file is not/ });
    assert.throws(() => parseResolvConf('<html>oops</html>\n'), { message: /does not look like a resolv\.conf/ });
  });
});
