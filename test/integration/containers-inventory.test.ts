/** `kindlab env ls|down` and findLeftovers against the real Docker engine. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainersEnvironment } from '../../cluster/containers/containers-environment.js';
import { findLeftovers, listInventory, removeInventory } from '../../cluster/containers/inventory.js';
import { LABEL_SESSION } from '../../cluster/environment.js';
import { runTool, tryTool } from '../../cluster/tool.js';
import { run as envCli } from '../../server/cli/env.js';
import { BUSYBOX, objectsWithLabel, requireBusybox, uniqueId } from '../helpers/docker.js';

describe('inventory and kindlab env (integration, real Docker)', function () {
  this.timeout(60_000);
  const first = uniqueId('inv');
  const second = uniqueId('inv');
  const kindCluster = `kindlab-${uniqueId('kc')}`;
  let dir: string;

  const make = (sessionId: string): ContainersEnvironment =>
    new ContainersEnvironment({ type: 'containers', machines: [{ name: 'box', image: BUSYBOX }] }, { sessionId, labId: 'inv-lab', labFilesDir: join(dir, 'none'), dataDir: dir });

  before(async () => {
    await requireBusybox();
    dir = await mkdtemp(join(tmpdir(), 'kindlab-inv-'));
    for (const s of [first, second]) assert.equal((await make(s).provision()).ok, true);
    await runTool('docker', ['volume', 'create', '--label', `${LABEL_SESSION}=${first}`, '--label', 'io.kindlab.lab=inv-lab', `kindlab-${first}-data`]);
    // A stand-in for a kind node: a real container carrying the label kind puts on its nodes.
    await runTool('docker', ['run', '-d', '--name', `${kindCluster}-control-plane`, '--label', `io.x-k8s.kind.cluster=${kindCluster}`, BUSYBOX, 'sleep', '600']);
  });
  after(async () => {
    for (const s of [first, second]) await make(s).destroy();
    await tryTool('docker', ['rm', '-f', `${kindCluster}-control-plane`]);
    await rm(dir, { recursive: true, force: true });
    for (const s of [first, second]) assert.deepEqual(await objectsWithLabel('container', LABEL_SESSION, s), []);
  });

  it('lists containers, networks, volumes and kind clusters grouped by session', async () => {
    const sessions = await listInventory();
    const mine = sessions.find((s) => s.session === first);
    assert.ok(mine, 'first session listed');
    assert.equal(mine.lab, 'inv-lab');
    assert.deepEqual(
      mine.items.map((i) => `${i.type} ${i.name}${i.machine ? ` ${i.machine}` : ''}`),
      [`container kindlab-${first}-box box`, `network kindlab-${first}`, `volume kindlab-${first}-data`],
    );
    const kind = sessions.find((s) => s.session === kindCluster.slice('kindlab-'.length));
    assert.deepEqual(kind?.items.map((i) => [i.type, i.name, i.status]), [['kind-cluster', kindCluster, '1 node']]);
    assert.ok(sessions.some((s) => s.session === second));
  });

  it('findLeftovers leaves out the sessions the server knows as live', async () => {
    const left = await findLeftovers([second]);
    assert.ok(left.some((s) => s.session === first));
    assert.ok(!left.some((s) => s.session === second));
  });

  it('`kindlab env ls` prints each session with its objects', async () => {
    const lines: string[] = [];
    assert.equal(await envCli(['ls'], { out: (l) => lines.push(l) }), 0);
    const text = lines.join('\n');
    assert.match(text, new RegExp(`session ${first} \\(lab inv-lab\\)\\n  container +kindlab-${first}-box  \\(machine box, Up`));
    assert.match(text, new RegExp(`kind-cluster +${kindCluster}`));
    const json: string[] = [];
    assert.equal(await envCli(['ls', '--json'], { out: (l) => json.push(l) }), 0);
    assert.ok((JSON.parse(json.join('\n')) as { session: string }[]).some((s) => s.session === second));
  });

  it('`kindlab env down --session` removes one session and nothing else', async () => {
    const lines: string[] = [];
    assert.equal(await envCli(['down', '--session', first], { out: (l) => lines.push(l) }), 0);
    assert.deepEqual(lines.sort(), [`removed container kindlab-${first}-box`, `removed network kindlab-${first}`, `removed volume kindlab-${first}-data`]);
    for (const type of ['container', 'network', 'volume'] as const) assert.deepEqual(await objectsWithLabel(type, LABEL_SESSION, first), []);
    assert.equal((await objectsWithLabel('container', LABEL_SESSION, second)).length, 1, 'the other session is untouched');
    // Gone now: a second `down` says the session is not there (exit 1) rather than succeeding quietly.
    const again: string[] = [];
    const againErr: string[] = [];
    assert.equal(await envCli(['down', '--session', first], { out: (l) => again.push(l), err: (l) => againErr.push(l) }), 1);
    assert.deepEqual(again, []);
    assert.match(againErr.join('\n'), new RegExp(`^No session ${first} on this engine\\. Sessions: .*${second} \\(lab inv-lab\\)`));
  });

  it('`kindlab env down --session` with a name that is no session says so, lists the sessions, suggests the id and exits 1', async () => {
    // The environment's name (as `kindlab test --keep` shows it) instead of the session id.
    const out: string[] = [];
    const err: string[] = [];
    assert.equal(await envCli(['down', '--session', `kindlab-${second}`], { out: (l) => out.push(l), err: (l) => err.push(l) }), 1);
    assert.deepEqual(out, []);
    assert.equal(err.length, 1, err.join('\n'));
    assert.match(err[0]!, new RegExp(`^No session kindlab-${second} on this engine\\. Sessions: (.+, )?${second} \\(lab inv-lab\\)(, .+)?\\. Did you mean ${second}\\?$`));
    assert.equal((await objectsWithLabel('container', LABEL_SESSION, second)).length, 1, 'nothing removed');
    // A container's name points at its session too; --json says the same in fields.
    const json: string[] = [];
    assert.equal(await envCli(['down', '--session', `kindlab-${second}-box`, '--json'], { out: (l) => json.push(l), err: (l) => err.push(l) }), 1);
    const r = JSON.parse(json.join('\n')) as { removed: unknown[]; failed: unknown[]; error: string; sessions: { session: string; lab?: string }[]; didYouMean?: string };
    assert.deepEqual([r.removed, r.failed, r.didYouMean], [[], [], second]);
    assert.match(r.error, new RegExp(`^No session kindlab-${second}-box on this engine\\.$`));
    assert.deepEqual(r.sessions.find((s) => s.session === second), { session: second, lab: 'inv-lab' });
    assert.equal((await objectsWithLabel('container', LABEL_SESSION, second)).length, 1, 'nothing removed');
  });

  it('removes a kind cluster’s node containers', async () => {
    const r = await removeInventory({ session: kindCluster.slice('kindlab-'.length) });
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.removed.map((i) => i.name), [kindCluster]);
    assert.equal((await tryTool('docker', ['inspect', `${kindCluster}-control-plane`])).exitCode, 1);
  });

  it('rejects bad usage with exit status 2', async () => {
    const err: string[] = [];
    const quiet = { out: () => undefined, err: (l: string) => err.push(l) };
    assert.equal(await envCli(['down'], quiet), 2);
    assert.equal(await envCli(['down', '--all', '--session', 'x'], quiet), 2);
    assert.equal(await envCli(['down', '--session', '../etc'], quiet), 2);
    assert.equal(await envCli(['ls', '--bogus'], quiet), 2);
    assert.equal(await envCli(['frobnicate'], quiet), 2);
    assert.match(err.join('\n'), /exactly one of --session ID or --all/);
  });

  it('says what a session id may be when --session is not one', async () => {
    for (const bad of ['..', '.hidden', '-', 'a/b', '']) {
      const err: string[] = [];
      assert.equal(await envCli(['down', `--session=${bad}`], { out: () => undefined, err: (l) => err.push(l) }), 2, bad);
      assert.equal(err.join('\n'), `kindlab env down: --session ${JSON.stringify(bad)} is not a session id: one starts with a letter or digit, then letters, digits, _ . - (\`kindlab env ls\` lists them)`);
    }
  });
});
