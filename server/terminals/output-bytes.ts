/**
 * PTY output as bytes, cut into batches that each hold whole characters of
 * valid UTF-8.
 *
 * The server reads the PTY as bytes: a large batch then leaves as those very
 * bytes (common/terminal-data.ts `toWire`), with no decode into a string on
 * the way in and no encode on the way out. But the stream is numbered by
 * UTF-8 byte offset and the browser counts what it receives the same way, so
 * a batch must decode on its own to exactly its own bytes:
 *
 * - A read may end inside a multi-byte character; its first bytes wait for
 *   the next batch (`completeLength`).
 * - A program may print bytes that are not UTF-8 at all (`cat` of a binary).
 *   They are replaced by U+FFFD, which is what the browser would show for
 *   them anyway (`wellFormed`), so the number the server gives a byte is the
 *   number the browser counts for it.
 */
import { isUtf8 } from 'node:buffer';

/**
 * How many leading bytes end on a character boundary: all of them, unless the
 * last one to three bytes begin a character whose other bytes have not
 * arrived yet. Malformed bytes count as complete: they decode to U+FFFD
 * whatever follows.
 */
export function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  // Back over continuation bytes (10xxxxxx) to the last lead byte, at most 3.
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const length = b < 0xc2 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 1;
    return n - i < length ? i : n;
  }
  return n;
}

/** The bytes unchanged when they are valid UTF-8; otherwise with every malformed sequence replaced by U+FFFD. */
export function wellFormed(bytes: Buffer): Buffer {
  return isUtf8(bytes) ? bytes : Buffer.from(bytes.toString('utf8'), 'utf8');
}

/** Join a batch's reads (no copy for a single read, the common case of an echo). */
export function joinReads(reads: readonly Buffer[], total: number): Buffer {
  return reads.length === 1 ? reads[0]! : Buffer.concat(reads, total);
}
