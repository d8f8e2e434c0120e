/** The readable table `kindlab test` prints: one row per step, then the problems in full. */
import type { LabTestReport } from './lab-test.js';

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  '));
}

export function formatReport(report: LabTestReport): string {
  const lines: string[] = [];
  const many = report.runs.length > 1;
  for (const run of report.runs) {
    lines.push(`${many ? `Run ${run.run}: ` : ''}lab ${report.labId} on ${run.environment} (${(run.ms / 1000).toFixed(1)} s)`);
    if (!run.provision.ok) {
      lines.push(`  provisioning failed at "${run.provision.stage}": ${run.provision.message}`);
      if (run.provision.toolOutput) lines.push(...run.provision.toolOutput.trim().split('\n').map((l) => `    ${l}`));
      if (run.provision.fix) lines.push(`  fix: ${run.provision.fix}`);
      continue;
    }
    if (run.setupProblem) {
      lines.push(`  setup failed: ${run.setupProblem}`);
      continue;
    }
    const rows = [['', 'step', 'before', 'after', 'ms'], ...run.steps.map((s) => [s.ok ? 'ok' : 'FAIL', s.stepId, s.before, s.after, String(s.ms)])];
    lines.push(...table(rows).map((l) => `  ${l}`.trimEnd()));
    for (const s of run.steps.filter((x) => !x.ok)) {
      lines.push(`  ${s.stepId} (${s.where}):`);
      for (const p of s.problems) lines.push(`    - ${p}`);
    }
  }
  if (report.flaky.length) lines.push(`Flaky across ${report.runs.length} runs: ${report.flaky.join(', ')}`);
  const failedSteps = report.runs.reduce((n, r) => n + r.steps.filter((s) => !s.ok).length + (r.provision.ok && !r.setupProblem ? 0 : 1), 0);
  const notRemoved = report.runs.filter((r) => r.cleanupProblem !== undefined).length;
  const failures = [
    ...(failedSteps || !notRemoved ? [`${failedSteps} problem step(s)`] : []),
    ...(report.flaky.length ? [`${report.flaky.length} flaky`] : []),
    ...(notRemoved ? [`${notRemoved} environment(s) not removed`] : []),
  ];
  lines.push(report.ok ? `PASS: every step fails before its solve and passes after it${many ? ` in all ${report.runs.length} runs` : ''}.` : `FAIL: ${failures.join(', ')}.`);
  return lines.join('\n');
}
