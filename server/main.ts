/**
 * The `kindlab` command line. It only parses the first word and hands the rest
 * to the command's own module under server/cli/, which wires real parts together.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  serve: { summary: 'serve the lab catalogue and labs in the browser (npm start)', load: () => import('./cli/serve.js') },
  validate: { summary: 'check labs for errors, with file:line', load: () => import('./cli/validate.js') },
  test: { summary: 'run a lab end to end: every check must fail, then pass after its solve', load: () => import('./cli/test.js') },
  doctor: { summary: 'check Docker, kind, kubectl, cgroups and limits, and say how to fix what is missing', load: () => import('./cli/doctor.js') },
  env: { summary: 'list (env ls) or remove (env down) environments kindlab created', load: () => import('./cli/env.js') },
  prepare: { summary: "pull a lab's images ahead of time, for offline use and workshops", load: () => import('./cli/prepare.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: kindlab <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `kindlab <command> --help` for its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command ? 0 : 2;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`kindlab: unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  const mod = await entry.load();
  return mod.run(rest);
}
