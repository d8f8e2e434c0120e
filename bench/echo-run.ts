/**
 * One run of echo samples, the same for every driver: a Playwright page
 * (bench/pages.ts) or a page over bare CDP (bench/raw-pages.ts).
 */
import { clearLine, echoSample, type TermPage } from './pages.js';
import { rawClearLine, rawEchoSample, type RawTermPage } from './raw-pages.js';
import type { ServerName } from './servers.js';
import { inTurn, summarize, type Summary } from './stats.js';

/** Pause between echo samples, so keystrokes arrive like typing rather than as a burst. */
const TYPING_GAP_MS = [5, 25] as const;
/** Characters typed before the line is cleared (keeps the line short of the 120-column wrap). */
const LINE_CHARS = 30;

/** How a run types one key and clears the line. */
export interface EchoDriver {
  /** ms from keydown to the character parsed, or -1 when it never came. */
  sample(ch: string): Promise<number>;
  clear(): Promise<void>;
}

export const playwrightDriver = (tp: TermPage): EchoDriver => ({ sample: (ch) => echoSample(tp.page, ch), clear: () => clearLine(tp.page) });
export const rawDriver = (p: RawTermPage): EchoDriver => ({ sample: (ch) => rawEchoSample(p, ch), clear: () => rawClearLine(p) });

/** Type `samples` letters, collecting each echo's time into `into`, counting the lost ones. */
export async function echoRun(d: EchoDriver, samples: number, into: number[], lost: { n: number }): Promise<void> {
  await d.clear();
  for (let i = 0; i < samples; i++) {
    if (i > 0 && i % LINE_CHARS === 0) await d.clear();
    const ms = await d.sample(String.fromCharCode(97 + (i % 26)));
    if (ms < 0) lost.n++;
    else into.push(ms);
    await new Promise((r) => setTimeout(r, TYPING_GAP_MS[0] + Math.random() * (TYPING_GAP_MS[1] - TYPING_GAP_MS[0])));
  }
  await d.clear();
}

/** `runs` echo runs per server, alternating A B, B A …; each server's samples summarized, with how many were lost. */
export async function echoPhase(
  servers: readonly ServerName[],
  runs: number,
  perRun: number,
  driverOf: (s: ServerName) => EchoDriver,
): Promise<Record<ServerName, Summary & { lost: number }>> {
  const samples: Record<ServerName, number[]> = { kindlab: [], wetty: [] };
  const lost = { kindlab: { n: 0 }, wetty: { n: 0 } };
  for (let r = 0; r < runs; r++) {
    for (const s of inTurn(servers, r)) await echoRun(driverOf(s), perRun, samples[s], lost[s]);
  }
  return Object.fromEntries(servers.map((s) => [s, { ...summarize(samples[s]), lost: lost[s].n }])) as Record<ServerName, Summary & { lost: number }>;
}
