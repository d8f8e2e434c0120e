/** Real captured kubectl/crictl/kind output kept in test/fixtures/real-outputs (see its README). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/real-outputs/', import.meta.url));

/** The fixture body without its `# ` provenance header. */
export function realOutput(name: string): string {
  const lines = readFileSync(DIR + name, 'utf8').split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('# ')) i++;
  return lines.slice(i).join('\n');
}
