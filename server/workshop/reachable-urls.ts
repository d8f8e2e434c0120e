/**
 * The URLs a room can use to reach a server: `0.0.0.0` or `::` is where the
 * server listens, not an address anyone can type, so a wildcard bind is
 * expanded to the machine's own addresses (from os.networkInterfaces()), one
 * URL each, with the loopback one last for the instructor's own browser.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export interface ReachableUrl {
  /** `http://addr:port/`, IPv6 addresses in brackets. */
  readonly url: string;
  /** Only this machine can use it. */
  readonly loopback: boolean;
}

const WILDCARD_V4 = new Set(['0.0.0.0']);
const WILDCARD_V6 = new Set(['::', '[::]', '::0', '0:0:0:0:0:0:0:0']);

export function isWildcardHost(host: string): boolean {
  return WILDCARD_V4.has(host) || WILDCARD_V6.has(host);
}

/** Node before 18.4 gave family as a number. */
function family(i: NetworkInterfaceInfo): 4 | 6 {
  return (i.family as unknown) === 6 || i.family === 'IPv6' ? 6 : 4;
}

/** Link-local IPv6 (fe80::/10) needs a zone id no browser accepts in a URL. */
function linkLocal(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

function urlOf(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;
}

/**
 * Base URLs for a server bound to `host`:`port`. A wildcard host gives each
 * non-loopback address (IPv4 only for 0.0.0.0; IPv4 and IPv6 for `::`, which
 * Node binds dual-stack), then http://127.0.0.1:port/. Any other host is
 * itself.
 */
export function reachableUrls(host: string, port: number, interfaces: Interfaces): ReachableUrl[] {
  if (!isWildcardHost(host)) {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    return [{ url: urlOf(bare, port), loopback: bare === 'localhost' || bare === '::1' || /^127\./.test(bare) }];
  }
  const v6 = WILDCARD_V6.has(host);
  const seen = new Set<string>();
  const out: ReachableUrl[] = [];
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.internal || seen.has(i.address)) continue;
      if (family(i) === 6 && (!v6 || linkLocal(i.address))) continue;
      seen.add(i.address);
      out.push({ url: urlOf(i.address, port), loopback: false });
    }
  }
  // IPv4 first: the shorter address to read out to a room.
  out.sort((a, b) => Number(a.url.includes('[')) - Number(b.url.includes('[')));
  out.push({ url: urlOf('127.0.0.1', port), loopback: true });
  return out;
}
