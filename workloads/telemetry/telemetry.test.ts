/**
 * telemetry: number printing and rounding, the aggregation's edge cases, the body limit at its
 * exact boundary, and the fixtures' summaries re-derived with plain float arithmetic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BODY_LIMIT_BYTES,
  FIXED_NOW,
  MAX_AGE_SECONDS,
  MAX_BATCHES,
  MAX_SKEW_SECONDS,
  SENSORS,
  ShapeError,
  aggregate,
  formatMilli,
  handle,
  meanMilli,
  render,
} from './handler.js';
import { fixtureRequestBody, loadWorkload } from '../registry.js';

const enc = new TextEncoder();
const post = (body: string, headers: Record<string, string> = {}) =>
  handle({ method: 'POST', path: '/ingest', headers: { 'content-type': 'application/json', ...headers }, body: enc.encode(body) });
const json = (r: { body: Uint8Array }): any => JSON.parse(Buffer.from(r.body).toString('utf8'));
const r = (sensor: unknown, value: unknown, ts: unknown = FIXED_NOW) => ({ sensor, ts, value });

test('formatMilli prints exactly three decimals by integer arithmetic', () => {
  const cases: [number, string][] = [
    [0, '0.000'], [-0, '0.000'], [5, '0.005'], [-5, '-0.005'], [1000, '1.000'], [-1050, '-1.050'],
    [1234567, '1234.567'], [10_000_000, '10000.000'], [-40_000, '-40.000'],
  ];
  for (const [milli, s] of cases) assert.equal(formatMilli(milli), s, String(milli));
});

test('meanMilli rounds half away from zero', () => {
  assert.equal(meanMilli(3, 2), 2);
  assert.equal(meanMilli(-3, 2), -2);
  assert.equal(meanMilli(5, 4), 1); // 1.25
  assert.equal(meanMilli(7, 4), 2); // 1.75
  assert.equal(meanMilli(-7, 4), -2);
  assert.equal(meanMilli(65500, 3), 21833);
  assert.equal(meanMilli(0, 5), 0);
});

test('range limits are inclusive and ts limits are exact', () => {
  const now = 1_000_000;
  const a = aggregate(
    {
      device: 'd',
      readings: [
        r('temperature', SENSORS.temperature!.min, now), r('temperature', SENSORS.temperature!.max, now),
        r('temperature', SENSORS.temperature!.max + 0.001, now), r('humidity', -0.0001, now),
        r('co2', 1, now - MAX_AGE_SECONDS), r('co2', 1, now - MAX_AGE_SECONDS - 1),
        r('co2', 1, now + MAX_SKEW_SECONDS), r('co2', 1, now + MAX_SKEW_SECONDS + 1),
      ],
    },
    now,
  );
  assert.equal(a.accepted, 4);
  assert.deepEqual(a.dropped, { invalid: 0, 'unknown-sensor': 0, 'out-of-range': 2, stale: 1, future: 1 });
});

test('invalid readings: wrong types, non-integer or negative ts, prototype-named sensors', () => {
  const a = aggregate(
    {
      device: 'd',
      readings: [
        null, [], 'x', r(7, 1), r('co2', '1'), r('co2', 1, 1.5), r('co2', 1, -1), r('co2', 1, '5'), r('co2', true),
        r('__proto__', 1), r('constructor', 1), r('toString', 1), r('CO2', 1),
      ],
    },
    FIXED_NOW,
  );
  assert.equal(a.accepted, 0);
  assert.deepEqual(a.dropped, { invalid: 9, 'unknown-sensor': 4, 'out-of-range': 0, stale: 0, future: 0 });
  assert.equal(render(a).includes('__proto__'), false);
});

test('batches of one device merge; devices and sensors sort by UTF-16 code units', () => {
  const out = JSON.parse(
    render(
      aggregate(
        [
          { device: 'b', readings: [r('humidity', 1)] },
          { device: 'Z', readings: [r('temperature', 1)] },
          { device: 'b', readings: [r('co2', 2), r('humidity', 3)] },
          { device: 'a', readings: [] },
        ],
        FIXED_NOW,
      ),
    ),
  );
  assert.deepEqual(out.devices.map((d: any) => d.device), ['Z', 'a', 'b']);
  const b = out.devices[2];
  assert.deepEqual(b.sensors.map((s: any) => s.sensor), ['co2', 'humidity']);
  assert.deepEqual(b.sensors[1], { sensor: 'humidity', count: 2, min: 1, max: 3, mean: 2, dropped: 0 });
});

test('values are quantised to milli-units before summing', () => {
  // 0.1 + 0.2 as floats is 0.30000000000000004; as milli-units it is exactly 300.
  const out = JSON.parse(render(aggregate({ device: 'd', readings: [r('battery', 0.1), r('battery', 0.2)] }, FIXED_NOW)));
  assert.deepEqual(out.devices[0].sensors[0], { sensor: 'battery', count: 2, min: 0.1, max: 0.2, mean: 0.15, dropped: 0 });
  const text = render(aggregate({ device: 'd', readings: [r('battery', 0.0004), r('battery', 0.0005)] }, FIXED_NOW));
  assert.match(text, /"min":0\.000,"max":0\.001,"mean":0\.001/);
});

test('shape errors', () => {
  assert.throws(() => aggregate([], FIXED_NOW), ShapeError);
  assert.throws(() => aggregate(Array.from({ length: MAX_BATCHES + 1 }, () => ({ device: 'd', readings: [] })), FIXED_NOW), ShapeError);
  assert.doesNotThrow(() => aggregate(Array.from({ length: MAX_BATCHES }, () => ({ device: 'd', readings: [] })), FIXED_NOW));
  assert.throws(() => aggregate({ device: 'd', readings: {} }, FIXED_NOW), ShapeError);
  assert.throws(() => aggregate({ device: 'x'.repeat(65), readings: [] }, FIXED_NOW), ShapeError);
  assert.throws(() => aggregate({ device: 'bad device', readings: [] }, FIXED_NOW), ShapeError);
  assert.throws(() => aggregate(null, FIXED_NOW), ShapeError);
});

test('the body limit holds at its exact boundary', () => {
  const doc = JSON.stringify({ device: 'd', readings: [] });
  assert.equal(post(doc + ' '.repeat(BODY_LIMIT_BYTES - doc.length)).status, 200);
  assert.equal(post(doc + ' '.repeat(BODY_LIMIT_BYTES - doc.length + 1)).status, 413);
});

test('hostile bodies are 400s: deep nesting, lone surrogates, BOM-prefixed JSON is accepted', () => {
  assert.equal(post('['.repeat(60000)).status, 400);
  assert.equal(post('['.repeat(30000) + ']'.repeat(30000)).status, 400);
  assert.equal(json(post('{"device":"\\ud800","readings":[]}')).error, 'bad shape: batch 0: device must match [A-Za-z0-9._:-]{1,64}');
  assert.equal(post('\ufeff{"device":"d","readings":[]}').status, 200);
  assert.equal(post('').status, 400);
});

test('the handler constants match the manifest', () => {
  const m = loadWorkload('telemetry').manifest;
  assert.equal(m.bodyLimitBytes, BODY_LIMIT_BYTES);
  assert.equal(m.fixedNow, FIXED_NOW);
});

/** Recomputes a summary with plain floats, straight from the documented rules. */
function floatSummary(doc: unknown, now: number): Map<string, { count: number; min: number; max: number; mean: number; dropped: number }> {
  const out = new Map<string, { values: number[]; dropped: number }>();
  for (const batch of (Array.isArray(doc) ? doc : [doc]) as { device: string; readings: any[] }[]) {
    for (const x of batch.readings) {
      const range = typeof x?.sensor === 'string' && Object.hasOwn(SENSORS, x.sensor) ? SENSORS[x.sensor] : undefined;
      if (!range) continue;
      const key = `${batch.device}/${x.sensor}`;
      const e = out.get(key) ?? { values: [], dropped: 0 };
      out.set(key, e);
      const ok =
        Number.isInteger(x.ts) && x.ts >= 0 && typeof x.value === 'number' && x.value >= range.min && x.value <= range.max &&
        x.ts >= now - 7 * 86400 && x.ts <= now + 300;
      if (ok) e.values.push(x.value);
      else e.dropped++;
    }
  }
  return new Map(
    [...out].map(([k, e]) => [
      k,
      {
        count: e.values.length,
        min: Math.min(...e.values),
        max: Math.max(...e.values),
        mean: e.values.reduce((s, v) => s + v, 0) / e.values.length,
        dropped: e.dropped,
      },
    ]),
  );
}

test('every successful fixture agrees with a float re-computation to the printed precision', () => {
  const w = loadWorkload('telemetry');
  const ok = w.fixtures.filter((f) => f.expect.status === 200);
  assert.ok(ok.length >= 5);
  for (const f of ok) {
    const now = f.request.headers['x-lab-now'] ? Number(f.request.headers['x-lab-now']) : FIXED_NOW;
    const reference = floatSummary(JSON.parse(Buffer.from(fixtureRequestBody(f)).toString('utf8')), now);
    const expected = JSON.parse(f.expect.body!) as { devices: { device: string; sensors: any[] }[] };
    const seen = new Set<string>();
    for (const d of expected.devices) {
      for (const s of d.sensors) {
        const key = `${d.device}/${s.sensor}`;
        seen.add(key);
        const ref = reference.get(key);
        assert.ok(ref, `${f.name}: ${key} not in the reference`);
        assert.equal(s.count, ref.count, `${f.name}: ${key} count`);
        assert.equal(s.dropped, ref.dropped, `${f.name}: ${key} dropped`);
        if (ref.count === 0) {
          assert.deepEqual([s.min, s.max, s.mean], [null, null, null]);
          continue;
        }
        for (const k of ['min', 'max', 'mean'] as const) {
          assert.ok(Math.abs(s[k] - ref[k]) <= 0.0005 + 1e-9, `${f.name}: ${key} ${k} ${s[k]} vs ${ref[k]}`);
        }
      }
    }
    assert.deepEqual([...seen].sort(), [...reference.keys()].sort(), f.name);
  }
});
