/**
 * The one-busybox-machine containers lab the workshop suites run: two steps,
 * `make-file` (with a hint and a solve) and `second`, each checked in the box.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX } from '../helpers/docker.js';

const LAB_YAML = `title: Boxes\nsummary: One busybox machine.\nenvironment:\n  type: containers\n  machines:\n    - {name: box, image: ${BUSYBOX}}\nterminals:\n  - {name: shell, target: box}\n`;

const CHAPTER = `# Boxes

## Make a file {#make-file}

\`\`\`check
test -f /root/lab/made && echo "made is there" || { echo "made is missing"; exit 1; }
\`\`\`

\`\`\`hint
Use touch.
\`\`\`

\`\`\`solve
touch /root/lab/made
\`\`\`

## Second {#second}

\`\`\`check
test -f /root/lab/second || { echo "second is missing"; exit 1; }
\`\`\`
`;

/** Write the lab as `labsDir`/`labId`. */
export function writeBoxesLab(labsDir: string, labId: string): void {
  const lab = join(labsDir, labId);
  mkdirSync(join(lab, 'chapters'), { recursive: true });
  writeFileSync(join(lab, 'lab.yaml'), LAB_YAML);
  writeFileSync(join(lab, 'chapters', '01-boxes.md'), CHAPTER);
}
