import assert from 'node:assert/strict';
import { parseWorkshopConfig } from './workshop-config.js';

describe('parseWorkshopConfig', () => {
  const where = (text: string) => {
    const r = parseWorkshopConfig(text, 'workshop.yaml');
    assert.equal(r.ok, false);
    return r.ok ? [] : r.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
  };

  it('reads a good config with its defaults', () => {
    const r = parseWorkshopConfig('title: T\nlabs: [a]\ncapacity: 3\n', 'workshop.yaml');
    assert.ok(r.ok);
    assert.equal(r.ok && r.config.idleTimeout, 30 * 60_000);
  });

  it('reports an unknown field at its own line, at the top level and nested', () => {
    assert.deepEqual(where('title: T\nlabs: [a]\ncapacity: 3\nfoo: 1\n'), ['workshop.yaml:4: unknown field foo']);
    assert.deepEqual(where('title: T\nlabs: [a]\ncapacity: 3\nstuck:\n  minutes: 5\n  bogus: 2\n'), ['workshop.yaml:6: stuck: unknown field bogus']);
  });

  it('says a missing field is missing, in plain words', () => {
    assert.deepEqual(where('labs: [a]\ncapacity: 3\n'), ['workshop.yaml:1: title: missing (a string is required)']);
    assert.deepEqual(where('title: T\ncapacity: 3\n'), ['workshop.yaml:1: labs: missing (an array is required)']);
  });

  it('reports a bad value at its line', () => {
    assert.deepEqual(where('title: T\nlabs: [a]\ncapacity: 0\n').map((l) => l.split(': ')[0]), ['workshop.yaml:3']);
  });
});
