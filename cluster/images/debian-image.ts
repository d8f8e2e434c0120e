/**
 * `kindlab/debian:12`: a minimal Debian bookworm from `debootstrap`, with the
 * tools networking labs need (bash, ps, ip, ping, curl, jq, nc). It takes
 * minutes to build, so it is cached by tag and used only where busybox is not
 * enough.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../environment.js';
import { runTool } from '../tool.js';
import { importRootfs } from './import-rootfs.js';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_PACKAGES = ['bash', 'procps', 'iproute2', 'iputils-ping', 'curl', 'jq', 'netcat-openbsd', 'ca-certificates'] as const;
const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
/** debootstrap downloads and unpacks ~100 packages; a slow mirror can take several minutes. */
const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/**
 * The Debian mirror this machine's apt uses (only Debian's mirror is reachable
 * in CI), read from deb822 `.sources` files or one-line `sources.list` entries.
 */
export async function findDebianMirror(aptDir = '/etc/apt'): Promise<string> {
  const files: string[] = [];
  if (existsSync(join(aptDir, 'sources.list'))) files.push(join(aptDir, 'sources.list'));
  const dDir = join(aptDir, 'sources.list.d');
  if (existsSync(dDir)) for (const f of (await readdir(dDir)).sort()) if (/\.(list|sources)$/.test(f)) files.push(join(dDir, f));
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
        const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
        if (uri && suites.includes(DEBIAN_SUITE) && !/^Enabled:\s*no/im.test(stanza)) return uri;
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
        if (m && m[2] === DEBIAN_SUITE) return m[1] as string;
      }
    }
  }
  return DEFAULT_MIRROR;
}

export async function buildDebianImage(tag: string, onLog: (line: string) => void): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'kindlab-debian-'));
  try {
    const mirror = await findDebianMirror();
    onLog(`debootstrap --variant=minbase ${DEBIAN_SUITE} from ${mirror} (this takes a few minutes)`);
    try {
      await runTool(
        'debootstrap',
        ['--variant=minbase', `--include=${DEBIAN_PACKAGES.join(',')}`, DEBIAN_SUITE, root, mirror],
        { timeoutMs: DEBOOTSTRAP_TIMEOUT_MS, onStdoutLine: (l) => l.startsWith('I: Retrieving') || onLog(l) },
      );
    } catch (e) {
      throw new EnvironmentError(`debootstrap failed (is it installed, and are you root? \`apt-get install debootstrap\`): ${(e as Error).message}`, { cause: e });
    }
    // Keep the image small: the package cache and lists are not needed at run time.
    await rm(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    await writeFile(join(root, 'etc/hostname'), 'debian\n');
    await importRootfs(root, tag, {
      recipe: 'debian',
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      cmd: ['/bin/bash'],
      onLog,
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
