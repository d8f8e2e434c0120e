import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StepState } from '../../common/check.js';
import { SCHEMA_VERSION, SqliteStore } from './sqlite-store.js';

describe('SqliteStore (real SQLite file)', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindlab-store-'));
    store = new SqliteStore(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const state = (stepId: string, status: StepState['status'], attempts = 1): StepState => ({
    stepId,
    status,
    attempts,
    updatedAt: 1000 + attempts,
    results: [{ checkId: 'check-1', status: status === 'passed' ? 'passed' : 'failed', message: `msg ${stepId}`, ms: 12, expected: 'Running', actual: 'Pending' }],
  });

  it('creates <dataDir>/kindlab.db in WAL mode with a schema version', () => {
    assert.ok(existsSync(join(dir, 'kindlab.db')));
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    const raw = new Database(join(dir, 'kindlab.db'), { readonly: true });
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      for (const t of ['attempts', 'events', 'schema_version', 'sessions', 'step_states']) assert.ok(tables.includes(t), t);
    } finally {
      raw.close();
    }
  });

  it('creates, finds, lists, touches and deletes sessions (one per learner and lab)', () => {
    const a = store.createSession({ labId: 'hello-shell', learner: 'local' });
    const b = store.createSession({ labId: 'pods', learner: 'local' });
    assert.deepEqual(store.getSession(a.id), a);
    assert.deepEqual(store.findSession('pods', 'local'), b);
    assert.equal(store.findSession('pods', 'ann'), undefined);
    assert.deepEqual(store.listSessions().map((s) => s.id).sort(), [a.id, b.id].sort());
    assert.throws(() => store.createSession({ labId: 'pods', learner: 'local' }), /UNIQUE/);
    store.touchSession(a.id);
    assert.ok(store.getSession(a.id)!.lastSeenAt >= a.lastSeenAt);
    store.saveStepState(a.id, state('s1', 'passed'));
    store.deleteSession(a.id);
    assert.equal(store.getSession(a.id), undefined);
    assert.deepEqual(store.stepStates(a.id), []);
    assert.deepEqual(store.events(a.id), []);
  });

  it('keeps step states (results as JSON), every attempt and events, in order', () => {
    const s = store.createSession({ labId: 'hello-shell', learner: 'local' });
    store.saveStepState(s.id, state('s1', 'failed', 1));
    store.saveStepState(s.id, state('s2', 'failed', 1));
    store.saveAttempts(s.id, state('s1', 'passed', 2), [{ sessionId: s.id, stepId: 's1', kind: 'check', result: state('s1', 'passed').results[0]!, at: 5 }], {
      sessionId: s.id,
      type: 'step:state',
      stepId: 's1',
      data: { status: 'passed' },
      at: 5,
    });
    store.recordAttempt({ sessionId: s.id, stepId: 's2', kind: 'answer', result: { checkId: 'uid', status: 'failed', message: 'That does not match.', ms: 3 }, at: 6 });
    assert.deepEqual(store.stepStates(s.id), [state('s1', 'passed', 2), state('s2', 'failed', 1)]);
    assert.deepEqual(store.attempts(s.id).map((a) => [a.stepId, a.kind, a.result.status]), [['s1', 'check', 'passed'], ['s2', 'answer', 'failed']]);
    assert.deepEqual(store.attempts(s.id, 's2').map((a) => a.result.checkId), ['uid']);
    const ev = store.events(s.id);
    assert.deepEqual(ev.map((e) => e.type), ['session:created', 'step:state']);
    assert.deepEqual(ev[1], { sessionId: s.id, type: 'step:state', stepId: 's1', data: { status: 'passed' }, at: 5 });
    assert.equal(store.events(undefined, { limit: 1 }).length, 1);
  });

  it('keeps progress when the file is reopened', () => {
    const s = store.createSession({ labId: 'hello-shell', learner: 'local' });
    store.saveStepState(s.id, state('s1', 'passed', 3));
    store.close();
    store = new SqliteStore(dir);
    assert.equal(store.schemaVersion(), SCHEMA_VERSION);
    assert.deepEqual(store.findSession('hello-shell', 'local'), s);
    assert.deepEqual(store.stepStates(s.id), [state('s1', 'passed', 3)]);
  });

  it('refuses a file from a newer kindlab instead of corrupting it', () => {
    store.close();
    const raw = new Database(join(dir, 'kindlab.db'));
    raw.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(SCHEMA_VERSION + 5, 0);
    raw.close();
    assert.throws(() => new SqliteStore(dir), /newer than this kindlab/);
    store = new SqliteStore(':memory:');
  });
});
