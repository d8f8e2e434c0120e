import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabProblem } from '../../common/lab.js';
import { tinyRegistry } from '../../test/fixtures/labs/tiny-registry.js';
import { loadCatalogue, loadLab } from './loader.js';

const FIXTURES = path.resolve(fileURLToPath(import.meta.url), '../../../test/fixtures/labs');

function lines(problems: readonly LabProblem[]): string[] {
  return problems.map((p) => `${path.relative(FIXTURES, p.file)}:${p.line}: ${p.severity}: ${p.message}`);
}

describe('loadLab', () => {
  it('loads a good containers lab with defaults, built-ins and rendered chapters', async () => {
    const { lab, problems } = await loadLab(path.join(FIXTURES, 'good-containers'), tinyRegistry());
    assert.deepEqual(lines(problems), []);
    assert.ok(lab);
    assert.equal(lab.id, 'good-containers');
    assert.deepEqual(lab.environment, {
      type: 'containers',
      machines: [
        { name: 'alpha', image: 'kindlab/busybox:1' },
        { name: 'beta', image: 'kindlab/busybox:1', env: { GREETING: 'hi' } },
      ],
    });
    assert.deepEqual(lab.terminals.map((t) => t.name), ['alpha', 'beta']);
    assert.equal(lab.filesDir, path.join(FIXTURES, 'good-containers', 'files'));
    const step = lab.chapters[0]!.steps[0]!;
    assert.equal(step.id, 'make-file');
    // The run without terminal= and the check without target= use the first terminal.
    assert.deepEqual(step.runs.map((r) => r.terminal), ['alpha']);
    assert.deepEqual(step.checks.map((c) => [c.id, c.target, c.kind, c.mode, c.timeoutMs]), [
      ['check-1', 'alpha', 'builtin', 'watch', 15_000],
      ['beta-ok', 'beta', 'shell', 'click', 500],
    ]);
    // The setup before the first step is kept, in order, with the first step.
    assert.deepEqual(step.setups.map((s) => [s.target, s.script]), [['beta', 'touch /tmp/ready\n']]);
    assert.match(lab.chapters[0]!.html, /^<article class="kl-chapter" data-chapter="01-two">/);
  });

  it('says what is wrong with a path that is no lab folder: none there, a file, a folder without lab.yaml, a lab.yaml that is a folder', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kindlab-loader-'));
    try {
      await writeFile(path.join(root, 'a-file'), 'x\n');
      await mkdir(path.join(root, 'empty'));
      await mkdir(path.join(root, 'odd', 'lab.yaml'), { recursive: true });
      const message = async (dir: string) => (await loadLab(path.join(root, dir), tinyRegistry())).problems.map((p) => p.message).join('\n');
      assert.match(await message('nope'), /^there is no folder .*\/nope \(give a lab's folder, or the id of a lab under \.\/labs\)$/);
      assert.match(await message('a-file'), /^.*\/a-file is a file, not a lab folder$/);
      assert.equal(await message('empty'), 'lab.yaml is missing: every lab folder needs one');
      assert.equal(await message('odd'), 'lab.yaml is a folder; it must be the lab’s YAML file');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('reports bad YAML at its line', async () => {
    const { lab, problems } = await loadLab(path.join(FIXTURES, 'bad-yaml'), tinyRegistry());
    assert.equal(lab, undefined);
    assert.ok(problems.length > 0);
    assert.ok(problems.every((p) => p.severity === 'error' && p.file.endsWith('bad-yaml/lab.yaml') && p.message.startsWith('bad YAML')));
    assert.ok(problems.some((p) => p.line === 4 || p.line === 5), lines(problems).join('\n'));
  });

  it('maps schema errors to the offending key', async () => {
    const { problems } = await loadLab(path.join(FIXTURES, 'bad-schema'), tinyRegistry());
    assert.deepEqual(lines(problems), [
      'bad-schema/lab.yaml:6: error: environment.workers: Invalid input: expected number, received string',
      'bad-schema/lab.yaml:7: error: colour: unknown field',
    ]);
  });

  it('reports a missing chapter file at its line in lab.yaml', async () => {
    const { lab, problems } = await loadLab(path.join(FIXTURES, 'missing-chapter'), tinyRegistry());
    assert.equal(lab, undefined);
    assert.deepEqual(lines(problems), ['missing-chapter/lab.yaml:7: error: chapters[1]: chapter file "chapters/02-gone.md" does not exist']);
  });

  it('reports every chapter mistake with file:line, across chapters', async () => {
    const { lab, problems } = await loadLab(path.join(FIXTURES, 'broken-chapters'), tinyRegistry());
    assert.equal(lab, undefined);
    const one = 'broken-chapters/chapters/01-one.md';
    assert.deepEqual(lines(problems), [
      `${one}:3: error: check must be inside a "## " section (a step); this one comes before the first section`,
      `${one}:9: error: unknown directive "chek"; did you mean "check"? (directives: run, copy, check, solve, setup, hint, answer)`,
      `${one}:13: error: check: the block is empty`,
      `${one}:20: error: step "no-check" has hint but no check or answer, so it can never pass`,
      `${one}:20: warning: step "no-check" has no solve block, so \`kindlab test\` cannot prove its check passes`,
      `${one}:26: warning: step "bad-run" has no solve block, so \`kindlab test\` cannot prove its check passes`,
      `${one}:28: error: run: terminal "nope" is not declared (terminals: shell)`,
      `${one}:32: error: check: timeout "10x" is not a duration like 500ms, 10s or 2m`,
      `${one}:32: error: check: target "mars" is not in this local environment (targets: local)`,
      `${one}:37: error: check use=file-exists: path: missing (a string is required)`,
      `${one}:37: error: check use=file-exists: unknown field colour`,
      `${one}:40: error: check: unknown built-in "no-such-check" (known checks: file-exists)`,
      `${one}:43: error: answer: unknown attribute "wrong" (allowed: prompt, match, min-length, id, target, timeout, use)`,
      'broken-chapters/chapters/02-two.md:3: error: step id "same" is already used at chapters/01-one.md:7; give one of them an explicit {#id}',
    ]);
  });
});

describe('loadCatalogue', () => {
  it('loads good labs and lists broken ones without stopping', async () => {
    const { labs, entries } = await loadCatalogue(FIXTURES, tinyRegistry());
    assert.deepEqual([...labs.keys()], ['good-containers']);
    assert.deepEqual(
      entries.map((e) => [e.id, e.ok, e.title]),
      [
        ['bad-schema', false, 'Bad schema'],
        ['bad-yaml', false, 'bad-yaml'],
        ['broken-chapters', false, 'Broken chapters'],
        ['good-containers', true, 'Two machines'],
        ['missing-chapter', false, 'Missing chapter'],
      ],
    );
    const good = entries.find((e) => e.ok);
    assert.deepEqual(good, { id: 'good-containers', ok: true, title: 'Two machines', summary: 'A containers lab with a built-in check, a probe and a second terminal.', environment: 'containers', steps: 1 });
  });
});
