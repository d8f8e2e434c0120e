/** JUnit XML for CI dashboards: one testsuite per run, one testcase per step. */
import type { LabTestReport } from './lab-test.js';

function esc(text: string): string {
  // XML 1.0 cannot carry most control characters at all, even escaped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

export function toJUnitXml(report: LabTestReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = report.runs.reduce((n, r) => n + Math.max(1, r.steps.length), 0);
  const failures = report.runs.reduce((n, r) => n + (r.steps.length ? r.steps.filter((s) => !s.ok).length : 1), 0);
  out.push(`<testsuites name="kindlab test ${esc(report.labId)}" tests="${total}" failures="${failures}">`);
  for (const run of report.runs) {
    const name = `${report.labId}${report.runs.length > 1 ? ` run ${run.run}` : ''}`;
    if (run.steps.length === 0) {
      const why = run.provision.ok ? `setup failed: ${run.setupProblem ?? 'unknown'}` : `provisioning failed at "${run.provision.stage}": ${run.provision.message}`;
      out.push(`  <testsuite name="${esc(name)}" tests="1" failures="1" time="${secs(run.ms)}">`);
      out.push(`    <testcase classname="${esc(report.labId)}" name="environment" time="${secs(run.ms)}">`);
      out.push(`      <failure message="${esc(why)}">${esc(why)}</failure>`);
      out.push('    </testcase>', '  </testsuite>');
      continue;
    }
    const failed = run.steps.filter((s) => !s.ok).length;
    out.push(`  <testsuite name="${esc(name)}" tests="${run.steps.length}" failures="${failed}" time="${secs(run.ms)}">`);
    for (const s of run.steps) {
      const open = `    <testcase classname="${esc(report.labId)}" name="${esc(`${s.stepId}: ${s.title}`)}" file="${esc(s.where)}" time="${secs(s.ms)}"`;
      if (s.ok) {
        out.push(`${open}/>`);
        continue;
      }
      const flaky = report.flaky.includes(s.stepId) ? ' (flaky)' : '';
      out.push(`${open}>`);
      out.push(`      <failure message="${esc(`before: ${s.before}, after: ${s.after}${flaky}`)}">${esc(s.problems.join('\n'))}</failure>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>', '');
  return out.join('\n');
}
