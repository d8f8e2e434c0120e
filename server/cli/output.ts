/**
 * Where a command prints: stdout and stderr by default, collected lines when a
 * test runs the command in-process.
 */
export interface CliOutput {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

export function cliOutput(o: CliOutput): { out: (line: string) => void; err: (line: string) => void } {
  return { out: o.out ?? ((l) => console.log(l)), err: o.err ?? ((l) => console.error(l)) };
}
