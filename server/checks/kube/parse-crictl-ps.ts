/**
 * Reads `crictl ps -o json`: `{"containers": [...]}` in protojson lowerCamelCase
 * (createdAt is a nanosecond string here, unlike `crictl inspect`).
 */
import { z } from 'zod';
import { describeIssue, parseJsonOutput } from './parse-error.js';

export interface CrictlContainer {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly attempt: number;
  /** CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_EXITED or CONTAINER_UNKNOWN. */
  readonly state: string;
  readonly image: string;
  readonly podName?: string;
  readonly podNamespace?: string;
  readonly podUid?: string;
}

const schema = z.object({
  containers: z.array(z.object({
    id: z.string(),
    podSandboxId: z.string().default(''),
    metadata: z.object({ name: z.string(), attempt: z.coerce.number().default(0) }),
    image: z.object({ image: z.string().default('') }).nullish(),
    state: z.string().default('CONTAINER_UNKNOWN'),
    labels: z.record(z.string(), z.string()).nullish(),
  })).nullish(),
});

export function parseCrictlPs(text: string): CrictlContainer[] {
  const what = 'crictl ps -o json';
  const parsed = schema.safeParse(parseJsonOutput(text, what));
  if (!parsed.success) throw describeIssue(what, parsed.error.issues);
  return (parsed.data.containers ?? []).map((c) => {
    const labels = c.labels ?? {};
    const podName = labels['io.kubernetes.pod.name'];
    const podNamespace = labels['io.kubernetes.pod.namespace'];
    const podUid = labels['io.kubernetes.pod.uid'];
    return {
      id: c.id,
      sandboxId: c.podSandboxId,
      name: c.metadata.name,
      attempt: c.metadata.attempt,
      state: c.state,
      image: c.image?.image ?? '',
      ...(podName ? { podName } : {}),
      ...(podNamespace ? { podNamespace } : {}),
      ...(podUid ? { podUid } : {}),
    };
  });
}
