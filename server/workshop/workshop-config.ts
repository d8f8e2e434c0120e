/**
 * `workshop.yaml`: the event's settings, validated once at the edge. Errors
 * name the file and line, like lab.yaml's.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssue, issuesAtLines } from '../yaml/describe-issue.js';
import { parseYamlWithLines } from '../yaml/yaml-with-lines.js';
import { parseDuration } from './duration.js';

const duration = (what: string) =>
  z
    .string({ error: `${what} must be a duration such as 30m or 4h` })
    .refine((s) => parseDuration(s) !== undefined, { message: `${what} must be a duration such as 90s, 30m or 4h` })
    .transform((s) => parseDuration(s)!);

/** Event codes are typed by people: letters, digits and dashes, compared case-insensitively. */
const CODE = /^[A-Za-z0-9][A-Za-z0-9-]{2,31}$/;
const LAB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const workshopConfigSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    code: z.string().regex(CODE, 'code must be 3–32 letters, digits or dashes').optional(),
    labs: z.array(z.string().regex(LAB_ID, 'a lab id is a lab folder name')).min(1, 'name at least one lab'),
    capacity: z.number().int().min(1).max(1000),
    sessionTtl: duration('sessionTtl').default(4 * 3_600_000),
    idleTimeout: duration('idleTimeout').default(30 * 60_000),
    prewarm: z
      .object({ initial: z.number().int().min(0).max(1000).default(0), reserved: z.number().int().min(0).max(1000).default(0) })
      .strict()
      .default({ initial: 0, reserved: 0 }),
    stuck: z
      .object({ failedChecks: z.number().int().min(1).default(3), minutes: z.number().positive().default(10) })
      .strict()
      .default({ failedChecks: 3, minutes: 10 }),
  })
  .strict();

export type WorkshopConfig = z.output<typeof workshopConfigSchema>;

export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export type ConfigResult = { readonly ok: true; readonly config: WorkshopConfig } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Parse a workshop.yaml text; problems carry file:line. */
export function parseWorkshopConfig(text: string, file: string): ConfigResult {
  const { doc, lineOf } = parseYamlWithLines(text);
  if (doc.errors.length) {
    return { ok: false, problems: doc.errors.map((e) => ({ file, line: e.linePos?.[0].line ?? 1, message: `bad YAML: ${e.message.split('\n')[0]}` })) };
  }
  const r = workshopConfigSchema.safeParse(doc.toJS() ?? {});
  if (r.success) return { ok: true, config: r.data };
  return {
    ok: false,
    problems: issuesAtLines(r.error.issues, lineOf).map(({ line, issue }) => ({ file, line, message: describeIssue(issue) })),
  };
}

export async function loadWorkshopConfig(file: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ file, line: 1, message: `cannot read: ${(e as Error).message}` }] };
  }
  return parseWorkshopConfig(text, file);
}
