/**
 * The project's import graph, read from the TypeScript sources themselves (the compiler's own
 * pre-processor, so imports inside strings and comments are not mistaken for real ones), and
 * the two checks the architecture test makes on it: import circles and layering rules. Kept
 * apart from the rules (rules.ts) so a rule change never touches the reading, and so the same
 * graph can be printed while a layout is being changed (`node dist/lab/architecture/print.js`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import of one file. */
export interface ImportEdge {
  /** Importing file, project-relative with `/` separators (`lab/run.ts`). */
  from: string;
  /** Imported project file (project-relative), or the package / built-in name for external specifiers. */
  to: string;
  /** True when `to` is a project file; false for packages and `node:` built-ins. */
  internal: boolean;
  /** The specifier as written. */
  specifier: string;
}

/** Every source file of the given folders and the imports between them. */
export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

const SOURCE = /\.(ts|mts)$/;

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'dist' || name === 'target' || name.startsWith('.')) continue;
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, rel)).isDirectory()) walk(root, rel, out);
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
}

/** The package a bare specifier names (`@scope/pkg/sub` -> `@scope/pkg`, `node:fs` -> `node:fs`). */
export function packageOf(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Resolves a relative specifier the way NodeNext does for this project (`./x.js` is `./x.ts`). */
function resolveRelative(root: string, from: string, specifier: string): string | undefined {
  const base = join(dirname(from), specifier).split(sep).join('/');
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => existsSync(join(root, c)) && statSync(join(root, c)).isFile());
}

/** Reads the import graph of `folders` (project-relative) under `root`. */
export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const files: string[] = [];
  for (const f of folders) if (existsSync(join(root, f))) walk(root, f, files);
  files.sort();
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const info = ts.preProcessFile(readFileSync(join(root, from), 'utf8'), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      if (specifier.startsWith('.')) {
        const to = resolveRelative(root, from, specifier);
        // An unresolvable relative import would fail the build; name it rather than drop it.
        edges.push({ from, to: to ?? `${dirname(from)}/${specifier} (unresolved)`, internal: true, specifier });
      } else edges.push({ from, to: packageOf(specifier), internal: false, specifier });
    }
  }
  return { files, edges };
}

/**
 * Import circles: the strongly connected components with more than one file (Tarjan), each
 * listed as its files in order, plus a file that imports itself. Type-only imports count: a
 * circle of types still means neither side can be understood, moved or tested alone.
 */
export function findCircles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>();
  for (const f of graph.files) next.set(f, []);
  for (const e of graph.edges) if (e.internal && next.has(e.to)) next.get(e.from)!.push(e.to);
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.includes(v)) circles.push(scc.sort());
    }
  };
  for (const f of graph.files) if (!idx.has(f)) visit(f);
  return circles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** A layering rule: files matching `from` may not import anything matching `forbidden`. */
export interface LayerRule {
  name: string;
  /** Why the rule exists, printed with every violation. */
  why: string;
  from(file: string): boolean;
  forbidden(edge: ImportEdge): boolean;
}

/** One broken rule: the rule and the import that breaks it. */
export interface Violation {
  rule: string;
  why: string;
  edge: ImportEdge;
}

/** Every import that breaks a rule. */
export function checkRules(graph: ImportGraph, rules: readonly LayerRule[]): Violation[] {
  const out: Violation[] = [];
  for (const e of graph.edges) for (const r of rules) if (r.from(e.from) && r.forbidden(e)) out.push({ rule: r.name, why: r.why, edge: e });
  return out;
}

/** A violation as one line: `lab/x.ts -> runners/y.ts: core imports no runner (why)`. */
export function formatViolation(v: Violation): string {
  return `${v.edge.from} -> ${v.edge.to}: ${v.rule} (${v.why})`;
}

/** Project-relative path with `/` separators. */
export function projectPath(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/');
}
