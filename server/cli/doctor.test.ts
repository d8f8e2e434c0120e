/**
 * `kindlab doctor`'s arguments: every mistake is a usage error (exit 2) that
 * names it, before anything is checked. What doctor finds on a host is
 * covered by test/contract/doctor.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './doctor.js';

describe('kindlab doctor (arguments)', function () {
  // On a mistake nothing is checked; a slip that lets doctor run takes seconds, not minutes.
  this.timeout(60_000);
  let dir: string;
  let workshop: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindlab-doctor-args-'));
    workshop = join(dir, 'workshop.yaml');
    writeFileSync(workshop, 'title: T\nlabs: [two-machines]\ncapacity: 3\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function doctor(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('refuses an option without its value, naming it (it was ignored and doctor ran)', async () => {
    for (const [args, message] of [
      [['--seats'], '--seats needs a value: a whole number from 1 to 500'],
      [['--seats', '--json'], '--seats needs a value: a whole number from 1 to 500'],
      [['--workshop'], '--workshop needs a value: the workshop config file (workshop.yaml)'],
      [['--workshop='], '--workshop needs a value: the workshop config file (workshop.yaml)'],
      [['--workshop', workshop, '--labs'], "--labs needs a value: the folder the workshop's labs are in"],
    ] as const) {
      const r = await doctor([...args]);
      assert.deepEqual([r.code, r.out], [2, ''], args.join(' '));
      assert.equal(r.err.split('\n')[0], `kindlab doctor: ${message}`, args.join(' '));
      assert.match(r.err, /^usage: kindlab doctor/m);
    }
  });

  it('refuses options that do not go together instead of ignoring one', async () => {
    for (const [args, message] of [
      [['--labs', dir], /^kindlab doctor: --labs only goes with --workshop/],
      [['--workshop', workshop, '--seats', '3'], /^kindlab doctor: --seats does not go with --workshop: the workshop's capacity is the seats/],
      [['two-machines', '--workshop', workshop], /^kindlab doctor: give a lab or --workshop, not both: --workshop checks the workshop's first lab/],
      [['--seats', '2', '--seats', '3'], /^kindlab doctor: --seats is given twice/],
      [['a', 'b'], /^kindlab doctor: unexpected argument "b": doctor checks one lab/],
      [['--bogus'], /^kindlab doctor: unknown option --bogus/],
    ] as const) {
      const r = await doctor([...args]);
      assert.deepEqual([r.code, r.out], [2, ''], args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
  });

  it('says in plain words what --seats takes (no zod wording)', async () => {
    for (const bad of ['abc', '0', '501', '2.5', '1e2', '', '-3', ' 4']) {
      for (const args of [['--seats', bad], [`--seats=${bad}`]]) {
        const r = await doctor(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.equal(r.err.split('\n')[0], `kindlab doctor: --seats must be a whole number from 1 to 500, got ${JSON.stringify(bad)}`, args.join(' '));
      }
    }
  });

  it('--help says what each option does', async () => {
    const r = await doctor(['--help']);
    assert.equal(r.code, 0);
    for (const option of ['LAB', '--seats N', '--workshop FILE', '--labs DIR', '--json', 'Exit status']) assert.match(r.out, new RegExp(`^ *${option}`, 'm'), option);
    assert.ok(r.out.split('\n').length > 10, r.out);
  });
});
