/**
 * Everything kindlab created on this Docker engine, grouped by session, found
 * by labels alone (no database): containers, networks and volumes labelled
 * io.kindlab.session, and kind clusters named `kindlab-…` (found from the
 * io.x-k8s.kind.cluster label kind puts on its node containers, so listing
 * works even where the kind binary is not installed).
 */
import { LABEL_LAB, LABEL_SESSION } from '../environment.js';
import { runTool, ToolError, tryTool } from '../tool.js';
import { LABEL_MACHINE } from './machine-label.js';

/** The label kind puts on every node container. */
export const LABEL_KIND_CLUSTER = 'io.x-k8s.kind.cluster';
/** Prefix of every name kindlab gives a Docker object or kind cluster. */
export const KINDLAB_PREFIX = 'kindlab-';
/** Listing and removing are quick; a minute means the daemon is stuck. `kind delete` can take longer. */
const DOCKER_TIMEOUT_MS = 60_000;
const KIND_DELETE_TIMEOUT_MS = 5 * 60_000;

export type InventoryItemType = 'container' | 'network' | 'volume' | 'kind-cluster';

export interface InventoryItem {
  readonly type: InventoryItemType;
  readonly name: string;
  readonly session: string;
  readonly lab?: string;
  readonly machine?: string;
  /** Docker's status line for containers (e.g. `Up 3 minutes`), node count for kind clusters. */
  readonly status?: string;
}

export interface SessionInventory {
  readonly session: string;
  /** The lab, when any item says which. */
  readonly lab?: string;
  readonly items: readonly InventoryItem[];
}

const SEP = '\t';

function labelFields(...labels: string[]): string {
  return labels.map((l) => `{{.Label "${l}"}}`).join(SEP);
}

function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.split(SEP));
}

function item(type: InventoryItemType, name: string, session: string, lab?: string, machine?: string, status?: string): InventoryItem {
  return { type, name, session, ...(lab ? { lab } : {}), ...(machine ? { machine } : {}), ...(status ? { status } : {}) };
}

/** Every object kindlab made, one entry per object (kind node containers are folded into their cluster). */
export async function listItems(): Promise<InventoryItem[]> {
  const filter = ['--filter', `label=${LABEL_SESSION}`];
  const opts = { timeoutMs: DOCKER_TIMEOUT_MS };
  const [containers, networks, volumes, kindNodes] = await Promise.all([
    runTool('docker', ['ps', '-a', ...filter, '--format', ['{{.Names}}', labelFields(LABEL_SESSION, LABEL_LAB, LABEL_MACHINE), '{{.Status}}'].join(SEP)], opts),
    runTool('docker', ['network', 'ls', ...filter, '--format', ['{{.Name}}', labelFields(LABEL_SESSION, LABEL_LAB)].join(SEP)], opts),
    runTool('docker', ['volume', 'ls', ...filter, '--format', ['{{.Name}}', labelFields(LABEL_SESSION, LABEL_LAB, LABEL_MACHINE)].join(SEP)], opts),
    runTool('docker', ['ps', '-a', '--filter', `label=${LABEL_KIND_CLUSTER}`, '--format', ['{{.Names}}', labelFields(LABEL_KIND_CLUSTER)].join(SEP)], opts),
  ]);
  const items: InventoryItem[] = [];
  for (const [name = '', session = '', lab, machine, status] of rows(containers.stdout)) items.push(item('container', name, session, lab, machine, status));
  for (const [name = '', session = '', lab] of rows(networks.stdout)) items.push(item('network', name, session, lab));
  for (const [name = '', session = '', lab, machine] of rows(volumes.stdout)) items.push(item('volume', name, session, lab, machine));
  const clusters = new Map<string, number>();
  for (const [, cluster = ''] of rows(kindNodes.stdout)) if (cluster.startsWith(KINDLAB_PREFIX)) clusters.set(cluster, (clusters.get(cluster) ?? 0) + 1);
  for (const [cluster, nodes] of clusters) {
    // A kind node that also carries our session label is already listed as a container; the cluster is what to remove.
    items.push(item('kind-cluster', cluster, cluster.slice(KINDLAB_PREFIX.length), undefined, undefined, `${nodes} node${nodes === 1 ? '' : 's'}`));
  }
  return items;
}

/** Group items by session, sessions and items in a stable order. */
export function groupBySession(items: readonly InventoryItem[]): SessionInventory[] {
  const bySession = new Map<string, InventoryItem[]>();
  for (const i of items) bySession.set(i.session, [...(bySession.get(i.session) ?? []), i]);
  const order: Record<InventoryItemType, number> = { 'kind-cluster': 0, container: 1, network: 2, volume: 3 };
  return [...bySession.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([session, list]) => {
      const lab = list.find((i) => i.lab)?.lab;
      return { session, ...(lab ? { lab } : {}), items: [...list].sort((a, b) => order[a.type] - order[b.type] || a.name.localeCompare(b.name)) };
    });
}

/** `kindlab env ls`: everything kindlab created, by session. Throws ToolError when Docker cannot be asked. */
export async function listInventory(): Promise<SessionInventory[]> {
  return groupBySession(await listItems());
}

/**
 * What a crash left behind: every session on the engine that the caller does
 * not know as live. Docker being absent is not a leftover problem (doctor
 * reports that), so it yields an empty list rather than an error.
 */
export async function findLeftovers(liveSessions: Iterable<string> = []): Promise<SessionInventory[]> {
  const live = new Set(liveSessions);
  try {
    return (await listInventory()).filter((s) => !live.has(s.session));
  } catch (e) {
    if (e instanceof ToolError) return [];
    throw e;
  }
}

export interface RemovalResult {
  readonly removed: readonly InventoryItem[];
  readonly failed: readonly { readonly item: InventoryItem; readonly error: string }[];
}

/**
 * `kindlab env down`: remove one session's objects (or all sessions'). Kind
 * clusters first, then containers (which hold networks and volumes), then
 * networks and volumes. Failures are collected, not thrown, so one stuck
 * object does not keep the rest alive.
 */
export async function removeInventory(which: { readonly session: string } | { readonly all: true }): Promise<RemovalResult> {
  const items = (await listItems()).filter((i) => 'all' in which || i.session === which.session);
  const removed: InventoryItem[] = [];
  const failed: { item: InventoryItem; error: string }[] = [];
  const order: readonly InventoryItemType[] = ['kind-cluster', 'container', 'network', 'volume'];
  for (const type of order) {
    for (const i of items.filter((x) => x.type === type)) {
      const error = await removeItem(i);
      if (error) failed.push({ item: i, error });
      else removed.push(i);
    }
  }
  return { removed, failed };
}

/** Remove one object; returns an error message, or undefined when it is gone. */
async function removeItem(i: InventoryItem): Promise<string | undefined> {
  const opts = { timeoutMs: DOCKER_TIMEOUT_MS };
  try {
    switch (i.type) {
      case 'kind-cluster':
        return await removeKindCluster(i.name);
      case 'container':
        await runTool('docker', ['rm', '--force', '--volumes', i.name], opts);
        return undefined;
      case 'network':
        await runTool('docker', ['network', 'rm', i.name], opts);
        return undefined;
      case 'volume':
        await runTool('docker', ['volume', 'rm', '--force', i.name], opts);
        return undefined;
    }
  } catch (e) {
    // Gone already (e.g. a volume removed with its container) is what we wanted.
    if (e instanceof ToolError && /No such|not found/i.test(e.stderr)) return undefined;
    return (e as Error).message;
  }
}

/**
 * `kind delete cluster` when kind is installed, then remove whatever node
 * containers remain (kind is not installed, or does not know the cluster
 * because its kubeconfig entry went missing).
 */
async function removeKindCluster(name: string): Promise<string | undefined> {
  try {
    await runTool('kind', ['delete', 'cluster', '--name', name], { timeoutMs: KIND_DELETE_TIMEOUT_MS });
  } catch (e) {
    if (!(e instanceof ToolError && e.notFound)) return (e as Error).message;
  }
  const nodes = await runTool('docker', ['ps', '-aq', '--filter', `label=${LABEL_KIND_CLUSTER}=${name}`], { timeoutMs: DOCKER_TIMEOUT_MS });
  const ids = nodes.stdout.split('\n').filter((l) => l.trim());
  if (ids.length) {
    const r = await tryTool('docker', ['rm', '--force', '--volumes', ...ids], { timeoutMs: DOCKER_TIMEOUT_MS });
    if (r.exitCode !== 0) return r.stderr.trim();
  }
  return undefined;
}
