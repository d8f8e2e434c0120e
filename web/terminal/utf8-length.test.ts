import assert from 'node:assert/strict';
import { utf8Length, utf8Skip } from './utf8-length.js';

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
