/** Host-side wasi:http pieces whose behaviour guests depend on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fields, REQUEST_DENIED, denyOutgoing, methodToken, methodVariant, OutgoingRequest, RequestOptions } from './http.js';
import { WasiError } from './io.js';

test('outbound HTTP is denied with the wasi:http error variant, not a trap', () => {
  assert.throws(
    () => denyOutgoing(new OutgoingRequest(new Fields()), new RequestOptions()),
    (e: unknown) => e instanceof WasiError && Object.prototype.hasOwnProperty.call(e, 'payload') && (e.payload as { tag: string }).tag === REQUEST_DENIED.tag,
  );
});

test('methods round-trip; non-standard spellings stay `other`', () => {
  for (const m of ['GET', 'POST', 'PATCH', 'PURGE', 'Get']) assert.equal(methodToken(methodVariant(m)), m);
  assert.deepEqual(methodVariant('Get'), { tag: 'other', val: 'Get' });
});

test('request headers are immutable and case-insensitive; repeated response fields become arrays', () => {
  const f = Fields.fromRecord({ accept: '*/*' }, true);
  assert.equal(f.has('Accept'), true);
  assert.throws(() => f.set('accept', []), (e: unknown) => (e as WasiError).payload !== undefined && ((e as WasiError).payload as { tag: string }).tag === 'immutable');
  const g = Fields.fromList([
    ['Set-Cookie', new Uint8Array([97])],
    ['set-cookie', new Uint8Array([98])],
  ]);
  assert.deepEqual(g.toRecord(), { 'set-cookie': ['a', 'b'] });
  assert.throws(() => Fields.fromList([['bad name', new Uint8Array()]]), WasiError);
});
