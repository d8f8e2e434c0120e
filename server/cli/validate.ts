/**
 * `kindlab validate [dir ...]`: load labs exactly as the server does and print
 * every problem as `file:line: severity: message`, the form editors and CI
 * logs turn into links. A dir may be one lab (it has lab.yaml) or a folder of
 * labs; the default is `labs/`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { LabProblem } from '../../common/lab.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import { LAB_FILE, labDirs, loadLab } from '../labs/loader.js';

const USAGE = `usage: kindlab validate [--builtins] [dir ...]

Checks labs for errors and prints them as file:line: severity: message.
A dir is one lab (a folder with ${LAB_FILE}) or a folder of labs; default: labs/.
Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.

  --builtins   list the built-in checks and probes usable with use=<name>`;

export function formatProblem(p: LabProblem, cwd: string): string {
  return `${path.relative(cwd, p.file) || p.file}:${p.line}: ${p.severity}: ${p.message}`;
}

function listBuiltins(registry: BuiltinRegistry): string {
  const lines = ['Built-in checks (```check use=<name>```):'];
  for (const n of registry.checkNames()) lines.push(`  ${n}  ${registry.check(n)!.description}`);
  lines.push('Built-in probes (```answer use=<name>```):');
  for (const n of registry.probeNames()) lines.push(`  ${n}  ${registry.probe(n)!.description}`);
  lines.push('Their parameters are described in docs/checks.md.');
  return lines.join('\n');
}

/** Why `p` is not a folder to look for labs in, or undefined when it is one. */
async function notAFolder(p: string): Promise<string | undefined> {
  try {
    return (await stat(p)).isDirectory() ? undefined : 'is a file, not a folder';
  } catch {
    return 'there is no such folder';
  }
}

export interface ValidateOptions {
  readonly registry?: BuiltinRegistry;
  readonly cwd?: string;
  readonly out?: (line: string) => void;
}

export async function validate(args: readonly string[], options: ValidateOptions = {}): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const cwd = options.cwd ?? process.cwd();
  if (args.includes('--help') || args.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const registry = options.registry ?? createBuiltinRegistry();
  if (args.includes('--builtins')) {
    out(listBuiltins(registry));
    return 0;
  }
  const unknown = args.find((a) => a.startsWith('-'));
  if (unknown) {
    out(`kindlab validate: unknown option ${unknown}\n\n${USAGE}`);
    return 2;
  }

  const dirs = args.length > 0 ? args : ['labs'];
  let labs = 0;
  let errors = 0;
  let warnings = 0;
  for (const arg of dirs) {
    const dir = path.resolve(cwd, arg);
    const problem = await notAFolder(dir);
    if (problem) {
      out(`${arg}: error: ${problem}${args.length === 0 ? ' (run from the kindlab folder, or name a lab or a folder of labs)' : ''}`);
      errors++;
      continue;
    }
    const targets = (await stat(path.join(dir, LAB_FILE)).then(() => true, () => false)) ? [dir] : await labDirs(dir);
    if (targets.length === 0) out(`${arg}: warning: no labs here (a lab is a folder with ${LAB_FILE})`);
    for (const labDir of targets) {
      labs++;
      const { problems } = await loadLab(labDir, registry);
      for (const p of problems) {
        out(formatProblem(p, cwd));
        if (p.severity === 'error') errors++;
        else warnings++;
      }
    }
  }
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  out(`${plural(labs, 'lab')} checked: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return errors > 0 ? 1 : 0;
}

export async function run(args: string[]): Promise<number> {
  return validate(args);
}
