/**
 * `kindlab/busybox:1`: Debian's statically linked busybox with its applet
 * symlinks, a root user and the folders a shell expects. Builds in well under
 * a second, so it is the default image for tests and simple labs.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError } from '../environment.js';
import { runTool } from '../tool.js';
import { importRootfs } from './import-rootfs.js';

/** Where Debian's busybox-static package installs its binary. */
export const BUSYBOX_STATIC = '/bin/busybox';

const PATH_IN_IMAGE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** A dynamically linked busybox (Debian's `busybox` package) would not run in an empty rootfs. */
export async function isStatic(binary: string): Promise<boolean> {
  const head = await readFile(binary);
  // A dynamic ELF names its loader (PT_INTERP) near the start of the file.
  return !head.subarray(0, 4096).includes('ld-linux');
}

export async function buildBusyboxImage(tag: string, onLog: (line: string) => void): Promise<void> {
  if (!existsSync(BUSYBOX_STATIC) || !(await isStatic(BUSYBOX_STATIC))) {
    throw new EnvironmentError(`${BUSYBOX_STATIC} is missing or not statically linked; install it with \`apt-get install busybox-static\``);
  }
  const root = await mkdtemp(join(tmpdir(), 'kindlab-busybox-'));
  try {
    onLog(`assembling a busybox rootfs in ${root}`);
    for (const d of ['bin', 'etc', 'root', 'tmp', 'var/www', 'proc', 'sys', 'dev']) await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile(BUSYBOX_STATIC, join(root, 'bin/busybox'));
    await chmod(join(root, 'bin/busybox'), 0o755);
    const { stdout } = await runTool(BUSYBOX_STATIC, ['--list']);
    const applets = stdout.split('\n').map((a) => a.trim()).filter((a) => a && a !== 'busybox');
    for (const a of applets) await symlink('busybox', join(root, 'bin', a));
    onLog(`linked ${applets.length} applets`);
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await writeFile(join(root, 'etc/profile'), 'export PS1=\'\\u@\\h:\\w\\$ \'\n');
    await importRootfs(root, tag, { recipe: 'busybox', env: { PATH: PATH_IN_IMAGE }, cmd: ['/bin/sh'], onLog });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
