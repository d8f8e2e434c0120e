/**
 * `kindlab env ls` and `kindlab env down`: see and remove what kindlab created
 * on the Docker engine (containers, networks, volumes, kind clusters), found by
 * their labels, so nothing a crash left behind stays invisible.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { KINDLAB_PREFIX, listInventory, removeInventory, type InventoryItem, type SessionInventory } from '../../cluster/containers/inventory.js';
import { ToolError } from '../../cluster/tool.js';
import { cliOutput, type CliOutput } from './output.js';

const USAGE = `usage: kindlab env ls [--json]
       kindlab env down (--session ID | --all) [--json]

  ls      list everything kindlab created (containers, networks, volumes,
          kind clusters named kindlab-…), grouped by session
  down    remove one session's objects (--session ID, the id as \`env ls\` shows it,
          not the kindlab-ID of its names) or every session's (--all)

Exit status: 0 on success, 1 when Docker could not be asked, no session has
that id, or something could not be removed, 2 on a usage error.`;

/** Session ids are part of Docker names: the same characters Docker allows. */
const SessionId = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'one starts with a letter or digit, then letters, digits, _ . - (`kindlab env ls` lists them)');
/** How many sessions a "no such session" message names before it sends you to `env ls`. */
const MAX_SESSIONS_LISTED = 10;

export type EnvCliOptions = CliOutput;

export async function run(args: string[], options: EnvCliOptions = {}): Promise<number> {
  const { out, err } = cliOutput(options);
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    out(USAGE);
    return sub ? 0 : 2;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (e) {
    err(`kindlab env ${sub}: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    out(USAGE);
    return 0;
  }
  try {
    switch (sub) {
      case 'ls':
        return await ls(parsed.json, out);
      case 'down': {
        if (parsed.all === (parsed.session !== undefined)) {
          err(`kindlab env down: give exactly one of --session ID or --all\n\n${USAGE}`);
          return 2;
        }
        const session = parsed.session === undefined ? undefined : SessionId.safeParse(parsed.session);
        if (session && !session.success) {
          err(`kindlab env down: --session ${JSON.stringify(parsed.session)} is not a session id: ${session.error.issues[0]?.message ?? 'invalid'}`);
          return 2;
        }
        return await down(session ? { session: session.data } : { all: true }, parsed.json, out, err);
      }
      default:
        err(`kindlab env: unknown subcommand "${sub}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ToolError) {
      err(e.notFound ? 'kindlab env: docker is not installed or not on PATH (run `kindlab doctor`)' : `kindlab env: could not ask Docker: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function parse(args: string[]): { json: boolean; all: boolean; help: boolean; session?: string } {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, session: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return { json: values.json ?? false, all: values.all ?? false, help: values.help ?? false, ...(values.session !== undefined ? { session: values.session } : {}) };
}

function describe(i: InventoryItem): string {
  const extra = [i.machine ? `machine ${i.machine}` : '', i.status ?? ''].filter(Boolean).join(', ');
  return `  ${i.type.padEnd(12)} ${i.name}${extra ? `  (${extra})` : ''}`;
}

export function formatInventory(sessions: readonly SessionInventory[]): string[] {
  if (sessions.length === 0) return ['Nothing: kindlab has no containers, networks, volumes or kind clusters on this engine.'];
  const lines: string[] = [];
  for (const s of sessions) {
    lines.push(`session ${s.session}${s.lab ? ` (lab ${s.lab})` : ''}`);
    for (const i of s.items) lines.push(describe(i));
  }
  lines.push('', 'Remove one with `kindlab env down --session ID`, or all with `kindlab env down --all`.');
  return lines;
}

async function ls(json: boolean, out: (l: string) => void): Promise<number> {
  const sessions = await listInventory();
  if (json) out(JSON.stringify(sessions, null, 2));
  else for (const l of formatInventory(sessions)) out(l);
  return 0;
}

/**
 * The session a mistaken --session most likely meant: the one an environment
 * or object name belongs to (`kindlab-<id>` is what `kindlab test --keep` and
 * `docker ps` show), or the same id in another case.
 */
export function guessSession(given: string, sessions: readonly SessionInventory[]): string | undefined {
  const byName = sessions.find((s) => `${KINDLAB_PREFIX}${s.session}` === given || s.items.some((i) => i.name === given));
  return (byName ?? sessions.find((s) => s.session.toLowerCase() === given.toLowerCase()))?.session;
}

/** "No session X on this engine. Sessions: a (lab l), b. Did you mean a?" */
export function noSuchSession(given: string, sessions: readonly SessionInventory[]): { error: string; detail: string; didYouMean?: string } {
  const error = `No session ${given} on this engine.`;
  if (sessions.length === 0) return { error, detail: 'kindlab has nothing on it (`kindlab env ls`).' };
  const named = sessions.slice(0, MAX_SESSIONS_LISTED).map((s) => `${s.session}${s.lab ? ` (lab ${s.lab})` : ''}`);
  const more = sessions.length > MAX_SESSIONS_LISTED ? `, and ${sessions.length - MAX_SESSIONS_LISTED} more (\`kindlab env ls\`)` : '';
  const didYouMean = guessSession(given, sessions);
  return { error, detail: `Sessions: ${named.join(', ')}${more}.${didYouMean ? ` Did you mean ${didYouMean}?` : ''}`, ...(didYouMean ? { didYouMean } : {}) };
}

async function down(which: { session: string } | { all: true }, json: boolean, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  if ('session' in which) {
    // A session that matches nothing is a mistake to say, not a removal that went well: most often the
    // environment's name (kindlab-<id>) was given for its id.
    const sessions = await listInventory();
    if (!sessions.some((s) => s.session === which.session)) {
      const miss = noSuchSession(which.session, sessions);
      const listed = sessions.map((s) => ({ session: s.session, ...(s.lab ? { lab: s.lab } : {}) }));
      if (json) out(JSON.stringify({ removed: [], failed: [], error: miss.error, sessions: listed, ...(miss.didYouMean ? { didYouMean: miss.didYouMean } : {}) }, null, 2));
      else err(`${miss.error} ${miss.detail}`);
      return 1;
    }
  }
  const result = await removeInventory(which);
  if (json) {
    out(JSON.stringify(result, null, 2));
  } else {
    if (result.removed.length === 0 && result.failed.length === 0) {
      out('session' in which ? `Nothing to remove for session ${which.session}.` : 'Nothing to remove.');
    }
    for (const i of result.removed) out(`removed ${i.type} ${i.name}`);
    for (const f of result.failed) err(`could not remove ${f.item.type} ${f.item.name}: ${f.error}`);
  }
  return result.failed.length ? 1 : 0;
}
