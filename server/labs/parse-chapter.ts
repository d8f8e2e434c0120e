/**
 * Parses one chapter's markdown into sections, steps and directives, with a
 * file:line on everything so an author can jump straight to a mistake.
 *
 * markdown-it's block tokens carry `map` (0-based [startLine, endLine)), which
 * is why the tokenizer, not a regex over lines, decides what is a heading and
 * what is a fenced block: a `## ` inside a code block is not a section.
 */
import type { Token } from 'markdown-it';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { AnswerMatch, AnswerSpec, Chapter, CheckMode, CheckSpec, HintSpec, LabProblem, RunSpec, ScriptSpec, SourcePos, Step } from '../../common/lab.js';
import { isHighlightLanguage, markdown } from './markdown.js';

export const DIRECTIVES = ['run', 'copy', 'check', 'solve', 'setup', 'hint', 'answer'] as const;
export type DirectiveName = (typeof DIRECTIVES)[number];

/** Directives that make a `##` section a step (and so cannot live outside one). */
const STEP_DIRECTIVES: ReadonlySet<DirectiveName> = new Set(['check', 'answer', 'solve', 'hint']);

const ATTRIBUTES: Record<DirectiveName, readonly string[]> = {
  run: ['terminal'],
  copy: [],
  check: ['target', 'timeout', 'mode', 'id', 'use'],
  solve: ['target', 'timeout'],
  setup: ['target', 'timeout'],
  hint: [],
  answer: ['prompt', 'match', 'min-length', 'id', 'target', 'timeout', 'use'],
};

/** A check is a quick look at state; 15 s covers a slow `kubectl` against a busy API server. */
export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;
/** Same budget as a check: an answer's script only reads state. */
export const DEFAULT_ANSWER_TIMEOUT_MS = 15_000;
/** Solves and setups change state (apply manifests, wait for pods), so they get a minute. */
export const DEFAULT_SOLVE_TIMEOUT_MS = 60_000;
export const DEFAULT_SETUP_TIMEOUT_MS = 60_000;
/** Anything longer than this is almost certainly a typo (`10m` for `10s`) and would hang a learner's step. */
export const MAX_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_ANSWER_PROMPT = 'Your answer:';

/** Ids end up in HTML ids, data attributes and URLs: keep them to a safe alphabet. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** How close a fence's info word may be to a directive name before it counts as a misspelling. */
const MISSPELLING_DISTANCE = 2;

export interface Directive {
  readonly name: DirectiveName;
  readonly attrs: ReadonlyMap<string, string>;
  readonly body: string;
  /** The line of the opening fence. */
  readonly pos: SourcePos;
  /** Index of the fence token in ParsedChapter.tokens. */
  readonly token: number;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly pos: SourcePos;
  /** Token range [start, end): start is the section's `heading_open`. */
  readonly start: number;
  readonly end: number;
  readonly directives: readonly Directive[];
  /** Present when the section holds a check, answer, solve or hint. */
  readonly step?: Step;
  /** Setups declared in this section when it is not a step (the loader files them under a step). */
  readonly looseSetups: readonly ScriptSpec[];
}

/** A chapter before rendering: common's Chapter without `html`, plus what the renderer needs. */
export interface ParsedChapter extends Omit<Chapter, 'html'> {
  /** markdown-it block tokens; fence tokens of directives carry `meta.directive`. */
  readonly tokens: readonly Token[];
  /** Tokens before the first `##` (title and introduction). */
  readonly preambleEnd: number;
  readonly preambleSetups: readonly ScriptSpec[];
  readonly sections: readonly Section[];
  /** Terminal a `run` without `terminal=` types into. */
  readonly defaultTerminal: string;
}

export interface ChapterContext {
  readonly id: string;
  /** The path problems are reported against. */
  readonly file: string;
  /** Target of a check/solve/setup/answer that names none: the first terminal's. */
  readonly defaultTarget: string;
  /** Terminal of a `run` that names none: the first terminal. */
  readonly defaultTerminal: string;
}

export interface InfoString {
  readonly name: string;
  readonly attrs: ReadonlyArray<{ readonly key: string; readonly value: string }>;
  readonly error?: string;
}

/** Split a fence info string into its first word and `key=value` / `key="quoted value"` attributes. */
export function parseInfo(info: string): InfoString {
  const s = info.trim();
  const nameMatch = /^\S+/.exec(s);
  const name = nameMatch ? nameMatch[0] : '';
  const attrs: Array<{ key: string; value: string }> = [];
  let i = name.length;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    const key = /^([A-Za-z][A-Za-z0-9_-]*)=/.exec(s.slice(i));
    if (!key) {
      const word = /^\S+/.exec(s.slice(i))?.[0] ?? '';
      return { name, attrs, error: `expected key=value, found "${word}"` };
    }
    i += key[0].length;
    let value = '';
    if (s[i] === '"') {
      i++;
      let closed = false;
      while (i < s.length) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) {
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return { name, attrs, error: `unterminated quoted value for ${key[1]}` };
      if (i < s.length && !/\s/.test(s[i]!)) return { name, attrs, error: `expected a space after the quoted value of ${key[1]}` };
    } else {
      const raw = /^[^\s"]*/.exec(s.slice(i))![0];
      value = raw;
      i += raw.length;
      if (i < s.length && s[i] === '"') return { name, attrs, error: `a quote inside the value of ${key[1]}; quote the whole value: ${key[1]}="…"` };
    }
    attrs.push({ key: key[1]!, value });
  }
  return { name, attrs };
}

/** `500ms`, `10s`, `2m` → milliseconds; undefined for anything else. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+)(ms|s|m)$/.exec(s.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
  return ms > 0 ? ms : undefined;
}

/** GitHub-like heading slug: lower case, letters and digits, single dashes. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

function isDirective(name: string): name is DirectiveName {
  return (DIRECTIVES as readonly string[]).includes(name);
}

/** Plain text of an inline token (what a heading says, without markup). */
function inlineText(token: Token): string {
  return (token.children ?? []).map((c) => (c.type === 'text' || c.type === 'code_inline' ? c.content : '')).join('');
}

const EXPLICIT_ID = /\s*\{#([^}]*)\}\s*$/;

/** Remove a trailing `{#id}` from a heading's inline token (content and rendered children). */
function stripExplicitId(inline: Token): string | undefined {
  const m = EXPLICIT_ID.exec(inline.content);
  if (!m) return undefined;
  inline.content = inline.content.slice(0, m.index);
  const children = inline.children ?? [];
  const last = children[children.length - 1];
  if (last && last.type === 'text') {
    last.content = last.content.replace(EXPLICIT_ID, '');
    if (last.content === '') children.pop();
  }
  return m[1]!.trim();
}

/** What goes between a directive's fences, for "add a ``` line after the …". */
function fenceBodyWord(name: string): string {
  if (name === 'run') return 'command';
  if (name === 'hint') return 'hint';
  if (name === 'copy') return 'text';
  return isDirective(name) ? 'script' : 'code';
}

/**
 * A fence whose closing line is missing. CommonMark never leaves a fence open:
 * markdown-it ends it at the end of the document (or of the list item or quote
 * it is in), or at the next bare fence line, which was meant to close the
 * following block. So a missing closing fence shows as a fence whose last line
 * is not a closing fence, or as a body holding another fence's opening line
 * (same character, at least as long, with an info string: it cannot be
 * content of a block that a bare fence of its own length would close).
 * Returns the message, or undefined when the fence is closed.
 */
function unclosedFence(t: Token, sourceLines: readonly string[]): string | undefined {
  const [start, end] = t.map ?? [0, 0];
  const name = parseInfo(t.info).name;
  const fix = `${t.markup}${name} opened here is never closed (add a ${t.markup} line after the ${fenceBodyWord(name)})`;
  const c = t.markup[0] === '~' ? '~' : '`';
  const n = t.markup.length;
  // The last line, after any quote markers and indentation, must be a run of at least n of the same character.
  if (end - start < 2 || !new RegExp(`^[\\s>]*\\${c}{${n},}\\s*$`).test(sourceLines[end - 1] ?? '')) return fix;
  // The whole run (not a prefix of it), then an info string; a backtick fence's info has no backtick.
  const opener = new RegExp(`^ {0,3}\\${c}{${n},}(?!\\${c})\\s*${c === '`' ? '[^`\\s][^`]*' : '\\S.*'}$`);
  const lines = t.content.split('\n');
  const inner = lines.findIndex((l) => opener.test(l));
  return inner < 0 ? undefined : `${fix}: it swallows line ${start + 2 + inner} (${lines[inner]!.trim()}) and runs on to line ${end}`;
}

export function parseChapter(source: string, ctx: ChapterContext): { chapter: ParsedChapter; problems: LabProblem[] } {
  const problems: LabProblem[] = [];
  const at = (line: number): SourcePos => ({ file: ctx.file, line });
  const error = (line: number, message: string): void => void problems.push({ file: ctx.file, line, message, severity: 'error' });
  const warn = (line: number, message: string): void => void problems.push({ file: ctx.file, line, message, severity: 'warning' });

  const tokens = markdown.parse(source, {});
  const sourceLines = source.split(/\r\n|\r|\n/);
  let title: string | undefined;

  // Pass 1: find top-level `##` sections and every directive fence.
  interface RawSection {
    id: string;
    title: string;
    line: number;
    start: number;
    directives: Directive[];
  }
  const raw: RawSection[] = [];
  const preamble: Directive[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'heading_open' && t.level === 0 && (t.tag === 'h1' || t.tag === 'h2')) {
      const inline = tokens[i + 1]!;
      const line = (t.map?.[0] ?? 0) + 1;
      const explicit = stripExplicitId(inline);
      const text = inlineText(inline).trim();
      if (t.tag === 'h1') {
        if (title === undefined && raw.length === 0) title = text;
        else warn(line, 'a chapter has one `# Title`; later `#` headings are shown as plain headings');
        continue;
      }
      let id = explicit ?? slugify(text);
      if (explicit !== undefined && !ID_PATTERN.test(explicit)) {
        error(line, `section id "{#${explicit}}" may only use letters, digits, "-" and "_", and must start with a letter or digit`);
        id = slugify(explicit);
      }
      if (id === '') id = `section-${raw.length + 1}`;
      raw.push({ id, title: text, line, start: i, directives: [] });
      continue;
    }
    if (t.type !== 'fence') continue;
    const line = (t.map?.[0] ?? 0) + 1;
    const unclosed = unclosedFence(t, sourceLines);
    if (unclosed !== undefined) error(line, unclosed);
    const info = parseInfo(t.info);
    if (!isDirective(info.name)) {
      const name = info.name.toLowerCase();
      if (name === '' || isHighlightLanguage(name)) continue;
      const near = DIRECTIVES.filter((d) => editDistance(name, d) <= MISSPELLING_DISTANCE);
      if (near.length > 0 || info.attrs.length > 0 || info.error !== undefined || name.includes('=')) {
        const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : '';
        error(line, `unknown directive "${info.name}"${hint} (directives: ${DIRECTIVES.join(', ')})`);
      }
      continue;
    }
    if (info.error !== undefined) error(line, `${info.name}: ${info.error}`);
    const attrs = new Map<string, string>();
    for (const { key, value } of info.attrs) {
      if (!ATTRIBUTES[info.name].includes(key)) {
        const allowed = ATTRIBUTES[info.name];
        error(line, `${info.name}: unknown attribute "${key}" (${allowed.length ? `allowed: ${allowed.join(', ')}` : 'it takes no attributes'})`);
        continue;
      }
      if (attrs.has(key)) error(line, `${info.name}: attribute "${key}" given twice`);
      attrs.set(key, value);
    }
    const directive: Directive = { name: info.name, attrs, body: t.content, pos: at(line), token: i };
    t.meta = { directive };
    (raw.length > 0 ? raw[raw.length - 1]!.directives : preamble).push(directive);
  }

  if (title === undefined) {
    warn(1, 'the chapter has no `# Title`; the file name is used instead');
    title = ctx.id;
  }

  // Pass 2: turn directives into specs.
  const timeout = (d: Directive, fallback: number): number => {
    const v = d.attrs.get('timeout');
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === undefined) {
      error(d.pos.line, `${d.name}: timeout "${v}" is not a duration like 500ms, 10s or 2m`);
      return fallback;
    }
    if (ms > MAX_TIMEOUT_MS) {
      error(d.pos.line, `${d.name}: timeout ${v} is longer than the ${MAX_TIMEOUT_MS / 60_000}m limit`);
      return MAX_TIMEOUT_MS;
    }
    return ms;
  };
  const target = (d: Directive): string => d.attrs.get('target') ?? ctx.defaultTarget;
  const requireBody = (d: Directive): boolean => {
    if (d.body.trim() !== '') return true;
    error(d.pos.line, `${d.name}: the block is empty`);
    return false;
  };
  /** YAML parameters of a built-in (`use=`): a mapping, or nothing. */
  const builtinParams = (d: Directive): Record<string, unknown> => {
    if (d.body.trim() === '') return {};
    try {
      const v: unknown = parseYaml(d.body);
      if (v === null || v === undefined) return {};
      if (typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
      error(d.pos.line + 1, `${d.name} use=${d.attrs.get('use')}: the parameters must be YAML "key: value" lines`);
    } catch (e) {
      const line = e instanceof YAMLParseError && e.linePos ? d.pos.line + e.linePos[0].line : d.pos.line + 1;
      error(line, `${d.name} use=${d.attrs.get('use')}: bad YAML parameters: ${(e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    return {};
  };
  const setupOf = (d: Directive): ScriptSpec | undefined =>
    requireBody(d) ? { target: target(d), script: d.body, timeoutMs: timeout(d, DEFAULT_SETUP_TIMEOUT_MS), pos: d.pos } : undefined;

  for (const d of preamble) {
    if (STEP_DIRECTIVES.has(d.name)) error(d.pos.line, `${d.name} must be inside a "## " section (a step); this one comes before the first section`);
  }
  const preambleSetups = preamble.filter((d) => d.name === 'setup').map(setupOf).filter((s): s is ScriptSpec => s !== undefined);
  for (const d of preamble) if (d.name === 'copy' || d.name === 'run') requireBody(d);

  const sections: Section[] = [];
  const steps: Step[] = [];
  for (let s = 0; s < raw.length; s++) {
    const r = raw[s]!;
    const end = s + 1 < raw.length ? raw[s + 1]!.start : tokens.length;
    const isStep = r.directives.some((d) => STEP_DIRECTIVES.has(d.name));
    const checks: CheckSpec[] = [];
    const answers: AnswerSpec[] = [];
    const solves: ScriptSpec[] = [];
    const setups: ScriptSpec[] = [];
    const hints: HintSpec[] = [];
    const runs: RunSpec[] = [];
    const ids = new Set<string>();
    const claimId = (d: Directive, prefix: string, n: number): string => {
      const explicit = d.attrs.get('id');
      let id = explicit ?? `${prefix}-${n}`;
      if (explicit !== undefined && !ID_PATTERN.test(explicit)) {
        error(d.pos.line, `${d.name}: id "${explicit}" may only use letters, digits, "-" and "_"`);
        id = `${prefix}-${n}`;
      }
      if (ids.has(id)) error(d.pos.line, `${d.name}: id "${id}" is used twice in step "${r.id}"`);
      ids.add(id);
      return id;
    };
    for (const d of r.directives) {
      switch (d.name) {
        case 'run':
          if (requireBody(d)) runs.push({ id: `run-${runs.length + 1}`, terminal: d.attrs.get('terminal') ?? ctx.defaultTerminal, command: d.body.replace(/\n+$/, ''), pos: d.pos });
          break;
        case 'copy':
          requireBody(d);
          break;
        case 'hint':
          if (requireBody(d)) hints.push({ text: d.body, pos: d.pos });
          break;
        case 'solve':
          if (requireBody(d)) solves.push({ target: target(d), script: d.body, timeoutMs: timeout(d, DEFAULT_SOLVE_TIMEOUT_MS), pos: d.pos });
          break;
        case 'setup': {
          const setup = setupOf(d);
          if (setup) setups.push(setup);
          break;
        }
        case 'check': {
          const id = claimId(d, 'check', checks.length + 1);
          const mode = d.attrs.get('mode') ?? 'click';
          if (mode !== 'click' && mode !== 'watch') error(d.pos.line, `check: mode "${mode}" must be click or watch`);
          const base = { id, target: target(d), timeoutMs: timeout(d, DEFAULT_CHECK_TIMEOUT_MS), mode: (mode === 'watch' ? 'watch' : 'click') as CheckMode, pos: d.pos };
          const use = d.attrs.get('use');
          if (use !== undefined) checks.push({ ...base, kind: 'builtin', use, params: builtinParams(d) });
          else if (requireBody(d)) checks.push({ ...base, kind: 'shell', script: d.body });
          break;
        }
        case 'answer': {
          const id = claimId(d, 'answer', answers.length + 1);
          const match = d.attrs.get('match') ?? 'exact';
          if (match !== 'exact' && match !== 'prefix' && match !== 'ignore-case') error(d.pos.line, `answer: match "${match}" must be exact, prefix or ignore-case`);
          let minLength = 1;
          const ml = d.attrs.get('min-length');
          if (ml !== undefined) {
            if (/^[1-9]\d{0,3}$/.test(ml)) minLength = Number(ml);
            else error(d.pos.line, `answer: min-length "${ml}" must be a whole number from 1 to 9999`);
          } else if (match === 'prefix') {
            warn(d.pos.line, 'answer: match=prefix without min-length accepts a single matching character; set min-length');
          }
          const prompt = d.attrs.get('prompt') ?? DEFAULT_ANSWER_PROMPT;
          if (prompt.trim() === '') error(d.pos.line, 'answer: prompt is empty');
          const use = d.attrs.get('use');
          const source: AnswerSpec['source'] | undefined =
            use !== undefined ? { kind: 'builtin', use, params: builtinParams(d) } : requireBody(d) ? { kind: 'shell', script: d.body } : undefined;
          if (source) {
            answers.push({ id, prompt, target: target(d), timeoutMs: timeout(d, DEFAULT_ANSWER_TIMEOUT_MS), match: match as AnswerMatch, minLength, source, pos: d.pos });
          }
          break;
        }
      }
    }
    let step: Step | undefined;
    if (isStep) {
      if (!r.directives.some((d) => d.name === 'check' || d.name === 'answer')) {
        error(r.line, `step "${r.id}" has ${r.directives.filter((d) => STEP_DIRECTIVES.has(d.name)).map((d) => d.name).join('/')} but no check or answer, so it can never pass`);
      }
      if (!r.directives.some((d) => d.name === 'solve')) warn(r.line, `step "${r.id}" has no solve block, so \`kindlab test\` cannot prove its check passes`);
      step = { id: r.id, title: r.title, chapter: ctx.id, checks, answers, solves, setups, hints, runs, pos: at(r.line) };
      steps.push(step);
    }
    sections.push({ id: r.id, title: r.title, pos: at(r.line), start: r.start, end, directives: r.directives, ...(step ? { step } : {}), looseSetups: step ? [] : setups });
  }

  return {
    chapter: { id: ctx.id, title, file: ctx.file, tokens, preambleEnd: raw.length > 0 ? raw[0]!.start : tokens.length, preambleSetups, sections, steps, defaultTerminal: ctx.defaultTerminal },
    problems,
  };
}
