/**
 * The server app end to end with real parts: labs loaded from disk, a real
 * SQLite store, the session manager with a real local shell, real HTTP and a
 * real socket.io client. Also: malformed payloads, unknown events and foreign
 * Origin/Host headers are refused, and the server keeps answering.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, SessionSnapshot } from '../../common/protocol.js';
import { socketParser } from '../../common/socket-parser.js';
import type { StepState } from '../../common/check.js';
import type { App } from '../../server/server.js';
import type { SessionManager } from '../../server/sessions/session-manager.js';
import { assertNoNewChildren, childProcesses } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

const GOOD_CHAPTER = `# Files

Some prose.

## Make a file {#make-file}

\`\`\`run
touch done.txt
\`\`\`

\`\`\`check
test -f done.txt && echo "done.txt is there" || { echo "done.txt is missing"; exit 1; }
\`\`\`

\`\`\`hint
Use \`touch\`.
\`\`\`

\`\`\`solve
touch done.txt
\`\`\`
`;

function writeLabs(root: string): void {
  mkdirSync(join(root, 'good', 'chapters'), { recursive: true });
  writeFileSync(join(root, 'good', 'lab.yaml'), 'title: Good lab\nsummary: A lab that loads.\nenvironment:\n  type: local\n');
  writeFileSync(join(root, 'good', 'chapters', '01-files.md'), GOOD_CHAPTER);
  mkdirSync(join(root, 'broken', 'chapters'), { recursive: true });
  writeFileSync(join(root, 'broken', 'lab.yaml'), 'title: Broken lab\nsummary: [unclosed\n');
}

/** A raw HTTP request, so tests can set any Host and Origin they like. */
function raw(url: string, headers: Record<string, string>, path = '/api/labs'): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function emitAck<T>(socket: Client, event: string, payload: unknown): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  return new Promise((resolve) => (socket.emit as (e: string, p: unknown, ack: (r: never) => void) => void)(event, payload, resolve));
}

function nextEvent<T>(socket: Client, event: keyof ServerToClientEvents, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, ((v: T) => {
      clearTimeout(t);
      resolve(v);
    }) as never);
  });
}

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('server (integration)', function () {
  this.timeout(30_000);
  let dir: string;
  let server: TestServer;
  let app: App;
  let url: string;
  let sessions: SessionManager;
  const clients: Client[] = [];
  const logged: string[] = [];
  let baseline: string[];

  before(async () => {
    baseline = childProcesses();
    dir = mkdtempSync(join(tmpdir(), 'kindlab-server-'));
    writeLabs(join(dir, 'labs'));
    server = await startTestServer({
      labs: join(dir, 'labs'),
      dataDir: join(dir, 'data'),
      doctor: async () => [{ id: 'docker', ok: true, title: 'Docker', detail: 'test', severity: 'info' }],
      logger: { info: () => undefined, error: (m) => logged.push(m) },
    });
    ({ app, url, sessions } = server);
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function client(extra: { extraHeaders?: Record<string, string> } = {}): Client {
    const c: Client = connect(url, { transports: ['websocket'], parser: socketParser, reconnection: false, forceNew: true, ...extra });
    clients.push(c);
    return c;
  }

  async function connected(c: Client): Promise<Client> {
    if (!c.connected) await nextEvent(c, 'connect' as never);
    return c;
  }

  it('lists the catalogue, with a broken lab and its problems', async () => {
    const res = await fetch(`${url}api/labs`);
    assert.equal(res.status, 200);
    const entries = (await res.json()) as { id: string; ok: boolean; problems?: { file: string; line: number }[] }[];
    const good = entries.find((e) => e.id === 'good');
    const broken = entries.find((e) => e.id === 'broken');
    assert.deepEqual(good && { ok: good.ok }, { ok: true });
    assert.equal(broken?.ok, false);
    assert.ok(broken?.problems?.length, 'broken lab lists its problems');
    assert.match(broken!.problems![0]!.file, /lab\.yaml$/);
    assert.ok(broken!.problems![0]!.line >= 1);
  });

  it('serves a lab, 422 for a broken lab, 404 for none, and JSON errors', async () => {
    const lab = (await (await fetch(`${url}api/labs/good`)).json()) as { title: string; environment: string; terminals: unknown[]; chapters: { html: string }[]; steps: { id: string }[] };
    assert.equal(lab.title, 'Good lab');
    assert.equal(lab.environment, 'local');
    assert.equal(lab.terminals.length, 1);
    assert.deepEqual(
      lab.steps.map((s) => s.id),
      ['make-file'],
    );
    assert.match(lab.chapters[0]!.html, /class="kl-check-button" data-step="make-file"/);
    assert.doesNotMatch(lab.chapters[0]!.html, /done\.txt is missing/, 'check bodies are never rendered');

    const broken = await fetch(`${url}api/labs/broken`);
    assert.equal(broken.status, 422);
    assert.ok(((await broken.json()) as { problems: unknown[] }).problems.length);

    const none = await fetch(`${url}api/labs/nope`);
    assert.equal(none.status, 404);
    assert.match(((await none.json()) as { error: string }).error, /no lab nope/);

    const unknown = await fetch(`${url}api/whatever`);
    assert.equal(unknown.status, 404);
    assert.ok(((await unknown.json()) as { error: string }).error);

    const page = await fetch(`${url}labs/good`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await page.text(), /\/assets\/app\.js/);
  });

  it('opens a session, joins it over the socket and runs a check that fails, then passes after the solve', async () => {
    const res = await fetch(`${url}api/labs/good/session`, { method: 'POST' });
    assert.equal(res.status, 201);
    const { sessionId } = (await res.json()) as { sessionId: string };
    const again = (await (await fetch(`${url}api/labs/good/session`, { method: 'POST' })).json()) as { sessionId: string };
    assert.equal(again.sessionId, sessionId, 'the local learner gets the same session back');

    const c = await connected(client());
    const joined = await emitAck<SessionSnapshot>(c, 'session:join', { sessionId });
    assert.ok(joined.ok, !joined.ok ? joined.error : '');
    assert.equal(joined.value.labId, 'good');
    await waitFor('environment ready', async () => {
      const snap = (await (await fetch(`${url}api/sessions/${sessionId}`)).json()) as SessionSnapshot;
      return snap.environment === 'ready' ? snap : undefined;
    });

    const pushed = nextEvent<StepState>(c, 'step:state');
    const failed = await emitAck<StepState>(c, 'check:run', { stepId: 'make-file' });
    assert.ok(failed.ok);
    assert.equal(failed.value.status, 'failed');
    assert.equal(failed.value.results[0]?.message, 'done.txt is missing');
    assert.equal((await pushed).stepId, 'make-file', 'step states are pushed to the joined socket');

    const solved = await emitAck<StepState[]>(c, 'step:solve', { stepId: 'make-file' });
    assert.ok(solved.ok, !solved.ok ? solved.error : '');
    const passed = await emitAck<StepState>(c, 'check:run', { stepId: 'make-file' });
    assert.ok(passed.ok);
    assert.equal(passed.value.status, 'passed');
    assert.equal(passed.value.results[0]?.message, 'done.txt is there');

    const snap = (await (await fetch(`${url}api/sessions/${sessionId}`)).json()) as SessionSnapshot;
    assert.equal(snap.steps.find((s) => s.stepId === 'make-file')?.status, 'passed');
  });

  it('refuses malformed payloads and unknown events, and keeps serving', async () => {
    const c = await connected(client());
    const errors: { event: string; message: string }[] = [];
    c.on('client:error', (e) => errors.push(e));

    const notJoined = await emitAck(c, 'check:run', { stepId: 'make-file' });
    assert.deepEqual(notJoined, { ok: false, error: 'join a session first' });
    const badJoin = await emitAck(c, 'session:join', { sessionId: 42 });
    assert.equal(badJoin.ok, false);
    assert.match((badJoin as { error: string }).error, /malformed session:join/);
    const noSession = await emitAck(c, 'session:join', { sessionId: 'does-not-exist' });
    assert.deepEqual(noSession, { ok: false, error: 'no session does-not-exist' });
    const nullPayload = await emitAck(c, 'check:run', null);
    assert.equal(nullPayload.ok, false);

    const { sessionId } = (await (await fetch(`${url}api/labs/good/session`, { method: 'POST' })).json()) as { sessionId: string };
    assert.ok((await emitAck(c, 'session:join', { sessionId })).ok);
    const unknownStep = await emitAck(c, 'check:run', { stepId: 'nope' });
    assert.deepEqual(unknownStep, { ok: false, error: 'no step nope in lab good' });
    const extraKeys = await emitAck(c, 'answer:submit', { stepId: 'make-file', answerId: 'x', value: 'y', evil: true });
    assert.equal(extraKeys.ok, false);
    const tooLong = await emitAck(c, 'answer:submit', { stepId: 'make-file', answerId: 'x', value: 'y'.repeat(5000) });
    assert.equal(tooLong.ok, false);

    (c.emit as (e: string, p: unknown) => void)('check:watch', 'not an object');
    (c.emit as (e: string, p: unknown) => void)('rm -rf /', {});
    await waitFor('two client:errors', () => (errors.length >= 2 ? true : undefined), 3000);
    assert.ok(errors.some((e) => e.event === 'check:watch' && /malformed/.test(e.message)));
    assert.ok(errors.some((e) => e.event === 'rm -rf /' && /unknown event/.test(e.message)));

    assert.ok(c.connected, 'the socket stays connected');
    assert.equal((await fetch(`${url}api/labs`)).status, 200, 'the server still answers');
    assert.deepEqual(logged, [], 'refusals are not faults');
  });

  it('drops a connection that sends a malformed binary message, and serves the next one', async () => {
    const bad = await connected(client());
    const gone = new Promise<string>((resolve) => bad.once('disconnect', (reason) => resolve(reason)));
    // Bytes that are not a packed packet (common/socket-parser.ts), straight onto the WebSocket.
    (bad as unknown as { io: { engine: { write(data: Uint8Array): void } } }).io.engine.write(new Uint8Array([0, 0, 0, 9, 1, 2]));
    assert.equal(await gone, 'transport close', 'the server closed that connection');
    const next = await connected(client());
    const { sessionId } = (await (await fetch(`${url}api/labs/good/session`, { method: 'POST' })).json()) as { sessionId: string };
    assert.ok((await emitAck(next, 'session:join', { sessionId })).ok, 'a new connection works');
  });

  it('rejects foreign Host headers on HTTP and foreign Origin or Host on socket handshakes', async () => {
    const port = new URL(url).port;
    const foreignHost = await raw(url, { host: `evil.example:${port}` });
    assert.equal(foreignHost.status, 421);
    assert.match(foreignHost.body, /loopback/);
    assert.equal((await raw(url, { host: `localhost:${port}` })).status, 200);
    assert.equal((await raw(url, { host: `127.0.0.1:${Number(port) + 1}` })).status, 421);

    const handshake = '/socket.io/?EIO=4&transport=polling';
    assert.equal((await raw(url, { host: `evil.example:${port}` }, handshake)).status, 403);
    assert.equal((await raw(url, { host: `127.0.0.1:${port}`, origin: 'http://evil.example' }, handshake)).status, 403);
    assert.equal((await raw(url, { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` }, handshake)).status, 200);

    const foreign = client({ extraHeaders: { origin: 'http://evil.example' } });
    const err = await nextEvent<Error>(foreign, 'connect_error' as never);
    assert.ok(err instanceof Error);
    assert.equal(foreign.connected, false);
    assert.equal((await fetch(`${url}api/labs`)).status, 200);
  });

  it('closes every socket and shell on shutdown, leaving no process behind', async () => {
    const c = await connected(client());
    await app.close();
    await waitFor('socket closed', () => (c.connected ? undefined : true), 3000);
    await sessions.dispose();
    // Only what ran before the server started (tsx's esbuild service) may remain.
    await assertNoNewChildren(baseline);
  });
});
