/** `file-matches`: a file in the check's target equals, contains or matches some text. */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { lastLine, runScript } from '../kube/run-script.js';
import { filePath } from './file-path.js';
import { describeMatch, excerpt, exactlyOneMatch, matches, ONE_MATCH_MESSAGE, textMatch } from './text-match.js';

/** Files beyond 1 MiB are cut: checks look at configs and notes, not at logs. */
export const READ_FILE_SCRIPT = 'if [ ! -f "$KL_PATH" ]; then echo "no such file" >&2; exit 3; fi\nhead -c 1048576 -- "$KL_PATH"';

const params = z.strictObject({ path: filePath, ...textMatch }).refine(exactlyOneMatch, ONE_MATCH_MESSAGE);

export const fileMatches: BuiltinCheck<z.output<typeof params>> = {
  name: 'file-matches',
  description: 'A file in the target equals, contains or matches the given text.',
  params,
  async run(ctx, p) {
    const expected = `${p.path} ${describeMatch(p)}`;
    const r = await runScript(ctx, ctx.target, READ_FILE_SCRIPT, { KL_PATH: p.path });
    if (r.exitCode === 3) return { passed: false, message: `${p.path} does not exist in ${ctx.target} (or is not a regular file)`, expected, actual: 'missing' };
    if (r.exitCode !== 0) throw new Error(`could not read ${p.path} in ${ctx.target}: ${lastLine(r.stderr) || `exit code ${r.exitCode}`}`);
    const actual = excerpt(r.stdout);
    if (!matches(p, r.stdout)) return { passed: false, message: `${p.path} is not ${describeMatch(p)}; it holds: ${actual}`, expected, actual };
    return { passed: true, message: `${p.path} is ${describeMatch(p)}`, expected, actual };
  },
};
