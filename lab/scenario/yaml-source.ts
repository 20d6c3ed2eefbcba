/**
 * The YAML layer of the loader: parses the text keeping node positions, turns YAML errors into
 * located issues, and maps field paths back to line:column so later stages (schema, rules) can
 * report where a problem is without knowing about YAML.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import type { InputIssue } from '../errors.js';
import { formatField, type FieldPath } from './field-path.js';

/** Which part of a mapping entry a location means: its key (`rate:`) or its value. */
export type NodePart = 'key' | 'value';

/** 1-based position in the file. */
export interface Position {
  line: number;
  column: number;
}

/** A parsed scenario text. */
export interface YamlSource {
  /** The plain data (undefined when the text could not be parsed far enough to mean anything). */
  data: unknown;
  /** YAML-level problems (syntax, duplicate keys), located. */
  issues: InputIssue[];
  /** False when a syntax error makes the data unreliable, so later stages must not run. */
  usable: boolean;
  /** Where a field is; falls back to the nearest existing ancestor when the field is absent. */
  locate(path: FieldPath, part?: NodePart): Position;
}

/** One node along a path: `node` is what it means (aliases followed), `written` where it is written. */
type Step = { node: Node; written: Node; pair?: Pair<unknown, unknown> };

function keyText(pair: Pair<unknown, unknown>): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

/** Errors that leave the document intact: the rest of the file is still checked. */
const RECOVERABLE = new Set(['DUPLICATE_KEY']);

/** Parses `text` (named `file` in issues). Never throws for bad input: problems become issues. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const posAt = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };

  const resolve = (node: unknown): Node | undefined => {
    // Aliases stand for their anchor's node: follow them so paths through `*ref` still locate.
    if (isAlias(node)) return (node.resolve(doc as Document) as Node | undefined) ?? undefined;
    return (node as Node | null) ?? undefined;
  };

  /** The nodes along `path`, as far as they exist. */
  const walk = (path: FieldPath): Step[] => {
    const root = resolve(doc.contents);
    const steps: Step[] = root ? [{ node: root, written: root }] : [];
    for (const seg of path) {
      const last = steps[steps.length - 1];
      if (!last) break;
      const at = last.node;
      let next: Step | undefined;
      if (isMap(at)) {
        const pair = at.items.find((p) => keyText(p) === String(seg));
        const value = pair ? resolve(pair.value) : undefined;
        if (pair) next = { node: value ?? (pair.key as Node), written: (pair.value as Node | null) ?? (pair.key as Node), pair };
      } else if (isSeq(at) && typeof seg === 'number') {
        const item = resolve(at.items[seg]);
        if (item) next = { node: item, written: at.items[seg] as Node };
      }
      if (!next) break;
      steps.push(next);
    }
    return steps;
  };

  const startOf = (node: Node | null | undefined): number | undefined => node?.range?.[0];

  const locate = (path: FieldPath, part: NodePart = 'value'): Position => {
    const steps = walk(path);
    const last = steps[steps.length - 1];
    if (!last) return { line: 1, column: 1 };
    const found = steps.length === path.length + 1;
    const keyStart = last.pair && isScalar(last.pair.key) ? startOf(last.pair.key) : undefined;
    // An empty value (`traffic:` with nothing after it) has no text of its own: point at its key.
    const empty = isScalar(last.node) && last.node.value === null && !last.node.source;
    if (keyStart !== undefined && ((found && part === 'key') || empty)) return posAt(keyStart);
    // An alias (`rate: *r`) is reported where it is used, not at its anchor.
    return posAt(startOf(last.written) ?? keyStart ?? 0);
  };

  /** The path of the deepest node whose text holds `offset`, for naming the field of a duplicate key. */
  const pathAt = (offset: number): FieldPath => {
    const path: (string | number)[] = [];
    let at = resolve(doc.contents);
    const within = (n: unknown): boolean => {
      const r = (n as Node | null)?.range;
      return !!r && offset >= r[0] && offset < Math.max(r[2], r[0] + 1);
    };
    while (at) {
      if (isMap(at)) {
        const pair = at.items.find((p) => within(p.key) || within(p.value));
        const key = pair ? keyText(pair) : undefined;
        if (!pair || key === undefined) break;
        path.push(key);
        if (within(pair.key)) break;
        at = resolve(pair.value);
      } else if (isSeq(at)) {
        const i = at.items.findIndex((n) => within(n));
        if (i < 0) break;
        path.push(i);
        at = resolve(at.items[i]);
      } else break;
    }
    return path;
  };

  const issues: InputIssue[] = doc.errors.map((e) => {
    const pos = posAt(e.pos[0]);
    // Only a duplicate key names a field reliably; around a syntax error the tree is a guess.
    const path = e.code === 'DUPLICATE_KEY' ? pathAt(e.pos[0]) : [];
    let message: string;
    if (e.code === 'DUPLICATE_KEY') {
      const key = path[path.length - 1];
      const first = locate(path, 'key');
      message =
        first.line !== pos.line || first.column !== pos.column
          ? `duplicate key '${String(key)}': it is already set at line ${first.line}${first.line === pos.line ? `, column ${first.column}` : ''}; keep only one`
          : `duplicate key '${String(key)}'; keep only one`;
    } else if (e.code === 'MULTIPLE_DOCS') {
      message = `a scenario file holds one YAML document; remove the extra '---' separator and what follows, or move it to its own file`;
    } else {
      message = `YAML syntax error: ${e.message}`;
    }
    return { file, ...pos, field: formatField(path), message };
  });

  const usable = doc.errors.every((e) => RECOVERABLE.has(e.code));
  let data: unknown;
  if (usable) {
    try {
      data = doc.toJS();
    } catch (error) {
      // e.g. an alias to an unknown anchor, or an alias bomb past yaml's maxAliasCount.
      issues.push({ file, line: 1, column: 1, field: '', message: `YAML error: ${(error as Error).message}` });
      return { data: undefined, issues, usable: false, locate };
    }
  }
  return { data, issues, usable, locate };
}
