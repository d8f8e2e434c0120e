/**
 * Terminal output as it travels: a frame's data is text, or bytes once the
 * frame is large (OUTPUT_BINARY_MIN_BYTES; common/socket-parser.ts says why).
 * Either way the stream is numbered by UTF-8 byte offset, and every end
 * counts, skips and reads it with the functions here. A frame always holds
 * whole characters of valid UTF-8 (the server cuts its batches between
 * characters and replaces malformed bytes, server/terminals/output-bytes.ts),
 * so each frame's bytes decode on their own, to exactly as many bytes.
 */
import { OUTPUT_BINARY_MIN_BYTES } from './protocol.js';
import { decodeUtf8, encodeUtf8 } from './utf8.js';

export type OutputData = string | Uint8Array;

/** Any character outside ASCII (U+0080 and up); written from U+0080 so it names no control character. */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * UTF-8 length of a string, computed without allocating: the server numbers
 * terminal output by UTF-8 byte offset, and the browser must count the same
 * way to ask for the exact bytes it missed.
 */
export function utf8Length(s: string): number {
  // Most terminal output is ASCII, where bytes = chars; the regex engine scans
  // a 256 KiB frame several times faster than the loop below (the loop was
  // 2-3 % of the page's main thread during a flood, bench/profile.ts).
  if (!NON_ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP, or a lone surrogate (encoded as U+FFFD, like the server does)
  }
  return n;
}

/** How many bytes of the stream a frame's data covers. */
export function byteLength(data: OutputData): number {
  return typeof data === 'string' ? utf8Length(data) : data.length;
}

/** The part of `data` after its first `bytes` UTF-8 bytes (used when a frame overlaps what we already have). */
export function utf8Skip<D extends OutputData>(data: D, bytes: number): D {
  if (typeof data !== 'string') return data.subarray(bytes) as D;
  return decodeUtf8(encodeUtf8(data).subarray(bytes)) as D;
}

/** A frame's data as text (for clients that read output rather than render it). */
export function outputText(data: OutputData): string {
  return typeof data === 'string' ? data : decodeUtf8(data);
}

/** What the server sends for a batch of output (whole characters of valid UTF-8): text while small, the bytes themselves once large. */
export function toWire(bytes: Uint8Array): OutputData {
  return bytes.length >= OUTPUT_BINARY_MIN_BYTES ? bytes : decodeUtf8(bytes);
}
