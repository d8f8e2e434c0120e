/**
 * DNS-rebinding defence: a page on another site can point its own host name at
 * 127.0.0.1 and talk to us, but its requests then carry its own Host header (and
 * Origin). We serve only requests addressed to the loopback name we are bound to.
 */
import type { IncomingMessage } from 'node:http';

/** Loopback names a local browser may legitimately use for us. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** host[:port] as a browser sends it: a name, an IPv4 address or a bracketed IPv6 address. */
const HOST_HEADER = /^(?:[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i;

export class HostGuard {
  private allowed = new Set<string>();
  private origins = new Set<string>();
  private network = false;

  /**
   * Workshop mode: learners reach us by whatever name or address the room
   * uses, so any well-formed Host is served. Rebinding gains nothing there:
   * every route that matters needs a SameSite=Strict token cookie, and a
   * WebSocket's Origin must still match the Host it was sent to.
   */
  openToNetwork(): void {
    this.network = true;
  }

  /** Called once the server knows the port it is bound to. */
  bind(host: string, port: number): void {
    const bound = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const names = new Set([bound, ...LOOPBACK_NAMES]);
    this.allowed = new Set([...names].map((n) => `${n}:${port}`.toLowerCase()));
    this.origins = new Set([...this.allowed].map((h) => `http://${h}`));
  }

  /** True when the Host header names us. Before bind() nothing is allowed. */
  hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return false;
    if (this.network) return HOST_HEADER.test(host);
    return this.allowed.has(host.toLowerCase());
  }

  /** A missing Origin is a non-browser client (or a same-origin GET); a present one must be ours. */
  originAllowed(origin: string | undefined): boolean {
    return origin === undefined || this.origins.has(origin.toLowerCase());
  }

  /** Why a raw request (e.g. a socket.io handshake) is refused, or undefined when it is fine. */
  refusal(req: IncomingMessage): string | undefined {
    if (!this.hostAllowed(req.headers.host)) return `foreign Host header: ${String(req.headers.host)}`;
    const origin = req.headers.origin;
    if (this.network) {
      // Same-origin only: the page that opens the socket must have been served under the Host it connects to.
      if (typeof origin === 'string' && origin.toLowerCase() !== `http://${String(req.headers.host).toLowerCase()}`) return `foreign Origin: ${origin}`;
      return undefined;
    }
    if (!this.originAllowed(typeof origin === 'string' ? origin : undefined)) return `foreign Origin: ${String(origin)}`;
    return undefined;
  }
}
