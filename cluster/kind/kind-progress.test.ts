import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProgressEvent } from '../../common/environment.js';
import { KindProgress, parseKindLine } from './kind-progress.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/real-outputs/', import.meta.url));

/** A capture's output lines: without the `# ` header and the shell prompt line. */
function capture(name: string): string[] {
  return readFileSync(FIXTURES + name, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('# ') && !/^\S*\$ /.test(l) && !l.startsWith('$ '));
}

/** A clock that advances 100 ms per reading, so timings are predictable. */
function steppingClock(): () => number {
  let t = 0;
  return () => (t += 100);
}

function run(lines: readonly string[]): { events: ProgressEvent[]; progress: KindProgress } {
  const events: ProgressEvent[] = [];
  const progress = new KindProgress((e) => events.push(e), steppingClock());
  for (const l of lines) progress.feed(l);
  return { events, progress };
}

describe('kind progress parser', () => {
  it('reads the stages of a real successful create (no TTY marks, emoji, trailing spaces)', () => {
    const { events, progress } = run(capture('1-kind-create-success-a.txt'));
    const done = events.filter((e) => e.status === 'done').map((e) => e.stage);
    assert.deepEqual(done, ['Ensuring node image', 'Preparing nodes', 'Writing configuration', 'Starting control-plane', 'Installing CNI', 'Installing StorageClass']);
    assert.equal(events.find((e) => e.stage === 'Ensuring node image')?.detail, 'kindest/node:v1.18.20');
    assert.equal(events[0]?.stage, 'Creating cluster');
    for (const e of events.filter((x) => x.status === 'done')) assert.ok(typeof e.ms === 'number' && e.ms > 0, `timing for ${e.stage}`);
    assert.equal(progress.failure, undefined);
  });

  it('reads a real image pull failure: stage, ERROR and Command Output', () => {
    const { events, progress } = run(capture('1-kind-create-failure-a-image-pull.txt'));
    assert.deepEqual(events.at(-1)?.status, 'failed');
    assert.deepEqual(progress.failure, {
      stage: 'Ensuring node image',
      message: 'failed to create cluster: failed to pull image "kindest/node:latest": command "docker pull kindest/node:latest" failed with error: exit status 1',
      commandOutput: 'Error response from daemon: manifest for kindest/node:latest not found: manifest unknown: manifest unknown',
    });
  });

  it('reads a real Docker-not-running failure that happens before any stage', () => {
    const { events, progress } = run(capture('1-kind-create-failure-c-docker-not-running.txt'));
    assert.equal(events.filter((e) => e.status !== 'info').length, 0);
    assert.equal(progress.failure?.stage, undefined);
    assert.match(progress.failure?.commandOutput ?? '', /Cannot connect to the Docker daemon .* Is the docker daemon running\?/);
  });

  it('reads a real cgroup failure at "Preparing nodes"', () => {
    const { progress } = run(capture('1-kind-create-failure-h-cgroup-preparing-nodes.txt'));
    assert.equal(progress.failure?.stage, 'Preparing nodes');
    assert.match(progress.failure?.message ?? '', /could not find a log line that matches "Reached target \.\*Multi-User System\.\*\|detected cgroup v1"/);
  });

  it('reads TTY output: spinner frames start a stage once, coloured ✓ ends it', () => {
    // Shaped as kind's status.go/spinner.go write it, split on \r as cluster/tool.ts does.
    const raw =
      'Creating cluster "kindlab-ab12" ...\n' +
      '\x1b[?7l\r⠈⠁ Ensuring node image (kindest/node:v1.34.0) 🖼 \x1b[?7h' +
      '\x1b[?7l\r⠈⠑ Ensuring node image (kindest/node:v1.34.0) 🖼 \x1b[?7h' +
      '\r \x1b[32m✓\x1b[0m Ensuring node image (kindest/node:v1.34.0) 🖼\n' +
      '\x1b[?7l\r⠈⠱ Preparing nodes 📦 📦 📦  \x1b[?7h' +
      '\r \x1b[31m✗\x1b[0m Preparing nodes 📦 📦 📦\n' +
      'ERROR: failed to create cluster: boom\n';
    const { events, progress } = run(raw.split(/\r\n|\n|\r/));
    assert.deepEqual(
      events.map((e) => `${e.status} ${e.stage}${e.detail ? ` (${e.detail})` : ''}`),
      ['info Creating cluster (Creating cluster "kindlab-ab12" ...)', 'started Ensuring node image (kindest/node:v1.34.0)', 'done Ensuring node image (kindest/node:v1.34.0)', 'started Preparing nodes (3 nodes)', 'failed Preparing nodes (3 nodes)'],
    );
    assert.deepEqual(progress.failure, { stage: 'Preparing nodes', message: 'failed to create cluster: boom' });
  });

  it('reads non-TTY start lines and warnings', () => {
    assert.deepEqual(parseKindLine(' • Starting control-plane 🕹️  ...'), { kind: 'start', stage: 'Starting control-plane' });
    assert.deepEqual(parseKindLine(' • WARNING: Timed out waiting for Ready ⚠️'), { kind: 'warning', text: 'WARNING: Timed out waiting for Ready' });
    assert.deepEqual(parseKindLine('✗ Joining worker nodes 🚜'), { kind: 'failed', stage: 'Joining worker nodes' });
    assert.deepEqual(parseKindLine('   '), { kind: 'blank' });
  });
});
