/**
 * Where a terminal output stream stands with respect to escape sequences, so
 * the replay buffer always starts outside one.
 *
 * PTY reads split the stream anywhere, including inside `ESC [ 3 1 m` or an
 * OSC title. A replay that began in the middle of one would show its tail as
 * stray text ("[0mline 42"). Tracking the state at the end of each chunk costs
 * one native `lastIndexOf` plus a look at the few bytes after the last ESC:
 * every ESC starts a new sequence (or ends a string one as `ESC \`), so what
 * came before it does not matter.
 *
 * The stream is UTF-8 bytes. Every byte that matters here is ASCII, and the
 * bytes of a multi-byte character (0x80 and up) move the state exactly as the
 * one character would: each ends an ESC or its intermediates, and none ends a
 * CSI, OSC or string sequence.
 *
 * States follow the VT500 parser model that xterm.js implements
 * (https://vt100.net/emu/dec_ansi_parser): ground, after ESC, ESC with
 * intermediates (`ESC ( B`), CSI, OSC (ends on BEL or ST) and the other
 * string sequences DCS/SOS/PM/APC (end on ST = `ESC \`). 8-bit C1 controls
 * are not tracked; shells and the programs in labs emit 7-bit sequences.
 */
export type EscapeState = 'ground' | 'escape' | 'escapeIntermediate' | 'csi' | 'osc' | 'string';

const ESC = 0x1b;
const BEL = 0x07;

/** One byte's effect on the state. */
function step(state: EscapeState, c: number): EscapeState {
  if (c === ESC) return 'escape';
  switch (state) {
    case 'ground':
      return 'ground';
    case 'escape':
      if (c === 0x5b /* [ */) return 'csi';
      if (c === 0x5d /* ] */) return 'osc';
      if (c === 0x50 /* P */ || c === 0x58 /* X */ || c === 0x5e /* ^ */ || c === 0x5f /* _ */) return 'string';
      return c >= 0x20 && c <= 0x2f ? 'escapeIntermediate' : 'ground';
    case 'escapeIntermediate':
      return c >= 0x20 && c <= 0x2f ? 'escapeIntermediate' : 'ground';
    case 'csi':
      // Parameters (0x30-0x3F) and intermediates (0x20-0x2F) until a final byte (0x40-0x7E).
      return c >= 0x40 && c <= 0x7e ? 'ground' : 'csi';
    case 'osc':
      return c === BEL ? 'ground' : 'osc';
    case 'string':
      return 'string';
  }
}

/** The state after `data`, given the state before it. */
export function escapeStateAfter(before: EscapeState, data: Buffer): EscapeState {
  // A Buffer's lastIndexOf is native (a plain Uint8Array's is a JavaScript loop, ~25× slower here).
  const lastEsc = data.lastIndexOf(ESC);
  let state = lastEsc === -1 ? before : 'escape';
  // From ground with no ESC left, nothing can leave ground again.
  for (let i = lastEsc + 1; i < data.length && state !== 'ground'; i++) state = step(state, data[i]!);
  return state;
}

/**
 * The first byte offset of `data` at which the stream is back in ground
 * state, given the state before it (0 when it already is); -1 if it never
 * gets there.
 */
export function groundIndex(before: EscapeState, data: Uint8Array): number {
  let state = before;
  let i = 0;
  for (; state !== 'ground'; i++) {
    if (i >= data.length) return -1;
    state = step(state, data[i]!);
  }
  return i;
}
