/**
 * How `file-matches` and `command-output` compare text: exactly one of
 * `equals` (after trimming), `contains` or `regex` (JavaScript syntax, multiline).
 */
import { z } from 'zod';

export const textMatch = {
  equals: z.string().optional(),
  contains: z.string().optional(),
  regex: z
    .string()
    .refine((s) => {
      try {
        new RegExp(s, 'm');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
};

export interface TextMatch {
  readonly equals?: string | undefined;
  readonly contains?: string | undefined;
  readonly regex?: string | undefined;
}

export function exactlyOneMatch(m: TextMatch): boolean {
  return [m.equals, m.contains, m.regex].filter((x) => x !== undefined).length === 1;
}
export const ONE_MATCH_MESSAGE = 'give exactly one of equals, contains or regex';

export function describeMatch(m: TextMatch): string {
  if (m.equals !== undefined) return `exactly ${JSON.stringify(m.equals)}`;
  if (m.contains !== undefined) return `containing ${JSON.stringify(m.contains)}`;
  return `matching /${m.regex ?? ''}/`;
}

export function matches(m: TextMatch, text: string): boolean {
  if (m.equals !== undefined) return text.trim() === m.equals.trim();
  if (m.contains !== undefined) return text.includes(m.contains);
  return new RegExp(m.regex ?? '', 'm').test(text);
}

/** A short, one-line excerpt of what was found, for messages. */
export function excerpt(text: string, max = 80): string {
  const one = text.trim().replace(/\s*\n\s*/g, ' ⏎ ');
  return one.length > max ? `${one.slice(0, max)}…` : one || '(empty)';
}
