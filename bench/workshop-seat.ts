/**
 * DESIGN.md's workshop-seat target: a learner who joins a workshop whose
 * seats were pre-warmed gets a live terminal in under 5 s. kindlab runs the
 * workshop (bench/kindlab-server.mjs, `prewarm.initial` = the number of
 * learners, the `containers` lab bench/labs/bench-seat on kindlab/busybox:1),
 * and each learner, in a fresh browser context, goes through the real pages:
 * /join (code, name, submit), continue, the lab's Start link, until the lab
 * page's terminal has parsed the container shell's prompt. Timed from the
 * join submit (the clicks in between are immediate), and, separately, from
 * the lab page's navigation start. Ending the workshop must leave no
 * container behind.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { dockerUnavailable } from './overhead.js';
import { firstPromptAt, openHarnessPage } from './pages.js';
import { startKindlab, WORK } from './servers.js';
import { summarize, type Summary } from './stats.js';

const run = promisify(execFile);
const LAB = 'bench-seat';
const CODE = 'BENCH-SEAT';
/** A fixed instructor token, 43 base64url characters like a generated one. */
const INSTRUCTOR_TOKEN = 'bench-instructor-token-for-the-seat-timing0';

export interface SeatResult {
  /** Join submit → prompt parsed in the lab page, per learner. */
  readonly joinToPrompt: Summary;
  /** The lab page's navigation start → prompt parsed. */
  readonly labPageToPrompt: Summary;
  /** Seats ready before the first learner joined (from the instructor's room view). */
  readonly warmSeats: number;
}

/** Containers and networks the lab's environments left (by kindlab's lab label). */
async function leftovers(): Promise<{ containers: string[]; networks: string[] }> {
  const list = async (args: string[]): Promise<string[]> => (await run('docker', [...args, '--filter', `label=io.kindlab.lab=${LAB}`])).stdout.split('\n').filter(Boolean);
  return { containers: await list(['ps', '-aq']), networks: await list(['network', 'ls', '-q']) };
}

async function removeLeftovers(): Promise<void> {
  const { containers, networks } = await leftovers();
  if (containers.length) await run('docker', ['rm', '-f', ...containers]);
  if (networks.length) await run('docker', ['network', 'rm', ...networks]);
}

export async function workshopSeat(browser: Browser, webRoot: string, learners: number): Promise<SeatResult | { skipped: string }> {
  const unavailable = await dockerUnavailable();
  if (unavailable) return { skipped: unavailable };
  await removeLeftovers(); // from an interrupted earlier run

  const file = join(WORK, 'bench-workshop.yaml');
  writeFileSync(file, `title: Bench seat\ncode: ${CODE}\nlabs: [${LAB}]\ncapacity: ${learners}\nprewarm: {initial: ${learners}, reserved: 0}\n`);
  const server = await startKindlab(webRoot, { workshop: { file, instructorToken: INSTRUCTOR_TOKEN } });
  const origin = server.url.replace(/\/$/, '');
  try {
    const login = await fetch(`${server.url}api/instructor/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ token: INSTRUCTOR_TOKEN }),
    });
    if (!login.ok) throw new Error(`instructor login answered ${login.status}: ${await login.text()}`);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const instructor = { cookie, origin };
    const room = (await (await fetch(`${server.url}api/workshop/room`, { headers: instructor })).json()) as { pool: { ready: number } };
    const warmSeats = room.pool.ready;
    if (warmSeats < learners) throw new Error(`only ${warmSeats} of ${learners} seats were warm when the doors opened`);

    const total: number[] = [];
    const labPage: number[] = [];
    for (let i = 0; i < learners; i++) {
      const { page, close } = await openHarnessPage(browser);
      try {
        await page.goto(`${server.url}join`);
        await page.fill('#kl-join-code', CODE);
        await page.fill('#kl-join-name', `Learner ${i + 1}`);
        const t0 = Date.now();
        await page.locator('.kl-join-submit').click();
        await page.locator('.kl-join-continue').click();
        await page.locator(`.kl-card[data-lab="${LAB}"]`).getByRole('link', { name: /Start/ }).click();
        const promptAt = await firstPromptAt(page, 30_000);
        const pageOrigin = (await page.evaluate('performance.timeOrigin')) as number;
        total.push(pageOrigin + promptAt - t0);
        labPage.push(promptAt);
      } finally {
        await close();
      }
    }
    // Each learner took a warm seat rather than waiting for one to be made.
    const after = (await (await fetch(`${server.url}api/workshop/room`, { headers: instructor })).json()) as { pool: { ready: number; provisioning: number } };
    if (after.pool.ready !== warmSeats - learners || after.pool.provisioning !== 0) {
      throw new Error(`the pool went from ${warmSeats} ready to ${JSON.stringify(after.pool)} after ${learners} joins: learners did not take the warm seats`);
    }
    const end = await fetch(`${server.url}api/workshop/end`, { method: 'POST', headers: instructor });
    if (!end.ok) throw new Error(`ending the workshop answered ${end.status}: ${await end.text()}`);
    const left = await leftovers();
    if (left.containers.length || left.networks.length) throw new Error(`ending the workshop left containers [${left.containers.join(' ')}] and networks [${left.networks.join(' ')}] of ${LAB}`);
    return { joinToPrompt: summarize(total), labPageToPrompt: summarize(labPage), warmSeats };
  } finally {
    await server.stop();
    await removeLeftovers().catch(() => undefined);
  }
}
