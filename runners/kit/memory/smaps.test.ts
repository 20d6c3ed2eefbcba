import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSmapsRollup, readSmapsRollup } from './smaps.js';

const SAMPLE = `558a168c6000-7ffed5453000 ---p 00000000 00:00 0                          [rollup]
Rss:                1640 kB
Pss:                 421 kB
Pss_Anon:            112 kB
Shared_Clean:       1456 kB
Shared_Dirty:          0 kB
Private_Clean:        72 kB
Private_Dirty:       112 kB
Swap:                  0 kB
`;

describe('smaps_rollup', () => {
  it('computes USS as Private_Clean + Private_Dirty, in bytes', () => {
    const m = parseSmapsRollup(SAMPLE);
    assert.equal(m.ussBytes, (72 + 112) * 1024);
    assert.equal(m.pssBytes, 421 * 1024);
    assert.equal(m.rssBytes, 1640 * 1024);
    assert.equal(m.fields.Shared_Clean, 1456 * 1024);
  });

  it('refuses text without the needed fields', () => {
    assert.throws(() => parseSmapsRollup('Rss: 1 kB\n'), /no Pss line|no Private_Clean line/);
  });

  it('measures a live process and names a missing one', async () => {
    const me = await readSmapsRollup(process.pid);
    assert.ok(me.ussBytes > 0 && me.ussBytes <= me.rssBytes);
    await assert.rejects(readSmapsRollup(2 ** 22 + 7), /\/proc\/4194311\/smaps_rollup/);
  });
});
