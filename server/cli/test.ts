/**
 * `kindlab test <lab-dir>`: run a lab end to end on a real environment. For
 * every step its checks must fail before the solve and pass after it. Prints a
 * table, optionally JUnit XML; exit status 0 only when everything held.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProgressEvent } from '../../common/environment.js';
import type { EnvironmentSpec } from '../../common/lab.js';
import type { Environment, EnvironmentInit } from '../../cluster/environment.js';
import { createEnvironment } from '../../cluster/create-environment.js';
import { createBuiltinRegistry } from '../checks/registry.js';
import type { BuiltinRegistry } from '../checks/builtin.js';
import { hasErrors, loadLab } from '../labs/loader.js';
import { DEFAULT_LABS_DIR, resolveLabDir } from '../labs/resolve-lab-dir.js';
import { LabTestError, runLabTest } from '../lab-test/lab-test.js';
import { formatReport } from '../lab-test/format-report.js';
import { toJUnitXml } from '../lab-test/junit-xml.js';

const USAGE = `usage: kindlab test <lab-dir | lab-id> [--repeat N] [--from <step>] [--junit file] [--keep] [--data-dir dir]

Provisions the lab's environment, runs its setups, then for every step:
its checks must fail, its solve must succeed, its checks must then pass
(answers: the expected value must exist and be accepted).

  --repeat N     run the whole lab N times on fresh environments; report flaky steps
  --from STEP    run the solves of the steps before STEP, then test from STEP on
  --junit FILE   also write JUnit XML to FILE
  --keep         leave the environment(s) in place afterwards, to inspect them
  --data-dir DIR where environment state goes (default: a temporary folder)

Exit status: 0 when every step held, 1 when any failed, 2 for bad usage.`;

export interface TestCommandOptions {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  readonly registry?: BuiltinRegistry;
  readonly createEnvironment?: (spec: EnvironmentSpec, init: EnvironmentInit) => Environment;
  readonly cwd?: string;
}

function describeProgress(e: ProgressEvent): string {
  const ms = e.ms !== undefined ? ` (${e.ms} ms)` : '';
  const detail = e.detail ? `: ${e.detail}` : '';
  return `  [${(e.atMs / 1000).toFixed(1)}s] ${e.stage} ${e.status}${ms}${detail}`;
}

export async function testCommand(args: readonly string[], o: TestCommandOptions = {}): Promise<number> {
  const out = o.out ?? ((l: string) => console.log(l));
  const err = o.err ?? ((l: string) => console.error(l));
  const cwd = o.cwd ?? process.cwd();
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        repeat: { type: 'string', default: '1' },
        from: { type: 'string' },
        junit: { type: 'string' },
        keep: { type: 'boolean', default: false },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    err(`kindlab test: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    err(`kindlab test: expected one lab folder or id, got ${positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) {
    err(`kindlab test: --repeat must be a whole number from 1 to 100, got "${values.repeat}"`);
    return 2;
  }

  const registry = o.registry ?? createBuiltinRegistry();
  const labDir = resolve(cwd, resolveLabDir(positionals[0]!, DEFAULT_LABS_DIR, cwd));
  const { lab, problems } = await loadLab(labDir, registry);
  for (const p of problems) err(`${relative(cwd, p.file) || p.file}:${p.line}: ${p.severity}: ${p.message}`);
  if (!lab || hasErrors(problems)) {
    err(`kindlab test: ${positionals[0]} has errors; fix them first (kindlab validate shows the same list).`);
    return 1;
  }

  const ownDataDir = values['data-dir'] === undefined;
  const dataDir = ownDataDir ? mkdtempSync(join(tmpdir(), 'kindlab-test-')) : resolve(cwd, values['data-dir']!);
  try {
    const report = await runLabTest(lab, {
      createEnvironment: o.createEnvironment ?? createEnvironment,
      registry,
      dataDir,
      repeat,
      keep: values.keep,
      ...(values.from !== undefined ? { from: values.from } : {}),
      onProgress: (e) => err(describeProgress(e)),
      onStatus: (line) => err(line),
    });
    out(formatReport(report));
    if (values.junit) writeFileSync(resolve(cwd, values.junit), toJUnitXml(report));
    if (values.keep) {
      // A local environment is a folder in the data dir; the others live on Docker, where kindlab env finds them.
      const removal = lab.environment.type === 'local' ? '' : '; to remove them: kindlab env ls shows their ids, then kindlab env down --session <id>';
      err(`kept: ${report.runs.map((r) => r.environment).join(', ')} (data in ${dataDir}${removal})`);
    }
    return report.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof LabTestError) {
      err(`kindlab test: ${e.message}`);
      return 2;
    }
    throw e;
  } finally {
    // A kept local environment lives inside the data dir, so keep that too.
    if (ownDataDir && !values.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<number> {
  return testCommand(args);
}
