/** `file-exists`: a path exists in the check's target (optionally as a file or a directory). */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { lastLine, runScript } from '../kube/run-script.js';
import { filePath } from './file-path.js';

export const FILE_KIND_SCRIPT = 'if [ -d "$KL_PATH" ]; then echo directory; elif [ -e "$KL_PATH" ]; then echo file; else echo missing; fi';

const params = z.strictObject({
  path: filePath,
  type: z.enum(['file', 'directory', 'any']).default('any'),
});

export const fileExists: BuiltinCheck<z.output<typeof params>> = {
  name: 'file-exists',
  description: 'A path exists in the target (as a file, a directory, or either).',
  params,
  async run(ctx, p) {
    const want = p.type === 'any' ? 'present' : `a ${p.type}`;
    const expected = `${p.path} ${want}`;
    const r = await runScript(ctx, ctx.target, FILE_KIND_SCRIPT, { KL_PATH: p.path });
    if (r.exitCode !== 0) throw new Error(`could not test ${p.path} in ${ctx.target}: ${lastLine(r.stderr) || `exit code ${r.exitCode}`}`);
    const found = r.stdout.trim();
    if (found === 'missing') return { passed: false, message: `${p.path} does not exist in ${ctx.target}`, expected, actual: 'missing' };
    if (p.type !== 'any' && found !== p.type) return { passed: false, message: `${p.path} in ${ctx.target} is a ${found}, expected ${want}`, expected, actual: `a ${found}` };
    return { passed: true, message: `${p.path} exists in ${ctx.target} (a ${found})`, expected, actual: `a ${found}` };
  },
};
