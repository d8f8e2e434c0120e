/**
 * Reads `crictl pods -o json`: `{"items": [...]}` in protojson lowerCamelCase.
 * Extra fields (runtimeHandler, annotations, newer CRI additions) are ignored.
 */
import { z } from 'zod';
import { describeIssue, parseJsonOutput } from './parse-error.js';

export interface CrictlSandbox {
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly attempt: number;
  /** SANDBOX_READY or SANDBOX_NOTREADY. */
  readonly state: string;
}

const schema = z.object({
  items: z.array(z.object({
    id: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().default(''), uid: z.string().default(''), attempt: z.coerce.number().default(0) }),
    state: z.string().default('SANDBOX_UNKNOWN'),
  })).nullish(),
});

export function parseCrictlPods(text: string): CrictlSandbox[] {
  const what = 'crictl pods -o json';
  const parsed = schema.safeParse(parseJsonOutput(text, what));
  if (!parsed.success) throw describeIssue(what, parsed.error.issues);
  return (parsed.data.items ?? []).map((i) => ({ id: i.id, state: i.state, ...i.metadata }));
}
