/**
 * ab-flag: FNV-1a against published vectors and a BigInt reference, the experiment table's
 * invariants, user-id extraction, and the fixtures' assignments re-derived independently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BODY_LIMIT_BYTES, COHORTS, EXPERIMENTS, findUserId, fnv1a32, handle, variantFor } from './handler.js';
import { loadWorkload } from '../registry.js';
import { Rng } from '../testkit/rng.js';

const enc = new TextEncoder();

/** FNV-1a 32 with BigInt arithmetic: shares no code or trick (Math.imul) with the handler. */
function referenceFnv1a32(bytes: Uint8Array): number {
  let h = 2166136261n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 16777619n) % 4294967296n;
  return Number(h);
}

function referenceAssign(uid: string): { experiment: string; bucket: number; variant: string }[] {
  return EXPERIMENTS.map((e) => {
    const bucket = referenceFnv1a32(enc.encode(`${e.name}:${uid}`)) % 100;
    // Variant by explicit ranges [from, to) rather than the handler's running sum.
    let from = 0;
    const ranges = e.variants.map((v) => ({ name: v.name, from, to: (from += v.percent) }));
    return { experiment: e.name, bucket, variant: ranges.find((r) => bucket >= r.from && bucket < r.to)!.name };
  });
}

test('fnv1a32: published FNV-1a 32-bit vectors', () => {
  // From the FNV reference test suite (Noll, "FNV hash" test vectors).
  assert.equal(fnv1a32(enc.encode('')), 0x811c9dc5);
  assert.equal(fnv1a32(enc.encode('a')), 0xe40c292c);
  assert.equal(fnv1a32(enc.encode('foobar')), 0xbf9cf968);
});

test('fnv1a32 equals a BigInt reference on seeded random inputs', () => {
  const rng = new Rng(0xf1a);
  for (let i = 0; i < 2000; i++) {
    const data = rng.bytes(rng.int(80));
    assert.equal(fnv1a32(data), referenceFnv1a32(data), `case ${i}`);
  }
});

test('every experiment splits exactly 100 percent over distinct variants, and header names are valid', () => {
  for (const e of EXPERIMENTS) {
    assert.equal(e.variants.reduce((n, v) => n + v.percent, 0), 100, e.name);
    assert.equal(new Set(e.variants.map((v) => v.name)).size, e.variants.length, e.name);
    assert.match(e.name, /^[a-z0-9-]+$/);
  }
  assert.ok(EXPERIMENTS.length >= 2 && EXPERIMENTS.length <= 3);
});

test('variantFor: bucket boundaries', () => {
  const pricing = EXPERIMENTS.find((e) => e.name === 'pricing-page')!;
  assert.equal(variantFor(pricing, 0), 'control');
  assert.equal(variantFor(pricing, 33), 'control');
  assert.equal(variantFor(pricing, 34), 'annual-first');
  assert.equal(variantFor(pricing, 66), 'annual-first');
  assert.equal(variantFor(pricing, 67), 'monthly-first');
  assert.equal(variantFor(pricing, 99), 'monthly-first');
});

test('assignment shares over 20000 synthetic users are within 2 points of the configured splits', () => {
  const counts = new Map<string, number>();
  const users = 20000;
  for (let i = 0; i < users; i++) {
    for (const a of referenceAssign(`user-${i}`)) counts.set(`${a.experiment}/${a.variant}`, (counts.get(`${a.experiment}/${a.variant}`) ?? 0) + 1);
  }
  for (const e of EXPERIMENTS) {
    for (const v of e.variants) {
      const share = ((counts.get(`${e.name}/${v.name}`) ?? 0) / users) * 100;
      assert.ok(Math.abs(share - v.percent) < 2, `${e.name}/${v.name}: ${share.toFixed(2)}% vs ${v.percent}%`);
    }
  }
});

test('findUserId: header wins, cookie parsing follows RFC 6265', () => {
  assert.equal(findUserId({}), undefined);
  assert.equal(findUserId({ 'x-user-id': ' u-1 ', cookie: 'uid=u-2' }), 'u-1');
  assert.equal(findUserId({ cookie: 'uid=u-2' }), 'u-2');
  assert.equal(findUserId({ cookie: 'a=1;uid=u-3;uid=u-4' }), 'u-3');
  assert.equal(findUserId({ cookie: 'xuid=1; uidx=2' }), undefined);
  assert.equal(findUserId({ cookie: 'uid="quoted"' }), 'quoted');
  assert.equal(findUserId({ cookie: 'uid=' }), '');
  assert.equal(findUserId({ cookie: 'novalue; uid=u-5' }), 'u-5');
});

test('the handler constants match the manifest', () => {
  assert.equal(loadWorkload('ab-flag').manifest.bodyLimitBytes, BODY_LIMIT_BYTES);
});

test('every successful fixture re-derives with the BigInt reference', () => {
  const w = loadWorkload('ab-flag');
  const ok = w.fixtures.filter((f) => f.expect.status === 200);
  assert.ok(ok.length >= 4);
  for (const f of ok) {
    const body = JSON.parse(f.expect.body!) as { user: string; cohort: number; assignments: unknown };
    const uid = findUserId(f.request.headers)!;
    assert.equal(body.user, uid, f.name);
    assert.equal(body.cohort, referenceFnv1a32(enc.encode(uid)) % COHORTS, f.name);
    const expected = referenceAssign(uid);
    assert.deepEqual(body.assignments, expected, f.name);
    for (const a of expected) assert.equal(f.expect.headers?.[`x-ab-${a.experiment}`], a.variant, f.name);
  }
});

test('the handler agrees with the reference for seeded random user ids', () => {
  const rng = new Rng(0xab);
  for (let i = 0; i < 2000; i++) {
    const uid = rng.string(1 + rng.int(64), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-');
    const res = handle({ method: 'GET', path: '/', headers: { cookie: `uid=${uid}` }, body: new Uint8Array(0) });
    assert.equal(res.status, 200);
    const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as { assignments: unknown };
    assert.deepEqual(body.assignments, referenceAssign(uid), uid);
  }
});
