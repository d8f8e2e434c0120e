import assert from 'node:assert/strict';
import { FLOOD_BYTES_PER_FRAME, FLOOD_FRAME_MS, FramePacer, type PacedWindow } from './frame-pacer.js';

/** A window with a hand-driven clock: frames run when the test says the browser paints one. */
class FakeWindow implements PacedWindow {
  now = 1000;
  private nextId = 1;
  private readonly frameCallbacks = new Map<number, FrameRequestCallback>();
  readonly performance = { now: (): number => this.now };

  requestAnimationFrame(cb: FrameRequestCallback): number {
    const id = this.nextId++;
    this.frameCallbacks.set(id, cb);
    return id;
  }

  cancelAnimationFrame(id: number): void {
    this.frameCallbacks.delete(id);
  }

  /** Let `ms` pass, then the browser runs a frame: every callback requested before it, with one timestamp. */
  frameAfter(ms: number): void {
    this.now += ms;
    const callbacks = [...this.frameCallbacks.values()];
    this.frameCallbacks.clear();
    for (const cb of callbacks) cb(this.now);
  }

  get pendingFrames(): number {
    return this.frameCallbacks.size;
  }
}

describe('FramePacer (repaints while output floods)', () => {
  let win: FakeWindow;
  let pacer: FramePacer;
  let ran: string[];
  const request = (name: string): number => win.requestAnimationFrame(() => ran.push(`${name}@${win.now - 1000}`));

  beforeEach(() => {
    win = new FakeWindow();
    pacer = FramePacer.for(win);
    ran = [];
  });

  it('is installed once per window and wraps its requestAnimationFrame', () => {
    assert.equal(FramePacer.for(win), pacer);
    assert.notEqual(win.requestAnimationFrame, FakeWindow.prototype.requestAnimationFrame);
  });

  it('paints quiet output (a keystroke echo) on the next frame', () => {
    win.frameAfter(0);
    pacer.noteOutput(1);
    request('echo');
    win.frameAfter(5);
    assert.deepEqual(ran, ['echo@5']);
    assert.deepEqual(pacer.stats, { painted: 1, deferred: 0 });
  });

  it("paints a flood's first frame at once, then every FLOOD_FRAME_MS or so until the flood ends", () => {
    pacer.noteOutput(256 * 1024);
    request('a');
    win.frameAfter(0);
    // More output before the interval is over: the browser's frames pass until ~FLOOD_FRAME_MS after the last paint.
    pacer.noteOutput(256 * 1024);
    request('b');
    for (let i = 0; i < 5; i++) win.frameAfter(8);
    assert.deepEqual(ran, ['a@0'], 'nothing painted 40 ms after a flooded frame');
    win.frameAfter(2);
    assert.deepEqual(ran, ['a@0', 'b@42'], 'painted within half a frame of the interval');
    // A slice of the same write parsed after that frame (no new bytes noted) is still paced: the last frame showed a flood.
    request('c');
    win.frameAfter(17);
    win.frameAfter(17);
    assert.equal(ran.length, 2);
    win.frameAfter(17);
    assert.deepEqual(ran, ['a@0', 'b@42', 'c@93']);
    // That frame saw no new output: the flood is over and the next request is painted on the next frame.
    pacer.noteOutput(3);
    request('after');
    win.frameAfter(1);
    assert.deepEqual(ran.at(-1), 'after@94');
    assert.deepEqual(pacer.stats, { painted: 4, deferred: 2 });
  });

  it('runs the callbacks deferred for one frame together, in order, and only once', () => {
    pacer.noteOutput(FLOOD_BYTES_PER_FRAME);
    request('first');
    win.frameAfter(0);
    pacer.noteOutput(FLOOD_BYTES_PER_FRAME);
    request('x');
    request('y');
    request('z');
    win.frameAfter(FLOOD_FRAME_MS);
    win.frameAfter(FLOOD_FRAME_MS);
    assert.deepEqual(ran, ['first@0', 'x@50', 'y@50', 'z@50']);
    assert.equal(win.pendingFrames, 0, 'nothing left waiting for a frame');
  });

  it('cancels a deferred callback, and a native one, by the id it handed out', () => {
    const passed = request('passed');
    assert.ok(passed > 0, 'native ids are passed through');
    win.cancelAnimationFrame(passed);
    pacer.noteOutput(FLOOD_BYTES_PER_FRAME);
    request('flood');
    win.frameAfter(0);
    pacer.noteOutput(FLOOD_BYTES_PER_FRAME);
    const cancelled = request('cancelled');
    const kept = request('kept');
    assert.ok(cancelled < 0 && kept < 0, 'deferred ids never collide with native ones');
    win.cancelAnimationFrame(cancelled);
    win.frameAfter(FLOOD_FRAME_MS);
    assert.deepEqual(ran, ['flood@0', 'kept@50']);
  });

  it('output below FLOOD_BYTES_PER_FRAME per frame is never paced, however long it goes on', () => {
    for (let i = 0; i < 100; i++) {
      pacer.noteOutput(FLOOD_BYTES_PER_FRAME - 1);
      request(`f${i}`);
      win.frameAfter(16);
      assert.equal(ran.length, i + 1, `frame ${i} painted on the next frame`);
    }
    assert.equal(pacer.stats.deferred, 0);
  });
});
