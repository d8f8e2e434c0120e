/**
 * Contract tests for the kind environment: real KindEnvironment code against the
 * fake kind/kubectl/docker in test/fakes/bin, whose output is shaped like the
 * real captures in test/fixtures/real-outputs. kind cannot run on CI machines.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { parse } from 'yaml';
import type { ProgressEvent, ProvisionResult } from '../../common/environment.js';
import type { KindEnvironmentSpec } from '../../common/lab.js';
import type { EnvironmentInit } from '../../cluster/environment.js';
import { KindEnvironment, kindClusterName } from '../../cluster/kind/kind-environment.js';
import { FAKE_BIN, useFakes, type Fakes } from '../fakes/use-fakes.js';

const IMAGE = 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a';
const SPEC: KindEnvironmentSpec = { type: 'kind', nodeImage: IMAGE, workers: 2, images: ['kindlab/http-server:1', 'busybox:1.36'], kubeadmConfigPatches: [] };
const SESSION = 'AB12cd34-5678-90ef';
const NAME = 'kindlab-ab12cd34';

describe('kind environment (contract, fake kind/kubectl/docker on PATH)', function () {
  this.timeout(20_000);
  let fakes: Fakes | undefined;
  let labFiles: string;

  function setup(scenario: Record<string, string> = {}, path?: string): { env: KindEnvironment; events: ProgressEvent[]; f: Fakes } {
    const f = useFakes({ FAKE_DOCKER_IMAGES: 'kindlab/http-server:1', ...scenario }, path);
    fakes = f;
    labFiles = join(f.dir, 'lab-files');
    mkdirSync(labFiles);
    writeFileSync(join(labFiles, 'pod.yaml'), 'kind: Pod\n');
    const init: EnvironmentInit = { sessionId: SESSION, labId: 'pods-deep-dive', labFilesDir: labFiles, dataDir: f.dataDir };
    const env = new KindEnvironment(SPEC, init, { toolEnv: f.env, createTimeoutMs: 3000, readyTimeoutMs: 2000 });
    const events: ProgressEvent[] = [];
    env.onProgress((e) => events.push(e));
    return { env, events, f };
  }

  afterEach(() => {
    fakes?.restore();
    fakes = undefined;
  });

  function failed(r: ProvisionResult): Extract<ProvisionResult, { ok: false }> {
    assert.equal(r.ok, false, 'provision should fail');
    return r as Extract<ProvisionResult, { ok: false }>;
  }

  it('names the cluster kindlab-<short session id>, valid for kind', () => {
    assert.equal(kindClusterName(SESSION), NAME);
    assert.match(kindClusterName('Ünïcode!!'), /^kindlab-[a-z0-9-]+$/);
    assert.match(kindClusterName('___'), /^kindlab-[0-9a-f]{8}$/);
  });

  it('creates a cluster with the exact arguments, config on stdin, kubeconfig in the data dir', async () => {
    const { env, events, f } = setup();
    const r = await env.provision();
    assert.deepEqual(r.ok && { ok: r.ok, adopted: r.adopted }, { ok: true, adopted: false });
    const kubeconfig = join(f.dataDir, 'sessions', SESSION, 'kubeconfig');
    assert.equal(env.kubeconfigPath, kubeconfig);

    const kind = f.calls('kind');
    assert.deepEqual(kind[0]?.args, ['get', 'clusters']);
    assert.deepEqual(kind[1]?.args, ['create', 'cluster', '--name', NAME, '--config', '-', '--kubeconfig', kubeconfig]);
    const config = parse(kind[1]?.stdin ?? '') as { networking: { dnsSearch: unknown[] }; nodes: { role: string; image: string }[] };
    assert.deepEqual(config.networking, { dnsSearch: [] });
    assert.deepEqual(config.nodes.map((n) => `${n.role} ${n.image}`), [`control-plane ${IMAGE}`, `worker ${IMAGE}`, `worker ${IMAGE}`]);
    assert.ok(existsSync(kubeconfig), 'kind wrote the kubeconfig where it was told');

    // Every node, not just the control-plane, must be Ready.
    assert.deepEqual(f.calls('kubectl').map((c) => c.args), [['--kubeconfig', kubeconfig, 'wait', '--for=condition=Ready', 'node', '--all', '--timeout=2s']]);
    // Only images present locally are loaded; the others are left for the nodes to pull.
    assert.deepEqual(kind.slice(2).map((c) => c.args), [['load', 'docker-image', 'kindlab/http-server:1', '--name', NAME]]);
    const docker = f.calls('docker').map((c) => c.args);
    assert.deepEqual(docker.filter((a) => a[0] === 'image').map((a) => a.at(-1)), [IMAGE, 'kindest/node:v1.34.0', 'kindlab/http-server:1', 'busybox:1.36']);
    assert.ok(docker.some((a) => a[0] === 'cp' && a[2] === `${NAME}-control-plane:/root/lab`), 'lab files copied into the control-plane');
    assert.equal(readFileSync(join(f.dockerRoot, `${NAME}-control-plane`, 'root/lab/pod.yaml'), 'utf8'), 'kind: Pod\n');
    assert.ok(!kind.some((c) => c.args[0] === 'delete'), 'nothing deleted on success');

    const done = events.filter((e) => e.status === 'done').map((e) => e.stage);
    assert.deepEqual(done, [
      'Checking for an existing cluster',
      'Ensuring node image',
      'Preparing nodes',
      'Writing configuration',
      'Starting control-plane',
      'Installing CNI',
      'Installing StorageClass',
      'Joining worker nodes',
      'Waiting for nodes to be Ready',
      'Loading images',
      'Copying lab files',
    ]);
    for (const e of events.filter((x) => x.status === 'done')) assert.equal(typeof e.ms, 'number', `${e.stage} has a timing`);
    assert.ok(events.some((e) => e.status === 'info' && /busybox:1\.36 is not in the local Docker/.test(e.detail ?? '')));
    assert.equal(env.state, 'ready');
  });

  it('uses the node image by tag when only the tag is here (loaded offline), so kind does not try to pull', async () => {
    const { env, events, f } = setup({ FAKE_DOCKER_IMAGES: 'kindest/node:v1.34.0' });
    assert.equal((await env.provision()).ok, true);
    const config = parse(f.calls('kind').find((c) => c.args[0] === 'create')?.stdin ?? '') as { nodes: { image: string }[] };
    assert.deepEqual([...new Set(config.nodes.map((n) => n.image))], ['kindest/node:v1.34.0']);
    assert.ok(events.some((e) => e.status === 'info' && /using the local kindest\/node:v1\.34\.0/.test(e.detail ?? '')));
  });

  it('parses the spinner (TTY) form of kind output into the same stages', async () => {
    const { env, events } = setup({ FAKE_KIND_CREATE: 'success-tty' });
    assert.equal((await env.provision()).ok, true);
    const started = events.filter((e) => e.status === 'started' && e.stage === 'Ensuring node image');
    assert.equal(started.length, 1, 'spinner redraws start a stage once');
    assert.equal(started[0]?.detail, IMAGE);
    assert.ok(events.some((e) => e.status === 'done' && e.stage === 'Preparing nodes' && e.detail === '3 nodes'));
  });

  it('adopts a cluster that kind already lists: no create, no copy, but still waits for every node', async () => {
    const { env, f } = setup({ FAKE_KIND_CLUSTERS: `kind,${NAME},other` });
    const r = await env.provision();
    assert.deepEqual(r.ok && r.adopted, true);
    const kind = f.calls('kind').map((c) => c.args);
    assert.ok(!kind.some((a) => a[0] === 'create'), 'no create call');
    assert.deepEqual(kind[1], ['export', 'kubeconfig', '--name', NAME, '--kubeconfig', env.kubeconfigPath]);
    assert.equal(f.calls('kubectl')[0]?.args.includes('--all'), true);
    assert.ok(!f.calls('docker').some((c) => c.args[0] === 'cp'), 'the learner’s files are left alone');
  });

  it('fails at "Waiting for nodes to be Ready" when a worker never gets Ready, and deletes the cluster', async () => {
    const { env, f } = setup({ FAKE_KUBECTL_WAIT: 'timeout' });
    const r = failed(await env.provision());
    assert.equal(r.stage, 'Waiting for nodes to be Ready');
    assert.match(r.toolOutput ?? '', /timed out waiting for the condition on nodes\/kindlab-ab12cd34-worker2/);
    assert.match(r.fix ?? '', /kubectl --kubeconfig .* get nodes/);
    assert.deepEqual(f.calls('kind').at(-1)?.args, ['delete', 'cluster', '--name', NAME, '--kubeconfig', env.kubeconfigPath]);
    assert.equal(env.state, 'failed');
  });

  const failures: { scenario: Record<string, string>; stage: string; message: RegExp; output?: RegExp; fix: RegExp; deletes: boolean }[] = [
    {
      scenario: { FAKE_KIND_CREATE: 'image-pull' },
      stage: 'Ensuring node image',
      message: /^failed to create cluster: failed to pull image "kindest\/node:v1\.34\.0@sha256:[0-9a-f]+": command "docker pull .*" failed with error: exit status 1$/,
      output: /manifest unknown/,
      fix: /kindlab prepare/,
      deletes: true,
    },
    {
      scenario: { FAKE_KIND_CREATE: 'cgroup' },
      stage: 'Preparing nodes',
      message: /could not find a log line that matches "Reached target \.\*Multi-User System\.\*\|detected cgroup v1"/,
      fix: /failCgroupV1: false/,
      deletes: true,
    },
    {
      scenario: { FAKE_KIND_CREATE: 'docker-down' },
      stage: 'Creating cluster',
      message: /failed to list nodes: command "docker ps -a --filter label=io\.x-k8s\.kind\.cluster=kindlab-ab12cd34/,
      output: /Is the docker daemon running\?/,
      fix: /Docker is not running/,
      deletes: true,
    },
    {
      scenario: { FAKE_KIND_CREATE: 'docker-missing' },
      stage: 'Creating cluster',
      message: /exec: "docker": executable file not found in \$PATH/,
      fix: /install Docker Engine/,
      deletes: true,
    },
    {
      scenario: { FAKE_DOCKER: 'down' },
      stage: 'Checking for an existing cluster',
      message: /^failed to list clusters/,
      output: /Cannot connect to the Docker daemon/,
      fix: /Docker is not running/,
      deletes: false,
    },
  ];
  for (const c of failures) {
    it(`reports ${JSON.stringify(c.scenario)} as stage "${c.stage}" with kind's message and a fix`, async () => {
      const { env, events, f } = setup(c.scenario);
      const r = failed(await env.provision());
      assert.equal(r.stage, c.stage);
      assert.match(r.message, c.message);
      if (c.output) assert.match(r.toolOutput ?? '', c.output);
      assert.match(r.fix ?? '', c.fix);
      const deletes = f.calls('kind').filter((x) => x.args[0] === 'delete');
      assert.equal(deletes.length, c.deletes ? 1 : 0, 'a half-made cluster is deleted; nothing else is');
      if (c.deletes) assert.deepEqual(deletes[0]?.args.slice(0, 4), ['delete', 'cluster', '--name', NAME]);
      assert.ok(events.some((e) => e.status === 'failed' && e.stage === c.stage));
    });
  }

  it('says what to install when kind is not on PATH', async () => {
    const only = mkdtempSync(join(FAKE_BIN, '..', '.path-'));
    try {
      // docker and node, but no kind.
      symlinkSync(join(FAKE_BIN, 'docker'), join(only, 'docker'));
      const { env } = setup({}, `${only}:${dirname(process.execPath)}`);
      const r = failed(await env.provision());
      assert.equal(r.stage, 'Checking for an existing cluster');
      assert.equal(r.message, 'kind is not installed or not on PATH');
      assert.match(r.fix ?? '', /Install kind/);
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  });

  it('gives up on a hanging create at its timeout, names the stuck stage and deletes the cluster', async () => {
    const { env, f } = setup({ FAKE_KIND_CREATE: 'hang' });
    const t0 = performance.now();
    const r = failed(await env.provision());
    assert.ok(performance.now() - t0 < 8000, 'returned soon after the timeout');
    assert.equal(r.stage, 'Preparing nodes');
    assert.match(r.message, /did not finish within 3 s \(stuck at "Preparing nodes"\)/);
    assert.match(r.fix ?? '', /kindlab doctor/);
    assert.equal(f.calls('kind').filter((x) => x.args[0] === 'delete').length, 1);
  });

  it('maps targets to node containers, Kubernetes node names back to targets, and runs scripts in them', async () => {
    const { env, f } = setup();
    assert.deepEqual(env.targets(), [
      { name: 'controlplane', address: `${NAME}-control-plane` },
      { name: 'worker', address: `${NAME}-worker` },
      { name: 'worker2', address: `${NAME}-worker2` },
    ]);
    assert.equal(env.nodeTarget(`${NAME}-worker2`), 'worker2');
    assert.equal(env.nodeTarget(`${NAME}-control-plane`), 'controlplane');
    assert.equal(env.nodeTarget('kind-worker'), undefined);
    assert.throws(() => env.workdir('worker3'), /unknown target "worker3"/);

    const r = await env.exec('worker2', 'echo "$GREETING from $(basename "$PWD")"; exit 3', { env: { GREETING: 'hi; rm -rf /' }, timeoutMs: 5000 });
    assert.deepEqual({ code: r.exitCode, out: r.stdout }, { code: 3, out: 'hi; rm -rf / from root\n' });
    const exec = f.calls('docker').find((c) => c.args[0] === 'exec');
    assert.deepEqual(exec?.args.slice(0, 6), ['exec', '-e', 'GREETING=hi; rm -rf /', '-w', '/root', `${NAME}-worker2`]);

    await env.destroy();
    assert.deepEqual(f.calls('kind').at(-1)?.args, ['delete', 'cluster', '--name', NAME, '--kubeconfig', env.kubeconfigPath]);
    assert.equal(env.state, 'destroyed');
  });
});
