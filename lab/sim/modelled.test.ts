import { test } from 'node:test';
import assert from 'node:assert/strict';
import { modelledHost } from './modelled.js';
import { MIB, tinyScenario } from './test-support.js';

test("the modelled host's memory budget: an override, else simulate.memoryBudgetMiB, else the live slice's keepAlive budget; 0 is the host less the fixed cost", () => {
  const live = tinyScenario({ gapMs: 100, spanMs: 1000, budgetMiB: 64 });
  const host = live.host.memoryGiB * 1024 * MIB;
  const fixed = 100 * MIB;
  assert.equal(modelledHost(live).memoryBudgetBytes(fixed), 64 * MIB, 'no simulate budget: the keep-alive one');
  const whole = { ...live, simulate: { ...live.simulate, memoryBudgetMiB: 0 } };
  assert.equal(modelledHost(whole).memoryBudgetBytes(fixed), host - fixed, '0: the whole host less the fixed cost');
  assert.equal(modelledHost(whole).scenario.keepAlive.memoryBudgetMiB, 0, 'the policy the simulator runs gets it too');
  const stated = { ...live, simulate: { memoryBudgetMiB: 512 } };
  assert.equal(modelledHost(stated).memoryBudgetBytes(fixed), 512 * MIB);
  assert.equal(modelledHost(stated, { memoryBudgetMiB: 32 }).memoryBudgetBytes(fixed), 32 * MIB, 'a sweep point overrides both');
});
