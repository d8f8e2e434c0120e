/**
 * Memory of a process and all its descendants, from /proc: RSS (what `ps`
 * shows; shared pages counted once per process) and PSS (shared pages split
 * between the processes sharing them, so a tree's PSS adds up honestly).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface TreeMemory {
  readonly processes: number;
  readonly rssKiB: number;
  readonly pssKiB: number;
}

/**
 * The fields of /proc/<pid>/stat after the command name, so field N of
 * proc(5) is at index N - 3 (state, ppid, …); undefined once the process is gone.
 */
export function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function treeMemory(root: number): TreeMemory {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const pid of descendants(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += field(rollup, 'Rss');
      pss += field(rollup, 'Pss');
      processes++;
    } catch {
      // exited meanwhile
    }
  }
  return { processes, rssKiB: rss, pssKiB: pss };
}
