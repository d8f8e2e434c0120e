/**
 * `kindlab doctor [lab-dir] [--seats N] [--json]`: checks this host for what
 * labs need and prints each item with its fix. Exit 1 when an error-severity
 * item fails, 2 for bad arguments or a broken lab.
 */
import { z } from 'zod';
import type { Diagnosis } from '../../common/environment.js';
import { diagnose, hasFailedErrors, type DiagnoseOptions } from '../../cluster/doctor/doctor.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import { loadLab } from '../labs/loader.js';
import { resolveLabDir } from '../labs/resolve-lab-dir.js';
import { join, resolve } from 'node:path';
import { capacityDiagnosis, workshopCapacity } from '../workshop/capacity.js';
import { loadWorkshopConfig } from '../workshop/workshop-config.js';

const USAGE = 'usage: kindlab doctor [lab-dir] [--seats N] [--json] [--workshop workshop.yaml [--labs ./labs]]';

const Args = z.object({
  labDir: z.string().optional(),
  seats: z.coerce.number().int().min(1).max(500).optional(),
  json: z.boolean(),
  workshop: z.string().optional(),
  labs: z.string().optional(),
});

function parseArgs(args: string[]): z.infer<typeof Args> | string {
  const raw: Record<string, unknown> = { json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--json') raw['json'] = true;
    else if (a === '--seats') raw['seats'] = args[++i];
    else if (a.startsWith('--seats=')) raw['seats'] = a.slice('--seats='.length);
    else if (a === '--workshop' || a === '--labs') raw[a.slice(2)] = args[++i];
    else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (raw['labDir'] === undefined) raw['labDir'] = a;
    else return `unexpected argument ${a}`;
  }
  const r = Args.safeParse(raw);
  return r.success ? r.data : r.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
}

/** The readable report: one ✓/✗/! line per item, its fix indented below. */
export function formatDiagnoses(diagnoses: readonly Diagnosis[]): string {
  const lines: string[] = [];
  for (const d of diagnoses) {
    const mark = d.ok ? '✓' : d.severity === 'error' ? '✗' : d.severity === 'warning' ? '!' : '·';
    lines.push(`${mark} ${d.title}: ${d.detail}`);
    if (!d.ok && d.fix) for (const l of d.fix.split('\n')) lines.push(`    ${l}`);
  }
  const failed = diagnoses.filter((d) => !d.ok && d.severity === 'error').length;
  const warned = diagnoses.filter((d) => !d.ok && d.severity === 'warning').length;
  lines.push('', failed ? `${failed} problem${failed === 1 ? '' : 's'} to fix before labs can run${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.` : warned ? `Ready, with ${warned} warning${warned === 1 ? '' : 's'}.` : 'Ready.');
  return lines.join('\n');
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    console.error(`kindlab doctor: ${parsed}\n${USAGE}`);
    return 2;
  }
  const options: { -readonly [K in keyof DiagnoseOptions]: DiagnoseOptions[K] } = {};
  if (parsed.seats) options.workshopSeats = parsed.seats;
  // --workshop: the event's first lab is the lab checked, its capacity the seats, plus a capacity plan.
  const extra: Diagnosis[] = [];
  if (parsed.workshop) {
    const conf = await loadWorkshopConfig(parsed.workshop);
    if (!conf.ok) {
      for (const p of conf.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
      return 2;
    }
    const labDir = join(resolve(parsed.labs ?? './labs'), conf.config.labs[0]!);
    const { lab, problems } = await loadLab(labDir, createBuiltinRegistry());
    if (!lab) {
      for (const p of problems) console.error(`${p.file}:${p.line}: ${p.severity}: ${p.message}`);
      return 2;
    }
    options.workshopSeats = conf.config.capacity;
    options.environment = lab.environment;
    options.labDir = labDir;
    extra.push(capacityDiagnosis(await workshopCapacity(lab, conf.config.capacity)));
  }
  if (parsed.labDir) {
    const { lab, problems } = await loadLab(resolveLabDir(parsed.labDir), createBuiltinRegistry());
    if (!lab) {
      for (const p of problems) console.error(`${p.file}:${p.line}: ${p.severity}: ${p.message}`);
      return 2;
    }
    options.environment = lab.environment;
    options.labDir = parsed.labDir;
  }
  const diagnoses = [...(await diagnose(options)), ...extra];
  if (parsed.json) console.log(JSON.stringify({ ok: !hasFailedErrors(diagnoses), diagnoses }, null, 2));
  else console.log(formatDiagnoses(diagnoses));
  return hasFailedErrors(diagnoses) ? 1 : 0;
}
