import assert from 'node:assert/strict';
import { completeLength, joinReads, wellFormed } from './output-bytes.js';

describe('output bytes', () => {
  it('completeLength: a read cut anywhere in text of 1- to 4-byte characters keeps exactly the whole characters', () => {
    const text = 'a é € 😀 z\r\n✓ naïve 🐳';
    const bytes = Buffer.from(text);
    const boundaries = new Set<number>();
    for (let i = 0, at = 0; i <= text.length; ) {
      boundaries.add(at);
      const cp = text.codePointAt(i);
      if (cp === undefined) break;
      const ch = String.fromCodePoint(cp);
      at += Buffer.byteLength(ch);
      i += ch.length;
    }
    for (let cut = 0; cut <= bytes.length; cut++) {
      const whole = completeLength(bytes.subarray(0, cut));
      let expected = cut;
      while (!boundaries.has(expected)) expected--;
      assert.equal(whole, expected, `cut at byte ${cut}`);
      assert.equal(Buffer.from(bytes.subarray(0, whole).toString()).length, whole, 'what is kept decodes to itself');
    }
  });

  it('completeLength: malformed bytes count as complete (they decode to U+FFFD whatever follows)', () => {
    assert.equal(completeLength(Buffer.from([0x61, 0xff])), 2);
    assert.equal(completeLength(Buffer.from([0x61, 0xc0])), 2, 'C0 never starts a character');
    assert.equal(completeLength(Buffer.from([0x61, 0xf8])), 2);
    assert.equal(completeLength(Buffer.from([0x80, 0x80, 0x80, 0x80])), 4, 'continuation bytes with no lead');
    assert.equal(completeLength(Buffer.from([0x61, 0xe2, 0x82, 0xac, 0x80])), 5, 'a stray continuation after a whole character');
    assert.equal(completeLength(Buffer.from([0x61, 0xf0, 0x9f, 0x98])), 1, 'three of four bytes: wait for the fourth');
    assert.equal(completeLength(Buffer.alloc(0)), 0);
  });

  it('wellFormed: valid UTF-8 passes through untouched; malformed bytes become U+FFFD as a browser decodes them', () => {
    const valid = Buffer.from('plain € 😀');
    assert.equal(wellFormed(valid), valid, 'the same buffer, not a copy');
    const fixed = wellFormed(Buffer.from([0x78, 0xff, 0xc0, 0x79, 0xe2, 0x82, 0x7a]));
    assert.equal(fixed.toString(), new TextDecoder().decode(new Uint8Array([0x78, 0xff, 0xc0, 0x79, 0xe2, 0x82, 0x7a])));
    assert.equal(fixed.toString(), 'x\uFFFD\uFFFDy\uFFFDz');
  });

  it('joinReads: one read is passed on as is, several are joined in order', () => {
    const one = Buffer.from('echo');
    assert.equal(joinReads([one], 4), one);
    assert.equal(joinReads([Buffer.from('ab'), Buffer.from('c'), Buffer.from('de')], 5).toString(), 'abcde');
  });
});
