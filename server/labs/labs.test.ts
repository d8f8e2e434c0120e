/**
 * The labs shipped in labs/: every one validates clean against the real
 * built-ins, and hello-shell's scripts really fail before their solve and pass
 * after it, run by a real shell in a scratch copy of its files (the way the
 * local environment runs them: in the learner's working directory).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Lab } from '../../common/lab.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import { labDirs, loadLab } from './loader.js';

const LABS = path.resolve(fileURLToPath(import.meta.url), '../../../labs');
const run = promisify(execFile);

async function sh(script: string, cwd: string, env: Record<string, string> = {}): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run('sh', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 20_000 });
    return { ok: true, out: stdout };
  } catch (e) {
    return { ok: false, out: (e as { stdout?: string }).stdout ?? '' };
  }
}

describe('labs/', () => {
  it('every lab validates without errors', async () => {
    const registry = createBuiltinRegistry();
    for (const dir of await labDirs(LABS)) {
      const { problems } = await loadLab(dir, registry);
      const errors = problems.filter((p) => p.severity === 'error').map((p) => `${path.relative(LABS, p.file)}:${p.line}: ${p.message}`);
      assert.deepEqual(errors, [], `${path.basename(dir)} has errors`);
    }
  });

  describe('hello-shell in a real shell', () => {
    let lab: Lab;
    let work: string;
    before(async () => {
      const result = await loadLab(path.join(LABS, 'hello-shell'), createBuiltinRegistry());
      assert.deepEqual(result.problems, []);
      lab = result.lab!;
      work = await mkdtemp(path.join(tmpdir(), 'kindlab-hello-shell-'));
      await cp(lab.filesDir, work, { recursive: true });
      for (const step of lab.chapters.flatMap((c) => c.steps)) for (const s of step.setups) assert.ok((await sh(s.script, work)).ok, 'setup failed');
    });
    after(async () => {
      await rm(work, { recursive: true, force: true });
    });

    it('uses every directive', () => {
      const steps = lab.chapters.flatMap((c) => c.steps);
      assert.ok(steps.length >= 3 && steps.length <= 4);
      assert.ok(steps.some((s) => s.checks.some((c) => c.mode === 'watch')));
      assert.ok(steps.some((s) => s.answers.length > 0));
      assert.ok(steps.some((s) => s.setups.length > 0));
      assert.ok(steps.every((s) => s.solves.length > 0 && s.hints.length > 0 && s.runs.length > 0));
      assert.ok(lab.chapters.some((c) => c.html.includes('kl-copy-button')));
      assert.ok(steps[0]!.runs.length > 0 && steps[0]!.checks.length > 0);
    });

    it('every check fails before its solve and passes after; answers are computed live', async function () {
      this.timeout(30_000);
      for (const step of lab.chapters.flatMap((c) => c.steps)) {
        for (const c of step.checks) {
          assert.ok(c.kind === 'shell');
          const before = await sh(c.script, work);
          assert.equal(before.ok, false, `${step.id}/${c.id} passed before the solve: ${before.out}`);
          assert.notEqual(before.out.trim(), '', `${step.id}/${c.id} gives no message when it fails`);
        }
        for (const s of step.solves) assert.ok((await sh(s.script, work)).ok, `${step.id} solve failed`);
        for (const c of step.checks) {
          assert.ok(c.kind === 'shell');
          const after = await sh(c.script, work);
          assert.equal(after.ok, true, `${step.id}/${c.id} failed after the solve: ${after.out}`);
        }
        for (const a of step.answers) {
          assert.ok(a.source.kind === 'shell');
          const expected = await sh(a.source.script, work);
          assert.equal(expected.ok, true);
          assert.equal(expected.out.trim(), '7', 'fruits.txt holds 7 different fruits');
        }
      }
    });
  });
});
