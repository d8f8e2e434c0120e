// Contract: the generic built-ins (file-exists, file-matches, command-output) and the fixed scripts of
// the Kubernetes-aware ones, run for real in a real bash through a tiny CheckContext over `bash -c`.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecOptions, ExecResult, TerminalTarget } from '../../cluster/environment.js';
import type { CheckContext, Verdict } from '../../server/checks/builtin.js';
import { RUN_ARGS_SCRIPT } from '../../server/checks/files/command-output.js';
import { READ_FILE_SCRIPT } from '../../server/checks/files/file-matches.js';
import { FILE_KIND_SCRIPT } from '../../server/checks/files/file-exists.js';
import { readNamespaces, READLINK_NS_SCRIPT } from '../../server/checks/kube/compare-namespaces.js';
import { DOCKER_INSPECT_SCRIPT } from '../../server/checks/kube/find-docker-container.js';
import { CRICTL_INSPECTP_SCRIPT, CRICTL_INSPECT_SCRIPT, CRICTL_PODS_SCRIPT, CRICTL_PS_SCRIPT } from '../../server/checks/kube/find-on-node.js';
import { GET_POD_SCRIPT } from '../../server/checks/kube/find-pod.js';
import { KUBELET_HOSTS_SCRIPT } from '../../server/checks/kube/hosts-file-entry.js';
import { GET_OBJECT_SCRIPT } from '../../server/checks/kube/k8s-object-exists.js';
import { EXEC_RESOLV_SCRIPT, GET_KUBE_DNS_SCRIPT, SANDBOX_RESOLV_SCRIPT } from '../../server/checks/kube/resolv-conf-dns.js';
import { GET_ROOT_CA_SCRIPT, SA_VOLUME_SCRIPT } from '../../server/checks/kube/serviceaccount-volume.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';

/** Runs each script in a fresh `bash -c` with a clean environment plus the options' env, in `cwd`. */
class BashContext implements CheckContext {
  readonly target = 'local';
  readonly children = new Set<number>();
  constructor(private readonly cwd: string) {}
  exec(_target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn('bash', ['-c', script], { cwd: this.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      if (child.pid) this.children.add(child.pid);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (child.pid) this.children.delete(child.pid);
        resolve({ exitCode: code, stdout, stderr, timedOut: signal === 'SIGKILL', ms: Date.now() - started });
      });
    });
  }
  targets(): TerminalTarget[] {
    return [{ name: 'local', address: 'local' }];
  }
  targetForNode(): string | undefined {
    return undefined;
  }
  remainingMs(): number {
    return 5000;
  }
}

const registry = createBuiltinRegistry();
async function check(name: string, c: CheckContext, params: unknown): Promise<Verdict> {
  const b = registry.check(name)!;
  return b.run(c, b.params.parse(params));
}

describe('contract: file and command checks in a real bash', () => {
  let dir: string;
  let ctx: BashContext;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindlab-checks-'));
    ctx = new BashContext(dir);
    writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: simple-pod\n');
  });
  after(() => {
    assert.equal(ctx.children.size, 0, 'no bash left running');
    rmSync(dir, { recursive: true, force: true });
  });

  it('file-exists: a file, a directory, a missing path, the wrong type', async () => {
    assert.equal((await check('file-exists', ctx, { path: 'pod.yaml' })).message, 'pod.yaml exists in local (a file)');
    assert.equal((await check('file-exists', ctx, { path: dir, type: 'directory' })).passed, true);
    const missing = await check('file-exists', ctx, { path: 'nope $(touch pwned).txt' });
    assert.deepEqual(missing, { passed: false, message: 'nope $(touch pwned).txt does not exist in local', expected: 'nope $(touch pwned).txt present', actual: 'missing' });
    assert.equal(existsSync(join(dir, 'pwned')), false, 'the path was never run as shell text');
    assert.equal((await check('file-exists', ctx, { path: dir, type: 'file' })).message, `${dir} in local is a directory, expected a file`);
  });

  it('file-matches: contains, regex, equals, and what the file holds when it does not match', async () => {
    assert.equal((await check('file-matches', ctx, { path: 'pod.yaml', contains: 'name: simple-pod' })).passed, true);
    assert.equal((await check('file-matches', ctx, { path: 'pod.yaml', regex: '^kind: Pod$' })).passed, true);
    const no = await check('file-matches', ctx, { path: 'pod.yaml', equals: 'kind: Service' });
    assert.equal(no.passed, false);
    assert.equal(no.message, 'pod.yaml is not exactly "kind: Service"; it holds: apiVersion: v1 ⏎ kind: Pod ⏎ metadata: ⏎ name: simple-pod');
    assert.equal((await check('file-matches', ctx, { path: 'absent.txt', contains: 'x' })).message, 'absent.txt does not exist in local (or is not a regular file)');
    assert.equal(registry.check('file-matches')!.params.safeParse({ path: 'a', contains: 'x', regex: 'y' }).success, false);
    assert.equal(registry.check('file-matches')!.params.safeParse({ path: 'a', regex: '(' }).success, false);
  });

  it('command-output: arguments are an array, never shell text', async () => {
    const hostile = ['printf', '%s|', 'a b', '$(touch pwned)', '; echo hi', '"quoted"', "it's", '*'];
    const v = await check('command-output', ctx, { command: hostile, equals: 'a b|$(touch pwned)|; echo hi|"quoted"|it\'s|*|' });
    assert.equal(v.passed, true, v.message);
    assert.equal(existsSync(join(dir, 'pwned')), false);
  });

  it('command-output: exit code, output mismatch, missing command', async () => {
    const grep = await check('command-output', ctx, { command: ['grep', '-c', 'simple-pod', 'pod.yaml'], equals: '1' });
    assert.equal(grep.message, '`grep -c simple-pod pod.yaml` printed output exactly "1"');
    const code = await check('command-output', ctx, { command: ['grep', 'nginx', 'pod.yaml'], contains: 'nginx' });
    assert.equal(code.message, '`grep nginx pod.yaml` exited 1, expected 0; output: (empty)');
    const expectedFail = await check('command-output', ctx, { command: ['grep', 'nginx', 'pod.yaml'], exitCode: 1, equals: '' });
    assert.equal(expectedFail.passed, true);
    const wrong = await check('command-output', ctx, { command: ['echo', 'Pending'], regex: '^Running$' });
    assert.equal(wrong.message, '`echo Pending` printed Pending, expected output matching /^Running$/');
    const missing = await check('command-output', ctx, { command: ['kindlab-no-such-tool'], contains: 'x' });
    assert.equal(missing.message, '`kindlab-no-such-tool` is not installed in local');
  });

  it('the namespace comparison reads real /proc links', async () => {
    const links = await readNamespaces(ctx, 'local', process.pid, process.pid);
    assert.ok(!('gone' in links));
    if (!('gone' in links)) {
      assert.match(links.net.a, /^net:\[\d+\]$/);
      assert.equal(links.net.a, links.net.b);
    }
    const gone = await readNamespaces(ctx, 'local', 2 ** 22 + 1, process.pid);
    assert.ok('gone' in gone);
  });

  it('every fixed script of the Kubernetes-aware checks is valid POSIX sh and bash', () => {
    const scripts = [GET_POD_SCRIPT, GET_OBJECT_SCRIPT, CRICTL_PODS_SCRIPT, CRICTL_PS_SCRIPT, CRICTL_INSPECT_SCRIPT, CRICTL_INSPECTP_SCRIPT, READLINK_NS_SCRIPT, DOCKER_INSPECT_SCRIPT, GET_KUBE_DNS_SCRIPT, SANDBOX_RESOLV_SCRIPT, EXEC_RESOLV_SCRIPT, KUBELET_HOSTS_SCRIPT, SA_VOLUME_SCRIPT, GET_ROOT_CA_SCRIPT, FILE_KIND_SCRIPT, READ_FILE_SCRIPT, RUN_ARGS_SCRIPT];
    for (const shell of ['sh', 'bash']) {
      for (const s of scripts) {
        const r = spawnSync(shell, ['-n', '-c', s], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${shell} -n rejects:\n${s}\n${r.stderr}`);
      }
    }
  });

  it('the service-account listing script reports a missing volume with exit 3', async () => {
    const r = await ctx.exec('local', SA_VOLUME_SCRIPT, { env: { KL_UID: 'no-such-uid' }, timeoutMs: 5000 });
    assert.equal(r.exitCode, 3);
    assert.match(r.stderr, /no kube-api-access-\* volume in \/var\/lib\/kubelet\/pods\/no-such-uid/);
  });
});
