/**
 * Fetch or build everything a lab's environment needs ahead of time, so it
 * starts fast and works offline (workshops, trains, CI caches):
 * - kind labs: pull the node image and tag it by tag too (kind's working-offline
 *   advice: a digest reference may not resolve after `docker load`), then pull
 *   the lab's images, which the kind environment loads into the nodes.
 * - containers labs: build the lab's images locally (no registry needed),
 *   including those a Docker-in-Docker machine loads into its inner engine.
 */
import type { EnvironmentSpec } from '../common/lab.js';
import { buildLabImages } from './images/build-lab-images.js';
import { imageExists } from './images/ensure-image.js';
import { runTool, ToolError } from './tool.js';

/** A node image is ~1 GB; give a slow link time. */
const PULL_TIMEOUT_MS = 20 * 60_000;
const QUICK_MS = 30_000;

/** `kindest/node:v1.34.0@sha256:…` → `kindest/node:v1.34.0`; undefined when there is no digest or no tag. */
export function tagOf(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at < 0) return undefined;
  const ref = image.slice(0, at);
  return /:[^/]+$/.test(ref) ? ref : undefined;
}

function offlineHelp(image: string): string {
  return [
    `  Cannot pull ${image}. To bring it in without a registry, on a machine that has one:`,
    `    docker pull ${image} && docker save -o image.tar ${image}`,
    '  then here:',
    '    docker load -i image.tar',
    ...(tagOf(image) ? [`    docker image tag ${image} ${tagOf(image)}`] : []),
  ].join('\n');
}

/** Pull an image unless it is already here; false (with advice printed) when it cannot be pulled. */
async function pull(image: string, log: (line: string) => void): Promise<boolean> {
  if (await imageExists(image)) {
    log(`✓ ${image} is already present`);
    return true;
  }
  log(`• pulling ${image} …`);
  try {
    await runTool('docker', ['pull', image], { timeoutMs: PULL_TIMEOUT_MS });
    log(`✓ pulled ${image}`);
    return true;
  } catch (e) {
    const why = e instanceof ToolError ? e.stderr.trim().split('\n').at(-1) ?? e.message : String(e);
    log(`✗ ${image}: ${why}`);
    log(offlineHelp(image));
    return false;
  }
}

export async function prepareEnvironment(env: EnvironmentSpec, log: (line: string) => void): Promise<boolean> {
  switch (env.type) {
    case 'local':
      log('✓ a local lab needs nothing prepared');
      return true;
    case 'containers': {
      // The machines' images, and the images a dind machine loads into its inner engine.
      const images = env.machines.flatMap((m) => [m.image, ...(m.loadImages ?? [])]);
      const results = await buildLabImages(images, (line) => {
        if (!line.endsWith(': cached')) log(`  ${line}`);
      });
      let ok = true;
      for (const r of results) {
        if (r.ok) log(`✓ ${r.tag}${r.status === 'built' ? ` built in ${(r.ms / 1000).toFixed(1)} s` : ''}`);
        else {
          ok = false;
          log(`✗ ${r.tag}: ${r.message}${r.fix ? `\n  fix: ${r.fix}` : ''}`);
        }
      }
      return ok;
    }
    case 'kind': {
      let ok = await pull(env.nodeImage, log);
      const tag = tagOf(env.nodeImage);
      if (ok && tag) {
        await runTool('docker', ['image', 'tag', env.nodeImage, tag], { timeoutMs: QUICK_MS });
        log(`✓ tagged ${tag}`);
      }
      for (const image of env.images) ok = (await pull(image, log)) && ok;
      return ok;
    }
  }
}
