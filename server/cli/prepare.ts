/**
 * `kindlab prepare <lab-dir>`: fetch or build everything a lab needs ahead of
 * time (see cluster/prepare.ts), so it starts fast and works offline.
 */
import { prepareEnvironment } from '../../cluster/prepare.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import { loadLab } from '../labs/loader.js';
import { resolveLabDir } from '../labs/resolve-lab-dir.js';

const USAGE = 'usage: kindlab prepare <lab-dir | lab-id>';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const [dir, ...extra] = args;
  if (!dir || extra.length > 0 || dir.startsWith('-')) {
    console.error(`kindlab prepare: expected one lab folder\n${USAGE}`);
    return 2;
  }
  const { lab, problems } = await loadLab(resolveLabDir(dir), createBuiltinRegistry());
  if (!lab) {
    for (const p of problems) console.error(`${p.file}:${p.line}: ${p.severity}: ${p.message}`);
    return 2;
  }
  console.log(`Preparing ${lab.id} (${lab.environment.type} environment)`);
  try {
    const ok = await prepareEnvironment(lab.environment, (l) => console.log(l));
    console.log(ok ? 'Ready: the lab can start without a registry.' : 'Some images are missing: see above.');
    return ok ? 0 : 1;
  } catch (e) {
    console.error(`kindlab prepare: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
