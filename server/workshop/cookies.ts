/** The two cookies workshop mode uses, parsed and written by hand (no dependency for ten lines). */

export const LEARNER_COOKIE = 'kl_learner';
export const INSTRUCTOR_COOKIE = 'kl_instructor';

/** name → value of a Cookie header; malformed pairs are skipped, the first of a repeated name wins. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (out.has(name)) continue;
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      // a malformed escape is not a cookie we set
    }
  }
  return out;
}

/** An HttpOnly, SameSite=Strict cookie for the whole site; maxAgeMs 0 clears it. */
export function cookieHeader(name: string, value: string, maxAgeMs: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`;
}
