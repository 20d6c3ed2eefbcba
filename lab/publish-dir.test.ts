import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishDir } from './publish-dir.js';

function built(root: string, name: string, text: string, complete = true): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'payload'), text);
  if (complete) writeFileSync(join(dir, 'record'), 'ok');
  return dir;
}
const isComplete = (dir: string) => () => existsSync(join(dir, 'record'));

test('publishDir: the first builder publishes, a later one keeps the complete winner and drops its own copy', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-publish-'));
  try {
    const dir = join(root, 'artifact');
    assert.equal(publishDir(built(root, 'a.tmp', 'first'), dir, isComplete(dir)), 'published');
    const second = built(root, 'b.tmp', 'second');
    assert.equal(publishDir(second, dir, isComplete(dir)), 'found');
    assert.equal(readFileSync(join(dir, 'payload'), 'utf8'), 'first', 'a complete directory a reader may hold is never replaced');
    assert.equal(existsSync(second), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('publishDir: a torn directory is replaced by the complete build', () => {
  const root = mkdtempSync(join(tmpdir(), 'lab-publish-'));
  try {
    const dir = join(root, 'artifact');
    built(root, 'artifact', 'torn', false);
    assert.equal(publishDir(built(root, 'c.tmp', 'whole'), dir, isComplete(dir)), 'published');
    assert.equal(readFileSync(join(dir, 'payload'), 'utf8'), 'whole');
    assert.deepEqual(
      readdirSync(root).filter((n) => n.includes('stale')),
      [],
      'the torn directory moved aside is removed',
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
