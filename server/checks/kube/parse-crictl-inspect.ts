/**
 * Reads `crictl inspect <container>` and `crictl inspectp <sandbox>`. The
 * `status` half is protojson (camelCase), the `info` half is containerd's
 * verbose info in Go encoding/json (its `config` is snake_case); newer crictl
 * may print `info` first, and several IDs give an array instead of one object.
 */
import { z } from 'zod';
import { describeIssue, parseJsonOutput, ParseError } from './parse-error.js';

export interface CrictlInspected {
  readonly id: string;
  /** Container name (inspect) or pod name (inspectp). */
  readonly name: string;
  readonly state: string;
  /** PID in the node's PID namespace; absent when the process is not running. */
  readonly pid?: number;
  /** inspect: the sandbox the container belongs to. */
  readonly sandboxId?: string;
  /** inspectp: the pod IP. */
  readonly ip?: string;
  readonly podName?: string;
  readonly podNamespace?: string;
  readonly podUid?: string;
  /** The network namespace path from the OCI runtime spec, if present. */
  readonly netnsPath?: string;
  /** inspectp: DNS config kubelet asked for (`info.config.dns_config`). */
  readonly dns?: { readonly servers: readonly string[]; readonly searches: readonly string[]; readonly options: readonly string[] };
}

const strList = z.array(z.string()).nullish();

const entry = z.object({
  status: z.object({
    id: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().nullish(), uid: z.string().nullish() }),
    state: z.string().default('UNKNOWN'),
    network: z.object({ ip: z.string().nullish() }).nullish(),
    labels: z.record(z.string(), z.string()).nullish(),
  }),
  info: z.object({
    pid: z.number().nullish(),
    sandboxID: z.string().nullish(),
    config: z.object({ dns_config: z.object({ servers: strList, searches: strList, options: strList }).nullish() }).nullish(),
    runtimeSpec: z.object({
      linux: z.object({ namespaces: z.array(z.object({ type: z.string(), path: z.string().nullish() })).nullish() }).nullish(),
    }).nullish(),
  }).nullish(),
});

function parseAll(text: string, what: string): CrictlInspected[] {
  const raw = parseJsonOutput(text, what);
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const parsed = entry.safeParse(item);
    if (!parsed.success) throw describeIssue(Array.isArray(raw) ? `${what} (item ${i + 1})` : what, parsed.error.issues);
    const { status, info } = parsed.data;
    const labels = status.labels ?? {};
    const podName = labels['io.kubernetes.pod.name'] ?? (status.metadata.uid ? status.metadata.name : undefined);
    const podNamespace = labels['io.kubernetes.pod.namespace'] ?? status.metadata.namespace ?? undefined;
    const podUid = labels['io.kubernetes.pod.uid'] ?? status.metadata.uid ?? undefined;
    const netnsPath = info?.runtimeSpec?.linux?.namespaces?.find((n) => n.type === 'network')?.path ?? undefined;
    const dns = info?.config?.dns_config;
    return {
      id: status.id,
      name: status.metadata.name,
      state: status.state,
      // crictl prints pid 0 for a stopped process; that is no PID to look at.
      ...(info?.pid ? { pid: info.pid } : {}),
      ...(info?.sandboxID ? { sandboxId: info.sandboxID } : {}),
      ...(status.network?.ip ? { ip: status.network.ip } : {}),
      ...(podName ? { podName } : {}),
      ...(podNamespace ? { podNamespace } : {}),
      ...(podUid ? { podUid } : {}),
      ...(netnsPath ? { netnsPath } : {}),
      ...(dns ? { dns: { servers: dns.servers ?? [], searches: dns.searches ?? [], options: dns.options ?? [] } } : {}),
    };
  });
}

function one(text: string, what: string): CrictlInspected {
  const all = parseAll(text, what);
  const first = all[0];
  if (!first) throw new ParseError(`${what} printed an empty list`);
  return first;
}

/** `crictl inspect <container-id>`: the first (usually only) container. */
export function parseCrictlInspect(text: string): CrictlInspected {
  return one(text, 'crictl inspect');
}

/** `crictl inspectp <sandbox-id>`: the first (usually only) sandbox. */
export function parseCrictlInspectp(text: string): CrictlInspected {
  return one(text, 'crictl inspectp');
}

/** Every object, for output that names several IDs. */
export function parseCrictlInspectAll(text: string): CrictlInspected[] {
  return parseAll(text, 'crictl inspect');
}
