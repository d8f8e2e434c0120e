/**
 * `command-output`: a command, given as an argument array, exits with the
 * expected code and prints matching output. Arguments reach the shell as env
 * vars `KL_ARG_<i>` and are re-assembled with "$@", so nothing is interpolated.
 */
import { z } from 'zod';
import type { BuiltinCheck } from '../builtin.js';
import { runScript } from '../kube/run-script.js';
import { describeMatch, excerpt, exactlyOneMatch, matches, ONE_MATCH_MESSAGE, textMatch } from './text-match.js';

// eval only ever sees the fixed text `set -- "$@" "$KL_ARG_<digits>"`: the values themselves are never parsed.
export const RUN_ARGS_SCRIPT = [
  'set --',
  'i=0',
  'while [ "$i" -lt "$KL_ARGC" ]; do eval "set -- \\"\\$@\\" \\"\\$KL_ARG_$i\\""; i=$((i + 1)); done',
  '"$@"',
].join('\n');

/** A command line is short; this caps what a lab can pass through the environment. */
const MAX_ARGS = 64;

const params = z
  .strictObject({
    command: z.array(z.string().regex(/^[^\0]*$/)).min(1).max(MAX_ARGS),
    exitCode: z.number().int().min(0).max(255).default(0),
    /** Match stdout (default) or stdout and stderr together. */
    stream: z.enum(['stdout', 'both']).default('stdout'),
    ...textMatch,
  })
  .refine(exactlyOneMatch, ONE_MATCH_MESSAGE);

export const commandOutput: BuiltinCheck<z.output<typeof params>> = {
  name: 'command-output',
  description: 'A command (an argument array, never a shell string) exits as expected and prints matching output.',
  params,
  async run(ctx, p) {
    const env: Record<string, string> = { KL_ARGC: String(p.command.length) };
    p.command.forEach((a, i) => (env[`KL_ARG_${i}`] = a));
    const shown = p.command.join(' ');
    const expected = `\`${shown}\` exits ${p.exitCode} with output ${describeMatch(p)}`;
    const r = await runScript(ctx, ctx.target, RUN_ARGS_SCRIPT, env);
    const out = p.stream === 'both' ? `${r.stdout}${r.stderr}` : r.stdout;
    const actual = `exit ${r.exitCode}, output: ${excerpt(out)}`;
    if (r.exitCode === 127 && /not found/.test(r.stderr)) {
      return { passed: false, message: `\`${p.command[0]}\` is not installed in ${ctx.target}`, expected, actual };
    }
    if (r.exitCode !== p.exitCode) return { passed: false, message: `\`${shown}\` exited ${r.exitCode}, expected ${p.exitCode}; output: ${excerpt(out)}`, expected, actual };
    if (!matches(p, out)) return { passed: false, message: `\`${shown}\` printed ${excerpt(out)}, expected output ${describeMatch(p)}`, expected, actual };
    return { passed: true, message: `\`${shown}\` printed output ${describeMatch(p)}`, expected, actual };
  },
};
