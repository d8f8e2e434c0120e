import assert from 'node:assert/strict';
import { byteLength, outputText, toWire, utf8Length, utf8Skip } from './terminal-data.js';
import { OUTPUT_BINARY_MIN_BYTES } from './protocol.js';

describe('utf8Length', () => {
  it('counts the same bytes as the server (Buffer.byteLength) for ASCII, 2-, 3- and 4-byte characters', () => {
    const samples = ['', 'plain ascii\r\n\x1b[1mbold\x1b[0m', 'é', 'naïve café', '€ ✓ ─│┌', '😀 pods 🐳', 'x'.repeat(70_000) + 'ü'];
    for (const s of samples) assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s.slice(0, 20)));
  });

  it('counts a lone surrogate as the 3 bytes of U+FFFD, as the server encodes it', () => {
    assert.equal(utf8Length('a\ud800b'), Buffer.byteLength('a\ud800b', 'utf8'));
    assert.equal(utf8Length('\udc00'), 3);
  });

  it('skips whole characters by byte offset', () => {
    assert.equal(utf8Skip('aé😀z', 3), '😀z');
    assert.equal(utf8Skip('plain', 2), 'ain');
  });
});

describe('output data (text or bytes)', () => {
  it('counts, skips and reads bytes the same as the text they encode', () => {
    const text = 'aé😀z';
    const bytes = new TextEncoder().encode(text);
    assert.equal(byteLength(bytes), byteLength(text));
    assert.equal(outputText(utf8Skip(bytes, 3)), utf8Skip(text, 3));
    assert.equal(outputText(bytes), text);
  });

  it('sends a batch as its bytes from OUTPUT_BINARY_MIN_BYTES bytes, as text below', () => {
    const small = '€'.repeat((OUTPUT_BINARY_MIN_BYTES - 1) / 3) + 'x'.repeat((OUTPUT_BINARY_MIN_BYTES - 1) % 3);
    assert.equal(Buffer.byteLength(small), OUTPUT_BINARY_MIN_BYTES - 1);
    assert.equal(toWire(Buffer.from(small)), small);
    const large = Buffer.from('€'.repeat(OUTPUT_BINARY_MIN_BYTES / 2));
    assert.equal(toWire(large), large, 'the same bytes, not a copy');
    assert.equal(outputText(toWire(large)), large.toString());
  });
});
