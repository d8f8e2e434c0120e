/**
 * Reads resolv.conf as containerd (search, nameserver, options) or Docker
 * (nameserver first) wrote it: line order does not matter, tabs and repeated
 * spaces separate fields, `#`/`;` start comments, and a later `search` line
 * replaces an earlier one, as in glibc.
 */
import { ParseError } from './parse-error.js';

export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  let understood = 0;
  let other = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...values] = line.split(/[ \t]+/);
    switch (key) {
      case 'nameserver':
        if (values[0]) nameservers.push(values[0]);
        understood++;
        break;
      case 'search':
      case 'domain':
        search = values;
        understood++;
        break;
      case 'options':
        options.push(...values);
        understood++;
        break;
      default:
        other++;
    }
  }
  if (understood === 0 && other > 0) throw new ParseError('this does not look like a resolv.conf (no nameserver, search or options line)');
  return { nameservers, search, options };
}
