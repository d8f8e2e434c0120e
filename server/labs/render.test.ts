import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLab } from './loader.js';
import { tinyRegistry } from '../../test/fixtures/labs/tiny-registry.js';
import { parseChapter } from './parse-chapter.js';
import { renderChapter } from './render.js';

const FIXTURES = path.resolve(fileURLToPath(import.meta.url), '../../../test/fixtures/labs');
const ctx = { id: 'ch', file: 'ch.md', defaultTarget: 'local', defaultTerminal: 'shell' };

function render(src: string): string {
  const { chapter, problems } = parseChapter(src, ctx);
  assert.deepEqual(problems.filter((p) => p.severity === 'error'), []);
  return renderChapter(chapter);
}

describe('renderChapter', () => {
  it('escapes raw HTML in prose, headings and code', () => {
    const html = render('# <script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there.\n\n## <b>Bold</b> {#b}\n\n```run\necho "<x>" & \'y\'\n```\n');
    assert.doesNotMatch(html, /<script|<img|<b>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /<section class="kl-section" id="b">\n<h2>&lt;b&gt;Bold&lt;\/b&gt;<\/h2>/);
    assert.match(html, /data-command="echo &quot;&lt;x&gt;&quot; &amp; &#39;y&#39;"/);
  });

  it('renders a step with run, copy, answer and its action bar, and leaks no check/solve/setup body', () => {
    const src = [
      '# T',
      '## Do it {#do-it}',
      '```run terminal=shell',
      'kubectl get pods',
      '```',
      '```copy',
      'a & b',
      '```',
      '```setup',
      'SECRET_SETUP',
      '```',
      '```check mode=watch',
      'SECRET_CHECK',
      '```',
      '```answer prompt="Pod <uid>?" id=uid',
      'SECRET_ANSWER',
      '```',
      '```solve',
      'SECRET_SOLVE',
      '```',
      '```hint',
      'Use **kubectl**.',
      '```',
    ].join('\n');
    const html = render(src);
    assert.doesNotMatch(html, /SECRET_/);
    assert.match(html, /^<article class="kl-chapter" data-chapter="ch">/);
    assert.match(html, /<section class="kl-step" id="step-do-it" data-step="do-it">\n<h2>Do it <span class="kl-step-status" data-step="do-it"><\/span><\/h2>/);
    assert.match(html, /<div class="kl-run"><pre><code class="hljs language-bash">.*kubectl get pods<\/code><\/pre><button type="button" class="kl-run-button" data-terminal="shell" data-command="kubectl get pods">Run in shell<\/button><\/div>/s);
    assert.match(html, /<div class="kl-copy"><pre><code>a &amp; b<\/code><\/pre><button type="button" class="kl-copy-button" data-text="a &amp; b">Copy<\/button><\/div>/);
    assert.ok(html.includes('<form class="kl-answer" data-step="do-it" data-answer="uid"><label>Pod &lt;uid&gt;? <input name="value" autocomplete="off" maxlength="4096"></label><button type="submit">Submit</button><div class="kl-answer-result" aria-live="polite"></div></form>'));
    assert.ok(
      html.includes(
        '<div class="kl-step-actions" data-step="do-it"><button type="button" class="kl-check-button" data-step="do-it">Check</button>' +
          '<span class="kl-watch" data-step="do-it">watching…</span><button type="button" class="kl-solve-button" data-step="do-it">Solve it for me</button>' +
          '<div class="kl-results" data-step="do-it" aria-live="polite"></div><div class="kl-hints" data-step="do-it" hidden><div class="kl-hint"><p>Use <strong>kubectl</strong>.</p>\n</div></div></div>',
      ),
    );
  });

  it('omits the check and solve buttons a step does not need, and highlights ordinary code', () => {
    const html = render('# T\n## Q\n```answer\necho 1\n```\n```yaml\na: 1\n```\nSee https://kind.sigs.k8s.io.\n');
    assert.doesNotMatch(html, /kl-check-button|kl-solve-button|kl-watch/);
    assert.match(html, /<pre><code class="hljs language-yaml"><span class="hljs-attr">a:<\/span>/);
    assert.match(html, /<a href="https:\/\/kind.sigs.k8s.io" target="_blank" rel="noopener noreferrer">/);
  });

  it('is what the loader stores in Chapter.html', async () => {
    const { lab } = await loadLab(path.join(FIXTURES, 'good-containers'), tinyRegistry());
    const html = lab!.chapters[0]!.html;
    assert.match(html, /&lt;b&gt;raw html&lt;\/b&gt;/);
    assert.match(html, /data-terminal="beta"[^>]*>Run in beta</);
    assert.doesNotMatch(html, /touch \/tmp\/ready|test -f \/tmp\/ready/);
  });
});
