/**
 * The two servers under test, each in its own process on a free loopback
 * port: kindlab (bench/kindlab-server.mjs, the compiled server from dist/) and
 * WeTTY 3.2.0 from node_modules, both running `bash --noprofile --norc`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build, type Plugin } from 'esbuild';
import { buildWeb } from '../scripts/build-web.mjs';

export const REPO = resolve(import.meta.dirname, '..');
export const WORK = join(REPO, 'bench', '.work');
export const SHELL_COMMAND = 'bash --noprofile --norc';

export type ServerName = 'kindlab' | 'wetty';

export interface RunningServer {
  readonly name: ServerName;
  readonly url: string;
  /** The page a learner opens. */
  readonly pageUrl: string;
  readonly pid: number;
  readonly child: ChildProcess;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

async function waitHttp(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
}

const alive = (child: ChildProcess) => (): boolean => child.exitCode === null && child.signalCode === null;

/** kindlab's web bundle with xterm's Terminal swapped for the bench's registering subclass. */
export async function buildKindlabWeb(minify = true): Promise<string> {
  const out = join(WORK, 'web');
  mkdirSync(out, { recursive: true });
  const probe = join(REPO, 'bench', 'xterm-probe.js');
  const plugin: Plugin = {
    name: 'xterm-probe',
    setup(b) {
      b.onResolve({ filter: /^@xterm\/xterm$/ }, (args) => (args.importer === probe ? undefined : { path: probe }));
    },
  };
  await buildWeb({ outdir: out, minify, plugins: [plugin] });
  return out;
}

/** The ceiling page's script: xterm.js alone, as an IIFE setting globalThis.BareTerminal. */
export async function buildBareXterm(minify = true): Promise<string> {
  const r = await build({ entryPoints: [join(REPO, 'bench', 'bare-xterm.js')], bundle: true, format: 'iife', target: 'es2022', minify, write: false, logLevel: 'error' });
  return r.outputFiles[0]!.text;
}

/** Extra Node options for a server process (the idle-memory phase preloads its GC trigger). */
export interface ServerOptions {
  readonly nodeOptions?: string;
  /** kindlab only: run this workshop (bench/kindlab-server.mjs waits for its pre-warmed seats). */
  readonly workshop?: { readonly file: string; readonly instructorToken: string };
}

const envFor = (o: ServerOptions): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_ENV: 'production',
  ...(o.nodeOptions ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${o.nodeOptions}`.trim() } : {}),
});

export async function startKindlab(webRoot: string, o: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(WORK, 'kindlab-data-'));
  const workshop = o.workshop ? [o.workshop.file, o.workshop.instructorToken] : [];
  const child = spawn(process.execPath, [join(REPO, 'bench', 'kindlab-server.mjs'), join(REPO, 'bench', 'labs'), dataDir, webRoot, ...workshop], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: envFor(o),
  });
  child.stderr!.pipe(createWriteStream(join(WORK, 'kindlab.log'), { flags: 'a' }));
  const first = await new Promise<string>((done, fail) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => done(l));
    child.once('exit', (code) => fail(new Error(`kindlab server exited with ${code}; see bench/.work/kindlab.log`)));
  });
  child.stdout!.resume();
  const { url } = JSON.parse(first) as { url: string };
  await waitHttp(url, 10_000);
  const stop = stopper(child);
  return {
    name: 'kindlab',
    url,
    pageUrl: `${url}labs/bench`,
    pid: child.pid!,
    child,
    alive: alive(child),
    // Its sessions database goes with it.
    stop: () => stop().finally(() => rmSync(dataDir, { recursive: true, force: true })),
  };
}

export async function startWetty(o: ServerOptions = {}): Promise<RunningServer> {
  if (process.getuid?.() !== 0) throw new Error('WeTTY spawns the command directly (no ssh) only when it runs as root; run the bench as root');
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(REPO, 'node_modules', 'wetty', 'build', 'main.js'), '--port', String(port), '--host', '127.0.0.1', '--command', SHELL_COMMAND, '--log-level', 'warn'],
    { cwd: WORK, stdio: ['ignore', 'pipe', 'pipe'], env: envFor(o) },
  );
  const log = createWriteStream(join(WORK, 'wetty.log'), { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}/`;
  await waitHttp(url, 15_000);
  return { name: 'wetty', url, pageUrl: url, pid: child.pid!, child, alive: alive(child), stop: stopper(child) };
}

export function startServer(name: ServerName, webRoot: string, o: ServerOptions = {}): Promise<RunningServer> {
  return name === 'kindlab' ? startKindlab(webRoot, o) : startWetty(o);
}
