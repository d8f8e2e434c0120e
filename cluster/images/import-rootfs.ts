/**
 * Turn a root filesystem folder into a Docker image with `docker import`.
 * No registry is reachable in CI, so every image kindlab needs is built this way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../tool.js';

/** Label on every image kindlab builds, naming the recipe (so `docker images` says where it came from). */
export const LABEL_IMAGE_RECIPE = 'io.kindlab.recipe';

/** Packing a Debian rootfs takes a few seconds; importing it a few more. */
const TAR_TIMEOUT_MS = 5 * 60_000;

export async function importRootfs(
  rootfs: string,
  tag: string,
  options: {
    recipe: string;
    env?: Readonly<Record<string, string>>;
    cmd?: readonly string[];
    /** Any other `--change` lines (ENTRYPOINT, WORKDIR, EXPOSE …). */
    changes?: readonly string[];
    onLog: (line: string) => void;
  },
): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'kindlab-import-'));
  try {
    const tarball = join(work, 'rootfs.tar');
    options.onLog(`packing ${rootfs} into a tarball`);
    // --numeric-owner: the image's uids must be the rootfs's, not looked up on the host.
    // /proc, /sys and /dev are the runtime's to fill: their contents stay out.
    await runTool('tar', ['--numeric-owner', '--exclude=./proc/*', '--exclude=./sys/*', '--exclude=./dev/*', '-C', rootfs, '-cf', tarball, '.'], { timeoutMs: TAR_TIMEOUT_MS });
    const changes = [
      `LABEL ${LABEL_IMAGE_RECIPE}=${options.recipe}`,
      ...Object.entries(options.env ?? {}).map(([k, v]) => `ENV ${k}=${v}`),
      ...(options.cmd ? [`CMD ${JSON.stringify(options.cmd)}`] : []),
      ...(options.changes ?? []),
    ];
    options.onLog(`docker import → ${tag}`);
    await runTool('docker', ['import', ...changes.flatMap((c) => ['--change', c]), tarball, tag], { timeoutMs: TAR_TIMEOUT_MS });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
