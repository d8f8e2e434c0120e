/**
 * Frame pacing while output floods.
 *
 * xterm.js repaints on every animation frame after it parses output: up to
 * 60 repaints a second during a `cat` of a big file or a `yes`, each one
 * (style, layout, paint of every row with the DOM renderer) ~5 ms of the same
 * main thread that must also receive and parse the output. Nobody reads text
 * scrolling past at 60 frames a second, so while a page's terminals write
 * more than FLOOD_BYTES_PER_FRAME between two frames, frames are spaced
 * about FLOOD_FRAME_MS apart (the browser's frames in between paint
 * nothing) and the main thread spends the difference on output. Anything
 * quieter (a keystroke's echo, a command's few screens of output) is painted
 * on the next frame as before, and so is a flood's first frame; the frame
 * after a flood ends may wait out one FLOOD_FRAME_MS.
 *
 * xterm.js asks for frames through its window's `requestAnimationFrame`
 * (there is no option for a frame rate), so the pacer wraps that pair of
 * functions on the window, once, for everything on the page.
 */

/** Output written to the page's terminals between two frames that counts as a flood (~2 MiB/s at 60 Hz). */
export const FLOOD_BYTES_PER_FRAME = 32 * 1024;
/** During a flood, frames are about this far apart (20 a second). */
export const FLOOD_FRAME_MS = 50;

/** Half a frame at 60 Hz: a frame this close to the end of the interval paints. */
const HALF_FRAME_MS = 8;

/** The part of a window the pacer uses (a real `window`, or a fake clock in tests). */
export interface PacedWindow {
  requestAnimationFrame(cb: FrameRequestCallback): number;
  cancelAnimationFrame(id: number): void;
  readonly performance: { now(): number };
}

const pacers = new WeakMap<PacedWindow, FramePacer>();

export class FramePacer {
  /** The window's pacer, installed on first use. */
  static for(win: PacedWindow): FramePacer {
    let pacer = pacers.get(win);
    if (!pacer) {
      pacer = new FramePacer(win);
      pacers.set(win, pacer);
    }
    return pacer;
  }

  private readonly nativeRequest: (cb: FrameRequestCallback) => number;
  private readonly nativeCancel: (id: number) => void;
  /** The last frame's timestamp (what requestAnimationFrame passed its callbacks; performance.now()'s clock). */
  private lastFrameAt = Number.NEGATIVE_INFINITY;
  /** Output written since that frame. */
  private bytesSinceFrame = 0;
  /** Whether that frame showed a flood: then the next one waits out FLOOD_FRAME_MS. */
  private flooding = false;
  /** Deferred callbacks, by the negative ids handed out for them (native ids are positive). */
  private readonly deferred = new Map<number, FrameRequestCallback>();
  private nextDeferredId = -1;
  private awaitingFrame = false;
  private framesPainted = 0;
  private framesDeferred = 0;

  private constructor(private readonly win: PacedWindow) {
    this.nativeRequest = win.requestAnimationFrame.bind(win);
    this.nativeCancel = win.cancelAnimationFrame.bind(win);
    win.requestAnimationFrame = (cb) => this.request(cb);
    win.cancelAnimationFrame = (id) => this.cancel(id);
  }

  /** A terminal on the page was given this many bytes of output to parse. */
  noteOutput(bytes: number): void {
    this.bytesSinceFrame += bytes;
  }

  /** Frames painted and frame requests deferred so far (for tests and diagnostics). */
  get stats(): { painted: number; deferred: number } {
    return { painted: this.framesPainted, deferred: this.framesDeferred };
  }

  private request(cb: FrameRequestCallback): number {
    const flood = this.flooding || this.bytesSinceFrame >= FLOOD_BYTES_PER_FRAME;
    if (this.deferred.size === 0 && (!flood || this.win.performance.now() - this.lastFrameAt >= FLOOD_FRAME_MS)) {
      return this.nativeRequest((t) => {
        this.frameStarts(t);
        cb(t);
      });
    }
    const id = this.nextDeferredId--;
    this.deferred.set(id, cb);
    this.framesDeferred++;
    this.awaitFrame();
    return id;
  }

  private cancel(id: number): void {
    if (id < 0) this.deferred.delete(id);
    else this.nativeCancel(id);
  }

  /** Ask for the next frame on behalf of the deferred callbacks (once). */
  private awaitFrame(): void {
    if (this.awaitingFrame) return;
    this.awaitingFrame = true;
    this.nativeRequest((t) => this.deferredFrame(t));
  }

  /**
   * A frame came while callbacks wait: too early (more than half a frame
   * before the interval ends) and it passes without painting anything,
   * which costs the page next to nothing; otherwise they all run in it.
   */
  private deferredFrame(t: number): void {
    this.awaitingFrame = false;
    if (this.deferred.size === 0) return;
    if (t - this.lastFrameAt < FLOOD_FRAME_MS - HALF_FRAME_MS) {
      this.awaitFrame();
      return;
    }
    const callbacks = [...this.deferred.values()];
    this.deferred.clear();
    this.frameStarts(t);
    for (const cb of callbacks) cb(t);
  }

  /** Every callback of one frame gets the same timestamp: the first one starts the frame. */
  private frameStarts(t: number): void {
    if (t === this.lastFrameAt) return;
    this.lastFrameAt = t;
    this.flooding = this.bytesSinceFrame >= FLOOD_BYTES_PER_FRAME;
    this.bytesSinceFrame = 0;
    this.framesPainted++;
  }
}
