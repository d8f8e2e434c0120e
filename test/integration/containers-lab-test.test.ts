/**
 * `kindlab test labs/two-machines --repeat 2`, run as the real CLI in a child
 * process against real Docker: both runs pass every step on their own fresh
 * environment (two busybox machines on a private network), no step is flaky,
 * and neither run leaves a container, network, volume, process or data dir.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeSession } from '../../cluster/containers/containers-environment.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { buildLabImages } from '../../cluster/images/build-lab-images.js';
import { runTool } from '../../cluster/tool.js';

const REPO = resolve(import.meta.dirname, '..', '..');
const STEPS = ['beta-address', 'message', 'web'];

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** bin/kindlab.js's two lines, pointed at the source through tsx so the test never runs a stale dist/. */
function kindlab(entry: string, args: readonly string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: REPO, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

function children(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/\bps$/.test(l));
  } catch {
    return [];
  }
}

async function labelled(session: string): Promise<string[]> {
  const filter = `label=${LABEL_SESSION}=${session}`;
  const list = async (args: string[]) => (await runTool('docker', [...args, '--filter', filter])).stdout.split('\n').filter(Boolean);
  return [
    ...(await list(['ps', '-aq'])).map((c) => `container ${c}`),
    ...(await list(['network', 'ls', '-q'])).map((n) => `network ${n}`),
    ...(await list(['volume', 'ls', '-q'])).map((v) => `volume ${v}`),
  ];
}

describe('kindlab test on a containers lab (two-machines, real Docker, real CLI)', function () {
  this.timeout(5 * 60_000);
  let dir: string;
  let entry: string;
  let childrenBefore: string[];
  let tmpBefore: Set<string>;
  let sessions: string[] = [];

  before(async () => {
    childrenBefore = children();
    tmpBefore = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-')));
    dir = mkdtempSync(join(tmpdir(), 'kindlab-tm-'));
    entry = join(dir, 'kindlab.mjs');
    writeFileSync(entry, `import { main } from ${JSON.stringify(join(REPO, 'server', 'main.ts'))};\nprocess.exitCode = await main(process.argv.slice(2));\n`);
    for (const r of await buildLabImages(['kindlab/busybox:1'], () => undefined)) assert.ok(r.ok, r.ok ? '' : r.message);
  });

  after(async () => {
    // Only when an assertion failed half-way; a clean run has removed everything itself.
    for (const s of sessions) await removeSession(s);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--repeat 2 passes every step in both runs, each on its own environment, with nothing flaky', async () => {
    const r = await kindlab(entry, ['test', 'labs/two-machines', '--repeat', '2'], 4 * 60_000);
    sessions = [...r.stdout.matchAll(/^Run \d+: lab two-machines on kindlab-(test-[0-9a-f]+) /gm)].map((m) => m[1]!);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(sessions.length, 2, r.stdout);
    assert.notEqual(sessions[0], sessions[1], 'each run gets a fresh environment');
    for (const id of STEPS) {
      const rows = [...r.stdout.matchAll(new RegExp(`^\\s+ok\\s+${id}\\s+fails\\s+passes\\s+\\d+$`, 'gm'))];
      assert.equal(rows.length, 2, `step ${id} passes in both runs:\n${r.stdout}`);
    }
    assert.doesNotMatch(r.stdout, /^\s*FAIL\b|flaky/m);
    assert.match(r.stdout, /^PASS: every step fails before its solve and passes after it in all 2 runs\.$/m);
    // Both runs provisioned from scratch, with the stages a learner's page shows.
    assert.equal([...r.stderr.matchAll(/\] network kindlab-test-[0-9a-f]+ done \(\d+ ms\): created/g)].length, 2, r.stderr);
    assert.equal([...r.stderr.matchAll(/\] machine (alpha|beta) done \(\d+ ms\): started/g)].length, 4, r.stderr);
  });

  it('leaves nothing behind: no labelled container, network or volume, no process, no data dir', async () => {
    assert.equal(sessions.length, 2);
    for (const s of sessions) assert.deepEqual(await labelled(s), [], `session ${s}`);
    const end = Date.now() + 5000;
    while (children().length > childrenBefore.length && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(children(), childrenBefore);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith('kindlab-test-') && !tmpBefore.has(n)), [], 'kindlab test left its data dir behind');
  });
});
