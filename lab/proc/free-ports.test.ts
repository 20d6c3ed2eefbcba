import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { freePorts } from './free-ports.js';

test('free ports: one call never gives the same port twice, and each can be bound once it returns', async () => {
  const ports = await freePorts(40);
  assert.equal(ports.length, 40);
  assert.equal(new Set(ports).size, 40);
  for (const port of ports.slice(0, 5)) {
    const s = createServer();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});
