/**
 * `shared-netns`: the app container lives in its sandbox's network namespace.
 * containerd (default): the pod's node is discovered, PIDs come from
 * `crictl inspect`/`inspectp` `.info.pid`. docker: two containers inside a
 * machine that runs its own dockerd (the pod-by-hand lab), PIDs from
 * `docker inspect`, each named directly or found by a label.
 */
import { z } from 'zod';
import type { BuiltinCheck, CheckContext, Verdict } from '../builtin.js';
import { describeOthers, readNamespaces } from './compare-namespaces.js';
import { findPodNode } from './find-pod.js';
import { inspectContainer, inspectSandbox, listContainers, listSandboxes, shortId } from './find-on-node.js';
import { labelName, namespaceName, objectName } from './kube-names.js';
import { dockerRef, findDockerContainer, type DockerRef } from './find-docker-container.js';

const containerdParams = z.strictObject({
  runtime: z.literal('containerd').default('containerd'),
  pod: objectName,
  namespace: namespaceName.default('default'),
  container: labelName.optional(),
});

const dockerParams = z.strictObject({
  runtime: z.literal('docker'),
  /** The sandbox ("pause") container: a name or ID, or `{label: key=value}`. */
  sandbox: dockerRef,
  /** The app container that joined it with `--network container:<sandbox>`. */
  app: dockerRef,
});

const params = z.union([dockerParams, containerdParams]);
type Params = z.output<typeof params>;

const EXPECTED = 'the app container in the same network namespace as its sandbox';

function verdict(links: Awaited<ReturnType<typeof readNamespaces>>, app: string, sandbox: string): Verdict {
  if ('gone' in links) return { passed: false, message: `could not read the namespaces of ${app} and ${sandbox}: ${links.gone}`, expected: EXPECTED, actual: 'process gone' };
  const actual = `net ${links.net.a} vs ${links.net.b}`;
  if (links.net.a !== links.net.b) {
    return { passed: false, message: `${app} has network namespace ${links.net.b} but ${sandbox} has ${links.net.a}: they do not share one`, expected: EXPECTED, actual };
  }
  return { passed: true, message: `${app} shares network namespace ${links.net.a} with ${sandbox}; ${describeOthers(links)}`, expected: EXPECTED, actual };
}

async function runContainerd(ctx: CheckContext, p: z.output<typeof containerdParams>): Promise<Verdict> {
  const where = await findPodNode(ctx, p.pod, p.namespace);
  if (!where.ok) return { passed: false, message: where.message, expected: EXPECTED, actual: 'no node to search' };
  const name = p.container ?? where.pod.specContainers[0] ?? p.pod;
  const sandbox = (await listSandboxes(ctx, where.target, p.pod, p.namespace)).find((s) => s.state === 'SANDBOX_READY');
  if (!sandbox) return { passed: false, message: `node ${where.node} has no ready sandbox for pod ${p.pod}`, expected: EXPECTED, actual: 'no sandbox' };
  const container = (await listContainers(ctx, where.target, p.pod, p.namespace, name)).find((c) => c.state === 'CONTAINER_RUNNING');
  if (!container) return { passed: false, message: `node ${where.node} has no running container ${name} of pod ${p.pod}`, expected: EXPECTED, actual: 'no container' };
  const [sb, app] = await Promise.all([inspectSandbox(ctx, where.target, sandbox.id), inspectContainer(ctx, where.target, container.id)]);
  if (!sb.pid || !app.pid) return { passed: false, message: `crictl reports no running process for ${sb.pid ? `container ${name}` : 'the sandbox'} on ${where.node}`, expected: EXPECTED, actual: 'no PID' };
  const links = await readNamespaces(ctx, where.target, sb.pid, app.pid);
  return verdict(links, `container ${name} (PID ${app.pid})`, `sandbox ${shortId(sandbox.id)} (pause PID ${sb.pid}) on ${where.node}`);
}

function refWords(r: DockerRef): string {
  return typeof r === 'string' ? `container ${r}` : `the container labelled ${r.label}`;
}

async function runDocker(ctx: CheckContext, p: z.output<typeof dockerParams>): Promise<Verdict> {
  const [sb, app] = await Promise.all([findDockerContainer(ctx, ctx.target, p.sandbox), findDockerContainer(ctx, ctx.target, p.app)]);
  for (const [found, ref] of [[sb, p.sandbox], [app, p.app]] as const) {
    if (!found.ok) return { passed: false, message: `${refWords(ref)} in ${ctx.target}: ${found.message}`, expected: EXPECTED, actual: found.message };
    if (!found.pid) return { passed: false, message: `${refWords(ref)} in ${ctx.target} is not running`, expected: EXPECTED, actual: 'not running' };
  }
  if (!sb.ok || !app.ok) throw new Error('unreachable');
  const links = await readNamespaces(ctx, ctx.target, sb.pid, app.pid);
  return verdict(links, `${refWords(p.app)} (PID ${app.pid})`, `${refWords(p.sandbox)} (PID ${sb.pid})`);
}

export const sharedNetns: BuiltinCheck<Params> = {
  name: 'shared-netns',
  description: "An app container shares its sandbox's network namespace (containerd via crictl, or two Docker containers).",
  params,
  run(ctx, p) {
    return p.runtime === 'docker' ? runDocker(ctx, p) : runContainerd(ctx, p);
  },
};
