/**
 * `kindlab test <lab-dir>`: run a lab end to end on a real environment. For
 * every step its checks must fail before the solve and pass after it. Prints a
 * table, optionally JUnit XML; exit status 0 only when everything held.
 * SIGINT/SIGTERM stop it between steps; what it created is removed (unless
 * --keep) and it exits 130/143. The handlers live only while the command runs.
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
import { fileProblem, folderProblem } from './folders.js';
import { cliOutput, type CliOutput } from './output.js';
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

Ctrl-C (SIGINT) or SIGTERM stops it: no further step runs, the environment
is removed (unless --keep), and it exits 130 (SIGINT) or 143 (SIGTERM). A
second Ctrl-C quits at once and says what is left.

Exit status: 0 when every step held, 1 when any failed (or an environment
could not be removed), 2 for bad usage.`;

/** The exit status of a command stopped by a signal, as a shell reports it (128 + the signal's number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

export interface TestCommandOptions extends CliOutput {
  readonly registry?: BuiltinRegistry;
  readonly createEnvironment?: (spec: EnvironmentSpec, init: EnvironmentInit) => Environment;
  readonly cwd?: string;
}

/** How to remove environments that kindlab test could not (or did not) remove: for a local one a folder, for the others `kindlab env`. */
function removalHint(envs: readonly { session: string }[], dataDir: string, local: boolean): string {
  const one = envs.length === 1;
  if (local) return `to remove ${one ? 'it' : 'them'}: rm -r ${envs.map((e) => join(dataDir, 'sessions', e.session)).join(' ')}`;
  const ids = envs.map((e) => e.session).join(', ');
  return `to remove ${one ? 'it' : 'them'}: kindlab env ls shows whether session${one ? '' : 's'} ${ids} ${one ? 'is' : 'are'} still there, then kindlab env down --session ${one ? ids : '<id> for each'}`;
}

function describeProgress(e: ProgressEvent): string {
  const ms = e.ms !== undefined ? ` (${e.ms} ms)` : '';
  const detail = e.detail ? `: ${e.detail}` : '';
  return `  [${(e.atMs / 1000).toFixed(1)}s] ${e.stage} ${e.status}${ms}${detail}`;
}

export async function testCommand(args: readonly string[], o: TestCommandOptions = {}): Promise<number> {
  const { out, err } = cliOutput(o);
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

  // Checked before anything is provisioned: a bad path must not cost a whole run, nor fail after it.
  const junit = values.junit === undefined ? undefined : resolve(cwd, values.junit);
  const pathProblem = (junit ? fileProblem('--junit', values.junit!, junit, 'junit.xml') : undefined) ?? (values['data-dir'] !== undefined ? folderProblem('--data-dir', values['data-dir'], resolve(cwd, values['data-dir'])) : undefined);
  if (pathProblem) {
    err(`kindlab test: ${pathProblem}`);
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
  const local = lab.environment.type === 'local';

  // From here on something gets created: a signal stops the run and removes it, a second one quits at once.
  const ownDataDir = values['data-dir'] === undefined;
  let dataDir = ownDataDir ? '' : resolve(cwd, values['data-dir']!);
  /** Environments created and not removed (yet), by session id. */
  const present = new Map<string, string>();
  const stop = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const removeOwnDataDir = (): string | undefined => {
    if (!ownDataDir || values.keep || !dataDir) return undefined;
    try {
      rmSync(dataDir, { recursive: true, force: true });
      return undefined;
    } catch (e) {
      return `could not remove its data folder ${dataDir} (${e instanceof Error ? e.message : String(e)}); remove it with rm -r ${dataDir}`;
    }
  };
  const onSignal = (signal: StopSignal): void => {
    if (stoppedBy === undefined) {
      stoppedBy = signal;
      err(`kindlab test: ${signal}: stopping and ${values.keep ? 'keeping (--keep)' : 'removing'} what it created; ${signal === 'SIGINT' ? 'Ctrl-C' : signal} again quits at once`);
      stop.abort();
      return;
    }
    // Quit now, saying what is left. A local environment lives in the data folder, so removing that removes it too.
    const dirProblem = removeOwnDataDir();
    const left = [...present].map(([session, name]) => ({ session, name }));
    const gone = local && ownDataDir && !values.keep && !dirProblem;
    const parts = [
      ...(left.length && !gone ? [`left ${left.map((e) => e.name).join(', ')}; ${removalHint(left, dataDir, local)}`] : []),
      ...(dirProblem ? [dirProblem] : []),
    ];
    err(`kindlab test: interrupted again by ${signal}; ${parts.length ? parts.join('; ') : 'nothing was left behind'}`);
    process.exit(SIGNAL_EXIT[signal]);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    if (ownDataDir) dataDir = mkdtempSync(join(tmpdir(), 'kindlab-test-'));
    let report;
    let dirProblem: string | undefined;
    try {
      report = await runLabTest(lab, {
        createEnvironment: o.createEnvironment ?? createEnvironment,
        registry,
        dataDir,
        repeat,
        keep: values.keep,
        ...(values.from !== undefined ? { from: values.from } : {}),
        signal: stop.signal,
        onEnvironment: (e) => (e.present ? present.set(e.session, e.name) : present.delete(e.session)),
        onProgress: (e) => err(describeProgress(e)),
        onStatus: (line) => err(line),
      });
    } catch (e) {
      if (e instanceof LabTestError) {
        err(`kindlab test: ${e.message}`);
        return 2;
      }
      throw e;
    } finally {
      // A kept local environment lives inside the data dir, so keep that too.
      dirProblem = removeOwnDataDir();
    }

    const notRemoved = report.runs.filter((r) => r.cleanupProblem !== undefined);
    const couldNotRemove = notRemoved.map((r) => `could not remove ${r.environment} (${r.cleanupProblem}); ${removalHint([r], dataDir, local)}`);
    const kept = `${report.runs.map((r) => r.environment).join(', ')} (data in ${dataDir}${local ? '' : '; to remove them: kindlab env ls shows their ids, then kindlab env down --session <id>'})`;

    if (stoppedBy) {
      // One line: what was removed, kept or left.
      const removed = values.keep ? [] : report.runs.filter((r) => r.cleanupProblem === undefined).map((r) => r.environment);
      const parts = [
        ...(removed.length ? [`removed ${removed.join(', ')}${ownDataDir && !dirProblem ? ` and its data folder ${dataDir}` : ''}`] : []),
        ...(!report.runs.length && ownDataDir && !values.keep && !dirProblem ? [`no environment had been created; removed its data folder ${dataDir}`] : []),
        ...(values.keep && report.runs.length ? [`kept ${kept}`] : []),
        ...couldNotRemove,
        ...(dirProblem ? [dirProblem] : []),
      ];
      err(`kindlab test: interrupted by ${stoppedBy}; ${parts.join('; ') || 'nothing had been created'}.`);
      return SIGNAL_EXIT[stoppedBy];
    }

    out(formatReport(report));
    let code = report.ok ? 0 : 1;
    if (junit) {
      try {
        writeFileSync(junit, toJUnitXml(report));
      } catch (e) {
        err(`kindlab test: could not write the JUnit XML to ${junit}: ${e instanceof Error ? e.message : String(e)}`);
        code = 1;
      }
    }
    // A local environment is a folder in the data dir; the others live on Docker, where kindlab env finds them.
    if (values.keep) err(`kept: ${kept}`);
    for (const line of couldNotRemove) err(`kindlab test: ${line}`);
    if (dirProblem) {
      err(`kindlab test: ${dirProblem}`);
      code = 1;
    }
    return code;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}

export async function run(args: string[]): Promise<number> {
  return testCommand(args);
}
