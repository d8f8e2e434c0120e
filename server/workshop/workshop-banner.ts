/**
 * What `kindlab serve --workshop` prints once it listens: where learners join
 * (a line per address the room may use) and where the instructor logs in. The
 * instructor token appears once, on the loopback link (the instructor's own
 * browser, usually); the other instructor links take the token pasted in.
 */
import type { ReachableUrl } from './reachable-urls.js';

export interface BannerInput {
  readonly title: string;
  readonly code: string;
  readonly urls: readonly ReachableUrl[];
  /** Only on the start that generated (or was given) it. */
  readonly newInstructorToken: string | undefined;
}

export function workshopBanner(b: BannerInput): string[] {
  const note = (u: ReachableUrl) => (u.loopback ? '  (this machine only)' : '');
  const lines = [`kindlab: workshop "${b.title}" — learners join with the code ${b.code} at:`, ...b.urls.map((u) => `kindlab:   ${u.url}join${note(u)}`)];
  // The token goes on the first loopback link, else on the first one: exactly once either way.
  const withToken = b.urls.find((u) => u.loopback) ?? b.urls[0];
  if (b.newInstructorToken !== undefined && withToken) {
    lines.push('kindlab: instructor (the token is shown once; keep it private):');
    lines.push(`kindlab:   ${withToken.url}instructor#token=${b.newInstructorToken}${note(withToken)}`);
    for (const u of b.urls) if (u !== withToken) lines.push(`kindlab:   ${u.url}instructor  (paste the token there)`);
  } else {
    lines.push('kindlab: instructor (use the token printed at the first start, or restart with --instructor-token):');
    for (const u of b.urls) lines.push(`kindlab:   ${u.url}instructor${note(u)}`);
  }
  return lines;
}
