import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POP_HEADERS } from '../../lab/pop/contract.js';
import { PopClient } from '../../lab/pop/client.js';
import { optionProblems, resolveOptions } from '../kit/options.js';
import { getRunner, runnerNames } from '../registry.js';

describe('fake runner', () => {
  it('serves the PoP protocol with in-process instances', async () => {
    const runner = getRunner('fake');
    assert.deepEqual(optionProblems(runner, { activationMs: 20, serviceMs: 1, memoryBytes: 1024, spares: 0 }), []);
    const handle = await runner.launch({
      runId: 't',
      tenants: [
        { id: 't1', workload: 'hello' },
        { id: 't2', workload: 'echo' },
      ],
      keepAlive: { idleTimeoutSeconds: 60, maxInstancesPerTenant: 1, memoryBudgetMiB: 0 },
      options: resolveOptions(runner, { activationMs: 20, serviceMs: 1, memoryBytes: 1024 }),
      requestTimeoutMs: 2000,
      workDir: '/nonexistent-unused',
    });
    try {
      const first = await fetch(`${handle.url}/t/t2/p?q=1`);
      assert.equal(first.headers.get(POP_HEADERS.activation), 'cold');
      assert.deepEqual(await first.json(), { tenant: 't2', workload: 'echo', instance: first.headers.get(POP_HEADERS.instance), method: 'GET', path: '/p?q=1' });
      const second = await fetch(`${handle.url}/t/t2/`);
      await second.arrayBuffer();
      assert.equal(second.headers.get(POP_HEADERS.activation), 'warm');
      const pop = new PopClient(handle.url);
      const stats = await pop.stats({ drain: true });
      assert.equal(stats.runtime, 'fake');
      assert.deepEqual(stats.instances, { t1: 0, t2: 1 });
      // The configured activation time is a floor of the measured one.
      assert.ok((stats.activations[0]?.phases[0]?.ms ?? 0) >= 19);
      const mem = await pop.memory();
      assert.equal(mem.perInstanceUssBytes, 1024);
      assert.deepEqual(await pop.evict(), { evicted: 1, retiring: 0 });
    } finally {
      await handle.stop();
    }
    await assert.rejects(fetch(`${handle.url}/_lab/health`));
  });

  it('prepares stable placeholder artifacts', async () => {
    const fake = getRunner('fake');
    const a = await fake.prepare(['hello'], resolveOptions(fake, {}));
    const b = await fake.prepare(['hello'], resolveOptions(fake, {}));
    assert.deepEqual(a, b);
    assert.match(a.artifacts[0]?.digest ?? '', /^sha256:/);
  });

  it('rejects bad options by name', () => {
    assert.deepEqual(optionProblems(getRunner('fake'), { serviceMs: 'fast' }), ['options.serviceMs: must be a number >= 0, got "fast"']);
  });
});

describe('runner registry', () => {
  it('lists runners and names them in the error for an unknown one', () => {
    const names = runnerNames();
    assert.ok(names.includes('fake') && names.includes('process'));
    assert.deepEqual(names, [...names].sort());
    for (const n of names) assert.equal(getRunner(n).name, n, 'registered under its own name');
    assert.throws(() => getRunner('wasmx'), new RegExp(`unknown runner "wasmx" \\(known runners: ${names.join(', ')}\\)`));
  });
});
