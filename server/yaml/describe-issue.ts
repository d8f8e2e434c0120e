/**
 * A zod issue in an author's words, for the YAML files people write (lab.yaml,
 * a built-in's parameters, workshop.yaml): `path: message`.
 */
import type { z } from 'zod';

/** `environment.machines[1].image`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  // zod says "expected string, received undefined"; an author thinks "I left it out".
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `${where}missing (${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected} is required)`;
  }
  if (issue.code === 'unrecognized_keys') return `${where}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return `${where}${issue.message}`;
}

/**
 * Each issue with the line to report it at. An unknown-fields issue is split
 * into one per field, each at the field's own line (zod gives the parent's path).
 */
export function issuesAtLines(issues: readonly z.core.$ZodIssue[], lineOf: (path: readonly PropertyKey[]) => number): { line: number; issue: z.core.$ZodIssue }[] {
  return issues.flatMap((issue): { line: number; issue: z.core.$ZodIssue }[] =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ line: lineOf([...issue.path, key]), issue: { ...issue, keys: [key] } })) : [{ line: lineOf(issue.path), issue }],
  );
}
