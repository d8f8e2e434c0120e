/**
 * UTF-8 encoding and decoding for code that runs in both Node and the browser.
 * Both have the WHATWG TextEncoder/TextDecoder globals; `common/` compiles
 * against the bare language library (no DOM, no Node types), so they are
 * typed here, once, with only what kindlab uses.
 */
interface Utf8Globals {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) => { decode(bytes: Uint8Array): string };
}
const { TextEncoder, TextDecoder } = globalThis as unknown as Utf8Globals;

const encoder = new TextEncoder();
// ignoreBOM: a U+FEFF at the start of a frame is output like any other
// character (the default would drop it, and its 3 bytes from the count).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode bytes; malformed sequences become U+FFFD, or throw when `fatal`. */
export function decodeUtf8(bytes: Uint8Array, fatal = false): string {
  return (fatal ? strict : decoder).decode(bytes);
}
