import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AnswerSpec, CheckSpec, ScriptSpec } from '../../common/lab.js';
import type { ExecOptions, ExecResult, TerminalTarget } from '../../cluster/environment.js';
import { EnvironmentError } from '../../cluster/environment.js';
import { BuiltinRegistry, ProbeError } from './builtin.js';
import { compareAnswer, runAnswer, runCheck, runScript, type ExecEnvironment } from './runner.js';

/** A real bash in a temp dir, killed as a process group at the deadline (what LocalEnvironment promises). */
class BashEnv implements ExecEnvironment {
  readonly calls: string[] = [];
  constructor(readonly dir: string) {}
  targets(): readonly TerminalTarget[] {
    return [{ name: 'local', address: 'local' }];
  }
  exec(target: string, script: string, options: ExecOptions): Promise<ExecResult> {
    if (target !== 'local') return Promise.reject(new EnvironmentError(`no target ${target}`));
    this.calls.push(script);
    const started = performance.now();
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: this.dir, detached: true, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.on('error', () => undefined); // a script that ignores stdin may exit first
      child.stdin.end(options.stdin ?? '');
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // gone already
        }
      }, options.timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ exitCode: code, stdout, stderr, timedOut, ms: performance.now() - started });
      });
    });
  }
}

const pos = { file: 'chapters/01.md', line: 7 };
const shell = (script: string, extra: Partial<CheckSpec> = {}): CheckSpec =>
  ({ kind: 'shell', id: 'c1', target: 'local', timeoutMs: 5000, mode: 'click', pos, script, ...extra }) as CheckSpec;
const answer = (script: string, extra: Partial<AnswerSpec> = {}): AnswerSpec => ({
  id: 'a1',
  prompt: 'What?',
  target: 'local',
  timeoutMs: 5000,
  match: 'exact',
  minLength: 1,
  source: { kind: 'shell', script },
  pos,
  ...extra,
});

describe('check runner', () => {
  let dir: string;
  let env: BashEnv;
  const registry = new BuiltinRegistry()
    .addCheck({
      name: 'file-says',
      description: 'a file holds a word',
      params: z.object({ file: z.string(), word: z.string() }),
      async run(ctx, p: { file: string; word: string }) {
        const r = await ctx.exec(ctx.target, 'cat "$F" 2>/dev/null', { timeoutMs: ctx.remainingMs(), env: { F: p.file } });
        const actual = r.stdout.trim();
        return { passed: actual === p.word, message: actual === p.word ? 'The file says it.' : 'The file says something else.', expected: p.word, actual };
      },
    })
    .addCheck({ name: 'throws', description: 'faults', params: z.object({}), run: () => Promise.reject(new Error('kubectl vanished')) })
    .addCheck({ name: 'hangs', description: 'never answers', params: z.object({}), run: () => new Promise(() => undefined) })
    .addProbe({ name: 'word', description: 'a word', params: z.object({ w: z.string() }), value: (_ctx, p: { w: string }) => Promise.resolve(p.w) })
    .addProbe({ name: 'missing', description: 'nothing yet', params: z.object({}), value: () => Promise.reject(new ProbeError('No pod named web yet.')) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindlab-runner-'));
    env = new BashEnv(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on exit 0 with the last non-empty line as the message', async () => {
    const r = await runCheck(shell('echo first; echo "all good"; echo'), env, registry);
    assert.equal(r.status, 'passed');
    assert.equal(r.message, 'all good');
    assert.equal(r.checkId, 'c1');
    assert.ok(r.ms >= 0);
  });

  it('fails on a non-zero exit with the last line of stdout, else stderr, else a default', async () => {
    const a = await runCheck(shell('echo trying; echo "no file hello.txt"; exit 3'), env, registry);
    assert.deepEqual([a.status, a.message], ['failed', 'no file hello.txt']);
    const b = await runCheck(shell('echo "permission denied" >&2; exit 1'), env, registry);
    assert.deepEqual([b.status, b.message], ['failed', 'permission denied']);
    const c = await runCheck(shell('exit 4'), env, registry);
    assert.deepEqual([c.status, c.message], ['failed', 'Check failed (exit code 4).']);
  });

  it('kills a hung check and its children at the timeout and says so', async () => {
    const marker = join(dir, 'late');
    const started = performance.now();
    const r = await runCheck(shell(`(sleep 1.2; touch "${marker}") & sleep 30`, { timeoutMs: 400 }), env, registry);
    const took = performance.now() - started;
    assert.equal(r.status, 'timeout');
    assert.equal(r.message, 'Check timed out after 400 ms.');
    assert.ok(took < 1500, `took ${took} ms`);
    await new Promise((res) => setTimeout(res, 1400));
    assert.equal(existsSync(marker), false, 'the background child outlived the timeout');
  });

  it('reports an unknown target as an error naming the targets there are', async () => {
    const r = await runCheck(shell('true', { target: 'worker7' }), env, registry);
    assert.equal(r.status, 'error');
    assert.match(r.message, /Unknown target "worker7".*"local"/);
    assert.equal(env.calls.length, 0);
  });

  it('turns an exec fault into an error with a plain message', async () => {
    const broken: ExecEnvironment = { targets: () => env.targets(), exec: () => Promise.reject(new EnvironmentError('container kindlab-x is gone')) };
    const r = await runCheck(shell('true'), broken, registry);
    assert.equal(r.status, 'error');
    assert.equal(r.message, 'The check could not run: container kindlab-x is gone');
  });

  it('runs built-ins with validated params and reports expected vs actual', async () => {
    const check = (params: Record<string, unknown>, use = 'file-says'): CheckSpec => ({ kind: 'builtin', id: 'b', target: 'local', timeoutMs: 3000, mode: 'click', pos, use, params });
    const miss = await runCheck(check({ file: 'greeting', word: 'hello' }), env, registry);
    assert.deepEqual([miss.status, miss.expected, miss.actual], ['failed', 'hello', '']);
    await runScript({ target: 'local', script: 'echo hello > greeting', timeoutMs: 3000, pos }, env, 'solve');
    const hit = await runCheck(check({ file: 'greeting', word: 'hello' }), env, registry);
    assert.deepEqual([hit.status, hit.message], ['passed', 'The file says it.']);
    const bad = await runCheck(check({ file: 3 }), env, registry);
    assert.equal(bad.status, 'error');
    assert.match(bad.message, /^Bad parameters for file-says: /);
    const unknown = await runCheck(check({}, 'nope'), env, registry);
    assert.deepEqual([unknown.status, unknown.message], ['error', 'Unknown built-in check "nope".']);
    const thrown = await runCheck(check({}, 'throws'), env, registry);
    assert.deepEqual([thrown.status, thrown.message], ['error', 'The check could not run: kubectl vanished']);
  });

  it('enforces the deadline on a built-in that never answers', async () => {
    const r = await runCheck({ kind: 'builtin', id: 'h', target: 'local', timeoutMs: 300, mode: 'click', pos, use: 'hangs', params: {} }, env, registry);
    assert.deepEqual([r.status, r.message], ['timeout', 'Check timed out after 300 ms.']);
    assert.ok(r.ms < 1000);
  });

  it('compares answers exactly, by prefix with a minimum length, or ignoring case, without revealing the value', async () => {
    assert.equal((await runAnswer(answer('echo 5f3c9a1b2d4e'), '5f3c9a1b2d4e', env, registry)).status, 'passed');
    const wrong = await runAnswer(answer('echo 5f3c9a1b2d4e'), '5f3c9a1b2d4f', env, registry);
    assert.deepEqual([wrong.status, wrong.message], ['failed', 'That does not match.']);
    assert.ok(!JSON.stringify(wrong).includes('5f3c9a1b2d4e'));
    const prefix = answer('echo 5f3c9a1b2d4e77aa', { match: 'prefix', minLength: 12 });
    assert.equal((await runAnswer(prefix, '5f3c9a1b2d4e', env, registry)).status, 'passed');
    const short = await runAnswer(prefix, '5f3c', env, registry);
    assert.deepEqual([short.status, short.message], ['failed', 'Too short: enter at least 12 characters.']);
    assert.equal((await runAnswer(answer('echo Running', { match: 'ignore-case' }), ' running ', env, registry)).status, 'passed');
    assert.deepEqual(compareAnswer({ match: 'prefix', minLength: 12 }, 'abc', 'abc'), { ok: true, message: 'Correct.' });
    assert.equal((await runAnswer(answer('echo x'), '', env, registry)).message, 'The answer is empty.');
    assert.match((await runAnswer(answer('echo x'), 'y'.repeat(5000), env, registry)).message, /^Too long/);
  });

  it('never executes learner input: it is compared literally and reaches the script only as KINDLAB_ANSWER', async () => {
    const marker = join(dir, 'pwned');
    for (const evil of [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}; rm -rf .`, `x' ; touch ${marker} #`]) {
      const r = await runAnswer(answer('echo expected-value'), evil, env, registry);
      assert.equal(r.status, 'failed');
      assert.equal(existsSync(marker), false, `input ${evil} was executed`);
      assert.ok(env.calls.every((c) => !c.includes(evil)));
    }
    // A script may read the value through the env var, as data.
    const echoed = await runAnswer(answer('printf %s "$KINDLAB_ANSWER"'), `$(touch ${marker})`, env, registry);
    assert.equal(echoed.status, 'passed');
    assert.equal(existsSync(marker), false);
  });

  it('explains an answer that cannot be worked out yet, from a failing script or probe', async () => {
    const s = await runAnswer(answer('echo "pod not found" >&2; exit 1'), 'abc', env, registry);
    assert.equal(s.status, 'error');
    assert.match(s.message, /not available yet \(pod not found\)/);
    const p = await runAnswer(answer('', { source: { kind: 'builtin', use: 'missing', params: {} } }), 'abc', env, registry);
    assert.deepEqual([p.status, p.message], ['error', 'The answer could not be checked: No pod named web yet.']);
    const ok = await runAnswer(answer('', { source: { kind: 'builtin', use: 'word', params: { w: 'Pod' } }, match: 'ignore-case' }), 'pod', env, registry);
    assert.equal(ok.status, 'passed');
  });

  it('runs solve scripts and reports where a failing one is declared', async () => {
    const spec: ScriptSpec = { target: 'local', script: 'echo working; echo "kubectl: not found" >&2; exit 127', timeoutMs: 3000, pos };
    const r = await runScript(spec, env, 'solve');
    assert.equal(r.status, 'failed');
    assert.equal(r.message, 'The solve at chapters/01.md:7 failed (exit code 127): kubectl: not found');
    const t = await runScript({ ...spec, script: 'sleep 10', timeoutMs: 300 }, env, 'setup');
    assert.deepEqual([t.status, t.message], ['timeout', 'The setup at chapters/01.md:7 timed out after 300 ms.']);
  });

  it('adds little overhead beyond the script itself (target < 20 ms locally)', async () => {
    const c = shell('true');
    await runCheck(c, env, registry);
    const runner: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 20; i++) {
      let t = performance.now();
      await runCheck(c, env, registry);
      runner.push(performance.now() - t);
      t = performance.now();
      await env.exec('local', 'true', { timeoutMs: 1000 });
      raw.push(performance.now() - t);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const overhead = median(runner) - median(raw);
    assert.ok(overhead < 20, `overhead ${overhead.toFixed(1)} ms`);
  });
});
