import assert from 'node:assert/strict';
import type { RoomSnapshot } from '../../common/protocol.js';
import { CELL_LABEL, CELL_SYMBOL, cellState, elapsed, roomRows } from './room-model.js';

const T0 = 1_700_000_000_000;

function snapshot(): RoomSnapshot {
  const steps = [
    { id: 'a', title: 'Step A' },
    { id: 'b', title: 'Step B' },
    { id: 'c', title: 'Step C' },
  ];
  return {
    title: 'Pods, hands on',
    code: 'PODS-42',
    capacity: 30,
    labs: [
      { id: 'lab1', title: 'Lab one', steps },
      { id: 'lab2', title: 'Lab two', steps: [{ id: 'x', title: 'X' }] },
    ],
    pool: { ready: 1, provisioning: 0 },
    learners: [
      {
        learnerId: 'l-zoe',
        name: 'Zoë',
        joinedAt: T0,
        lastSeenAt: T0,
        online: true,
        sessions: [
          {
            sessionId: 's1',
            labId: 'lab1',
            environment: 'ready',
            currentStepId: 'b',
            currentStepSince: T0 + 60_000,
            stuck: false,
            steps: [
              { stepId: 'a', status: 'passed', attempts: 2, failedAttempts: 1, updatedAt: T0 },
              { stepId: 'b', status: 'failed', attempts: 1, failedAttempts: 1, updatedAt: T0 },
            ],
          },
        ],
      },
      {
        learnerId: 'l-adam',
        name: 'adam',
        joinedAt: T0 + 1000,
        lastSeenAt: T0,
        online: false,
        sessions: [
          {
            sessionId: 's2',
            labId: 'lab1',
            environment: 'ready',
            currentStepId: 'a',
            currentStepSince: T0,
            stuck: true,
            stuckReason: '3 failed checks on Step A',
            steps: [{ stepId: 'a', status: 'failed', attempts: 3, failedAttempts: 3, updatedAt: T0 }],
          },
        ],
      },
      { learnerId: 'l-bea', name: 'Bea', joinedAt: T0 + 2000, lastSeenAt: T0, online: true, sessions: [] },
    ],
  };
}

describe('room model', () => {
  it('turns sessions into cells: failed reads failing, the current unchecked step is in progress', () => {
    const rows = roomRows(snapshot(), { labId: 'lab1', sort: 'name', onlyStuck: false });
    const zoe = rows.find((r) => r.name === 'Zoë');
    assert.ok(zoe);
    assert.deepEqual(
      zoe.cells.map((c) => c.state),
      ['passed', 'failing', 'not-started'],
    );
    assert.equal(zoe.passed, 1);
    assert.equal(zoe.failedOnCurrent, 1);
    assert.equal(zoe.failedTotal, 2);
    assert.equal(cellState(undefined, true), 'in-progress');
    assert.equal(cellState('regressed', false), 'regressed');
    const bea = rows.find((r) => r.name === 'Bea');
    assert.equal(bea?.session, undefined, 'a learner who has not opened the lab has no session');
    assert.deepEqual(
      bea?.cells.map((c) => c.state),
      ['not-started', 'not-started', 'not-started'],
    );
  });

  it('sorts stuck learners first, then longest on their step; filters to stuck only', () => {
    const rows = roomRows(snapshot(), { labId: 'lab1', sort: 'stuck-first', onlyStuck: false });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['adam', 'Zoë', 'Bea'],
    );
    assert.equal(rows[0]?.stuckReason, '3 failed checks on Step A');
    const stuck = roomRows(snapshot(), { labId: 'lab1', sort: 'name', onlyStuck: true });
    assert.deepEqual(
      stuck.map((r) => r.name),
      ['adam'],
    );
    assert.deepEqual(
      roomRows(snapshot(), { labId: 'lab1', sort: 'name', onlyStuck: false }).map((r) => r.name),
      ['adam', 'Bea', 'Zoë'],
      'names sort without regard to case',
    );
    assert.deepEqual(
      roomRows(snapshot(), { labId: 'lab1', sort: 'progress', onlyStuck: false }).map((r) => r.name),
      ['adam', 'Bea', 'Zoë'],
    );
    assert.deepEqual(
      roomRows(snapshot(), { labId: 'lab1', sort: 'joined', onlyStuck: false }).map((r) => r.name),
      ['Zoë', 'adam', 'Bea'],
    );
  });

  it('shows another lab with its own steps', () => {
    const rows = roomRows(snapshot(), { labId: 'lab2', sort: 'name', onlyStuck: false });
    assert.ok(rows.every((r) => r.cells.length === 1 && r.session === undefined && !r.stuck));
  });

  it('gives every state a symbol and a word, all different, so colour is never the only signal', () => {
    const symbols = Object.values(CELL_SYMBOL);
    assert.equal(new Set(symbols).size, symbols.length);
    assert.equal(new Set(Object.values(CELL_LABEL)).size, symbols.length);
  });

  it('formats time on a step', () => {
    assert.equal(elapsed(-5), '0 s');
    assert.equal(elapsed(42_400), '42 s');
    assert.equal(elapsed(65_000), '1 m 05 s');
    assert.equal(elapsed(3_900_000), '1 h 05 m');
  });
});
