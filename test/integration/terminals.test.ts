import assert from 'node:assert/strict';
import { FLOW_HIGH_WATERMARK, FLOW_LAG_LIMIT, OUTPUT_BATCH_MAX_BYTES, REPLAY_BUFFER_BYTES } from '../../common/protocol.js';
import { DurableTerminal, type TerminalStatusEvent } from '../../server/terminals/durable-terminal.js';
import { escapeStateAfter } from '../../server/terminals/escape-state.js';
import { TerminalHub } from '../../server/terminals/terminal-hub.js';
import { alive } from '../helpers/processes.js';
import { RecordingViewer, screen, ShellFactory, waitFor } from './terminals-support.js';

/** The end of bash's prompt (`#` as root, as in CI containers). */
const PROMPT = /[#$] $/;

describe('DurableTerminal with real shells', function () {
  let shells: ShellFactory;
  const terminals: DurableTerminal[] = [];
  const make = (o: Partial<ConstructorParameters<typeof DurableTerminal>[0]> = {}): DurableTerminal => {
    const t = new DurableTerminal({ name: 'shell', title: 'Shell', spawn: shells.spawn, graceMs: 60_000, ...o });
    terminals.push(t);
    return t;
  };

  beforeEach(async () => {
    shells = new ShellFactory();
    await shells.setup();
  });

  afterEach(async () => {
    for (const t of terminals.splice(0)) t.dispose();
    // Integration rule: nothing leaks. Every shell the suite started is gone.
    await shells.assertNoneLeft();
    await shells.teardown();
  });

  it('replays exactly what a detached viewer missed: no byte lost or duplicated', async () => {
    const t = make();
    const full = new RecordingViewer();
    full.attach(t, 0);
    const a = new RecordingViewer();
    const first = a.attach(t, 0);
    assert.equal(first.replayEnd, 0);
    await a.waitFor(PROMPT);
    first.detach();
    const missedFrom = a.next;

    // Deterministic output while A is away: `seq 1 20000` is 108894 bytes, 128894 with the PTY's \r\n.
    t.write('seq 1 20000; echo "DONE-$((6*7))"\r');
    await full.waitFor(/DONE-42\r\n[\s\S]*[#$] $/);
    const again = a.attach(t, missedFrom);
    assert.equal(again.replayEnd, t.seq);
    assert.equal(a.text, full.text, 'the viewer that came back has the same stream as the one that never left');
    let expected = '';
    for (let i = 1; i <= 20000; i++) expected += `${i}\r\n`;
    assert.equal(Buffer.byteLength(expected), 128894);
    const start = a.text.indexOf('\r1\r\n2\r\n') + 1;
    assert.ok(start > 0);
    assert.equal(a.text.slice(start, start + expected.length), expected);
    assert.equal(a.text.slice(start + expected.length, start + expected.length + 9), 'DONE-42\r\n');

    // Live output after the replay continues without a gap (RecordingViewer throws on one).
    t.write('echo after\r');
    await a.waitFor(/after\r\n[\s\S]*[#$] $/);
    const lines = await screen(a.text);
    const prompt = lines.at(-1) ?? '';
    assert.match(prompt, /^kindlab:\S+[#$] $/);
    assert.deepEqual(lines.slice(-3), [`${prompt}echo after`, 'after', prompt]);
  });

  it('trims the replay buffer to its limit and replays from outside any escape sequence', async () => {
    const t = make({ limits: { replayBytes: 10_000 } });
    const live = new RecordingViewer();
    live.attach(t, 0);
    await live.waitFor(PROMPT);
    // Coloured lines: a cut inside an escape sequence would show up as stray text.
    t.write('for i in $(seq 1 3000); do printf "\\033[31mline %d\\033[0m\\n" $i; done\r');
    await live.waitFor(/line 3000\S*\r\n[\s\S]*[#$] $/);
    assert.ok(t.bufferedSize <= 10_000 + OUTPUT_BATCH_MAX_BYTES, `buffer holds ${t.bufferedSize} bytes`);
    // At least the limit is kept (less the cut to the end of an escape sequence), however large the last batch was.
    assert.ok(t.bufferedSize >= 10_000 - 32, `buffer holds only ${t.bufferedSize} bytes`);
    assert.ok(t.bufferStart > 0, 'old output was trimmed');
    const before = Buffer.from(live.text, 'utf8').subarray(0, t.bufferStart);
    assert.equal(escapeStateAfter('ground', before), 'ground', 'the buffer starts outside any escape sequence');

    const late = new RecordingViewer();
    late.attach(t, 0);
    assert.equal(late.frames[0]?.seq, t.bufferStart);
    const liveSuffix = Buffer.from(live.text, 'utf8').subarray(t.bufferStart).toString('utf8');
    assert.equal(late.text, liveSuffix);
    // What the late viewer sees is clean: no stray escape-sequence text. The
    // replay may start mid-line (PTY reads split lines anywhere), so the first
    // line can be the tail of a "line N"; every later one is whole.
    const seen = await screen(late.text, 80, 600);
    assert.ok(seen.length > 10, `the replay shows ${seen.length} lines`);
    const [first = '', ...rest] = seen.slice(0, -1);
    assert.ok(first === '' || /^(?:(?:line|ine|ne|e)? )?\d+$|^l(?:i(?:n(?:e)?)?)?$/.test(first), `first line ${JSON.stringify(first)}`);
    for (const l of rest) assert.match(l, /^line \d+$/);
  });

  it('never starts a replay inside an escape sequence that a PTY read split', async () => {
    // A limit below the size of the sequence's second half (9 bytes): once that
    // half is flushed, every older batch goes and the batch holding it is the
    // front of the buffer, however the earlier output happened to be split.
    const t = make({ limits: { replayBytes: 8 } });
    const live = new RecordingViewer();
    live.attach(t, 0);
    await live.waitFor(PROMPT);
    // ~7 KB of lines ending in the first half of a colour sequence; then the
    // shell waits for a line (echo off, so typing it prints nothing) before the
    // second half. The split is made by that handshake, not by timing: the
    // first half has been flushed to the viewer before the second is written,
    // so the second starts a batch of its own.
    t.write(`stty -echo; printf '%s\\n' {1..1500}; printf '\\033[3'; read -r _; printf '1mRED\\033[0m'; read -r _; stty echo; echo after\r`);
    await waitFor(() => live.text.endsWith('1500\r\n\x1b[3'), 5000, `the first half (got …${JSON.stringify(live.text.slice(-40))})`);
    t.write('\r');
    await waitFor(() => live.text.endsWith('1500\r\n\x1b[31mRED\x1b[0m'), 5000, `the second half (got …${JSON.stringify(live.text.slice(-40))})`);
    const split = live.frames.find((f) => f.data.startsWith('1mRED'));
    assert.ok(split, `the second half came as a frame of its own: ${JSON.stringify(live.frames.slice(-4).map((f) => f.data))}`);
    assert.ok(t.bufferStart > split.seq, `the buffer starts past the sequence's tail (${t.bufferStart} > ${split.seq})`);

    const late = new RecordingViewer();
    late.attach(t, 0);
    assert.doesNotMatch(late.text, /^1m/);
    assert.equal(late.text, 'RED\x1b[0m', 'the replay starts just past the sequence the read split');
    const seen = await screen(late.text);
    assert.deepEqual(seen, ['RED'], `replayed screen: ${JSON.stringify(seen)}`);

    // The shell goes on as usual (the second half ended without a newline).
    t.write('\r');
    await waitFor(() => live.text.includes('RED\x1b[0mafter\r\n') && PROMPT.test(live.text), 5000, 'after and the prompt');
  });

  it('reads the PTY as bytes: a character split across reads arrives whole, malformed bytes as U+FFFD, and seq counts what the browser decodes', async () => {
    const t = make();
    const v = new RecordingViewer();
    v.attach(t, 0);
    await v.waitFor(PROMPT);
    // The euro sign's first byte, then (long after that read was flushed) its other two; then bytes that are not UTF-8.
    t.write("printf 'A\\342'; sleep 0.3; printf '\\202\\254B\\n'; printf 'x\\377\\300y\\n'; echo \"DONE-$((6*7))\"\r");
    await v.waitFor(/DONE-42\r\n[\s\S]*[#$] $/);
    assert.match(v.text, /\rA€B\r\n/);
    assert.match(v.text, /\nx\uFFFD\uFFFDy\r\n/);
    // RecordingViewer decoded every frame on its own, strictly; the bytes it counted are the terminal's.
    assert.equal(v.next, t.seq);
    assert.equal(Buffer.byteLength(v.text), t.seq);
    const late = new RecordingViewer();
    late.attach(t, 0);
    assert.equal(late.text, v.text, 'a replay serves the same text');
  });

  it('serves two viewers at once, and one leaving does not disturb the other', async () => {
    const t = make();
    const a = new RecordingViewer();
    const b = new RecordingViewer();
    const ha = a.attach(t, 0);
    b.attach(t, 0);
    await a.waitFor(PROMPT);
    t.write('echo one\r');
    await b.waitFor(/one\r\n[\s\S]*[#$] $/);
    await a.waitFor(/one\r\n[\s\S]*[#$] $/);
    assert.equal(a.text, b.text);
    ha.detach();
    t.write('echo two\r');
    await b.waitFor(/two\r\n[\s\S]*[#$] $/);
    assert.doesNotMatch(a.text, /two/);
    assert.equal(t.status, 'live');
  });

  it('kills the shell after the grace period without viewers, then starts a fresh one on attach', async () => {
    const t = make({ graceMs: 150 });
    const events: TerminalStatusEvent[] = [];
    t.onStatus((e) => events.push(e));
    const v = new RecordingViewer();
    const h = v.attach(t, 0);
    await v.waitFor(PROMPT);
    const pid = t.pid;
    assert.ok(pid && alive(pid));
    h.detach();
    await waitFor(() => t.status === 'closed', 2000, 'grace expiry');
    assert.match(t.message ?? '', /without a viewer/);
    await waitFor(() => !alive(pid), 2000, `shell ${pid} to be gone`);

    const w = new RecordingViewer();
    w.attach(t, v.next);
    await w.waitFor(PROMPT);
    assert.equal(t.status, 'live');
    assert.notEqual(t.pid, pid);
    assert.deepEqual(events.map((e) => e.status), ['live', 'closed', 'live']);
  });

  it('a grace period longer than a timer can hold keeps the shell, rather than overflowing into an instant kill', async () => {
    const t = make({ graceMs: 30 * 24 * 3_600_000 }); // 30 days: past setTimeout's 2^31-1 ms, where Node fires after 1 ms
    const v = new RecordingViewer();
    const h = v.attach(t, 0);
    await v.waitFor(PROMPT);
    h.detach();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.status, 'live', t.message);
  });

  it('kills a shell that ignores SIGHUP when its grace period ends', async () => {
    const t = make({ graceMs: 100 });
    const v = new RecordingViewer();
    const h = v.attach(t, 0);
    await v.waitFor(PROMPT);
    t.write("trap '' HUP; echo trapped\r");
    await v.waitFor(/^trapped\r\n/m);
    const pid = t.pid!;
    h.detach();
    await waitFor(() => t.status === 'closed', 2000, 'grace expiry');
    await waitFor(() => !alive(pid), 3000, `shell ${pid} to be killed`);
  });

  it('a viewer coming back within the grace period keeps the same shell', async () => {
    const t = make({ graceMs: 300 });
    const v = new RecordingViewer();
    const h = v.attach(t, 0);
    await v.waitFor(PROMPT);
    const pid = t.pid;
    h.detach();
    await new Promise((r) => setTimeout(r, 100));
    v.attach(t, v.next);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(t.status, 'live');
    assert.equal(t.pid, pid);
  });

  it('reports the exit code when the shell exits, and attaching again starts a new shell', async () => {
    const t = make();
    const events: TerminalStatusEvent[] = [];
    t.onStatus((e) => events.push(e));
    const v = new RecordingViewer();
    const h = v.attach(t, 0);
    await v.waitFor(PROMPT);
    t.write('exit 3\r');
    await waitFor(() => t.status === 'closed', 3000, 'shell exit');
    assert.equal(events.at(-1)?.message, 'shell exited with code 3');
    assert.equal(t.write('echo lost\r'), false);
    h.detach();
    v.attach(t, v.next);
    await waitFor(() => t.status === 'live', 3000, 'a fresh shell');
    t.write('echo back\r');
    await v.waitFor(/back\r\n[\s\S]*[#$] $/);
  });

  it('pauses the PTY for a viewer that never acks (memory stays bounded), resumes on ack, and Ctrl-C stops `yes`', async function () {
    const t = make();
    const slow = new RecordingViewer(false);
    const h = slow.attach(t, 0);
    await slow.waitFor(PROMPT);
    h.ack(slow.next);
    t.write('yes kindlab\r');
    await waitFor(() => t.isPaused, 5000, 'flow control to pause the PTY');
    const pausedAt = t.seq;
    const rss = process.memoryUsage().rss;
    await new Promise((r) => setTimeout(r, 500));
    // node-pty may deliver what it had already read; beyond that, nothing grows.
    assert.ok(t.seq - pausedAt <= 2 * OUTPUT_BATCH_MAX_BYTES, `output kept flowing while paused: ${t.seq - pausedAt} bytes`);
    assert.ok(h.unacked <= FLOW_HIGH_WATERMARK + 2 * OUTPUT_BATCH_MAX_BYTES, `unacked ${h.unacked}`);
    assert.ok(process.memoryUsage().rss - rss < 50 * 1024 * 1024, 'memory grew while paused');

    // The viewer catches up: the PTY resumes and output flows again.
    h.ack(h.unacked);
    assert.equal(t.isPaused, false);
    const resumedAt = t.seq;
    await waitFor(() => t.seq > resumedAt + OUTPUT_BATCH_MAX_BYTES, 5000, 'output to flow after the ack');

    // Ctrl-C reaches `yes` through the PTY and the prompt comes back.
    const fast = new RecordingViewer(true);
    fast.attach(t, t.seq);
    h.detach(); // a viewer that leaves holds nothing paused
    assert.equal(t.isPaused, false);
    t.write('\x03');
    t.write('echo "stopped-$((1+1))"\r');
    await fast.waitFor(/stopped-2\r\n[\s\S]*[#$] $/, 10_000);
    const lines = await screen(fast.text.slice(fast.text.lastIndexOf('^C')));
    assert.ok(lines.includes('stopped-2'), lines.join('\n'));
  });

  it('follows the fastest viewer: one that stops acknowledging (a hidden tab) holds back neither the shell nor the other, and catches up from the buffer', async function () {
    const t = make();
    const fast = new RecordingViewer();
    const stalled = new RecordingViewer(false, true);
    fast.attach(t, 0);
    const hs = stalled.attach(t, 0);
    await fast.waitFor(PROMPT);
    hs.ack(hs.unacked);
    // 2.7 MB of numbers: more than the lag limit and the replay buffer together.
    t.write('seq 1 400000; echo "DONE-$((6*7))"\r');
    await fast.waitFor(/DONE-42\r\n[\s\S]*[#$] $/, 20_000);
    assert.equal(t.isPaused, false);
    assert.ok(hs.unacked <= FLOW_LAG_LIMIT + OUTPUT_BATCH_MAX_BYTES, `the stalled viewer holds ${hs.unacked} bytes unacknowledged`);
    assert.ok(fast.next - stalled.next > REPLAY_BUFFER_BYTES, `the stalled viewer fell behind by more than the buffer (${fast.next - stalled.next} bytes)`);
    assert.equal(stalled.gaps.length, 0, 'nothing skipped while it was stalled');
    const stalledAt = stalled.text.length;
    assert.equal(stalled.text, fast.text.slice(0, stalledAt), 'what it got before it stalled is the stream');

    // It acknowledges again: it is sent what is left of its backlog, a high mark at a time, then live output.
    for (let i = 0; i < 20 && stalled.next < fast.next; i++) hs.ack(hs.unacked);
    assert.equal(stalled.next, fast.next, 'caught up');
    assert.equal(stalled.gaps.length, 1, `one gap: ${JSON.stringify(stalled.gaps)}`);
    const [gap] = stalled.gaps;
    assert.deepEqual([gap!.from, gap!.textAt], [stalledAt, stalledAt]);
    assert.equal(gap!.to, t.bufferStart, 'it resumes at the oldest buffered byte');
    // seq's output is ASCII: characters and bytes count alike.
    assert.equal(stalled.text.slice(gap!.textAt), fast.text.slice(gap!.to), 'after the gap, exactly the rest of the stream');
    t.write('echo "after-$((6*7))"\r');
    await fast.waitFor(/after-42\r\n[\s\S]*[#$] $/);
    await waitFor(() => stalled.next === fast.next, 5000, 'the caught-up viewer to get live output again');
    hs.ack(hs.unacked);
    assert.match(stalled.text, /after-42\r\n[\s\S]*[#$] $/);
  });
});

describe('TerminalHub', () => {
  let shells: ShellFactory;
  let hub: TerminalHub | undefined;

  beforeEach(async () => {
    shells = new ShellFactory();
    await shells.setup();
  });

  afterEach(async () => {
    hub?.dispose();
    await shells.assertNoneLeft();
    await shells.teardown();
  });

  it('lists terminals, spawns lazily on first attach, forwards status, and kills everything on dispose', async () => {
    const spawned: string[] = [];
    hub = new TerminalHub({
      specs: [
        { name: 'shell', target: 'local', title: 'Workstation' },
        { name: 'second', target: 'local' },
      ],
      spawn: (spec, size) => {
        spawned.push(`${spec.name}@${size.cols}x${size.rows}`);
        return shells.spawn(size);
      },
      graceMs: 60_000,
    });
    const statuses: string[] = [];
    hub.onStatus((s) => statuses.push(`${s.terminal}:${s.status}`));
    assert.deepEqual(hub.list(), [
      { name: 'shell', title: 'Workstation', status: 'connecting' },
      { name: 'second', title: 'second', status: 'connecting' },
    ]);
    assert.equal(hub.get('nope'), undefined);
    assert.deepEqual(spawned, []);

    const v = new RecordingViewer();
    v.attach(hub.get('second')!, 0, { cols: 120, rows: 40 });
    await v.waitFor(PROMPT);
    assert.deepEqual(spawned, ['second@120x40']);
    assert.deepEqual(statuses, ['second:live']);
    assert.equal(hub.list()[1]?.status, 'live');
    hub.get('second')!.write('stty size\r');
    await v.waitFor(/40 120\r\n/);
    const pid = hub.get('second')!.pid!;
    hub.dispose();
    hub = undefined;
    await waitFor(() => !alive(pid), 3000, 'the shell to end on dispose');
  });
});
