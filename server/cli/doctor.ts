/**
 * `kindlab doctor [LAB] [--seats N] [--json]` or `kindlab doctor --workshop
 * workshop.yaml [--labs DIR] [--json]`: checks this host for what labs need
 * and prints each item with its fix. Exit 1 when an error-severity item
 * fails, 2 for bad arguments or a lab or workshop that does not load.
 */
import type { Diagnosis } from '../../common/environment.js';
import { diagnose, hasFailedErrors, type DiagnoseOptions } from '../../cluster/doctor/doctor.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import { loadLab } from '../labs/loader.js';
import { resolveLabDir } from '../labs/resolve-lab-dir.js';
import { join, resolve } from 'node:path';
import { capacityDiagnosis, workshopCapacity } from '../workshop/capacity.js';
import { loadWorkshopConfig } from '../workshop/workshop-config.js';
import { cliOutput, type CliOutput } from './output.js';

export const MAX_SEATS = 500;

const USAGE = `usage: kindlab doctor [LAB] [--seats N] [--json]
       kindlab doctor --workshop FILE [--labs DIR] [--json]

Checks this host for what labs need (Docker, kind, kubectl, cgroups, inotify
limits, memory, privileged containers, images) and prints each item, with
how to fix it when it fails.

  LAB             also check what this lab needs: a lab folder, or a lab id
                  under ./labs (its images, its node image against cgroups)
  --seats N       size memory and inotify limits for N environments at once,
                  on a workshop host (1-${MAX_SEATS}; default 1)
  --workshop FILE check the workshop's first lab with the workshop's capacity
                  as the seats, plus a capacity plan; takes no LAB or --seats
  --labs DIR      with --workshop: the folder the workshop's labs are in
                  (default ./labs)
  --json          print { ok, diagnoses: [{ id, ok, severity, title, detail, fix? }] }

Exit status: 0 when nothing needs fixing (warnings allowed), 1 when an
error-severity item fails, 2 for bad usage or a lab or workshop that does
not load.`;

export interface DoctorArgs {
  readonly labDir?: string;
  readonly seats?: number;
  readonly json: boolean;
  readonly workshop?: string;
  readonly labs?: string;
}

/** What each option's value is, for "--x needs a value: …". */
const VALUE_OF = {
  seats: `a whole number from 1 to ${MAX_SEATS}`,
  workshop: 'the workshop config file (workshop.yaml)',
  labs: "the folder the workshop's labs are in",
} as const;
type ValueOption = keyof typeof VALUE_OF;

/** The arguments, or what is wrong with them (one message, for a usage error). */
export function parseDoctorArgs(args: readonly string[]): DoctorArgs | string {
  const values: Partial<Record<ValueOption, string>> = {};
  let json = false;
  let labDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = (a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : '') as ValueOption;
    if (a === '--json') {
      json = true;
    } else if (Object.hasOwn(VALUE_OF, name)) {
      let value: string | undefined = eq < 0 ? args[i + 1] : a.slice(eq + 1);
      if (eq < 0) {
        // A following option is not this one's value: `--seats --json` forgot the number.
        if (value?.startsWith('--')) value = undefined;
        else i++;
      }
      if (value === undefined || (value === '' && name !== 'seats')) return `--${name} needs a value: ${VALUE_OF[name]}`;
      if (values[name] !== undefined) return `--${name} is given twice`;
      values[name] = value;
    } else if (a.startsWith('-')) {
      return `unknown option ${a}`;
    } else if (labDir === undefined) {
      labDir = a;
    } else {
      return `unexpected argument ${JSON.stringify(a)}: doctor checks one lab`;
    }
  }
  let seats: number | undefined;
  if (values.seats !== undefined) {
    seats = /^\d+$/.test(values.seats) ? Number(values.seats) : NaN;
    if (!(seats >= 1 && seats <= MAX_SEATS)) return `--seats must be a whole number from 1 to ${MAX_SEATS}, got ${JSON.stringify(values.seats)}`;
  }
  if (values.labs !== undefined && values.workshop === undefined) {
    return "--labs only goes with --workshop: it says where the workshop's labs are (check one lab with `kindlab doctor LAB`)";
  }
  if (values.workshop !== undefined && seats !== undefined) {
    return "--seats does not go with --workshop: the workshop's capacity is the seats (change capacity: in the workshop file, or leave out --workshop)";
  }
  if (values.workshop !== undefined && labDir !== undefined) {
    return `give a lab or --workshop, not both: --workshop checks the workshop's first lab (leave out ${JSON.stringify(labDir)}, or --workshop)`;
  }
  return {
    json,
    ...(labDir !== undefined ? { labDir } : {}),
    ...(seats !== undefined ? { seats } : {}),
    ...(values.workshop !== undefined ? { workshop: values.workshop } : {}),
    ...(values.labs !== undefined ? { labs: values.labs } : {}),
  };
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

export type DoctorCliOptions = CliOutput;

export async function run(args: string[], options: DoctorCliOptions = {}): Promise<number> {
  const { out, err } = cliOutput(options);
  if (args.includes('--help') || args.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const parsed = parseDoctorArgs(args);
  if (typeof parsed === 'string') {
    err(`kindlab doctor: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const diagnoseOptions: { -readonly [K in keyof DiagnoseOptions]: DiagnoseOptions[K] } = {};
  if (parsed.seats) diagnoseOptions.workshopSeats = parsed.seats;
  // --workshop: the event's first lab is the lab checked, its capacity the seats, plus a capacity plan.
  const extra: Diagnosis[] = [];
  if (parsed.workshop) {
    const conf = await loadWorkshopConfig(parsed.workshop);
    if (!conf.ok) {
      for (const p of conf.problems) err(`${p.file}:${p.line}: ${p.message}`);
      return 2;
    }
    const labDir = join(resolve(parsed.labs ?? './labs'), conf.config.labs[0]!);
    const { lab, problems } = await loadLab(labDir, createBuiltinRegistry());
    if (!lab) {
      for (const p of problems) err(`${p.file}:${p.line}: ${p.severity}: ${p.message}`);
      return 2;
    }
    diagnoseOptions.workshopSeats = conf.config.capacity;
    diagnoseOptions.environment = lab.environment;
    diagnoseOptions.labDir = labDir;
    extra.push(capacityDiagnosis(await workshopCapacity(lab, conf.config.capacity)));
  }
  if (parsed.labDir) {
    const { lab, problems } = await loadLab(resolveLabDir(parsed.labDir), createBuiltinRegistry());
    if (!lab) {
      for (const p of problems) err(`${p.file}:${p.line}: ${p.severity}: ${p.message}`);
      return 2;
    }
    diagnoseOptions.environment = lab.environment;
    diagnoseOptions.labDir = parsed.labDir;
  }
  const diagnoses = [...(await diagnose(diagnoseOptions)), ...extra];
  if (parsed.json) out(JSON.stringify({ ok: !hasFailedErrors(diagnoses), diagnoses }, null, 2));
  else out(formatDiagnoses(diagnoses));
  return hasFailedErrors(diagnoses) ? 1 : 0;
}
