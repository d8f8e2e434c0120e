/**
 * End to end on a real kind cluster: `kindlab test labs/pods-deep-dive` must
 * provision the cluster, see every check fail before its solve and pass after
 * it, and tear everything down. Runs where Docker, kind, kubectl and a registry
 * are available (the kind-e2e workflow); it never skips: a missing part fails.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool, tryTool } from '../../cluster/tool.js';
import { diagnose, hasFailedErrors } from '../../cluster/doctor/doctor.js';
import { formatDiagnoses } from '../../server/cli/doctor.js';
import { createBuiltinRegistry } from '../../server/checks/registry.js';
import { loadLab } from '../../server/labs/loader.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LAB = join(REPO, 'labs/pods-deep-dive');
/** Pulling a node image and creating three nodes takes minutes on a CI runner. */
const RUN_TIMEOUT_MS = 25 * 60_000;

async function kindlabClusters(): Promise<string[]> {
  const r = await runTool('kind', ['get', 'clusters'], { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter((n) => n.startsWith('kindlab-'));
}

async function kindlabNodeContainers(): Promise<string[]> {
  const r = await runTool('docker', ['ps', '-a', '--filter', 'label=io.x-k8s.kind.cluster', '--format', '{{.Names}}'], { timeoutMs: 30_000 });
  return r.stdout.split('\n').filter((n) => n.startsWith('kindlab-'));
}

describe('pods-deep-dive on a real kind cluster (e2e)', function () {
  this.timeout(RUN_TIMEOUT_MS + 120_000);
  let work: string | undefined;
  let baseline: { clusters: string[]; containers: string[] } | undefined;

  before(async () => {
    const { lab } = await loadLab(LAB, createBuiltinRegistry());
    assert.ok(lab, 'labs/pods-deep-dive loads');
    const diagnoses = await diagnose({ environment: lab.environment, labDir: LAB });
    console.log(formatDiagnoses(diagnoses));
    assert.equal(hasFailedErrors(diagnoses), false, 'kindlab doctor finds no blocking problem on this host (see above)');
    work = mkdtempSync(join(tmpdir(), 'kindlab-e2e-'));
    baseline = { clusters: await kindlabClusters(), containers: await kindlabNodeContainers() };
  });

  after(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    // The before hook failed (a missing part, reported there): nothing was created.
    if (!baseline) return;
    // Whatever happened, leave no cluster of ours behind.
    for (const name of await kindlabClusters()) if (!baseline.clusters.includes(name)) await tryTool('kind', ['delete', 'cluster', '--name', name], { timeoutMs: 300_000 });
  });

  it('`kindlab test` passes every step: each check fails before its solve and passes after', async () => {
    assert.ok(work);
    const junit = join(work, 'junit.xml');
    const args = [join(REPO, 'bin/kindlab.js'), 'test', LAB, '--junit', junit, '--data-dir', join(work, 'data')];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, 'kindlab test exits 0');
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuites?\b/);
    assert.doesNotMatch(xml, /failures="[1-9]/, 'no failed steps in the JUnit report');
    assert.doesNotMatch(xml, /errors="[1-9]/, 'no errored steps in the JUnit report');
  });

  it('leaves no kind cluster or node container behind', async () => {
    assert.deepEqual((await kindlabClusters()).filter((n) => !baseline?.clusters.includes(n)), []);
    assert.deepEqual((await kindlabNodeContainers()).filter((n) => !baseline?.containers.includes(n)), []);
  });
});
