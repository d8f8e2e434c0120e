/**
 * The messages between the page and its socket worker (web/socket-worker.ts),
 * shared by both ends. Event arguments cross as structured clones; the
 * buffers under any bytes in them are transferred, not copied.
 */

/** socket.io-client options the page may set (the worker fixes transport and parser). */
export interface BridgeOptions {
  readonly reconnectionDelay?: number;
  readonly reconnectionDelayMax?: number;
}

export type ToWorker =
  | { readonly t: 'open'; readonly options: BridgeOptions }
  | { readonly t: 'emit'; readonly event: string; readonly args: readonly unknown[]; readonly ack?: number }
  | { readonly t: 'close' };

export type FromWorker =
  | { readonly t: 'connect' }
  | { readonly t: 'disconnect'; readonly reason: string }
  | { readonly t: 'connect_error'; readonly message: string }
  | { readonly t: 'event'; readonly event: string; readonly args: readonly unknown[] }
  | { readonly t: 'ack'; readonly id: number; readonly args: readonly unknown[] };

/** The buffers under every byte array in `value` (looked for a few levels deep), each once. */
export function buffersIn(value: unknown, depth = 3, found = new Set<ArrayBuffer>()): ArrayBuffer[] {
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer);
  } else if (value instanceof ArrayBuffer) {
    found.add(value);
  } else if (depth > 0 && typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) buffersIn(v, depth - 1, found);
  }
  return [...found];
}
