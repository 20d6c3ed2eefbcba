import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { loadAzureTrace, parseAzureTrace, traceRowTotal } from './azure-trace.js';

const testdata = join(projectRoot, 'lab', 'traffic', 'testdata');
const sample = join(projectRoot, 'scenarios', 'traces', 'azure-sample.csv');

test('parses rows with their identity and per-minute counts', () => {
  const rows = loadAzureTrace(join(testdata, 'valid.csv'));
  assert.equal(rows.length, 3);
  assert.deepEqual({ ...rows[0], counts: [...(rows[0]?.counts ?? [])] }, { owner: 'o1', app: 'a1', function: 'f1', trigger: 'http', counts: [5, 0, 12] });
  assert.equal(rows[2]?.counts[2], 4_000_000_000);
  assert.equal(traceRowTotal(rows[1]!), 3);
});

test('accepts CRLF line ends and skips blank lines', () => {
  const rows = loadAzureTrace(join(testdata, 'valid-crlf.csv'));
  assert.deepEqual(
    rows.map((r) => [r.function, [...r.counts]]),
    [
      ['f1', [5, 0, 12]],
      ['f3', [0, 7, 0]],
    ],
  );
});

/** Each broken fixture and where its (first) problem must be reported. */
const failures: { file: string; line: number; column: number; field: string; message: RegExp }[] = [
  { file: 'empty.csv', line: 1, column: 1, field: '', message: /file is empty/ },
  { file: 'no-rows.csv', line: 2, column: 1, field: '', message: /no function rows/ },
  { file: 'header-wrong-name.csv', line: 1, column: 19, field: 'header', message: /column 3 is "Function", expected "HashFunction"/ },
  { file: 'header-wrong-minutes.csv', line: 1, column: 42, field: 'header', message: /column 6 is "3", expected "2"/ },
  { file: 'header-no-minutes.csv', line: 1, column: 39, field: 'header', message: /no minute columns/ },
  { file: 'count-not-integer.csv', line: 3, column: 17, field: 'minute 2', message: /"1\.5" is not a non-negative integer/ },
  { file: 'count-negative.csv', line: 2, column: 19, field: 'minute 3', message: /"-3" is negative/ },
  { file: 'count-empty.csv', line: 2, column: 17, field: 'minute 2', message: /count is empty/ },
  { file: 'count-too-large.csv', line: 2, column: 15, field: 'minute 1', message: /exceeds 4294967295/ },
  { file: 'columns-too-few.csv', line: 2, column: 18, field: '', message: /too few columns: found 6, expected 7/ },
  { file: 'columns-too-many.csv', line: 2, column: 22, field: '', message: /too many columns: expected 7/ },
  { file: 'name-empty.csv', line: 2, column: 7, field: 'HashFunction', message: /is empty/ },
];

for (const f of failures) {
  test(`rejects ${f.file} at ${f.line}:${f.column}`, () => {
    const path = join(testdata, f.file);
    assert.throws(
      () => loadAzureTrace(path),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, String(error));
        const issue = error.issues[0];
        assert.ok(issue);
        assert.deepEqual({ file: issue.file, line: issue.line, column: issue.column, field: issue.field }, { file: path, line: f.line, column: f.column, field: f.field });
        assert.match(issue.message, f.message);
        // The message names file:line:column, the form editors and CI logs link.
        assert.ok(error.message.includes(`${path}:${f.line}:${f.column}:`), error.message);
        return true;
      },
    );
  });
}

test('reports every problem of a file at once', () => {
  assert.throws(
    () => loadAzureTrace(join(testdata, 'several-problems.csv')),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.deepEqual(
        error.issues.map((i) => [i.line, i.column, i.field]),
        [
          [2, 15, 'minute 1'],
          [3, 19, 'minute 3'],
        ],
      );
      return true;
    },
  );
});

test('the file name in messages is the one the caller gives', () => {
  assert.throws(() => parseAzureTrace('nope', 'traces/x.csv'), /traces\/x\.csv:1:1: header: /);
});

test('the shipped synthetic sample parses, spans a day and is heavy-tailed', () => {
  const rows = loadAzureTrace(sample);
  assert.ok(rows.length >= 50);
  assert.ok(rows.every((r) => r.counts.length === 1440));
  const totals = rows.map(traceRowTotal).sort((a, b) => b - a);
  const all = totals.reduce((a, b) => a + b, 0);
  // Heavy tail as in the public dataset: the top tenth of functions carry most invocations,
  // and the busiest function sees orders of magnitude more than the median one.
  const top = totals.slice(0, Math.ceil(rows.length / 10)).reduce((a, b) => a + b, 0);
  assert.ok(top / all > 0.5, `top 10% share ${top / all}`);
  assert.ok((totals[0] as number) > 1000 * (totals[Math.floor(totals.length / 2)] as number));
});

test('the sample is exactly what make-sample.mjs generates', () => {
  const run = spawnSync(process.execPath, [join(projectRoot, 'scenarios', 'traces', 'make-sample.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
