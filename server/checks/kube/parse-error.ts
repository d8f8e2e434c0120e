/** A tool printed something a parser cannot read. The message is plain enough to show a learner. */
export class ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParseError';
  }
}

/** Parse JSON output of `what` (e.g. "crictl pods -o json"), naming it when the text is not JSON. */
export function parseJsonOutput(text: string, what: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) throw new ParseError(`${what} printed nothing`);
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    throw new ParseError(`${what} did not print JSON (it began with "${trimmed.slice(0, 40)}")`);
  }
}

/** Describe the first zod issue in words: "metadata.name: expected string". */
export function describeIssue(what: string, issues: readonly { path: readonly PropertyKey[]; message: string }[]): ParseError {
  const first = issues[0];
  const where = first && first.path.length ? first.path.map(String).join('.') : 'top level';
  return new ParseError(`${what} has an unexpected shape at ${where}: ${first?.message ?? 'unknown problem'}`);
}
