/**
 * Running one fixed script for a built-in. Values reach the script only as env
 * vars (never interpolated); the deadline is whatever the check has left.
 */
import type { ExecResult } from '../../../cluster/environment.js';
import type { CheckContext } from '../builtin.js';

/** The smallest deadline worth starting a command with. */
const MIN_TIMEOUT_MS = 100;

export async function runScript(ctx: CheckContext, target: string, script: string, env: Record<string, string> = {}): Promise<ExecResult> {
  const result = await ctx.exec(target, script, { env, timeoutMs: Math.max(MIN_TIMEOUT_MS, ctx.remainingMs()) });
  if (result.timedOut) throw new Error(`the command on ${target} did not finish before the check's deadline`);
  return result;
}

/** The last non-empty line of stderr (or stdout), for messages that quote a tool. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
