/**
 * A YAML document parsed with its line numbers, so a schema error on a path
 * (e.g. `environment.machines[1].image`) can be reported at file:line. Used by
 * lab.yaml and workshop config validation.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface YamlWithLines {
  readonly doc: Document.Parsed;
  /** The 1-based line of the deepest node along `path` that exists. */
  lineOf(path: readonly PropertyKey[]): number;
}

export function parseYamlWithLines(text: string): YamlWithLines {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const lineOf = (path: readonly PropertyKey[]): number => {
    let node: unknown = doc.contents;
    let line = node && (node as Node).range ? lineAt((node as Node).range![0]) : 1;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
        if (!pair) break;
        if (isScalar(pair.key) && pair.key.range) line = lineAt(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key];
        if (!item) break;
        if ((item as Node).range) line = lineAt((item as Node).range![0]);
        node = item;
      } else break;
    }
    return line;
  };
  return { doc, lineOf };
}
