/**
 * Prints the import circles and layering violations of this checkout, one per line, and exits
 * 1 when there are any: `node dist/lab/architecture/print.js`. The architecture test checks the
 * same; this is for reading while a layout changes.
 */
import { fileURLToPath } from 'node:url';
import { findCircles, formatViolation, checkRules, readImportGraph } from './import-graph.js';
import { LAYER_RULES, SOURCE_FOLDERS } from './rules.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const graph = readImportGraph(root, SOURCE_FOLDERS);
const circles = findCircles(graph);
const violations = checkRules(graph, LAYER_RULES);
for (const c of circles) process.stdout.write(`circle: ${c.join(' <-> ')}\n`);
for (const v of violations) process.stdout.write(`${formatViolation(v)}\n`);
process.stdout.write(`${graph.files.length} files, ${graph.edges.length} imports, ${circles.length} circles, ${violations.length} violations\n`);
process.exitCode = circles.length + violations.length > 0 ? 1 : 0;
