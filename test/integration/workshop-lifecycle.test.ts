/**
 * A workshop's lifecycle with real parts (containers environment on the real
 * Docker engine with kindlab/busybox:1, real SQLite, real HTTP and socket.io
 * clients) and short durations: the pool tops itself up as learners take
 * seats and never warms beyond capacity; an idle learner (no socket, no
 * activity) loses their environment but not their progress, and coming back
 * gets a fresh one with passed steps still passed; learners active through
 * the same window keep theirs; a learner past sessionTtl is told in plain words
 * and let go; the end leaves no container, network or volume.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionSnapshot } from '../../common/protocol.js';
import { LABEL_LAB, LABEL_SESSION } from '../../cluster/environment.js';
import { Workshop, type TimelineEvent } from '../../server/workshop/workshop.js';
import { parseWorkshopConfig } from '../../server/workshop/workshop-config.js';
import { containerIds, objectsWithLabel, removeLabelled, requireBusybox, uniqueId } from '../helpers/docker.js';
import { quietLogger, startTestServer, type TestServer } from '../helpers/server.js';
import { emitAck, until, Visitor, waitForEvent, type Client } from '../security/workshop-client.js';
import { writeBoxesLab } from './boxes-lab.js';

/** Short enough to watch happen in a test; the reaper looks every REAP_MS. */
const IDLE_MS = 2000;
const REAP_MS = 100;
const TTL_MS = 4000;

type Running = TestServer & { readonly workshop: Workshop; readonly visitors: Visitor[] };

const ofSession = (id: string) => containerIds(`${LABEL_SESSION}=${id}`);

describe('workshop lifecycle (integration: idle reclaim, expiry, pool; real Docker, SQLite, socket.io)', function () {
  this.timeout(60_000);
  const labId = uniqueId('wslife');
  const dir = mkdtempSync(join(tmpdir(), 'kindlab-ws-life-'));
  const running: Running[] = [];

  async function start(name: string, yaml: string): Promise<Running> {
    const parsed = parseWorkshopConfig(yaml, 'workshop.yaml');
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const server = await startTestServer({
      labs: join(dir, 'labs'),
      dataDir: join(dir, name),
      logger: quietLogger,
      workshop: (parts) => new Workshop({ config: parsed.config, ...parts, reapIntervalMs: REAP_MS }),
    });
    const r: Running = Object.assign(server, { visitors: [] as Visitor[] });
    running.push(r);
    assert.ok(r.catalogue.labs.has(labId), JSON.stringify(r.catalogue.entries));
    return r;
  }

  async function stop(r: Running): Promise<void> {
    running.splice(running.indexOf(r), 1);
    for (const v of r.visitors) v.close();
    await r.close();
  }

  function visitor(r: Running): Visitor {
    const v = new Visitor(r.url);
    r.visitors.push(v);
    return v;
  }

  /** Join and open the lab; the session id and whether it was a pre-warmed seat. */
  async function seat(r: Running, name: string): Promise<{ v: Visitor; sessionId: string; prewarmed: boolean }> {
    const v = visitor(r);
    const joined = await v.post('/api/workshop/join', { code: 'LIFE-1', name });
    assert.equal(joined.status, 200, joined.text);
    const spares = r.store.listSessions().filter((s) => s.learner.startsWith('pool:')).map((s) => s.id);
    const opened = await v.post(`/api/labs/${labId}/session`);
    assert.equal(opened.status, 201, opened.text);
    const sessionId = (opened.body as { sessionId: string }).sessionId;
    return { v, sessionId, prewarmed: spares.includes(sessionId) };
  }

  async function live(v: Visitor, sessionId: string): Promise<Client> {
    const socket = await v.socket();
    const snap = await emitAck<SessionSnapshot>(socket, 'session:join', { sessionId });
    assert.ok(snap.ok, JSON.stringify(snap));
    return socket;
  }

  const labContainers = () => containerIds(`${LABEL_LAB}=${labId}`);

  before(async () => {
    await requireBusybox();
    writeBoxesLab(join(dir, 'labs'), labId);
  });

  after(async () => {
    for (const r of [...running]) await stop(r).catch(() => undefined);
    // Whatever a failed test left: remove it by the lab's label.
    await removeLabelled(LABEL_LAB, labId);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('idle reclaim and the pool', () => {
    let r: Running;
    let ada: Awaited<ReturnType<typeof seat>>;
    let bob: Awaited<ReturnType<typeof seat>>;
    let cyd: Awaited<ReturnType<typeof seat>>;
    let adaContainers: string[];
    let adaSocket: Client;
    let bobSocket: Client;
    /** Cyd never opens a socket: she stays active through the HTTP API alone (every 300 ms). */
    let cydActivity: NodeJS.Timeout | undefined;

    after(() => clearInterval(cydActivity));

    before(async () => {
      r = await start('idle', `title: Life\ncode: LIFE-1\nlabs: [${labId}]\ncapacity: 3\nidleTimeout: ${IDLE_MS}ms\nsessionTtl: 1h\nprewarm: {initial: 1, reserved: 1}\n`);
    });

    it('keeps `reserved` spares ready as learners take seats, and never warms more than capacity', async () => {
      assert.deepEqual(r.workshop.room().pool, { ready: 1, provisioning: 0 }, 'doors open with the initial spare ready');
      ada = await seat(r, 'Ada');
      assert.ok(ada.prewarmed, 'Ada gets the pre-warmed seat');
      adaSocket = await live(ada.v, ada.sessionId);
      await until('a new spare ready after Ada took one', () => r.workshop.room().pool.ready === 1, 20_000);
      assert.equal((await labContainers()).length, 2, "Ada's and one spare");

      // Bob and Cyd both join before either opens the lab: both may still claim a seat, so a spare is kept for each turn.
      const bobV = visitor(r);
      const cydV = visitor(r);
      assert.equal((await bobV.post('/api/workshop/join', { code: 'LIFE-1', name: 'Bob' })).status, 200);
      assert.equal((await cydV.post('/api/workshop/join', { code: 'LIFE-1', name: 'Cyd' })).status, 200);
      cydActivity = setInterval(() => void cydV.get('/api/workshop/me'), 300);
      const spareForBob = r.workshop.room().pool;
      assert.deepEqual(spareForBob, { ready: 1, provisioning: 0 });
      const bobOpened = await bobV.post(`/api/labs/${labId}/session`);
      assert.equal(bobOpened.status, 201, bobOpened.text);
      bob = { v: bobV, sessionId: (bobOpened.body as { sessionId: string }).sessionId, prewarmed: true };
      bobSocket = await live(bobV, bob.sessionId);
      await until('a spare ready for Cyd', () => r.workshop.room().pool.ready === 1, 20_000);
      assert.ok((await labContainers()).length <= 3, 'never more environments than capacity');

      const spareIds = r.store.listSessions().filter((s) => s.learner.startsWith('pool:')).map((s) => s.id);
      const cydOpened = await cydV.post(`/api/labs/${labId}/session`);
      assert.equal(cydOpened.status, 201, cydOpened.text);
      cyd = { v: cydV, sessionId: (cydOpened.body as { sessionId: string }).sessionId, prewarmed: true };
      assert.ok(spareIds.includes(cyd.sessionId), 'Cyd, the last seat, also gets a pre-warmed environment');
      // Every seat is taken: no further spare, now or a little later.
      await new Promise((done) => setTimeout(done, 500));
      assert.deepEqual(r.workshop.room().pool, { ready: 0, provisioning: 0 });
      assert.equal((await labContainers()).length, 3, 'exactly one environment per seat');
      for (const s of [ada, bob, cyd]) await until(`${s.sessionId} ready`, () => r.sessions.get(s.sessionId)?.environmentState === 'ready', 20_000);
    });

    it("reclaims an idle learner's environment (no socket, no activity) and keeps their progress; active learners keep theirs", async () => {
      // Ada passes the first step, then leaves (closes her socket) and does nothing more.
      const failed = await emitAck<{ status: string }>(adaSocket, 'check:run', { stepId: 'make-file' });
      assert.ok(failed.ok && failed.value.status === 'failed', JSON.stringify(failed));
      await r.sessions.get(ada.sessionId)!.environment.exec('box', 'touch /root/lab/made', { timeoutMs: 5000 });
      const passed = await emitAck<{ status: string }>(adaSocket, 'check:run', { stepId: 'make-file' });
      assert.ok(passed.ok && passed.value.status === 'passed', JSON.stringify(passed));
      adaContainers = await ofSession(ada.sessionId);
      assert.equal(adaContainers.length, 1);
      const others = { bob: await ofSession(bob.sessionId), cyd: await ofSession(cyd.sessionId) };

      // Bob keeps a socket open and types; Cyd has no socket but keeps using the HTTP API.
      const attached = await emitAck(bobSocket, 'term:attach', { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 });
      assert.ok(attached.ok, JSON.stringify(attached));
      const activity = setInterval(() => bobSocket.emit('term:input', { terminal: 'shell', data: 'true\n' }), 300);
      try {
        const left = Date.now();
        ada.v.close();
        await until("Ada's containers removed", async () => (await ofSession(ada.sessionId)).length === 0, IDLE_MS + 10_000);
        const after = Date.now() - left;
        console.log(`      idle ${IDLE_MS} ms → environment removed after ${after} ms`);
        assert.ok(after >= IDLE_MS, `reclaimed after ${after} ms, before idleTimeout`);
        // One more full idle window with Bob and Cyd active.
        await new Promise((done) => setTimeout(done, IDLE_MS + 4 * REAP_MS));
      } finally {
        clearInterval(activity);
        clearInterval(cydActivity);
      }
      assert.deepEqual({ bob: await ofSession(bob.sessionId), cyd: await ofSession(cyd.sessionId) }, others, 'active learners keep their environments');
      assert.equal(r.sessions.get(bob.sessionId)?.environmentState, 'ready');
      assert.equal(r.sessions.get(cyd.sessionId)?.environmentState, 'ready');

      // Progress stays in the store; the room and the timeline say what happened.
      assert.ok(r.store.getSession(ada.sessionId), 'the session record stays');
      assert.equal(r.store.stepStates(ada.sessionId).find((s) => s.stepId === 'make-file')?.status, 'passed');
      const adaRow = r.workshop.room().learners.find((l) => l.name === 'Ada')!;
      assert.equal(adaRow.online, false);
      assert.equal(adaRow.sessions[0]!.environment, 'destroyed');
      assert.equal(adaRow.sessions[0]!.steps.find((s) => s.stepId === 'make-file')!.status, 'passed');
      const timeline: TimelineEvent[] = r.workshop.timeline();
      assert.deepEqual(timeline.filter((e) => e.type === 'reclaimed').map((e) => e.name), ['Ada']);
      // Two failures? One: the hints were revealed once, when the step first failed.
      const hints = timeline.filter((e) => e.type === 'hint-shown');
      assert.deepEqual(hints.map((e) => [e.name, e.stepId, e.detail]), [['Ada', 'make-file', 'hints revealed after a failed check']]);
      const failedAt = timeline.findIndex((e) => e.type === 'check-failed' && e.name === 'Ada');
      assert.ok(failedAt >= 0 && failedAt < timeline.indexOf(hints[0]!), 'the reveal follows the failed check');
    });

    it('gives a returning learner (same cookie) a fresh environment under the same session, passed steps still passed', async () => {
      const t0 = performance.now();
      const opened = await ada.v.post(`/api/labs/${labId}/session`);
      assert.equal(opened.status, 201, opened.text);
      assert.equal((opened.body as { sessionId: string }).sessionId, ada.sessionId, 'the same session');
      const socket = await live(ada.v, ada.sessionId);
      await until('a fresh environment', () => r.sessions.get(ada.sessionId)?.environmentState === 'ready', 20_000);
      console.log(`      back after reclaim → environment ready: ${Math.round(performance.now() - t0)} ms`);
      const fresh = await ofSession(ada.sessionId);
      assert.equal(fresh.length, 1);
      assert.notDeepEqual(fresh, adaContainers, 'new containers, not the old ones');
      const snap = await emitAck<SessionSnapshot>(socket, 'session:join', { sessionId: ada.sessionId });
      assert.ok(snap.ok);
      assert.equal(snap.value.steps.find((s) => s.stepId === 'make-file')!.status, 'passed', 'progress survived the reclaim');
      assert.equal(r.store.isReclaimed(ada.sessionId), false);
      assert.equal(r.workshop.room().learners.find((l) => l.name === 'Ada')!.sessions[0]!.environment, 'ready');
      // Online now: a further idle window does not take it again.
      await new Promise((done) => setTimeout(done, IDLE_MS + 4 * REAP_MS));
      assert.deepEqual(await ofSession(ada.sessionId), fresh);
    });

    it('ends: every environment removed, nothing left by label', async () => {
      const instructor = visitor(r);
      assert.equal((await instructor.post('/api/instructor/login', { token: r.workshop.newInstructorToken })).status, 200);
      assert.equal((await instructor.post('/api/workshop/end')).status, 200);
      assert.deepEqual(await labContainers(), []);
      await stop(r);
    });
  });

  describe('session expiry and a pool larger than the room', () => {
    let r: Running;

    before(async () => {
      r = await start('ttl', `title: Life\ncode: LIFE-1\nlabs: [${labId}]\ncapacity: 1\nidleTimeout: 1h\nsessionTtl: ${TTL_MS}ms\nprewarm: {initial: 3, reserved: 2}\n`);
    });

    it('pre-warms no more than capacity', async () => {
      assert.deepEqual(r.workshop.room().pool, { ready: 1, provisioning: 0 });
      assert.equal((await labContainers()).length, 1);
    });

    it('ends a session past sessionTtl with a plain message, removes its environment and keeps its progress', async () => {
      const dee = await seat(r, 'Dee');
      assert.ok(dee.prewarmed);
      const socket = await live(dee.v, dee.sessionId);
      const ended = waitForEvent<{ message: string }>(socket, 'workshop:ended', () => true, TTL_MS + 10_000);
      const gone = new Promise<string>((done) => socket.once('disconnect', (why) => done(why)));
      await new Promise((done) => setTimeout(done, 500));
      assert.deepEqual(r.workshop.room().pool, { ready: 0, provisioning: 0 }, 'the only seat is taken: no spare');
      assert.equal((await labContainers()).length, 1);
      const failed = await emitAck<{ status: string }>(socket, 'check:run', { stepId: 'make-file' });
      assert.ok(failed.ok && failed.value.status === 'failed');

      const told = await ended;
      assert.equal(told.message, 'Your workshop session has expired. Your environment has been removed; your progress was kept for the instructor.');
      assert.equal(await gone, 'io server disconnect');
      await until("Dee's containers removed", async () => (await ofSession(dee.sessionId)).length === 0, 10_000);
      const me = await dee.v.get('/api/workshop/me');
      assert.equal(me.status, 401);
      assert.match(me.text, /Your workshop session has expired\./);
      assert.equal((await dee.v.post(`/api/labs/${labId}/session`)).status, 401);
      // A socket opened with the expired cookie is nobody's: it cannot join the session.
      const again = await dee.v.socket();
      const refused = await emitAck(again, 'session:join', { sessionId: dee.sessionId });
      assert.equal(refused.ok, false);
      assert.equal(r.store.stepStates(dee.sessionId).find((s) => s.stepId === 'make-file')?.status, 'failed', 'progress kept');
      assert.deepEqual(r.workshop.timeline().filter((e) => e.type === 'expired').map((e) => e.name), ['Dee']);
    });

    it('ends with nothing left: no container, network or volume by the lab label', async () => {
      const instructor = visitor(r);
      assert.equal((await instructor.post('/api/instructor/login', { token: r.workshop.newInstructorToken })).status, 200);
      assert.equal((await instructor.post('/api/workshop/end')).status, 200);
      await stop(r);
      assert.deepEqual(await objectsWithLabel('container', LABEL_LAB, labId), []);
      assert.deepEqual(await objectsWithLabel('network', LABEL_LAB, labId), []);
      assert.deepEqual(await objectsWithLabel('volume', LABEL_LAB, labId), []);
      assert.deepEqual(running, []);
    });
  });
});
