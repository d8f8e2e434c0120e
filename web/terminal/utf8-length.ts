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

/** The part of `s` after its first `bytes` UTF-8 bytes (used when a frame overlaps what we already have). */
export function utf8Skip(s: string, bytes: number): string {
  const encoded = new TextEncoder().encode(s);
  return new TextDecoder().decode(encoded.subarray(bytes));
}
