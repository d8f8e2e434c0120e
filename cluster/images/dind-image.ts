/**
 * Recipes for the images Docker-in-Docker labs need, built locally because no
 * registry is reachable (see docs/architecture.md):
 *
 * - `kindlab/dind:1`: a Debian bookworm machine (debootstrap) with Docker
 *   Engine, whose entrypoint starts an inner dockerd and then stays up.
 * - `kindlab/pause:1`: a sandbox image whose only process sleeps, like the
 *   kubelet's pause container (busybox-static).
 * - `kindlab/hello-app:1`: busybox httpd serving a page on :8000.
 *
 * Every image is cached by tag: a tag that exists locally is never rebuilt.
 * Bump the tag when a recipe changes.
 */
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../environment.js';
import { runTool } from '../tool.js';
import type { ImageRecipe } from './ensure-image.js';
import { BUSYBOX_STATIC, isStatic } from './busybox-image.js';
import { findDebianMirror } from './debian-image.js';
import { importRootfs } from './import-rootfs.js';

export const DIND_IMAGE = 'kindlab/dind:1';
export const PAUSE_IMAGE = 'kindlab/pause:1';
export const APP_IMAGE = 'kindlab/hello-app:1';

/** Where the dind entrypoint lives inside the image. */
export const DIND_ENTRYPOINT = '/usr/local/bin/kindlab-dind-entrypoint';
/** The inner dockerd's log inside a dind machine (readyDind quotes it when the engine fails). */
export const DIND_DOCKERD_LOG = '/var/log/kindlab-dockerd.log';

/** What the inner machine needs: the engine, its firewall tool, and what a learner uses to look around. */
const DIND_PACKAGES = ['docker.io', 'iptables', 'procps', 'iproute2', 'bash', 'jq', 'less', 'ca-certificates'];

/** debootstrap downloads ~100 MB of packages; a cold build took ~55 s here, so 8 minutes means something is wrong. */
const DEBOOTSTRAP_TIMEOUT_MS = 8 * 60_000;
const SUITE = 'bookworm';

/** The recipes, in the shape ensure-image.ts takes (it seeds its recipe table with them). */
export const DIND_IMAGE_RECIPES: ReadonlyMap<string, ImageRecipe> = new Map<string, ImageRecipe>([
  [DIND_IMAGE, buildDindImage],
  [
    PAUSE_IMAGE,
    (tag, onLog) =>
      buildBusyboxImage(tag, onLog, {
        recipe: 'pause',
        files: { '/pause': PAUSE_SCRIPT },
        changes: ['CMD ["/pause"]'],
      }),
  ],
  [
    APP_IMAGE,
    (tag, onLog) =>
      buildBusyboxImage(tag, onLog, {
        recipe: 'hello-app',
        files: { '/www/index.html': APP_PAGE },
        changes: ['CMD ["/bin/httpd", "-f", "-v", "-p", "8000", "-h", "/www"]', 'EXPOSE 8000/tcp', 'WORKDIR /www'],
      }),
  ],
]);

/**
 * The sandbox's only job is to exist, holding the namespaces other containers
 * join. PID 1 ignores signals it has no handler for, so trap them and exit at
 * once (as the real pause does) instead of making `docker stop` wait 10 s.
 */
const PAUSE_SCRIPT = `#!/bin/sh
# kindlab pause: hold the pod's namespaces and do nothing else.
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
`;

const APP_PAGE = `<!doctype html>
<html><head><title>hello-app</title></head>
<body><h1>Hello from the app container</h1>
<p>Served by busybox httpd on port 8000.</p></body></html>
`;

// ---------------------------------------------------------------------------
// busybox-static images

async function buildBusyboxImage(
  tag: string,
  onLog: (line: string) => void,
  spec: { recipe: string; files: Readonly<Record<string, string>>; changes: readonly string[] },
): Promise<void> {
  if (!existsSync(BUSYBOX_STATIC) || !(await isStatic(BUSYBOX_STATIC))) {
    throw new EnvironmentError(`${BUSYBOX_STATIC} is missing or not statically linked; install it with \`apt-get install busybox-static\``);
  }
  const work = await mkdtemp(join(tmpdir(), 'kindlab-img-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of ['bin', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev']) await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile(BUSYBOX_STATIC, join(root, 'bin/busybox'));
    await chmod(join(root, 'bin/busybox'), 0o755);
    const { stdout } = await runTool(BUSYBOX_STATIC, ['--list']);
    for (const a of stdout.split('\n').map((x) => x.trim()).filter((x) => x && x !== 'busybox')) await symlink('busybox', join(root, 'bin', a));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    for (const [path, content] of Object.entries(spec.files)) {
      const full = join(root, path);
      await mkdir(join(full, '..'), { recursive: true });
      await writeFile(full, content, { mode: content.startsWith('#!') ? 0o755 : 0o644 });
    }
    await importRootfs(root, tag, { recipe: spec.recipe, env: { PATH: '/bin' }, changes: spec.changes, onLog });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// the dind machine (Debian via debootstrap)

/**
 * The machine's entrypoint. It starts dockerd in the background and then runs
 * the container's command (or idles), so the machine stays up even when the
 * engine does not start (the learner and readyDind can read the log).
 *
 * - Storage: overlay2 needs /var/lib/docker on a filesystem that is not
 *   itself overlayfs (dindRunArgs mounts a volume there); probe with a real
 *   overlay mount and fall back to vfs (slow, but works everywhere).
 * - cgroup v1: /sys/fs/cgroup is the host's tree, so the inner containers'
 *   cgroups would land beside the machine's own and outlive it. Nest them under
 *   the machine's own cgroup instead; the outer runtime removes that subtree
 *   when the machine is removed.
 * - iptables: prefer nftables, fall back to legacy when the kernel lacks it.
 */
const DIND_ENTRYPOINT_SCRIPT = `#!/bin/bash
set -u
log=${DIND_DOCKERD_LOG}

pick_storage_driver() {
  if [ -n "\${KINDLAB_DIND_STORAGE_DRIVER:-}" ]; then echo "$KINDLAB_DIND_STORAGE_DRIVER"; return; fi
  local p=/var/lib/docker/.kindlab-overlay-probe
  rm -rf "$p"; mkdir -p "$p/l" "$p/u" "$p/w" "$p/m"
  if mount -t overlay overlay -o "lowerdir=$p/l,upperdir=$p/u,workdir=$p/w" "$p/m" 2>/dev/null; then
    umount "$p/m"; rm -rf "$p"; echo overlay2
  else
    rm -rf "$p"; echo vfs
  fi
}

cgroup_parent() {
  # cgroup v2 (or a private cgroup namespace) nests on its own.
  [ -f /sys/fs/cgroup/cgroup.controllers ] && return
  local own
  own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3; exit }' /proc/self/cgroup)
  if [ -n "$own" ] && [ "$own" != / ]; then echo "$own/kindlab-dind"; fi
}

pick_iptables() {
  if ! iptables-nft -nL >/dev/null 2>&1 && iptables-legacy -nL >/dev/null 2>&1; then
    update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
    update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null
  fi
}

mkdir -p /var/lib/docker /run
pick_iptables
driver=$(pick_storage_driver)
args=(--host=unix:///var/run/docker.sock --storage-driver="$driver")
parent=$(cgroup_parent)
if [ -n "$parent" ]; then args+=(--cgroup-parent="$parent"); fi
echo "kindlab-dind: starting dockerd \${args[*]}" >>"$log"
dockerd "\${args[@]}" >>"$log" 2>&1 &
dockerd_pid=$!

if [ $# -gt 0 ]; then exec "$@"; fi

# Idle as PID 1: forward a stop to dockerd (so it stops its containers), then leave.
stop() { kill -TERM "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null; exit 0; }
trap stop TERM INT
while :; do sleep 3600 & wait $!; done
`;

async function buildDindImage(tag: string, onLog: (line: string) => void): Promise<void> {
  if (process.getuid && process.getuid() !== 0) {
    throw new EnvironmentError(`building ${tag} runs debootstrap, which needs root; run \`sudo kindlab prepare\` once (the image is cached by tag)`);
  }
  const mirror = await findDebianMirror();
  const work = await mkdtemp(join(tmpdir(), 'kindlab-dind-'));
  try {
    const root = join(work, 'rootfs');
    onLog(`debootstrap --variant=minbase ${SUITE} from ${mirror} (about a minute on a fast mirror)`);
    try {
      await runTool('debootstrap', ['--variant=minbase', `--include=${DIND_PACKAGES.join(',')}`, SUITE, root, mirror], {
        timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
        // One line per stage; the per-package lines would flood the log.
        onStdoutLine: (line) => {
          if (/^I: (Resolving|Checking|Installing|Configuring|Base system)/.test(line) && !/^I: Configuring \S+\.\.\.$/.test(line)) onLog(line.slice(3));
        },
      });
    } catch (e) {
      throw new EnvironmentError(`debootstrap failed (is it installed? \`apt-get install debootstrap\`): ${(e as Error).message}`, { cause: e });
    }
    const entrypoint = join(root, DIND_ENTRYPOINT.slice(1));
    await writeFile(entrypoint, DIND_ENTRYPOINT_SCRIPT);
    await chmod(entrypoint, 0o755);
    // Downloaded .debs and package lists are ~150 MB the machine never needs.
    for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await rm(join(root, d), { recursive: true, force: true });
      await mkdir(join(root, d, 'partial'), { recursive: true });
    }
    await writeFile(join(root, 'etc/hostname'), 'node\n');
    // ENTRYPOINT, not CMD: a machine's `command` must not replace the engine's start.
    await importRootfs(root, tag, {
      recipe: 'dind',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      changes: [`ENTRYPOINT ["${DIND_ENTRYPOINT}"]`, 'WORKDIR /root'],
      onLog,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
