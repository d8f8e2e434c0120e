/**
 * Contract tests for `kindlab doctor` against the fake docker/kind/kubectl in
 * test/fakes/bin (docker info shaped like Docker 20.10's JSON). The real host is
 * diagnosed too, in the last test, without asserting what it finds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Diagnosis } from '../../common/environment.js';
import type { EnvironmentSpec } from '../../common/lab.js';
import { diagnose, hasFailedErrors, type DiagnoseOptions } from '../../cluster/doctor/doctor.js';
import { FAIL_CGROUP_V1_PATCH } from '../../cluster/kind/kind-config.js';
import { formatDiagnoses } from '../../server/cli/doctor.js';
import { FAKE_BIN, useFakes, type Fakes } from '../fakes/use-fakes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const kindLab = (nodeImage: string, patches: string[] = []): EnvironmentSpec => ({ type: 'kind', nodeImage, workers: 2, images: ['kindlab/http-server:1'], kubeadmConfigPatches: patches });

describe('doctor (contract, fake docker/kind/kubectl on PATH)', function () {
  this.timeout(20_000);
  let fakes: Fakes | undefined;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kindlab-doctor-'));
  });
  afterEach(() => {
    fakes?.restore();
    fakes = undefined;
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A folder shaped like /proc with the given inotify limits. */
  function proc(watches: number, instances: number): string {
    const dir = join(scratch, 'proc');
    mkdirSync(join(dir, 'sys/fs/inotify'), { recursive: true });
    writeFileSync(join(dir, 'sys/fs/inotify/max_user_watches'), `${watches}\n`);
    writeFileSync(join(dir, 'sys/fs/inotify/max_user_instances'), `${instances}\n`);
    return dir;
  }

  async function doctor(scenario: Record<string, string>, options: DiagnoseOptions = {}, path?: string): Promise<Map<string, Diagnosis>> {
    fakes = useFakes({ FAKE_DOCKER_IMAGES: 'kindlab/busybox:1', ...scenario }, path);
    const list = await diagnose({ toolEnv: fakes.env, procDir: proc(524288, 512), ...options });
    for (const d of list) if (!d.ok && d.severity !== 'info') assert.ok(d.fix, `${d.id} has a fix`);
    return new Map(list.map((d) => [d.id, d]));
  }

  it('passes on a healthy cgroup v2 host with versions of docker, kind and kubectl', async () => {
    const d = await doctor({ FAKE_DOCKER_CGROUP: '2' }, { environment: kindLab('kindest/node:v1.35.0@sha256:452d') });
    assert.equal(d.get('docker-cli')?.detail, 'docker 20.10.24+dfsg1');
    assert.match(d.get('docker-daemon')?.detail ?? '', /Docker Engine 20\.10\.24\+dfsg1, 4 CPUs, 8\.0 GiB, cgroup v2/);
    assert.equal(d.get('kind')?.detail, 'kind v0.30.0 go1.24.6 linux/amd64');
    assert.equal(d.get('kubectl')?.detail, 'client v1.34.0');
    assert.equal(d.get('cgroup')?.ok, true);
    assert.equal(d.get('privileged')?.ok, true);
    assert.equal(d.get('inotify')?.ok, true);
    assert.equal(fakes?.calls('docker').some((c) => c.args.join(' ') === 'run --rm --privileged --network none kindlab/busybox:1 true'), true);
    // Lab images missing locally are a warning for kind labs (the nodes can pull them online).
    assert.deepEqual([d.get('image:kindlab/http-server:1')?.ok, d.get('image:kindlab/http-server:1')?.severity], [false, 'warning']);
  });

  it('fails cgroup v1 with a Kubernetes ≥ 1.35 node image and explains both fixes', async () => {
    const d = await doctor({ FAKE_DOCKER_CGROUP: '1' }, { environment: kindLab('kindest/node:v1.35.0@sha256:452d') });
    const c = d.get('cgroup');
    assert.deepEqual([c?.ok, c?.severity], [false, 'error']);
    assert.match(c?.detail ?? '', /cgroup v1 .* Kubernetes 1\.35/);
    assert.match(c?.fix ?? '', /kindest\/node:v1\.34/);
    assert.match(c?.fix ?? '', /failCgroupV1: false/);
    assert.equal(hasFailedErrors([...d.values()]), true);
  });

  it('accepts cgroup v1 with a 1.34 node image, or with the failCgroupV1 patch', async () => {
    let d = await doctor({ FAKE_DOCKER_CGROUP: '1' }, { environment: kindLab('kindest/node:v1.34.0@sha256:7416') });
    assert.equal(d.get('cgroup')?.ok, true);
    fakes?.restore();
    d = await doctor({ FAKE_DOCKER_CGROUP: '1' }, { environment: kindLab('kindest/node:v1.36.1', [FAIL_CGROUP_V1_PATCH]) });
    assert.equal(d.get('cgroup')?.ok, true);
    assert.match(d.get('cgroup')?.detail ?? '', /failCgroupV1: false/);
  });

  it('reports a Docker daemon that is down, with Docker’s words and how to start it', async () => {
    const d = await doctor({ FAKE_DOCKER: 'down' });
    assert.equal(d.get('docker-cli')?.ok, true);
    const daemon = d.get('docker-daemon');
    assert.deepEqual([daemon?.ok, daemon?.severity], [false, 'error']);
    assert.match(daemon?.detail ?? '', /Cannot connect to the Docker daemon/);
    assert.match(daemon?.fix ?? '', /systemctl start docker/);
    assert.equal(d.has('cgroup'), false, 'no cgroup verdict without a daemon');
  });

  it('reports missing docker, kind and kubectl binaries with install fixes', async () => {
    const only = join(scratch, 'bin');
    mkdirSync(only);
    symlinkSync(process.execPath, join(only, 'node'));
    let d = await doctor({}, {}, only);
    assert.match(d.get('docker-cli')?.detail ?? '', /docker is not on PATH/);
    assert.match(d.get('docker-cli')?.fix ?? '', /Install Docker Engine/);
    assert.equal(d.get('kind')?.detail, 'kind is not on PATH');
    assert.equal(d.get('kubectl')?.detail, 'kubectl is not on PATH');
    assert.equal(d.get('kind')?.severity, 'error');
    fakes?.restore();
    // A containers lab does not need kind or kubectl: their absence is only information.
    symlinkSync(join(FAKE_BIN, 'docker'), join(only, 'docker'));
    d = await doctor({}, { environment: { type: 'containers', machines: [{ name: 'box', image: 'kindlab/busybox:1' }] } }, only);
    assert.deepEqual([d.get('kind')?.ok, d.get('kind')?.severity], [false, 'info']);
    assert.equal(hasFailedErrors([...d.values()]), false);
  });

  it('checks inotify limits against kind’s values, scaled for workshop seats', async () => {
    fakes = useFakes();
    const low = (await diagnose({ toolEnv: fakes.env, procDir: proc(8192, 128) })).find((x) => x.id === 'inotify');
    assert.deepEqual([low?.ok, low?.severity], [false, 'warning']);
    assert.match(low?.fix ?? '', /sudo sysctl fs\.inotify\.max_user_watches=524288 fs\.inotify\.max_user_instances=512/);
    const seats = (await diagnose({ toolEnv: fakes.env, procDir: proc(524288, 512), workshopSeats: 4 })).find((x) => x.id === 'inotify');
    assert.equal(seats?.ok, false);
    assert.match(seats?.detail ?? '', /want ≥ 2048/);
    const missing = (await diagnose({ toolEnv: fakes.env, procDir: join(scratch, 'nowhere') })).find((x) => x.id === 'inotify');
    assert.equal(missing?.severity, 'info');
  });

  it('reports privileged containers as denied, or unknown without a small image to probe with', async () => {
    let d = await doctor({ FAKE_DOCKER_PRIVILEGED: 'denied' });
    assert.deepEqual([d.get('privileged')?.ok, d.get('privileged')?.severity], [false, 'error']);
    assert.match(d.get('privileged')?.detail ?? '', /operation not permitted/);
    fakes?.restore();
    d = await doctor({ FAKE_DOCKER_IMAGES: 'kindest/node:v1.34.0' });
    assert.deepEqual([d.get('privileged')?.ok, d.get('privileged')?.severity], [true, 'info']);
    assert.match(d.get('privileged')?.detail ?? '', /^unknown/);
  });

  it('requires a containers lab’s images locally and names `kindlab prepare <lab>`', async () => {
    const env: EnvironmentSpec = { type: 'containers', machines: [{ name: 'a', image: 'kindlab/busybox:1' }, { name: 'b', image: 'kindlab/debian:12' }] };
    const d = await doctor({}, { environment: env, labDir: 'labs/linux-basics' });
    assert.equal(d.get('image:kindlab/busybox:1')?.ok, true);
    const missing = d.get('image:kindlab/debian:12');
    assert.deepEqual([missing?.ok, missing?.severity], [false, 'error']);
    assert.match(missing?.fix ?? '', /kindlab prepare labs\/linux-basics/);
    assert.equal(hasFailedErrors(await diagnose({ toolEnv: fakes?.env ?? {}, environment: env, procDir: proc(524288, 512) })), true);
  });

  it('prints ✓/✗ lines with fixes, and exits 1 from the CLI when an error-severity item fails (--json too)', async () => {
    fakes = useFakes({ FAKE_DOCKER: 'down' });
    const text = formatDiagnoses(await diagnose({ toolEnv: fakes.env }));
    assert.match(text, /^✓ Docker CLI: docker 20\.10\.24\+dfsg1$/m);
    assert.match(text, /^✗ Docker daemon: Cannot connect/m);
    assert.match(text, /^ {4}Docker is not running: start it/m);
    assert.match(text, /problems? to fix before labs can run/);

    // The CLI from source (tsx), as a real process with the fakes on its PATH.
    const script = `const m = await import(${JSON.stringify(join(REPO, 'server/main.ts'))}); process.exitCode = await m.main(['doctor', '--json']);`;
    const exec = promisify(execFile);
    const r = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, env: { ...process.env, ...fakes.env } }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as { ok: boolean; diagnoses: Diagnosis[] };
    assert.equal(json.ok, false);
    assert.equal(json.diagnoses.find((x) => x.id === 'docker-daemon')?.ok, false);
  });
});
