/**
 * The lab format, as the loader hands it to the rest of kindlab once it has
 * been validated. Everything here is plain data: the server renders it, the
 * check runner executes it, the browser shows it.
 */

/** Where a lab runs. See docs/authoring.md for the YAML that produces these. */
export type EnvironmentSpec = LocalEnvironmentSpec | ContainersEnvironmentSpec | KindEnvironmentSpec;

export interface LocalEnvironmentSpec {
  readonly type: 'local';
}

export interface MachineSpec {
  /** The name checks, solves and terminals use as their `target`. */
  readonly name: string;
  /** A Docker image tag; must exist locally (built or loaded by `kindlab prepare`). */
  readonly image: string;
  /** The command the container keeps running; defaults to `sleep infinity`. */
  readonly command?: readonly string[];
  /** Docker-in-Docker machines get the capabilities an inner dockerd needs. */
  readonly dind?: boolean;
  /** Host images to load into a dind machine's inner engine (`docker save | docker load`). */
  readonly loadImages?: readonly string[];
  /** Where the lab's files are copied inside the machine; defaults to /root/lab. */
  readonly workdir?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ContainersEnvironmentSpec {
  readonly type: 'containers';
  readonly machines: readonly MachineSpec[];
}

export interface KindEnvironmentSpec {
  readonly type: 'kind';
  /** Pinned node image, e.g. `kindest/node:v1.34.0@sha256:…`. */
  readonly nodeImage: string;
  /** Number of worker nodes (default 2). */
  readonly workers: number;
  /** Images the lab's manifests use; `kindlab prepare` pulls them and loads them into the nodes. */
  readonly images: readonly string[];
  /** Extra kubeadmConfigPatches (YAML documents) for the cluster config, e.g. failCgroupV1: false. */
  readonly kubeadmConfigPatches: readonly string[];
}

export interface TerminalSpec {
  /** Name used by `run` directives and the tab label. */
  readonly name: string;
  /** The machine the shell runs in (`local`, a machine name, or a kind node's display name). */
  readonly target: string;
  readonly title?: string;
}

/** A position in a source file, 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
}

export type CheckMode = 'click' | 'watch';

/** A check as declared in a chapter. */
export type CheckSpec = ShellCheckSpec | BuiltinCheckSpec;

interface CheckBase {
  /** Unique within the step. */
  readonly id: string;
  readonly target: string;
  readonly timeoutMs: number;
  readonly mode: CheckMode;
  readonly pos: SourcePos;
}

export interface ShellCheckSpec extends CheckBase {
  readonly kind: 'shell';
  readonly script: string;
}

export interface BuiltinCheckSpec extends CheckBase {
  readonly kind: 'builtin';
  /** Name of the built-in, e.g. `pod-phase`. */
  readonly use: string;
  /** Parameters from the block's YAML body, validated by the built-in's own schema. */
  readonly params: Readonly<Record<string, unknown>>;
}

export type AnswerMatch = 'exact' | 'prefix' | 'ignore-case';

export interface AnswerSpec {
  readonly id: string;
  readonly prompt: string;
  readonly target: string;
  readonly timeoutMs: number;
  readonly match: AnswerMatch;
  /** Minimum number of characters accepted with `match: prefix` (e.g. 12 for a truncated container id). */
  readonly minLength: number;
  /** Shell script whose trimmed stdout is the expected value; or a built-in probe. */
  readonly source: { readonly kind: 'shell'; readonly script: string } | { readonly kind: 'builtin'; readonly use: string; readonly params: Readonly<Record<string, unknown>> };
  readonly pos: SourcePos;
}

export interface ScriptSpec {
  readonly target: string;
  readonly script: string;
  readonly timeoutMs: number;
  readonly pos: SourcePos;
}

export interface RunSpec {
  readonly id: string;
  readonly terminal: string;
  readonly command: string;
  readonly pos: SourcePos;
}

export interface HintSpec {
  /** Markdown. */
  readonly text: string;
  readonly pos: SourcePos;
}

export interface Step {
  /** Unique within the lab (slug of the heading, or `{#id}` after it). */
  readonly id: string;
  readonly title: string;
  readonly chapter: string;
  readonly checks: readonly CheckSpec[];
  readonly answers: readonly AnswerSpec[];
  readonly solves: readonly ScriptSpec[];
  readonly setups: readonly ScriptSpec[];
  readonly hints: readonly HintSpec[];
  readonly runs: readonly RunSpec[];
  readonly pos: SourcePos;
}

export interface Chapter {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly steps: readonly Step[];
  /** The chapter rendered to HTML, directives as UI elements (see server/labs/render.ts). */
  readonly html: string;
}

export interface Lab {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly dir: string;
  readonly environment: EnvironmentSpec;
  readonly terminals: readonly TerminalSpec[];
  readonly chapters: readonly Chapter[];
  /** Folder of files copied into the learner's working directory (may not exist). */
  readonly filesDir: string;
}

/** A problem found while loading or validating a lab. */
export interface LabProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** What the catalogue shows: a loaded lab, or a broken one with its problems. */
export type CatalogueEntry =
  | { readonly id: string; readonly ok: true; readonly title: string; readonly summary: string; readonly environment: EnvironmentSpec['type']; readonly steps: number }
  | { readonly id: string; readonly ok: false; readonly title: string; readonly problems: readonly LabProblem[] };

export function allSteps(lab: Lab): Step[] {
  return lab.chapters.flatMap((c) => [...c.steps]);
}
