/**
 * DESIGN.md's check-runner and first-terminal targets: the runner's time
 * beyond the script's own run time (local shell, and `docker exec` into a
 * kindlab/busybox:1 container), a `check:run` round trip through the real
 * server, and page load → live prompt for a lab whose environment is ready.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { ShellCheckSpec } from '../common/lab.js';
import type { Environment } from '../cluster/environment.js';
import { LocalEnvironment } from '../cluster/local/local-environment.js';
import { runCheck } from '../server/checks/runner.js';
import { createBuiltinRegistry } from '../server/checks/registry.js';
import { io } from 'socket.io-client';
import { socketParser } from '../common/socket-parser.js';
import { firstPromptAt, openHarnessPage } from './pages.js';
import { WORK, type RunningServer } from './servers.js';
import { kindlabSession } from './clients.js';
import { summarize, type Summary } from './stats.js';

const run = promisify(execFile);
const SCRIPT = 'true';

function check(target: string): ShellCheckSpec {
  return { kind: 'shell', id: 'bench', target, script: SCRIPT, timeoutMs: 15_000, mode: 'click', pos: { file: 'bench', line: 1 } } as ShellCheckSpec;
}

export interface OverheadResult {
  readonly samples: number;
  /** The script run directly (bash -c / docker exec sh -c), no runner. */
  readonly direct: Summary;
  /** The same script through runCheck(). */
  readonly runner: Summary;
  /** runner p50 − direct p50: what the runner adds. */
  readonly overheadP50: number;
  readonly overheadP95: number;
}

async function alternate(samples: number, direct: () => Promise<unknown>, viaRunner: () => Promise<unknown>): Promise<OverheadResult> {
  const d: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < 3; i++) {
    await direct();
    await viaRunner();
  }
  for (let i = 0; i < samples; i++) {
    let t = performance.now();
    await direct();
    d.push(performance.now() - t);
    t = performance.now();
    await viaRunner();
    r.push(performance.now() - t);
  }
  const ds = summarize(d);
  const rs = summarize(r);
  return { samples, direct: ds, runner: rs, overheadP50: rs.p50 - ds.p50, overheadP95: rs.p95 - ds.p95 };
}

export async function localOverhead(samples: number): Promise<OverheadResult> {
  const dataDir = mkdtempSync(join(WORK, 'overhead-local-'));
  const env = new LocalEnvironment({ type: 'local' }, { sessionId: 'bench', labId: 'bench', labFilesDir: join(dataDir, 'none'), dataDir });
  await env.provision();
  const registry = createBuiltinRegistry();
  try {
    return await alternate(
      samples,
      () => run('bash', ['--noprofile', '--norc', '-c', SCRIPT], { cwd: env.workdir('local') }),
      async () => {
        const r = await runCheck(check('local'), env, registry);
        if (r.status !== 'passed') throw new Error(`local check did not pass: ${r.message}`);
      },
    );
  } finally {
    await env.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Why the Docker rows cannot run (no engine, or kindlab/busybox:1 cannot be built), or undefined when they can. */
export async function dockerUnavailable(): Promise<string | undefined> {
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}']);
  } catch (e) {
    return `Docker is not running: ${e instanceof Error ? e.message : String(e)}`;
  }
  const { ensureImage } = await import('../cluster/images/ensure-image.js');
  const image = await ensureImage('kindlab/busybox:1');
  return 'ok' in image && image.ok ? undefined : `kindlab/busybox:1 could not be built: ${JSON.stringify(image)}`;
}

export async function dockerOverhead(samples: number): Promise<OverheadResult | { skipped: string }> {
  const unavailable = await dockerUnavailable();
  if (unavailable) return { skipped: unavailable };
  const { ContainersEnvironment } = await import('../cluster/containers/containers-environment.js');
  const dataDir = mkdtempSync(join(WORK, 'overhead-docker-'));
  const env: Environment & { containerName(m: string): string } = new ContainersEnvironment(
    { type: 'containers', machines: [{ name: 'box', image: 'kindlab/busybox:1' }] },
    { sessionId: `bench${process.pid}`, labId: 'bench', labFilesDir: join(dataDir, 'none'), dataDir },
  );
  const registry = createBuiltinRegistry();
  try {
    const p = await env.provision();
    if (!p.ok) return { skipped: `the containers environment did not provision: ${p.stage}: ${p.message}` };
    const container = env.containerName('box');
    return await alternate(
      samples,
      () => run('docker', ['exec', container, 'sh', '-c', SCRIPT]),
      async () => {
        const r = await runCheck(check('box'), env, registry);
        if (r.status !== 'passed') throw new Error(`docker check did not pass: ${r.message}`);
      },
    );
  } finally {
    await env.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `check:run` over socket.io to the kindlab server process vs `bash -c true` here. */
export async function socketCheckOverhead(server: RunningServer, samples: number): Promise<OverheadResult> {
  const sessionId = await kindlabSession(server.url, 'bench');
  const socket = io(server.url, { transports: ['websocket'], forceNew: true, reconnection: false, parser: socketParser });
  await new Promise<void>((done) => socket.once('connect', () => done()));
  const ask = <T>(event: string, payload: unknown): Promise<T> =>
    new Promise((done, fail) =>
      socket.emit(event, payload, (reply: { ok: boolean; value?: T; error?: string }) => (reply.ok ? done(reply.value as T) : fail(new Error(reply.error)))),
    );
  try {
    await ask('session:join', { sessionId });
    return await alternate(
      samples,
      () => run('bash', ['--noprofile', '--norc', '-c', SCRIPT]),
      async () => {
        const s = await ask<{ status: string }>('check:run', { stepId: 'noop' });
        if (s.status !== 'passed') throw new Error(`the noop step did not pass: ${JSON.stringify(s)}`);
      },
    );
  } finally {
    socket.disconnect();
  }
}

export interface FirstTerminalResult {
  /** The first load: the shell starts on attach. */
  readonly coldShellMs: number;
  /** Later loads: the shell exists and its buffer is replayed. */
  readonly warm: Summary;
}

/** Page load (navigation start) → the first terminal has parsed its prompt, in a fresh browser context each time. */
export async function firstLiveTerminal(browser: Browser, server: RunningServer, labId: string, loads: number): Promise<FirstTerminalResult> {
  await kindlabSession(server.url, labId); // the environment exists before the page loads
  const times: number[] = [];
  for (let i = 0; i < loads; i++) {
    const tp = await openHarnessPage(browser);
    try {
      await tp.page.goto(`${server.url}labs/${labId}`);
      times.push(await firstPromptAt(tp.page));
    } finally {
      await tp.close();
    }
  }
  return { coldShellMs: times[0]!, warm: summarize(times.slice(1)) };
}
