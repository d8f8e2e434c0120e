import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveLabDir } from './resolve-lab-dir.js';

describe('resolveLabDir', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'kindlab-resolve-'));
    mkdirSync(join(root, 'labs', 'demo'), { recursive: true });
    writeFileSync(join(root, 'labs', 'demo', 'lab.yaml'), 'title: Demo\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a folder that holds lab.yaml', () => {
    assert.equal(resolveLabDir(join(root, 'labs', 'demo')), join(root, 'labs', 'demo'));
  });
  it('finds a lab id under the labs folder', () => {
    assert.equal(resolveLabDir('demo', join(root, 'labs')), join(root, 'labs', 'demo'));
  });
  it('looks for the folder and the id from the given working directory', () => {
    assert.equal(resolveLabDir('demo', 'labs', root), join('labs', 'demo'));
    assert.equal(resolveLabDir(join('labs', 'demo'), 'labs', root), join('labs', 'demo'));
    assert.equal(resolveLabDir('demo', 'labs', tmpdir()), 'demo');
  });
  it('leaves anything else alone, so the loader reports it with its own words', () => {
    assert.equal(resolveLabDir('nope', join(root, 'labs')), 'nope');
    assert.equal(resolveLabDir('../demo', join(root, 'labs')), '../demo');
  });
});
