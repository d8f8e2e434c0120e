/**
 * Images kindlab builds locally (no registry is reachable in CI), cached by
 * tag: when `docker image inspect` finds the tag, nothing is built.
 */
import { runTool, ToolError, tryTool } from '../tool.js';
import { buildBusyboxImage } from './busybox-image.js';
import { buildDebianImage } from './debian-image.js';
import { DIND_IMAGE_RECIPES } from './dind-image.js';

export type ImageRecipe = (tag: string, onLog: (line: string) => void) => Promise<void>;

/** Every image kindlab knows how to build, so `ensureImage`/`kindlab prepare` work from any entry point. */
const RECIPES = new Map<string, ImageRecipe>([
  ['kindlab/busybox:1', buildBusyboxImage],
  ['kindlab/debian:12', buildDebianImage],
  ...DIND_IMAGE_RECIPES,
]);

/** Add a recipe for a tag (tests use it for throwaway images). */
export function registerImageRecipe(tag: string, recipe: ImageRecipe): void {
  RECIPES.set(tag, recipe);
}

/** Whether the tag is on this Docker engine; throws a ToolError when Docker cannot be asked at all. */
export async function imageExists(tag: string): Promise<boolean> {
  try {
    await runTool('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000 });
    return true;
  } catch (e) {
    if (e instanceof ToolError && /no such (image|object)/i.test(e.stderr)) return false;
    // Not "missing": Docker could not be asked (daemon down, no permission); saying "not here" would send the user to build it.
    throw e;
  }
}

export type EnsureImageResult =
  | { readonly tag: string; readonly ok: true; readonly status: 'cached' | 'built'; readonly ms: number }
  | { readonly tag: string; readonly ok: false; readonly message: string; readonly fix?: string; readonly ms: number };

/** One build per tag at a time: concurrent sessions asking for the same image share it. */
const inFlight = new Map<string, Promise<EnsureImageResult>>();

/**
 * Make sure an image exists locally: cached → nothing to do; a kindlab recipe
 * → build it; anything else → `docker pull`. Failures are values.
 */
export function ensureImage(tag: string, onLog: (line: string) => void = () => {}): Promise<EnsureImageResult> {
  const running = inFlight.get(tag);
  if (running) return running;
  const p = ensure(tag, onLog).finally(() => inFlight.delete(tag));
  inFlight.set(tag, p);
  return p;
}

async function ensure(tag: string, onLog: (line: string) => void): Promise<EnsureImageResult> {
  const started = performance.now();
  const ms = (): number => Math.round(performance.now() - started);
  let cached: boolean;
  try {
    cached = await imageExists(tag);
  } catch (e) {
    return { tag, ok: false, message: `cannot ask Docker about ${tag}: ${(e as Error).message}`, fix: 'start Docker (`kindlab doctor` checks it), then try again', ms: ms() };
  }
  if (cached) {
    onLog(`${tag}: cached`);
    return { tag, ok: true, status: 'cached', ms: ms() };
  }
  const recipe = RECIPES.get(tag);
  if (recipe) {
    onLog(`${tag}: building`);
    try {
      await recipe(tag, (line) => onLog(`${tag}: ${line}`));
    } catch (e) {
      return { tag, ok: false, message: `building ${tag} failed: ${(e as Error).message}`, ms: ms() };
    }
    onLog(`${tag}: built in ${(ms() / 1000).toFixed(1)} s`);
    return { tag, ok: true, status: 'built', ms: ms() };
  }
  onLog(`${tag}: pulling`);
  const r = await tryTool('docker', ['pull', tag], { timeoutMs: 30 * 60_000, onStdoutLine: (l) => onLog(`${tag}: ${l}`) });
  if (r.exitCode !== 0) {
    return {
      tag,
      ok: false,
      message: `${tag} is not on this machine, kindlab has no recipe for it, and \`docker pull\` failed: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`,
      fix: `load it yourself (\`docker load -i <file>\`) or make a registry that has it reachable, then run \`kindlab prepare\` again`,
      ms: ms(),
    };
  }
  return { tag, ok: true, status: 'built', ms: ms() };
}
