/**
 * Loads labs from disk: lab.yaml through its schema, every chapter through the
 * parser, then the cross-checks no single file can see (duplicate step ids
 * across chapters, terminals and targets the environment does not have,
 * built-ins and their parameters). Every mistake becomes a LabProblem with
 * file:line; a broken lab never stops the others from loading.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogueEntry, Chapter, EnvironmentSpec, Lab, LabProblem, ScriptSpec, Step, TerminalSpec } from '../../common/lab.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import { parseChapter, type ParsedChapter } from './parse-chapter.js';
import { renderChapter } from './render.js';
import { describeIssue } from '../yaml/describe-issue.js';
import { parseLabYaml, type LabYaml } from './schema.js';

export const LAB_FILE = 'lab.yaml';
/** A lab id is a URL path segment and part of Docker object names. */
const LAB_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

export interface LoadResult {
  /** Present only when there are no errors (warnings are allowed). */
  readonly lab?: Lab;
  readonly problems: LabProblem[];
}

export function hasErrors(problems: readonly LabProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

function toEnvironment(env: LabYaml['environment']): EnvironmentSpec {
  switch (env.type) {
    case 'local':
      return { type: 'local' };
    case 'containers':
      return { type: 'containers', machines: env.machines };
    case 'kind':
      return { type: 'kind', nodeImage: env.nodeImage, workers: env.workers, images: env.images, kubeadmConfigPatches: env.kubeadmConfigPatches };
  }
}

/** What `target=` may name in this environment. */
export function environmentTargets(env: EnvironmentSpec): string[] {
  switch (env.type) {
    case 'local':
      return ['local'];
    case 'containers':
      return env.machines.map((m) => m.name);
    case 'kind':
      return ['controlplane', ...Array.from({ length: env.workers }, (_, i) => (i === 0 ? 'worker' : `worker${i + 1}`))];
  }
}

export function defaultTerminals(env: EnvironmentSpec): TerminalSpec[] {
  switch (env.type) {
    case 'local':
      return [{ name: 'shell', target: 'local', title: 'Shell' }];
    case 'containers':
      return env.machines.map((m) => ({ name: m.name, target: m.name }));
    case 'kind':
      return environmentTargets(env).map((t) => ({ name: t, target: t }));
  }
}

async function exists(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Chapter files: as listed in lab.yaml (with each entry's line), or chapters/*.md in name order. */
async function chapterFiles(dir: string, yaml: LabYaml, lineOf: (p: readonly PropertyKey[]) => number, yamlFile: string, problems: LabProblem[]): Promise<string[]> {
  if (yaml.chapters) {
    const files: string[] = [];
    for (const [i, rel] of yaml.chapters.entries()) {
      const abs = path.resolve(dir, rel);
      const line = lineOf(['chapters', i]);
      if (path.relative(dir, abs).startsWith('..') || path.isAbsolute(rel)) {
        problems.push({ file: yamlFile, line, message: `chapters[${i}]: "${rel}" is outside the lab folder`, severity: 'error' });
      } else if ((await exists(abs)) !== 'file') {
        problems.push({ file: yamlFile, line, message: `chapters[${i}]: chapter file "${rel}" does not exist`, severity: 'error' });
      } else if (files.includes(abs)) {
        problems.push({ file: yamlFile, line, message: `chapters[${i}]: "${rel}" is listed twice`, severity: 'error' });
      } else files.push(abs);
    }
    return files;
  }
  const chaptersDir = path.join(dir, 'chapters');
  const names = (await exists(chaptersDir)) === 'dir' ? (await readdir(chaptersDir)).filter((n) => n.endsWith('.md')).sort() : [];
  if (names.length === 0) problems.push({ file: yamlFile, line: 1, message: 'the lab has no chapters: add chapters/*.md or list them under "chapters:"', severity: 'error' });
  return names.map((n) => path.join(chaptersDir, n));
}

/** lab.yaml first, then chapters in order, each by line: the order an author fixes them in. */
function sortProblems(problems: LabProblem[], fileOrder: readonly string[]): void {
  const rank = (f: string): number => {
    const i = fileOrder.indexOf(f);
    return i < 0 ? fileOrder.length : i;
  };
  problems.sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}

export async function loadLab(dir: string, registry: BuiltinRegistry): Promise<LoadResult> {
  const labDir = path.resolve(dir);
  const id = path.basename(labDir);
  const yamlFile = path.join(labDir, LAB_FILE);
  const problems: LabProblem[] = [];
  const error = (file: string, line: number, message: string): void => void problems.push({ file, line, message, severity: 'error' });

  if (!LAB_ID_PATTERN.test(id)) error(yamlFile, 1, `the lab folder name "${id}" is its id: use lower-case letters, digits, ".", "_" and "-"`);
  let text: string;
  try {
    text = await readFile(yamlFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const folder = await exists(labDir);
    if (!folder) error(labDir, 1, `there is no folder ${labDir} (give a lab's folder, or the id of a lab under ./labs)`);
    else if (folder === 'file') error(labDir, 1, `${labDir} is a file, not a lab folder`);
    else if (code === 'EISDIR') error(yamlFile, 1, `${LAB_FILE} is a folder; it must be the lab’s YAML file`);
    else error(yamlFile, 1, `${LAB_FILE} is missing: every lab folder needs one`);
    return { problems };
  }
  const parsed = parseLabYaml(text, yamlFile);
  problems.push(...parsed.problems);
  const yaml = parsed.value;
  if (!yaml) return { problems };

  const environment = toEnvironment(yaml.environment);
  const targets = environmentTargets(environment);
  const targetList = targets.join(', ');
  if (environment.type === 'containers') {
    const seen = new Set<string>();
    environment.machines.forEach((m, i) => {
      if (seen.has(m.name)) error(yamlFile, parsed.lineOf(['environment', 'machines', i, 'name']), `environment.machines[${i}].name: "${m.name}" is used twice`);
      seen.add(m.name);
    });
  }
  const terminals = yaml.terminals ?? defaultTerminals(environment);
  const terminalNames = new Set<string>();
  (yaml.terminals ?? []).forEach((t, i) => {
    if (terminalNames.has(t.name)) error(yamlFile, parsed.lineOf(['terminals', i, 'name']), `terminals[${i}].name: "${t.name}" is used twice`);
    terminalNames.add(t.name);
    if (!targets.includes(t.target)) error(yamlFile, parsed.lineOf(['terminals', i, 'target']), `terminals[${i}].target: "${t.target}" is not a target of this ${environment.type} environment (targets: ${targetList})`);
  });
  for (const t of terminals) terminalNames.add(t.name);
  const first = terminals[0]!;

  const files = await chapterFiles(labDir, yaml, parsed.lineOf, yamlFile, problems);
  const parsedChapters: ParsedChapter[] = [];
  const chapterIds = new Set<string>();
  for (const file of files) {
    const chapterId = path.basename(file, '.md');
    if (chapterIds.has(chapterId)) error(file, 1, `two chapters are named "${chapterId}"; chapter file names must differ`);
    chapterIds.add(chapterId);
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (e) {
      error(file, 1, `cannot read the chapter: ${(e as Error).message}`);
      continue;
    }
    const { chapter, problems: chapterProblems } = parseChapter(source, { id: chapterId, file, defaultTarget: first.target, defaultTerminal: first.name });
    problems.push(...chapterProblems);
    parsedChapters.push(chapter);
  }

  // Cross-checks over all chapters.
  const stepIds = new Map<string, Step>();
  const checkTarget = (file: string, line: number, what: string, target: string): void => {
    if (!targets.includes(target)) error(file, line, `${what}: target "${target}" is not in this ${environment.type} environment (targets: ${targetList})`);
  };
  for (const ch of parsedChapters) {
    for (const section of ch.sections) {
      for (const d of section.directives) {
        if (d.name === 'run') {
          const t = d.attrs.get('terminal') ?? first.name;
          if (!terminalNames.has(t)) error(ch.file, d.pos.line, `run: terminal "${t}" is not declared (terminals: ${[...terminalNames].join(', ')})`);
        }
      }
      for (const s of section.looseSetups) checkTarget(ch.file, s.pos.line, 'setup', s.target);
      const step = section.step;
      if (!step) continue;
      const dup = stepIds.get(step.id);
      if (dup) error(ch.file, step.pos.line, `step id "${step.id}" is already used at ${path.relative(labDir, dup.pos.file)}:${dup.pos.line}; give one of them an explicit {#id}`);
      else stepIds.set(step.id, step);
      for (const c of step.checks) {
        checkTarget(ch.file, c.pos.line, 'check', c.target);
        if (c.kind !== 'builtin') continue;
        const builtin = registry.check(c.use);
        if (!builtin) {
          error(ch.file, c.pos.line, `check: unknown built-in "${c.use}" (known checks: ${registry.checkNames().join(', ') || 'none'})`);
          continue;
        }
        const r = builtin.params.safeParse(c.params);
        if (!r.success) for (const issue of r.error.issues) error(ch.file, c.pos.line + 1, `check use=${c.use}: ${describeIssue(issue)}`);
      }
      for (const a of step.answers) {
        checkTarget(ch.file, a.pos.line, 'answer', a.target);
        if (a.source.kind !== 'builtin') continue;
        const probe = registry.probe(a.source.use);
        if (!probe) {
          error(ch.file, a.pos.line, `answer: unknown built-in probe "${a.source.use}" (known probes: ${registry.probeNames().join(', ') || 'none'})`);
          continue;
        }
        const r = probe.params.safeParse(a.source.params);
        if (!r.success) for (const issue of r.error.issues) error(ch.file, a.pos.line + 1, `answer use=${a.source.use}: ${describeIssue(issue)}`);
      }
      for (const s of [...step.solves, ...step.setups]) checkTarget(ch.file, s.pos.line, 'solve/setup', s.target);
    }
    for (const s of ch.preambleSetups) checkTarget(ch.file, s.pos.line, 'setup', s.target);
  }

  // Setups outside a step are filed under the next step (document order is what the runner keeps).
  const allStepCount = parsedChapters.reduce((n, c) => n + c.steps.length, 0);
  if (allStepCount === 0 && !hasErrors(problems)) error(yamlFile, 1, 'the lab has no steps: a step is a "## " section with a check or answer block');

  sortProblems(problems, [yamlFile, ...files]);
  if (hasErrors(problems)) return { problems };

  let pending: ScriptSpec[] = [];
  const chapters: Chapter[] = [];
  for (const ch of parsedChapters) {
    pending.push(...ch.preambleSetups);
    const steps: Step[] = [];
    for (const section of ch.sections) {
      if (!section.step) {
        pending.push(...section.looseSetups);
        continue;
      }
      steps.push(pending.length > 0 ? { ...section.step, setups: [...pending, ...section.step.setups] } : section.step);
      pending = [];
    }
    chapters.push({ id: ch.id, title: ch.title, file: ch.file, steps, html: renderChapter(ch) });
  }
  if (pending.length > 0) {
    // Trailing setups (after the last step) still run, so keep them with the last step.
    let i = chapters.length - 1;
    while (chapters[i]!.steps.length === 0) i--;
    const last = chapters[i]!;
    const steps = [...last.steps];
    const lastStep = steps[steps.length - 1]!;
    steps[steps.length - 1] = { ...lastStep, setups: [...lastStep.setups, ...pending] };
    chapters[i] = { ...last, steps };
  }

  const lab: Lab = { id, title: yaml.title, summary: yaml.summary, dir: labDir, environment, terminals, chapters, filesDir: path.join(labDir, 'files') };
  return { lab, problems };
}

/** Folders under `labsDir` that are labs (hidden folders are skipped). */
export async function labDirs(labsDir: string): Promise<string[]> {
  const entries = await readdir(labsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => path.join(labsDir, e.name))
    .sort();
}

export async function loadCatalogue(labsDir: string, registry: BuiltinRegistry): Promise<{ labs: Map<string, Lab>; entries: CatalogueEntry[] }> {
  const labs = new Map<string, Lab>();
  const entries: CatalogueEntry[] = [];
  for (const dir of await labDirs(labsDir)) {
    const id = path.basename(dir);
    let result: LoadResult;
    try {
      result = await loadLab(dir, registry);
    } catch (e) {
      // A fault reading one lab (permissions, a vanished folder) must not hide the others.
      result = { problems: [{ file: path.join(dir, LAB_FILE), line: 1, message: `could not load the lab: ${(e as Error).message}`, severity: 'error' }] };
    }
    if (result.lab) {
      const lab = result.lab;
      labs.set(id, lab);
      entries.push({ id, ok: true, title: lab.title, summary: lab.summary, environment: lab.environment.type, steps: lab.chapters.reduce((n, c) => n + c.steps.length, 0) });
    } else {
      entries.push({ id, ok: false, title: await brokenTitle(dir), problems: result.problems });
    }
  }
  return { labs, entries };
}

/** The title of a broken lab, if its lab.yaml gets that far; else its folder name. */
async function brokenTitle(dir: string): Promise<string> {
  try {
    return parseLabYaml(await readFile(path.join(dir, LAB_FILE), 'utf8'), LAB_FILE).title ?? path.basename(dir);
  } catch {
    return path.basename(dir);
  }
}
