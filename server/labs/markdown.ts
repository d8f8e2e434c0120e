/**
 * The one markdown-it instance kindlab uses for chapters: the parser
 * (parse-chapter.ts) and the renderer (render.ts) must agree on tokens, so
 * they share it. Raw HTML is off so an author's (or a copied snippet's) markup
 * can never reach the page unescaped.
 */
import MarkdownIt from 'markdown-it';
import hljs from 'highlight.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Highlighted `<pre><code>` for a known language, or '' to let markdown-it escape it plainly. */
export function highlightCode(code: string, lang: string): string {
  if (lang && hljs.getLanguage(lang)) {
    const html = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    return `<pre><code class="hljs language-${escapeHtml(lang)}">${html}</code></pre>\n`;
  }
  return '';
}

export function isHighlightLanguage(name: string): boolean {
  return hljs.getLanguage(name) !== undefined;
}

function createMarkdown() {
  const md = new MarkdownIt({ html: false, linkify: true, highlight: highlightCode });
  // An external link must not replace the lab page: the learner's terminals live there.
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    const token = tokens[idx]!;
    if (/^https?:\/\//i.test(String(token.attrGet('href') ?? ''))) {
      token.attrSet('target', '_blank');
      token.attrSet('rel', 'noopener noreferrer');
    }
    return self.renderToken(tokens, idx, options);
  };
  return md;
}

export const markdown = createMarkdown();
