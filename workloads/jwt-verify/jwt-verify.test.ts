/**
 * jwt-verify's pure-JavaScript crypto against node:crypto, its strict base64url decoder against
 * Buffer, and its fixtures against an independent node:crypto verifier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { BODY_LIMIT_BYTES, FIXED_NOW, LAB_KEY_TEXT, base64UrlDecode, constantTimeEqual, handle, hmacSha256, sha256 } from './handler.js';
import { loadWorkload } from '../registry.js';
import { Rng } from '../testkit/rng.js';
import { referenceVerify, signHs256 } from '../testkit/jwt.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const enc = new TextEncoder();

test('sha256: FIPS 180-4 example vectors', () => {
  assert.equal(hex(sha256(new Uint8Array(0))), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(sha256(enc.encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(
    hex(sha256(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
});

test('sha256 equals node:crypto on seeded random inputs, every length 0..300 and the block edges', () => {
  const rng = new Rng(0x5eed256);
  const lengths = [...Array(301).keys(), 447, 448, 511, 512, 1000, 4095, 4096, 100_003];
  for (const n of lengths) {
    const data = rng.bytes(n);
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('hmacSha256 equals node:crypto for keys shorter than, equal to and longer than the block', () => {
  const rng = new Rng(0x4ac);
  for (let i = 0; i < 400; i++) {
    const key = rng.bytes(rng.pick([0, 1, 20, 32, 63, 64, 65, 100, 200, rng.int(300)]));
    const msg = rng.bytes(rng.int(600));
    assert.equal(hex(hmacSha256(key, msg)), createHmac('sha256', key).update(msg).digest('hex'), `case ${i}`);
  }
});

test('hmacSha256: RFC 4231 test case 2', () => {
  assert.equal(
    hex(hmacSha256(enc.encode('Jefe'), enc.encode('what do ya want for nothing?'))),
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  );
});

test('base64UrlDecode inverts Buffer base64url encoding for random bytes', () => {
  const rng = new Rng(64);
  for (let i = 0; i < 1000; i++) {
    const data = rng.bytes(rng.int(100));
    const decoded = base64UrlDecode(Buffer.from(data).toString('base64url'));
    assert.ok(decoded, `case ${i}`);
    assert.equal(hex(decoded), hex(data), `case ${i}`);
  }
});

test('base64UrlDecode refuses padding, foreign characters, impossible lengths and non-canonical tails', () => {
  for (const bad of ['QQ==', 'A+B/', 'AB C', 'ABCDE', 'é', 'AB', 'AAB', 'AAAAAB']) {
    assert.equal(base64UrlDecode(bad), null, bad);
  }
  assert.deepEqual(base64UrlDecode(''), new Uint8Array(0));
  assert.equal(hex(base64UrlDecode('AA')!), '00');
  assert.equal(hex(base64UrlDecode('_-8')!), 'ffef');
});

test('constantTimeEqual compares whole byte strings', () => {
  assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2])), false);
  assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
});

test('the handler constants match the manifest', () => {
  const w = loadWorkload('jwt-verify');
  assert.equal(w.manifest.fixedNow, FIXED_NOW);
  assert.equal(w.manifest.bodyLimitBytes, BODY_LIMIT_BYTES);
});

test('every fixture agrees with the independent node:crypto verifier', () => {
  const w = loadWorkload('jwt-verify');
  let checked = 0;
  for (const f of w.fixtures) {
    const nowHeader = f.request.headers['x-lab-now'];
    if (nowHeader !== undefined && !/^\d+$/.test(nowHeader)) continue; // the bad-clock fixture is a 400, not a verdict
    if (f.expect.status === 413) continue;
    const ref = referenceVerify(f.request.headers['authorization'], nowHeader === undefined ? w.manifest.fixedNow! : Number(nowHeader), LAB_KEY_TEXT);
    const expected = ref.status === 200 ? { sub: ref.sub, scope: ref.scope } : { error: ref.error };
    assert.equal(f.expect.status, ref.status, f.name);
    assert.deepEqual(JSON.parse(f.expect.body!), expected, f.name);
    checked++;
  }
  assert.ok(checked >= 15, `only ${checked} fixtures checked`);
});

test('handler and reference verifier agree on seeded random tokens around the edge cases', () => {
  const rng = new Rng(0x7e57);
  const subs = ['user-1', 'svc', 'a b', 'x'.repeat(256), 'x'.repeat(257), 'line\nbreak', ''];
  for (let i = 0; i < 1500; i++) {
    const header = rng.chance(0.9) ? { alg: rng.chance(0.9) ? 'HS256' : rng.pick(['none', 'HS512', 'hs256']), typ: 'JWT' } : {};
    const claims: Record<string, unknown> = {};
    if (rng.chance(0.95)) claims.sub = rng.pick<unknown>([...subs, 42]);
    if (rng.chance(0.7)) claims.scope = rng.pick<unknown>(['read', '', 'a b c', 7]);
    if (rng.chance(0.95)) claims.exp = rng.pick<unknown>([FIXED_NOW - 1, FIXED_NOW, FIXED_NOW + 1, FIXED_NOW + 0.5, FIXED_NOW + rng.int(1e6) - 5e5, '1']);
    if (rng.chance(0.2)) claims.nbf = rng.pick<unknown>([FIXED_NOW - 1, FIXED_NOW, FIXED_NOW + 1, 'soon']);
    let token = signHs256(header, claims, rng.chance(0.9) ? LAB_KEY_TEXT : 'other');
    if (rng.chance(0.2)) {
      // Flip one character of the token to an arbitrary base64url character or a dot.
      const at = rng.int(token.length);
      token = token.slice(0, at) + rng.pick([...'Aa0-_.']) + token.slice(at + 1);
    }
    const authorization = rng.pick(['Bearer ', 'bearer  ', 'BEARER ']) + token;
    const now = rng.chance(0.5) ? FIXED_NOW : FIXED_NOW + rng.int(3) - 1;
    const res = handle({ method: 'GET', path: '/', headers: { authorization, 'x-lab-now': String(now) }, body: new Uint8Array(0) });
    const ref = referenceVerify(authorization, now, LAB_KEY_TEXT);
    const body: unknown = JSON.parse(Buffer.from(res.body).toString('utf8'));
    assert.equal(res.status, ref.status, `case ${i}: ${authorization}`);
    assert.deepEqual(body, ref.status === 200 ? { sub: ref.sub, scope: ref.scope } : { error: ref.error }, `case ${i}: ${authorization}`);
    if (ref.status === 200) assert.equal(res.headers['x-auth-subject'], ref.sub);
  }
});
