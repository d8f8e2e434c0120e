import assert from 'node:assert/strict';
import { escapeStateAfter, groundIndex, type EscapeState } from './escape-state.js';

/** The state after feeding `parts` one by one (as UTF-8, or as the bytes given), as PTY reads would arrive. */
const after = (...parts: (string | Buffer)[]): EscapeState => parts.reduce<EscapeState>((state, p) => escapeStateAfter(state, Buffer.from(p)), 'ground');
const ground = (state: EscapeState, data: string): number => groundIndex(state, Buffer.from(data));

describe('escapeStateAfter', () => {
  it('is ground after plain text and after complete sequences', () => {
    assert.equal(after('line 1\r\n'), 'ground');
    assert.equal(after('\x1b[31mline 1\x1b[0m\r\n'), 'ground');
    assert.equal(after('\x1b]0;title\x07$ '), 'ground');
    assert.equal(after('\x1b]0;title\x1b\\'), 'ground');
    assert.equal(after('\x1b(B'), 'ground');
    assert.equal(after('\x1b7'), 'ground');
    assert.equal(after('\x1bP1$r0m\x1b\\'), 'ground');
  });

  it('knows a chunk ended inside a sequence, whatever kind', () => {
    assert.equal(after('text \x1b'), 'escape');
    assert.equal(after('text \x1b['), 'csi');
    assert.equal(after('text \x1b[38;5;2'), 'csi');
    assert.equal(after('text \x1b]0;my ti'), 'osc');
    assert.equal(after('text \x1b('), 'escapeIntermediate');
    assert.equal(after('\x1bPq#0;2;0;0;0'), 'string');
    assert.equal(after('\x1b_Gf=32'), 'string');
  });

  it('follows a sequence split across chunks until it ends', () => {
    assert.equal(after('a\x1b', '[31mred'), 'ground');
    assert.equal(after('a\x1b[3', '1;4'), 'csi');
    assert.equal(after('a\x1b[3', '1;4', 'm'), 'ground');
    assert.equal(after('\x1b]0;long ', 'title still ', 'going'), 'osc');
    assert.equal(after('\x1b]0;long ', 'title\x07 done'), 'ground');
    assert.equal(after('\x1b]0;long ', 'title\x1b', '\\'), 'ground');
    assert.equal(after('\x1b(', 'B text'), 'ground');
    assert.equal(after('\x1bPdata', 'more data'), 'string');
    assert.equal(after('\x1bPdata', 'more\x1b\\ text'), 'ground');
  });

  it('a later ESC starts over: what came before it does not matter', () => {
    assert.equal(after('\x1b]0;unterminated', 'x \x1b[1m'), 'ground');
    assert.equal(after('\x1b[', '0m \x1b]2;t'), 'osc');
  });

  it('agrees with a byte-by-byte split of a real coloured stream everywhere', () => {
    // Walk every split point of a stream mixing CSI, OSC and charset escapes:
    // the state at a split is "inside" exactly when the split falls in a sequence.
    const sequences = ['\x1b[01;32m', '\x1b]0;root@node: ~\x07', '\x1b(B', '\x1b[0m', '\x1b[?2004h'];
    let stream = '';
    const inside = new Set<number>();
    for (let n = 0; n < 20; n++) {
      const s = sequences[n % sequences.length] ?? '';
      for (let k = 1; k < s.length; k++) inside.add(stream.length + k);
      stream += `${s}word ${n} `;
    }
    for (let cut = 0; cut <= stream.length; cut++) {
      const state = after(stream.slice(0, cut));
      assert.equal(state !== 'ground', inside.has(cut), `cut at ${cut}: ${JSON.stringify(stream.slice(Math.max(0, cut - 6), cut))} → ${state}`);
      assert.equal(after(stream.slice(0, cut), stream.slice(cut)), 'ground');
      // Where a replay could begin when a chunk starts at this cut: just past the sequence.
      const at = ground(state, stream.slice(cut));
      assert.ok(at >= 0 && (at === 0) === !inside.has(cut), `cut at ${cut}: ground again at +${at}`);
      assert.equal(after(stream.slice(0, cut + at)), 'ground');
    }
  });

  it('reads UTF-8: a character of several bytes moves the state as one character would, split or not', () => {
    assert.equal(after('\x1b]0;café'), 'osc');
    assert.equal(after('\x1b]0;caf', Buffer.from([0xc3]), Buffer.from([0xa9, 0x07])), 'ground');
    assert.equal(after('\x1b[38;5', '€'), 'csi');
    assert.equal(after('\x1b', '€ text'), 'ground');
    assert.equal(after('\x1b(', '✓'), 'ground');
    assert.equal(after('\x1bPdonnées', '\x1b\\'), 'ground');
    assert.equal(ground('osc', 'é\x07$ '), 3, 'a byte offset: é is two bytes');
  });

  it('groundIndex: where a chunk that starts inside a sequence can be shown from', () => {
    assert.equal(ground('ground', 'plain'), 0);
    assert.equal(ground('csi', '0mline 1'), 2);
    assert.equal(ground('escape', '[0mline 1'), 3);
    assert.equal(ground('osc', 'title\x07$ '), 6);
    assert.equal(ground('osc', 'title\x1b\\$ '), 7);
    assert.equal(ground('string', 'sixel data\x1b\\x'), 12);
    assert.equal(ground('osc', 'a title that never ends'), -1);
    assert.equal(ground('csi', '38;5'), -1);
  });
});
