/**
 * The schema of lab.yaml, and a parser that keeps every key's line so a schema
 * error points at the offending key (`lab.yaml:7: environment.workers: …`)
 * rather than at the file as a whole.
 */
import { z } from 'zod';
import { describeIssue, formatPath, issuesAtLines } from '../yaml/describe-issue.js';
import { parseYamlWithLines } from '../yaml/yaml-with-lines.js';
import type { LabProblem } from '../../common/lab.js';

/** Names become Docker container names, terminal tabs and `target=` values. */
const NAME = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and "-", starting with a letter or digit');
/** kind clusters beyond a control plane and a handful of workers do not fit on a learner's laptop. */
export const MAX_KIND_WORKERS = 10;

const machineSchema = z.strictObject({
  name: NAME,
  image: z.string().min(1),
  command: z.array(z.string()).min(1).optional(),
  dind: z.boolean().optional(),
  loadImages: z.array(z.string().min(1)).optional(),
  workdir: z.string().regex(/^\//, 'must be an absolute path').optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a shell variable name'), z.string()).optional(),
});

const environmentSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('local') }),
  z.strictObject({ type: z.literal('containers'), machines: z.array(machineSchema).min(1) }),
  z.strictObject({
    type: z.literal('kind'),
    nodeImage: z.string().min(1),
    workers: z.number().int().min(0).max(MAX_KIND_WORKERS).default(2),
    images: z.array(z.string().min(1)).default([]),
    kubeadmConfigPatches: z.array(z.string().min(1)).default([]),
  }),
]);

export const labYamlSchema = z.strictObject({
  title: z.string().trim().min(1),
  summary: z.string().trim().min(1),
  environment: environmentSchema,
  terminals: z
    .array(z.strictObject({ name: NAME, target: z.string().min(1), title: z.string().min(1).optional() }))
    .min(1)
    .optional(),
  chapters: z.array(z.string().min(1)).min(1).optional(),
});

export type LabYaml = z.infer<typeof labYamlSchema>;

export interface ParsedLabYaml {
  /** Present when the YAML parsed and matched the schema. */
  readonly value?: LabYaml;
  /** `title` when it is at least a string, so a broken lab still has a name in the catalogue. */
  readonly title?: string;
  readonly problems: LabProblem[];
  /** Line of the key (or list item) at `path`, or of its nearest ancestor present in the file. */
  lineOf(path: readonly PropertyKey[]): number;
}

export function parseLabYaml(text: string, file: string): ParsedLabYaml {
  const { doc, lineOf } = parseYamlWithLines(text);

  const problems: LabProblem[] = [];
  for (const e of doc.errors) {
    problems.push({ file, line: e.linePos?.[0].line ?? 1, message: `bad YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, severity: 'error' });
  }
  if (problems.length > 0) return { problems, lineOf };

  const data: unknown = doc.toJS();
  const title = data && typeof data === 'object' && typeof (data as { title?: unknown }).title === 'string' ? (data as { title: string }).title : undefined;
  const result = labYamlSchema.safeParse(data ?? {});
  if (!result.success) {
    for (const { line, issue } of issuesAtLines(result.error.issues, lineOf)) {
      const message = issue.code === 'unrecognized_keys' ? `${formatPath([...issue.path, ...issue.keys])}: unknown field` : describeIssue(issue);
      problems.push({ file, line, message, severity: 'error' });
    }
    return { ...(title !== undefined ? { title } : {}), problems, lineOf };
  }
  return { value: result.data, title: result.data.title, problems, lineOf };
}
