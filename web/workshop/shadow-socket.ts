/**
 * A read-only socket for shadowing a learner's terminals with the ordinary
 * terminal view (TerminalView / TerminalTabs), unchanged.
 *
 * The view speaks `term:attach`, `term:input`, `term:resize`, `term:ack` and
 * listens to `term:output`; the instructor has no session of their own, so
 * this adapter turns an attach into `term:shadow {sessionId, terminal,
 * fromSeq}`, hands the view the `shadow:output` frames of that session only,
 * and passes on the view's acknowledgements as `shadow:ack` (flow control:
 * the server sends a shadow that falls behind no more than it can parse,
 * without ever pausing the learner for it). It has no input path at all:
 * input and resize are dropped here, before the wire, so a keystroke in the
 * shadow cannot reach the learner's shell even if the server forgot to
 * refuse it.
 */
import type { ClientToServerEvents, OutputFrame, ShadowFrame } from '../../common/protocol.js';
import type { PageSocket } from '../socket.js';

type Listener = (...args: never[]) => void;
type AttachAck = Parameters<ClientToServerEvents['term:shadow']>[1];

export class ShadowSocket {
  /** Our wrappers around the view's output listeners, so `off` removes the right one. */
  private readonly wrapped = new Map<Listener, (f: ShadowFrame) => void>();
  /** Terminals this adapter asked to shadow (to unshadow them on close). */
  private readonly watched = new Set<string>();
  private readonly droppedListeners = new Set<(event: string) => void>();
  /** Emits the adapter refused: keystrokes, resizes. */
  dropped = 0;
  private closed = false;

  constructor(
    private readonly socket: PageSocket,
    readonly sessionId: string,
  ) {}

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The adapter, typed as what TerminalView expects; it implements the part TerminalView uses. */
  asTerminalSocket(): PageSocket {
    return this as unknown as PageSocket;
  }

  onDropped(listener: (event: string) => void): () => void {
    this.droppedListeners.add(listener);
    return () => this.droppedListeners.delete(listener);
  }

  on(event: string, listener: Listener): this {
    if (event === 'term:output') {
      const onFrame = (f: ShadowFrame): void => {
        if (f.sessionId === this.sessionId) (listener as (f: OutputFrame) => void)({ terminal: f.terminal, seq: f.seq, data: f.data });
      };
      this.wrapped.set(listener, onFrame);
      this.socket.on('shadow:output', onFrame);
    } else if (event === 'connect' || event === 'disconnect') {
      this.socket.on(event, listener as () => void);
    }
    // term:status is the learner's own socket's business; a shadow's state comes from its attach reply.
    return this;
  }

  off(event: string, listener: Listener): this {
    if (event === 'term:output') {
      const w = this.wrapped.get(listener);
      if (w) this.socket.off('shadow:output', w);
      this.wrapped.delete(listener);
    } else if (event === 'connect' || event === 'disconnect') {
      this.socket.off(event, listener as () => void);
    }
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    if (event === 'term:attach' && !this.closed) {
      const [req, ack] = args as [{ terminal: string; fromSeq: number }, AttachAck];
      this.watched.add(req.terminal);
      this.socket.emit('term:shadow', { sessionId: this.sessionId, terminal: req.terminal, fromSeq: req.fromSeq }, ack);
      return this;
    }
    if (event === 'term:ack' && !this.closed) {
      const [req] = args as [{ terminal: string; bytes: number }];
      if (this.watched.has(req.terminal)) this.socket.emit('shadow:ack', { sessionId: this.sessionId, terminal: req.terminal, bytes: req.bytes });
      return this;
    }
    // term:input, term:resize: a shadow never writes.
    this.dropped++;
    for (const l of this.droppedListeners) l(event);
    return this;
  }

  /** Stop watching every terminal this adapter attached to. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket.connected) for (const terminal of this.watched) this.socket.emit('term:unshadow', { sessionId: this.sessionId, terminal });
    this.watched.clear();
    this.droppedListeners.clear();
  }
}
