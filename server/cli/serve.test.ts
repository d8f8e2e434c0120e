/**
 * `kindlab serve`'s edges: its arguments (parseServeArgs), and the real CLI in
 * a child process for folders that are missing or are files, a data dir that
 * cannot be made, a pre-warm larger than the room and Ctrl-C during pre-warm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServeArgs, type ServeOptions } from './serve.js';
import { LABEL_LAB } from '../../cluster/environment.js';
import { writeCliEntry } from '../../test/helpers/cli.js';
import { labelledObjects, removeLabelled, requireBusybox, uniqueId, waitFor } from '../../test/helpers/docker.js';

const REPO = join(import.meta.dirname, '..', '..');

const TSX = import.meta.resolve('tsx');
const LOCAL_LAB_YAML = 'title: Shell\nsummary: A local lab.\nenvironment:\n  type: local\n';
const CHAPTER = '# Shell\n\n## One {#one}\n\n```check\ntrue\n```\n';

function options(args: string[]): ServeOptions {
  const r = parseServeArgs(args);
  assert.ok(typeof r === 'object' && !('error' in r), `${args.join(' ')}: ${JSON.stringify(r)}`);
  return r;
}

function error(args: string[]): string {
  const r = parseServeArgs(args);
  assert.ok(typeof r === 'object' && 'error' in r, `${args.join(' ')} should be refused, got ${JSON.stringify(r)}`);
  return r.error;
}

describe('kindlab serve: arguments', () => {
  it('takes a port of decimal digits from 0 to 65535', () => {
    assert.equal(options(['--port', '0']).port, 0);
    assert.equal(options(['--port', '4173']).port, 4173);
    assert.equal(options(['--port', '65535']).port, 65535);
    assert.equal(options([]).port, 4173);
  });

  it('refuses an empty, hex, exponent, signed, spaced or too large port', () => {
    for (const bad of ['', '0x50', '1e3', '+80', '-1', ' 80', '80 ', '8.0', '65536', '99999999999999999999']) {
      assert.match(error([`--port=${bad}`]), /^--port must be a whole number from 0 to 65535, got "/, JSON.stringify(bad));
    }
  });

  it('takes a terminal grace from 1s to 168h (7 days)', () => {
    assert.equal(options(['--terminal-grace', '1s']).terminalGraceMs, 1000);
    assert.equal(options(['--terminal-grace', '15m']).terminalGraceMs, 900_000);
    assert.equal(options(['--terminal-grace', '168h']).terminalGraceMs, 7 * 24 * 3_600_000);
    assert.equal(options([]).terminalGraceMs, 900_000);
  });

  it('refuses a terminal grace under 1s or over 7 days (setTimeout would fire at once past ~24.8 days)', () => {
    for (const bad of ['0s', '0ms', '999ms', '168.01h', '99999h', '597h']) {
      assert.match(error(['--terminal-grace', bad]), /^--terminal-grace must be from 1s to 168h \(7 days\), got "/, bad);
    }
    assert.match(error(['--terminal-grace', 'soon']), /^--terminal-grace must be a duration such as 90s, 15m or 1h, got "soon"/);
  });
});

interface Child {
  readonly code: Promise<number | null>;
  readonly output: () => string;
  readonly kill: (signal: NodeJS.Signals) => void;
  /** Signal the child's whole process group, as Ctrl-C in a terminal does. */
  readonly interrupt: () => void;
}

describe('kindlab serve: the real CLI', function () {
  this.timeout(60_000);
  let dir: string;
  let entry: string;
  const children: Child[] = [];

  /** `kindlab serve <args>` from source, in `cwd`; killed at 20 s at the latest. */
  function serve(cwd: string, args: string[]): Child {
    const child = spawn(process.execPath, ['--import', TSX, entry, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = new Promise<number | null>((done) =>
      child.on('exit', (c) => {
        clearTimeout(timer);
        done(c);
      }),
    );
    const group = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // already gone
      }
    };
    const c = { code, output: () => out, kill: group, interrupt: () => group('SIGINT') };
    children.push(c);
    return c;
  }

  async function refused(cwd: string, args: string[], message: RegExp): Promise<string> {
    const c = serve(cwd, args);
    const code = await c.code;
    assert.equal(code, 2, c.output());
    assert.match(c.output(), message);
    assert.doesNotMatch(c.output(), /\n\s+at /, 'no stack trace');
    return c.output();
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindlab-serve-'));
    entry = writeCliEntry(dir);
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'labs', 'shell', 'chapters'), { recursive: true });
    writeFileSync(join(dir, 'labs', 'shell', 'lab.yaml'), LOCAL_LAB_YAML);
    writeFileSync(join(dir, 'labs', 'shell', 'chapters', '01.md'), CHAPTER);
    writeFileSync(join(dir, 'a-file'), 'not a folder\n');
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.code));
    rmSync(dir, { recursive: true, force: true });
  });

  it('says where it looked when there is no ./labs, and creates no data dir', async () => {
    const cwd = join(dir, 'empty');
    await refused(cwd, ['--data-dir', join(cwd, 'data')], new RegExp(`kindlab serve: no labs folder at ${join(cwd, 'labs')}; run from the kindlab folder or pass --labs DIR`));
    assert.equal(existsSync(join(cwd, 'data')), false);
  });

  it('says so when --labs does not exist or is a file', async () => {
    await refused(dir, ['--labs', join(dir, 'nope'), '--data-dir', join(dir, 'd1')], /kindlab serve: no labs folder at .*\/nope; run from the kindlab folder or pass --labs DIR/);
    await refused(dir, ['--labs', join(dir, 'a-file'), '--data-dir', join(dir, 'd1')], /kindlab serve: --labs .*\/a-file is a file, not a folder/);
    assert.equal(existsSync(join(dir, 'd1')), false);
  });

  it('says so with --workshop and no ./labs', async () => {
    const cwd = join(dir, 'empty');
    writeFileSync(join(cwd, 'w.yaml'), 'title: T\nlabs: [shell]\ncapacity: 2\n');
    await refused(cwd, ['--workshop', 'w.yaml', '--data-dir', join(cwd, 'data')], /kindlab serve: no labs folder at .*\/empty\/labs; run from the kindlab folder or pass --labs DIR/);
  });

  it('refuses a data dir that is a file, or under one, or that cannot be made (no hang on /proc)', async () => {
    await refused(dir, ['--labs', 'labs', '--data-dir', join(dir, 'a-file')], /kindlab serve: --data-dir .*\/a-file is a file, not a folder/);
    await refused(dir, ['--labs', 'labs', '--data-dir', join(dir, 'a-file', 'sub')], /kindlab serve: --data-dir .*\/a-file\/sub: .*a-file is a file, not a folder/);
    const t = Date.now();
    await refused(dir, ['--labs', 'labs', '--data-dir', '/proc/kindlab-nope/x'], /kindlab serve: --data-dir \/proc\/kindlab-nope\/x: cannot create \/proc\/kindlab-nope: /);
    assert.ok(Date.now() - t < 15_000);
  });

  it('pre-warms no more than capacity, and says the number it warms', async () => {
    writeFileSync(join(dir, 'big.yaml'), 'title: T\nlabs: [shell]\ncapacity: 2\nprewarm: {initial: 10, reserved: 5}\n');
    const c = serve(dir, ['--labs', 'labs', '--data-dir', join(dir, 'big-data'), '--workshop', 'big.yaml']);
    await waitFor('serving', async () => /serving on/.test(c.output()), 15_000);
    c.interrupt();
    assert.equal(await c.code, 0, c.output());
    assert.match(c.output(), /kindlab: pre-warming 2 environment\(s\) of shell before the doors open \(prewarm\.initial is 10; capacity 2 caps it\)/);
    assert.match(c.output(), /kindlab: pre-warmed in /);
  });

  describe('Ctrl-C while pre-warming (real Docker)', () => {
    const labId = uniqueId('serve-int-');

    before(async () => {
      await requireBusybox();
      cpSync(join(REPO, 'labs', 'two-machines'), join(dir, 'labs', labId), { recursive: true });
      writeFileSync(join(dir, 'int.yaml'), `title: T\nlabs: [${labId}]\ncapacity: 2\nprewarm: {initial: 2}\n`);
    });

    after(() => removeLabelled(LABEL_LAB, labId));

    it('stops the pre-warm, removes what it made, says so and exits 130', async () => {
      const c = serve(dir, ['--labs', 'labs', '--data-dir', join(dir, 'int-data'), '--workshop', 'int.yaml']);
      await waitFor('a pre-warmed container', async () => (await labelledObjects(`${LABEL_LAB}=${labId}`)).some((o) => o.startsWith('container ')), 20_000);
      c.interrupt();
      const code = await c.code;
      assert.equal(code, 130, c.output());
      assert.match(c.output(), /kindlab: SIGINT while pre-warming; removing the environments it made/);
      assert.match(c.output(), /kindlab: stopped/);
      assert.doesNotMatch(c.output(), /serving on|failed|\n\s+at /);
      assert.deepEqual(await labelledObjects(`${LABEL_LAB}=${labId}`), []);
    });
  });
});
