import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gapNotice } from './terminal-view.js';

// @xterm/headless is CommonJS without named ESM exports.
const headless = createRequire(import.meta.url)('@xterm/headless') as typeof import('@xterm/headless');

/** The screen's non-empty lines after xterm.js parses `data`. */
function screen(data: string): Promise<string[]> {
  return new Promise((resolve) => {
    const term = new headless.Terminal({ cols: 80, rows: 6, allowProposedApi: true });
    term.write(data, () => {
      const lines: string[] = [];
      for (let i = 0; i < 6; i++) lines.push(term.buffer.active.getLine(i)?.translateToString(true) ?? '');
      term.dispose();
      resolve(lines.filter(Boolean));
    });
  });
}

describe('gapNotice (output skipped over, as the terminal shows it)', () => {
  const notice = '[1234 bytes of older output are no longer available]';

  for (const [what, cut] of [
    ['plain text', 'before'],
    ['an escape sequence', 'before\x1b[38;5;2'],
    ['an OSC string (a window title)', 'before\x1b]0;a title that never ends'],
    ['a DCS string', 'before\x1bP1$r'],
  ] as const) {
    it(`stands on a line of its own after output cut inside ${what}`, async () => {
      assert.deepEqual(await screen(`${cut}${gapNotice(1234)}after`), ['before', notice, 'after']);
    });
  }
});
