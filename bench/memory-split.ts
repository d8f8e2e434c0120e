/**
 * `node --import tsx bench/memory-split.ts [terminals]`: the idle-memory
 * figure of `npm run bench` split into the server process itself and its
 * shells (PSS and RSS from /proc/<pid>/smaps_rollup, Private_Dirty too), with
 * each shell's command line and environment size, so a difference per
 * terminal can be placed in the server or in the shell. Both servers are
 * settled before each reading, as in the bench (bench/settle.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { kindlabSession, openTerminal, type TermClient } from './clients.js';
import { descendants } from './proc-tree.js';
import { buildKindlabWeb, startServer, WORK, type ServerName } from './servers.js';
import { SETTLE_NODE_OPTIONS, settleHeap } from './settle.js';

function rollup(pid: number): { rss: number; pss: number; dirty: number } {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const f = (n: string): number => Number(new RegExp(`^${n}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
  return { rss: f('Rss'), pss: f('Pss'), dirty: f('Private_Dirty') };
}

async function measure(name: ServerName, web: string, n: number): Promise<void> {
  const server = await startServer(name, web, { nodeOptions: SETTLE_NODE_OPTIONS });
  const clients: TermClient[] = [];
  try {
    const sessionId = name === 'kindlab' ? await kindlabSession(server.url, 'bench-many') : undefined;
    await new Promise((r) => setTimeout(r, 1500));
    await settleHeap(server.pid);
    const base = rollup(server.pid);
    for (let i = 0; i < n; i++) clients.push(await openTerminal({ server: name, url: server.url, ...(sessionId ? { sessionId, terminal: `t${i}` } : {}) }));
    await new Promise((r) => setTimeout(r, 3000));
    await settleHeap(server.pid);
    const loaded = rollup(server.pid);
    const shells = descendants(server.pid).filter((p) => p !== server.pid);
    const sum = { rss: 0, pss: 0, dirty: 0 };
    for (const p of shells) {
      const m = rollup(p);
      sum.rss += m.rss;
      sum.pss += m.pss;
      sum.dirty += m.dirty;
    }
    const one = shells[0]!;
    const cmd = readFileSync(`/proc/${one}/cmdline`, 'utf8').split('\0').join(' ').trim();
    const env = readFileSync(`/proc/${one}/environ`, 'utf8');
    const kib = (x: number): string => `${(x / n).toFixed(0)} KiB`;
    console.log(`${name}: ${shells.length} child processes for ${n} terminals; one is \`${cmd}\` with ${env.split('\0').length - 1} variables (${env.length} bytes)`);
    console.log(`  server process per terminal: PSS ${kib(loaded.pss - base.pss)}, RSS ${kib(loaded.rss - base.rss)}, private dirty ${kib(loaded.dirty - base.dirty)}`);
    console.log(`  shells per terminal:         PSS ${kib(sum.pss)}, RSS ${kib(sum.rss)}, private dirty ${kib(sum.dirty)}`);
  } finally {
    for (const c of clients) c.close();
    await server.stop();
  }
}

const n = Number(process.argv[2] ?? 30);
mkdirSync(WORK, { recursive: true });
const web = await buildKindlabWeb();
for (const name of ['kindlab', 'wetty', 'kindlab', 'wetty'] as const) await measure(name, web, n);
