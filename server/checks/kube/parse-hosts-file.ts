/**
 * Reads a hosts file (the kubelet's etc-hosts uses tabs, copies pasted by
 * people often spaces): IP followed by one or more names, `#` comments.
 */
import { ParseError } from './parse-error.js';

export interface HostsEntry {
  readonly ip: string;
  readonly names: readonly string[];
  readonly line: number;
}

/** Loose shape of an IPv4 or IPv6 address: enough to tell a hosts line from garbage. */
const ADDRESS = /^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*(%\S+)?)$/;

export function parseHostsFile(text: string): HostsEntry[] {
  const entries: HostsEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [ip, ...names] = line.split(/[ \t]+/);
    if (!ip || !ADDRESS.test(ip) || names.length === 0) {
      throw new ParseError(`line ${i + 1} of the hosts file is not "<address> <name>…": ${JSON.stringify(raw.slice(0, 60))}`);
    }
    entries.push({ ip, names, line: i + 1 });
  });
  return entries;
}
