/** docs/reports.md must document every metric a gate accepts, so the list users read is the list the code takes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { metricNames } from '../stats/metrics.js';

// Compiled to <outDir>/lab/gates/docs.test.js: the project root is three levels up.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('every metric name is documented in docs/reports.md', () => {
  const doc = readFileSync(resolve(root, 'docs', 'reports.md'), 'utf8');
  const missing = metricNames().filter((n) => !doc.includes(`\`${n}\``));
  assert.deepEqual(missing, [], 'add these rows to the metrics table of docs/reports.md');
});
