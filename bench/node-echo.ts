/**
 * `node --import tsx bench/node-echo.ts [keys]`: keystroke echo measured from
 * Node socket.io clients (no browser), kindlab and WeTTY alternating, to tell
 * server-side latency from page-side latency. Each key is a fresh letter;
 * the echo counts once the letter arrives in the terminal's output.
 */
import { mkdirSync } from 'node:fs';
import { kindlabSession, openTerminal, type TermClient } from './clients.js';
import { buildKindlabWeb, startServer, WORK, type RunningServer } from './servers.js';
import { summarize } from './stats.js';

async function sample(c: TermClient, ch: string): Promise<number> {
  const t0 = performance.now();
  c.input(ch);
  if (!(await c.waitFor(new RegExp(`${ch}$`), 3000))) return -1;
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 200);
  mkdirSync(WORK, { recursive: true });
  const web = await buildKindlabWeb();
  const servers: RunningServer[] = [await startServer('kindlab', web), await startServer('wetty', web)];
  try {
    const clients: Record<string, TermClient> = {};
    for (const s of servers) clients[s.name] = await openTerminal({ server: s.name, url: s.url, ...(s.name === 'kindlab' ? { sessionId: await kindlabSession(s.url, 'bench') } : {}) });
    const ms: Record<string, number[]> = { kindlab: [], wetty: [] };
    for (let i = 0; i < keys; i++) {
      for (const name of i % 2 ? ['kindlab', 'wetty'] : ['wetty', 'kindlab']) {
        const c = clients[name]!;
        if (i % 30 === 0) {
          c.input('\x15');
          await new Promise((r) => setTimeout(r, 50));
        }
        // Letters A..Z then a..z: the regex must match the newest echo only.
        ms[name]!.push(await sample(c, String.fromCharCode(97 + (i % 26))));
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      }
    }
    for (const [name, v] of Object.entries(ms)) console.log(name, JSON.stringify(summarize(v.filter((x) => x >= 0))));
    for (const c of Object.values(clients)) c.close();
  } finally {
    for (const s of servers) await s.stop();
  }
}

await main();
