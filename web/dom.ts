/** A tiny element builder: strings become text nodes, never markup. */
export type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replace an element's content. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Milliseconds as a learner reads them: 840 ms, 3.2 s, 1 m 05 s. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Advice text from the server (a doctor's fix, a provisioning failure) as
 * nodes: `backticks` become code a learner can copy and http(s) URLs become
 * links. Built from text nodes only, so nothing in the text is markup.
 */
export function richText(text: string): Node[] {
  const out: Node[] = [];
  for (const [i, part] of text.split('`').entries()) {
    if (i % 2 === 1) {
      // The backticks stay in the text (copying the advice keeps them, and so does innerText) but not on screen.
      out.push(h('code', {}, h('span', { class: 'kl-tick' }, '`'), part, h('span', { class: 'kl-tick' }, '`')));
      continue;
    }
    let rest = part;
    for (let m = URL_PATTERN.exec(rest); m; m = URL_PATTERN.exec(rest)) {
      if (m.index) out.push(document.createTextNode(rest.slice(0, m.index)));
      out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer' }, m[0]));
      rest = rest.slice(m.index + m[0].length);
    }
    if (rest) out.push(document.createTextNode(rest));
  }
  return out;
}

/** An http(s) URL up to whitespace or a closing bracket; a trailing full stop or comma stays text. */
const URL_PATTERN = /https?:\/\/[^\s)<>"]+[^\s)<>".,;:]/;
