/**
 * Renders a parsed chapter to the HTML contract web/ gives behaviour to
 * (see docs/architecture.md and the lab format in docs/authoring.md):
 * steps become `<section class="kl-step">` with their action bar, `run`,
 * `copy` and `answer` blocks become UI elements, and check/solve/setup bodies
 * never reach the page: they are the answer key.
 */
import type { Token } from 'markdown-it';
import type { Step } from '../../common/lab.js';
import { MAX_ANSWER_LENGTH } from '../../common/protocol.js';
import { escapeHtml, highlightCode, markdown } from './markdown.js';
import type { Directive, ParsedChapter } from './parse-chapter.js';

const esc = escapeHtml;

function directiveOf(token: Token): Directive | undefined {
  const meta = token.meta as { directive?: Directive } | null;
  return meta?.directive;
}

function renderRun(command: string, terminal: string): string {
  const code = highlightCode(command, 'bash').trimEnd();
  return `<div class="kl-run">${code}<button type="button" class="kl-run-button" data-terminal="${esc(terminal)}" data-command="${esc(command)}">Run in ${esc(terminal)}</button></div>\n`;
}

function renderCopy(text: string): string {
  return `<div class="kl-copy"><pre><code>${esc(text)}</code></pre><button type="button" class="kl-copy-button" data-text="${esc(text)}">Copy</button></div>\n`;
}

function renderDirective(d: Directive, chapter: ParsedChapter, step: Step | undefined): string {
  switch (d.name) {
    case 'run':
      return renderRun(d.body.replace(/\n+$/, ''), d.attrs.get('terminal') ?? chapter.defaultTerminal);
    case 'copy':
      return renderCopy(d.body.replace(/\n+$/, ''));
    case 'answer': {
      const answer = step?.answers.find((a) => a.pos.line === d.pos.line);
      if (!answer || !step) return '';
      return (
        `<form class="kl-answer" data-step="${esc(step.id)}" data-answer="${esc(answer.id)}">` +
        `<label>${esc(answer.prompt)} <input name="value" autocomplete="off" maxlength="${MAX_ANSWER_LENGTH}"></label>` +
        `<button type="submit">Submit</button><div class="kl-answer-result" aria-live="polite"></div></form>\n`
      );
    }
    // check, solve and setup are the answer key; hints are collected into the step's action bar.
    case 'check':
    case 'solve':
    case 'setup':
    case 'hint':
      return '';
  }
}

/** Render a token range, swapping directive fences for their UI (and dropping hidden ones). */
function renderRange(chapter: ParsedChapter, start: number, end: number, step: Step | undefined): string {
  let out = '';
  let from = start;
  const flush = (to: number): void => {
    if (to > from) out += markdown.renderer.render(chapter.tokens.slice(from, to) as Token[], markdown.options, {});
  };
  for (let i = start; i < end; i++) {
    const d = directiveOf(chapter.tokens[i]!);
    if (!d) continue;
    flush(i);
    out += renderDirective(d, chapter, step);
    from = i + 1;
  }
  flush(end);
  return out;
}

function renderActions(step: Step): string {
  const id = esc(step.id);
  let out = `<div class="kl-step-actions" data-step="${id}">`;
  if (step.checks.length > 0) out += `<button type="button" class="kl-check-button" data-step="${id}">Check</button>`;
  if (step.checks.some((c) => c.mode === 'watch')) out += `<span class="kl-watch" data-step="${id}">watching…</span>`;
  if (step.solves.length > 0) out += `<button type="button" class="kl-solve-button" data-step="${id}">Solve it for me</button>`;
  out += `<div class="kl-results" data-step="${id}" aria-live="polite"></div>`;
  out += `<div class="kl-hints" data-step="${id}" hidden>`;
  for (const h of step.hints) out += `<div class="kl-hint">${markdown.render(h.text)}</div>`;
  out += '</div></div>\n';
  return out;
}

export function renderChapter(chapter: ParsedChapter): string {
  let out = `<article class="kl-chapter" data-chapter="${esc(chapter.id)}">\n`;
  out += renderRange(chapter, 0, chapter.preambleEnd, undefined);
  for (const s of chapter.sections) {
    // A section starts with heading_open, inline, heading_close.
    const heading = markdown.renderer.renderInline(chapter.tokens[s.start + 1]!.children ?? [], markdown.options, {});
    if (s.step) {
      const id = esc(s.step.id);
      out += `<section class="kl-step" id="step-${id}" data-step="${id}">\n`;
      out += `<h2>${heading} <span class="kl-step-status" data-step="${id}"></span></h2>\n`;
      out += renderRange(chapter, s.start + 3, s.end, s.step);
      out += renderActions(s.step);
    } else {
      out += `<section class="kl-section" id="${esc(s.id)}">\n<h2>${heading}</h2>\n`;
      out += renderRange(chapter, s.start + 3, s.end, undefined);
    }
    out += '</section>\n';
  }
  return `${out}</article>\n`;
}
