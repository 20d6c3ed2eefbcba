/**
 * The conformance suite: every behaviour of the table (lab/pop/conformance.ts) against every
 * registered runner, through its PoP endpoint only. A behaviour a runner declares it cannot
 * show is run too and must fail: a declaration that outlives the limitation fails the suite.
 * A runner added to the registry is checked here without any line of this file changing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BEHAVIOUR_IDS, CONFORMANCE_BEHAVIOURS } from '../../lab/pop/conformance.js';
import { getRunner, runnerNames } from '../registry.js';
import { BEHAVIOURS, suiteContext } from './behaviours.js';

for (const name of runnerNames()) {
  const runner = getRunner(name);
  const cannot = runner.conformance.cannot ?? {};

  describe(`conformance: ${name}`, () => {
    test('its declaration names only behaviours of the table, each with a reason', () => {
      for (const [id, why] of Object.entries(cannot)) {
        assert.ok((BEHAVIOUR_IDS as string[]).includes(id), `${name} declares unknown behaviour "${id}" (known: ${BEHAVIOUR_IDS.join(', ')})`);
        assert.ok(typeof why === 'string' && why.trim().length > 10, `${name}: say why it cannot show ${id}`);
      }
    });

    for (const id of BEHAVIOUR_IDS) {
      const why = cannot[id];
      if (why === undefined) {
        test(`${id}: ${CONFORMANCE_BEHAVIOURS[id]}`, () => BEHAVIOURS[id](suiteContext(runner)));
      } else {
        test(`${id}: declared impossible (${why}), and it does fail`, async () => {
          await assert.rejects(BEHAVIOURS[id](suiteContext(runner)), `${name} declares it cannot show ${id}, but it does: remove the declaration`);
        });
      }
    }
    for (const [variant, options] of Object.entries(runner.conformance.variants ?? {})) {
      test(`identity, ${variant} (${JSON.stringify(options)}): ${CONFORMANCE_BEHAVIOURS.identity}`, () => BEHAVIOURS.identity(suiteContext(runner, options)));
    }
  });
}
