/**
 * Workshop isolation with real parts (local shells in real PTYs, real SQLite,
 * real HTTP and socket.io): learner B can do nothing to learner A's session
 * with B's own cookie, a forged token or none; learners cannot reach the
 * instructor's routes or events; the instructor's shadow is read-only (a
 * marker file the shadow tries to create never appears), and one that parses
 * nothing cannot make the server buffer without bound; joins are
 * rate-limited; a full event says so; a wrong code is refused; and outside
 * workshop mode the server refuses to bind beyond loopback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOW_LAG_LIMIT, OUTPUT_BATCH_MAX_BYTES, type SessionSnapshot } from '../../common/protocol.js';
import { byteLength } from '../../common/terminal-data.js';
import type { SqliteStore } from '../../server/store/sqlite-store.js';
import type { SessionManager } from '../../server/sessions/session-manager.js';
import { Workshop } from '../../server/workshop/workshop.js';
import { parseWorkshopConfig } from '../../server/workshop/workshop-config.js';
import { newToken } from '../../server/workshop/tokens.js';
import { parseServeArgs } from '../../server/cli/serve.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';
import { quietLogger, startTestServer, type TestServer } from '../helpers/server.js';
import { collectOutput, emitAck, until, Visitor, waitForEvent } from './workshop-client.js';

const CHAPTER = `# Files

## Make a file {#make-file}

\`\`\`check
test -f made || { echo "made is missing"; exit 1; }
\`\`\`

\`\`\`answer prompt="Your shell?"
echo sh
\`\`\`

\`\`\`solve
touch made
\`\`\`
`;

describe('workshop isolation (security: real shells, SQLite, HTTP and socket.io)', function () {
  this.timeout(30_000);
  let dir: string;
  let server: TestServer & { readonly workshop: Workshop };
  let url: string;
  let store: SqliteStore;
  let sessions: SessionManager;
  let workshop: Workshop;
  const visitors: Visitor[] = [];
  let baseline: string[];
  let a: Visitor;
  let b: Visitor;
  let instructor: Visitor;
  let aSession: string;
  let bSession: string;

  const visitor = () => {
    const v = new Visitor(url);
    visitors.push(v);
    return v;
  };

  before(async () => {
    baseline = childProcesses();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-ws-sec-'));
    mkdirSync(join(dir, 'labs', 'files', 'chapters'), { recursive: true });
    writeFileSync(join(dir, 'labs', 'files', 'lab.yaml'), 'title: Files\nsummary: A local lab.\nenvironment:\n  type: local\n');
    writeFileSync(join(dir, 'labs', 'files', 'chapters', '01.md'), CHAPTER);
    mkdirSync(join(dir, 'labs', 'other', 'chapters'), { recursive: true });
    writeFileSync(join(dir, 'labs', 'other', 'lab.yaml'), 'title: Not in the event\nsummary: x\nenvironment:\n  type: local\n');
    writeFileSync(join(dir, 'labs', 'other', 'chapters', '01.md'), CHAPTER);
    const parsed = parseWorkshopConfig('title: Secure\ncode: SAFE-1\nlabs: [files]\ncapacity: 3\n', 'workshop.yaml');
    assert.ok(parsed.ok);
    server = await startTestServer({
      labs: join(dir, 'labs'),
      dataDir: join(dir, 'data'),
      logger: quietLogger,
      workshop: (parts) => new Workshop({ config: parsed.config, ...parts }),
    });
    ({ url, store, sessions, workshop } = server);

    a = visitor();
    b = visitor();
    instructor = visitor();
    assert.equal((await a.post('/api/workshop/join', { code: 'SAFE-1', name: 'Alice' })).status, 200);
    assert.equal((await b.post('/api/workshop/join', { code: 'safe-1', name: 'Bob' })).status, 200);
    assert.equal((await instructor.post('/api/instructor/login', { token: workshop.newInstructorToken })).status, 200);
    aSession = ((await a.post('/api/labs/files/session')).body as { sessionId: string }).sessionId;
    bSession = ((await b.post('/api/labs/files/session')).body as { sessionId: string }).sessionId;
    await until('both ready', () => [aSession, bSession].every((id) => sessions.get(id)?.environmentState === 'ready'));
  });

  after(async () => {
    for (const v of visitors) v.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    await assertNoNewChildren(baseline, 5000, 'every shell the test started is gone');
  });

  it('keeps strangers on /join and shows learners only the event’s labs', async () => {
    const stranger = visitor();
    const home = await stranger.get('/');
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), '/join');
    assert.equal((await stranger.get('/join')).status, 200);
    assert.equal((await a.get('/')).status, 200);
    assert.deepEqual(((await a.get('/api/labs')).body as { id: string }[]).map((l) => l.id), ['files']);
    assert.equal((await a.get('/api/labs/other')).status, 404);
    assert.equal((await a.post('/api/labs/other/session')).status, 404);
    const info = (await stranger.get('/api/workshop/info')).body as Record<string, unknown>;
    assert.deepEqual(info, { title: 'Secure', labs: [{ id: 'files', title: 'Files' }], capacity: 3, joined: 2, mode: 'workshop', ended: false });
  });

  it('refuses B, a forged token and nobody on A’s session over HTTP', async () => {
    assert.equal((await a.get(`/api/sessions/${aSession}`)).status, 200);
    assert.equal((await b.get(`/api/sessions/${aSession}`)).status, 403);
    const forged = visitor();
    forged.cookie = `kl_learner=${newToken()}`;
    assert.equal((await forged.get(`/api/sessions/${aSession}`)).status, 401);
    assert.equal((await forged.post('/api/labs/files/session')).status, 401);
    assert.equal((await forged.get('/api/workshop/me')).status, 401);
    const nobody = visitor();
    assert.equal((await nobody.get(`/api/sessions/${aSession}`)).status, 401);
    assert.equal((await nobody.post('/api/labs/files/session')).status, 401);
    // The instructor is not a learner: no session of their own, so nothing to type into.
    assert.equal((await instructor.post('/api/labs/files/session')).status, 401);
  });

  it('refuses B, a forged token and nobody on A’s session and terminals over sockets', async () => {
    const forged = visitor();
    forged.cookie = `kl_learner=${newToken()}`;
    for (const v of [b, forged, visitor(), instructor]) {
      const s = await v.socket();
      const joined = await emitAck<SessionSnapshot>(s, 'session:join', { sessionId: aSession });
      assert.equal(joined.ok, false, `session:join of A's session must fail for ${v.cookie || 'nobody'}`);
      for (const [event, payload] of [
        ['check:run', { stepId: 'make-file' }],
        ['answer:submit', { stepId: 'make-file', answerId: 'answer-1', value: 'sh' }],
        ['step:solve', { stepId: 'make-file' }],
        ['steps:recheck', {}],
        ['term:attach', { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 }],
      ] as const) {
        const r = await emitAck(s, event, payload);
        assert.equal(r.ok, false, `${event} must be refused`);
      }
      s.emit('term:input', { terminal: 'shell', data: `touch ${join(dir, 'typed-by-intruder')}\n` });
    }
    // B's own session works, and B still cannot reach A's after joining their own.
    const bs = await b.socket();
    assert.ok((await emitAck(bs, 'session:join', { sessionId: bSession })).ok);
    assert.equal((await emitAck(bs, 'session:join', { sessionId: aSession })).ok, false);
    const solved = await emitAck<{ status: string }[]>(bs, 'step:solve', { stepId: 'make-file' });
    assert.ok(solved.ok && solved.value[0]!.status === 'passed');
    assert.equal(sessions.get(aSession)!.stateOf('make-file').status, 'not-started', "A's progress is untouched");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(existsSync(join(dir, 'typed-by-intruder')), false);
  });

  it('keeps learners and strangers out of the instructor’s routes and events', async () => {
    const routes = ['/api/workshop/room', '/api/workshop/timeline', '/api/workshop/results.csv', '/api/workshop/results.json', '/api/workshop/results.junit.xml'];
    for (const r of routes) {
      assert.equal((await a.get(r)).status, 403, r);
      assert.equal((await visitor().get(r)).status, 401, r);
      assert.equal((await instructor.get(r)).status, 200, r);
    }
    assert.equal((await a.post('/api/workshop/end')).status, 403);
    assert.equal((await visitor().post('/api/workshop/end')).status, 401);
    const forgedInstructor = visitor();
    forgedInstructor.cookie = `kl_instructor=${newToken()}`;
    assert.equal((await forgedInstructor.get('/api/workshop/room')).status, 401);
    for (const v of [a, visitor(), forgedInstructor]) {
      const s = await v.socket();
      assert.equal((await emitAck(s, 'room:subscribe', {})).ok, false);
      const shadow = await emitAck(s, 'term:shadow', { sessionId: aSession, terminal: 'shell', fromSeq: 0 });
      assert.equal(shadow.ok, false);
      assert.match((shadow as { error: string }).error, /instructor only/);
      const refused = waitForEvent<{ event: string; message: string }>(s, 'client:error', (e) => e.event === 'shadow:ack');
      s.emit('shadow:ack', { sessionId: aSession, terminal: 'shell', bytes: 1 });
      assert.match((await refused).message, /instructor only/);
    }
    assert.equal(workshop.ended, false);
  });

  it('lets the instructor watch A’s terminal, read-only', async () => {
    const as = await a.socket();
    assert.ok((await emitAck(as, 'session:join', { sessionId: aSession })).ok);
    const learnerOut = collectOutput(as, 'term:output', 'shell');
    assert.ok((await emitAck(as, 'term:attach', { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok);
    as.emit('term:input', { terminal: 'shell', data: 'echo before-$((6*7))\n' });
    await until('A sees her echo', () => learnerOut.text().includes('before-42'));

    const is = await instructor.socket();
    const shadowOut = collectOutput(is, 'shadow:output', 'shell');
    const frames: { sessionId: string }[] = [];
    is.on('shadow:output', (f) => frames.push(f));
    const shadow = await emitAck<{ seq: number }>(is, 'term:shadow', { sessionId: aSession, terminal: 'shell', fromSeq: 0 });
    assert.ok(shadow.ok, JSON.stringify(shadow));
    await until('the replay reaches the instructor', () => shadowOut.text().includes('before-42'));
    assert.ok(frames.every((f) => f.sessionId === aSession));

    // Everything the instructor's socket could send to type is ignored or refused.
    const marker = join(dir, 'typed-by-instructor');
    is.emit('term:input', { terminal: 'shell', data: `touch ${marker}\n` });
    assert.equal((await emitAck(is, 'term:attach', { terminal: 'shell', fromSeq: 0, cols: 80, rows: 24 })).ok, false);
    is.emit('term:input', { terminal: 'shell', data: `touch ${marker}\n` });
    is.emit('term:resize', { terminal: 'shell', cols: 20, rows: 5 });
    assert.equal((await emitAck(is, 'session:join', { sessionId: aSession })).ok, false);

    as.emit('term:input', { terminal: 'shell', data: 'echo after-$((7*6))\n' });
    await until('live output reaches the shadow', () => shadowOut.text().includes('after-42'));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(existsSync(marker), false, 'the instructor typed nothing');
    assert.doesNotMatch(learnerOut.text(), /typed-by-instructor/);
  });

  it('sends a shadow that acknowledges nothing no more than the lag limit, never holds the learner back, and lets it catch up', async () => {
    const as = await a.socket();
    assert.ok((await emitAck(as, 'session:join', { sessionId: aSession })).ok);
    const learnerOut = collectOutput(as, 'term:output', 'shell');
    // The learner's page acknowledges what it parses, as one that keeps up does.
    as.on('term:output', (f) => as.emit('term:ack', { terminal: f.terminal, bytes: byteLength(f.data) }));
    const from = sessions.get(aSession)!.terminals.get('shell')!.seq;
    assert.ok((await emitAck(as, 'term:attach', { terminal: 'shell', fromSeq: from, cols: 80, rows: 24 })).ok);

    const is = await instructor.socket();
    const shadowOut = collectOutput(is, 'shadow:output', 'shell');
    let shadowBytes = 0;
    is.on('shadow:output', (f) => {
      if (f.sessionId === aSession) shadowBytes += byteLength(f.data);
    });
    assert.ok((await emitAck(is, 'term:shadow', { sessionId: aSession, terminal: 'shell', fromSeq: from })).ok);

    // 3 MB: twice the lag limit. The instructor's page parses nothing meanwhile.
    as.emit('term:input', { terminal: 'shell', data: 'head -c 3000000 /dev/zero | tr "\\0" x; echo; echo "flood-$((6*7))"\n' });
    await until('the learner gets the whole flood', () => learnerOut.text().includes('\nflood-42'), 30_000);
    assert.ok(shadowBytes <= FLOW_LAG_LIMIT + OUTPUT_BATCH_MAX_BYTES, `the shadow was sent ${shadowBytes} bytes it never acknowledged`);
    assert.doesNotMatch(shadowOut.text(), /flood-42/);

    // Its page parses what it has: it is sent the rest of the backlog that is still buffered.
    let acked = 0;
    await until('the shadow to catch up', () => {
      if (shadowBytes > acked) is.emit('shadow:ack', { sessionId: aSession, terminal: 'shell', bytes: shadowBytes - acked });
      acked = shadowBytes;
      return shadowOut.text().includes('\nflood-42');
    });
  });

  it('refuses a wrong code (403), bad names (400), a full event (409) and join floods (429)', async () => {
    const v = visitor();
    assert.equal((await v.post('/api/workshop/join', { code: 'WRONG', name: 'Eve' })).status, 403);
    assert.equal((await v.post('/api/workshop/join', { code: 'SAFE-1', name: '   ' })).status, 400);
    assert.equal((await v.post('/api/workshop/join', { code: 'SAFE-1', name: 'x'.repeat(41) })).status, 400);
    assert.equal((await v.post('/api/workshop/join', { code: 'SAFE-1', name: '<script>' })).status, 400);
    assert.equal((await v.post('/api/workshop/join', { code: 'SAFE-1' })).status, 400);
    assert.equal((await v.post('/api/workshop/join', { code: 'SAFE-1', name: 'Carol' })).status, 200);
    const full = await visitor().post('/api/workshop/join', { code: 'SAFE-1', name: 'Dan' });
    assert.equal(full.status, 409);
    assert.deepEqual(full.body, { error: 'This workshop is full (3 of 3 seats taken).' });
    // Ten joins a minute per address: this address has used them up by now.
    let limited = 0;
    for (let i = 0; i < 12; i++) if ((await visitor().post('/api/workshop/join', { code: 'SAFE-1', name: `n${i}` })).status === 429) limited++;
    assert.ok(limited >= 2, `${limited} of 12 joins were rate-limited`);
  });

  it('gives a returning learner the same learner back, and resumes by link', async () => {
    const me = (await a.get('/api/workshop/me')).body as { learnerId: string; name: string; sessions: unknown[] };
    assert.equal(me.name, 'Alice');
    assert.deepEqual(me.sessions, [{ sessionId: aSession, labId: 'files' }]);
    const token = /kl_learner=([^;]+)/.exec(a.cookie)![1]!;
    const fresh = visitor();
    const resumed = await fresh.get(`/resume/${token}`);
    assert.equal(resumed.status, 302);
    assert.equal(resumed.headers.get('location'), '/');
    assert.equal(((await fresh.get('/api/workshop/me')).body as { learnerId: string }).learnerId, me.learnerId);
    assert.equal((await visitor().get(`/resume/${newToken()}`)).headers.get('location'), '/join');
    // Only hashes are stored.
    assert.equal(store.listLearners().some((l) => l.tokenHash === token || l.tokenHash.includes(token)), false);
  });

  it('refuses a non-loopback bind outside workshop mode, and allows it with --workshop', () => {
    const plain = parseServeArgs(['--host', '0.0.0.0']);
    assert.ok(typeof plain === 'object' && 'error' in plain);
    assert.match(plain.error, /loopback/);
    const ws = parseServeArgs(['--host', '0.0.0.0', '--workshop', 'workshop.yaml']);
    assert.ok(typeof ws === 'object' && !('error' in ws) && ws.host === '0.0.0.0');
  });

  it('reports workshop.yaml mistakes with file:line', () => {
    const r = parseWorkshopConfig('title: T\nlabs: []\ncapacity: 0\nsessionTtl: soon\nbogus: 1\n', 'ws.yaml');
    assert.ok(!r.ok);
    const lines = r.problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
    assert.ok(lines.some((l) => /^ws\.yaml:2: labs: name at least one lab/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^ws\.yaml:3: capacity/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^ws\.yaml:4: sessionTtl/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /unknown field bogus/.test(l)), lines.join('\n'));
  });
});
