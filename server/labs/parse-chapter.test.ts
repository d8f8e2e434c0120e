import assert from 'node:assert/strict';
import { editDistance, parseChapter, parseDuration, parseInfo, slugify } from './parse-chapter.js';

const ctx = { id: 'ch', file: 'ch.md', defaultTarget: 'local', defaultTerminal: 'shell' };

describe('parseInfo', () => {
  it('splits the name and key=value / quoted attributes', () => {
    const info = parseInfo('answer prompt="What is \\"it\\"?" match=prefix min-length=12');
    assert.equal(info.name, 'answer');
    assert.deepEqual(info.attrs, [
      { key: 'prompt', value: 'What is "it"?' },
      { key: 'match', value: 'prefix' },
      { key: 'min-length', value: '12' },
    ]);
    assert.equal(info.error, undefined);
  });
  it('reports a bare word and an unterminated quote', () => {
    assert.match(parseInfo('check watch').error ?? '', /expected key=value, found "watch"/);
    assert.match(parseInfo('answer prompt="oops').error ?? '', /unterminated/);
  });
});

describe('parseDuration / slugify / editDistance', () => {
  it('accepts ms, s and m only', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('2m'), 120_000);
    for (const bad of ['10', '1h', '0s', 's', '1.5s']) assert.equal(parseDuration(bad), undefined, bad);
  });
  it('slugs headings like GitHub does', () => {
    assert.equal(slugify('Find the pause container!'), 'find-the-pause-container');
    assert.equal(slugify('  Café  & crème '), 'cafe-creme');
  });
  it('measures edits', () => {
    assert.equal(editDistance('chek', 'check'), 1);
    assert.equal(editDistance('hints', 'hint'), 1);
    assert.equal(editDistance('python', 'run'), 5);
  });
});

describe('parseChapter', () => {
  const source = [
    '# The title', // 1
    '', // 2
    'Intro.', // 3
    '', // 4
    '## Reading', // 5
    '', // 6
    '```run', // 7
    'ls', // 8
    '```', // 9
    '', // 10
    '## Do it {#do-it}', // 11
    '', // 12
    '```check mode=watch timeout=2s', // 13
    'test -f x', // 14
    '```', // 15
    '', // 16
    '```check id=second target=other', // 17
    'true', // 18
    '```', // 19
    '', // 20
    '```answer prompt="Value?" match=ignore-case', // 21
    'echo v', // 22
    '```', // 23
    '', // 24
    '```solve', // 25
    'touch x', // 26
    '```', // 27
    '', // 28
    '```hint', // 29
    'Try `touch`.', // 30
    '```', // 31
    '', // 32
    '```bash', // 33
    '## not a heading', // 34
    '```', // 35
  ].join('\n');

  it('finds the title, sections vs steps, ids and line numbers', () => {
    const { chapter, problems } = parseChapter(source, ctx);
    assert.deepEqual(problems, []);
    assert.equal(chapter.title, 'The title');
    assert.deepEqual(
      chapter.sections.map((s) => [s.id, s.title, s.pos.line, s.step !== undefined]),
      [
        ['reading', 'Reading', 5, false],
        ['do-it', 'Do it', 11, true],
      ],
    );
    const step = chapter.steps[0]!;
    assert.equal(step.id, 'do-it');
    assert.equal(step.chapter, 'ch');
    assert.deepEqual(step.pos, { file: 'ch.md', line: 11 });
    assert.deepEqual(
      step.checks.map((c) => [c.id, c.target, c.timeoutMs, c.mode, c.pos.line, c.kind]),
      [
        ['check-1', 'local', 2000, 'watch', 13, 'shell'],
        ['second', 'other', 15_000, 'click', 17, 'shell'],
      ],
    );
    const answer = step.answers[0]!;
    assert.deepEqual([answer.id, answer.prompt, answer.match, answer.minLength, answer.pos.line], ['answer-1', 'Value?', 'ignore-case', 1, 21]);
    assert.deepEqual(answer.source, { kind: 'shell', script: 'echo v\n' });
    assert.deepEqual(step.solves.map((s) => [s.script, s.timeoutMs, s.pos.line]), [['touch x\n', 60_000, 25]]);
    assert.deepEqual(step.hints.map((h) => h.text), ['Try `touch`.\n']);
  });

  it('reports directive mistakes at their line', () => {
    const bad = [
      '# T', // 1
      '```hint', // 2
      'early', // 3
      '```', // 4
      '## S', // 5
      '```check mode=often colour=red', // 6
      'true', // 7
      '```', // 8
      '```solve', // 9
      '   ', // 10
      '```', // 11
      '```chekc', // 12
      'x', // 13
      '```', // 14
      '```python', // 15
      'print(1)', // 16
      '```', // 17
      '```check use=file-exists', // 18
      'path: [unclosed', // 19
      '```', // 20
      '## Only hint', // 21
      '```hint', // 22
      'h', // 23
      '```', // 24
    ].join('\n');
    const { problems } = parseChapter(bad, ctx);
    const got = problems.map((p) => `${p.line}:${p.severity}:${p.message}`);
    const expect = [
      /^6:error:check: unknown attribute "colour"/,
      /^12:error:unknown directive "chekc"; did you mean "check"\?/,
      /^2:error:hint must be inside a "## " section/,
      /^6:error:check: mode "often" must be click or watch/,
      /^10:error:solve: the block is empty|^9:error:solve: the block is empty/,
      /^(19|20):error:check use=file-exists: bad YAML parameters: Flow sequence[^:]*$/,
      /^21:error:step "only-hint" has hint but no check or answer/,
      /^21:warning:step "only-hint" has no solve block/,
    ];
    for (const re of expect) assert.ok(got.some((g) => re.test(g)), `missing ${re} in\n${got.join('\n')}`);
    assert.equal(got.length, expect.length, got.join('\n'));
  });

  it('keeps built-in params as YAML and defaults ids per step', () => {
    const src = '# T\n## S\n```check use=pod-phase\npod: web\nphase: Running\n```\n```check use=pod-phase\n```\n```answer use=pod-uid match=prefix min-length=8\npod: web\n```\n```solve\ntrue\n```\n';
    const { chapter, problems } = parseChapter(src, ctx);
    assert.deepEqual(problems, []);
    const step = chapter.steps[0]!;
    assert.deepEqual(
      step.checks.map((c) => (c.kind === 'builtin' ? [c.id, c.use, c.params] : [])),
      [
        ['check-1', 'pod-phase', { pod: 'web', phase: 'Running' }],
        ['check-2', 'pod-phase', {}],
      ],
    );
    assert.deepEqual(step.answers[0]!.source, { kind: 'builtin', use: 'pod-uid', params: { pod: 'web' } });
    assert.equal(step.answers[0]!.minLength, 8);
  });

  it('rejects duplicate ids within a step and bad explicit ids', () => {
    const src = '# T\n## S {#bad id!}\n```check id=x\ntrue\n```\n```answer id=x\necho\n```\n```solve\ntrue\n```\n';
    const { problems } = parseChapter(src, ctx);
    assert.deepEqual(
      problems.map((p) => [p.line, p.message.slice(0, 40)]),
      [
        [2, 'section id "{#bad id!}" may only use let'],
        [6, 'answer: id "x" is used twice in step "ba'],
      ],
    );
  });

  it('reports a fence that is never closed at its opening line, and not one closed at the end of the file', () => {
    const lines = (src: string): string[] => parseChapter(src, ctx).problems.map((p) => `${p.line}:${p.severity}:${p.message}`);
    const run = (n: number): string => `${n}:error:\`\`\`run opened here is never closed (add a \`\`\` line after the command)`;
    // The closing fence deleted: markdown-it runs the block to the end of the document.
    assert.deepEqual(lines('# T\n## S\n```run\nls\n\nProse that became part of the command.\n'), [run(3)]);
    assert.deepEqual(lines('# T\n## S\n```run\nls'), [run(3)]);
    assert.deepEqual(lines('# T\n## S\n```run'), [run(3), '3:error:run: the block is empty']);
    // A shorter or different closing fence does not close it.
    assert.deepEqual(lines('# T\n## S\n````run\nls\n```\n'), ['3:error:````run opened here is never closed (add a ```` line after the command)']);
    assert.deepEqual(lines('# T\n## S\n~~~run\nls\n```'), ['3:error:~~~run opened here is never closed (add a ~~~ line after the command)']);
    // Other directives and plain code blocks, inside a list item too.
    assert.match(lines('# T\n## S\n```check\ntrue\n```\n```solve\ntrue\n')[0] ?? '', /^6:error:```solve opened here is never closed \(add a ``` line after the script\)$/);
    assert.deepEqual(lines('# T\n\n- item\n\n  ```bash\n  ls\n'), ['5:error:```bash opened here is never closed (add a ``` line after the code)']);
    // Closed fences at the very end of a file, and fences inside longer or other fences, are fine.
    for (const src of [
      '# T\n## S\n```run\nls\n```',
      '# T\n## S\n```run\nls\n```\n',
      '# T\n## S\n```run\nls\n```   \n',
      '# T\n## S\n~~~run\nls\n~~~',
      '# T\n## S\n~~~run\nls\n~~~~~\n',
      '# T\n## S\n````run\nls\n````',
      '# T\n## S\n````run\nls\n`````\n',
      '# T\n## S\n````markdown\n```run\nls\n```\n````\n',
      '# T\n## S\n~~~markdown\n```run\nls\n```\n~~~',
      '# T\n\n> ```bash\n> ls\n> ```',
      '# T\n\n- item\n\n  ```bash\n  ls\n  ```',
      '# T\n```\n```',
    ]) {
      assert.deepEqual(parseChapter(src, ctx).problems, [], JSON.stringify(src));
    }
  });

  it('reports a fence whose closing line is missing when a later block’s closing fence ends it', () => {
    // The first run block of labs/two-machines without its closing fence: the next block's
    // closing fence closes it, so it swallows the prose and the next block's opening line.
    const src = ['# T', '## S', '```run terminal=alpha', 'hostname', '', 'Prose.', '', '```run terminal=beta', 'hostname', '```', '', 'More prose.', ''].join('\n');
    const { chapter, problems } = parseChapter(src, ctx);
    assert.deepEqual(
      problems.map((p) => `${p.line}:${p.severity}:${p.message}`),
      ['3:error:```run opened here is never closed (add a ``` line after the command): it swallows line 8 (```run terminal=beta) and runs on to line 10'],
    );
    assert.equal(chapter.sections[0]!.directives.length, 1);
  });

  it('leaves code blocks in known languages and plain fences alone', () => {
    const src = '# T\n## S\n```sh\nls\n```\n```\nplain\n```\n```yaml\na: 1\n```\n```text\nx\n```\n';
    assert.deepEqual(parseChapter(src, ctx).problems, []);
  });
});
