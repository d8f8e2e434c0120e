import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '../cli/validate.js';
import { tinyRegistry } from '../../test/fixtures/labs/tiny-registry.js';

const ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..');

async function runValidate(args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await validate(args, { registry: tinyRegistry(), cwd: ROOT, out: (l) => out.push(l) });
  return { code, out };
}

describe('kindlab validate', () => {
  it('prints file:line problems relative to cwd, a summary, and exits 1 on errors', async () => {
    const { code, out } = await runValidate(['test/fixtures/labs/missing-chapter', 'test/fixtures/labs/bad-schema']);
    assert.equal(code, 1);
    assert.deepEqual(out, [
      'test/fixtures/labs/missing-chapter/lab.yaml:7: error: chapters[1]: chapter file "chapters/02-gone.md" does not exist',
      'test/fixtures/labs/bad-schema/lab.yaml:6: error: environment.workers: Invalid input: expected number, received string',
      'test/fixtures/labs/bad-schema/lab.yaml:7: error: colour: unknown field',
      '2 labs checked: 3 errors, 0 warnings',
    ]);
  });

  it('validates a folder of labs and exits 0 when there are only warnings or nothing', async () => {
    const good = await runValidate(['test/fixtures/labs/good-containers']);
    assert.deepEqual(good, { code: 0, out: ['1 lab checked: 0 errors, 0 warnings'] });
    const all = await runValidate(['test/fixtures/labs']);
    assert.equal(all.code, 1);
    assert.match(all.out.at(-1)!, /^5 labs checked: \d+ errors, 2 warnings$/);
  });

  it('reports a directory that does not exist, and lists built-ins', async () => {
    assert.deepEqual(await runValidate(['no/such/dir']), { code: 1, out: ['no/such/dir: error: there is no such folder', '0 labs checked: 1 error, 0 warnings'] });
    assert.deepEqual(await runValidate(['package.json']), { code: 1, out: ['package.json: error: is a file, not a folder', '0 labs checked: 1 error, 0 warnings'] });
    const list = await runValidate(['--builtins']);
    assert.equal(list.code, 0);
    assert.match(list.out.join('\n'), /file-exists {2}a file exists[\s\S]*magic {2}the magic number/);
  });
});
