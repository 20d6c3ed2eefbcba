import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../errors.js';
import type { ArrivalSpec } from '../scenario/types.js';
import { arrivalProcess, arrivalTypes, drainArrivals } from './arrivals.js';
import { seededRng } from './rng.js';

const specs: ArrivalSpec[] = [
  { type: 'constant' },
  { type: 'poisson' },
  { type: 'bursts', onSeconds: 1, offSeconds: 2 },
  { type: 'diurnal', periodSeconds: 30, amplitude: 0.5 },
];

test('every scenario arrival type is registered', () => {
  assert.deepEqual([...arrivalTypes].sort(), specs.map((s) => s.type).sort());
});

test('array and cursor forms agree, draw for draw; times are ascending within the span', () => {
  for (const spec of specs) {
    const process = arrivalProcess(spec);
    const times = process.times(40, 60_000, seededRng(1).fork('arrivals'));
    assert.deepEqual(drainArrivals(process.cursor(40, 60_000, seededRng(1).fork('arrivals'))), times, spec.type);
    assert.ok(times.length > 0, spec.type);
    assert.ok(times.every((t, i) => t >= 0 && t < 60_000 && (i === 0 || t >= (times[i - 1] as number))), spec.type);
  }
});

test('an exhausted cursor stays exhausted', () => {
  for (const spec of specs) {
    const cursor = arrivalProcess(spec).cursor(40, 1000, seededRng(2));
    drainArrivals(cursor);
    assert.equal(cursor.next(), Infinity, spec.type);
  }
});

test('same seed same times, different seed different times', () => {
  for (const spec of specs.filter((s) => s.type !== 'constant')) {
    const process = arrivalProcess(spec);
    assert.deepEqual(process.times(40, 10_000, seededRng(3)), process.times(40, 10_000, seededRng(3)));
    assert.notDeepEqual(process.times(40, 10_000, seededRng(3)), process.times(40, 10_000, seededRng(4)));
  }
});

test('rate 0 sends nothing; bad rates, spans and types are rejected', () => {
  for (const spec of specs) {
    assert.deepEqual(arrivalProcess(spec).times(0, 10_000, seededRng(5)), [], spec.type);
    assert.throws(() => arrivalProcess(spec).times(-1, 10_000, seededRng(5)), LabError);
    assert.throws(() => arrivalProcess(spec).times(Infinity, 10_000, seededRng(5)), LabError);
    assert.throws(() => arrivalProcess(spec).times(1, Number.NaN, seededRng(5)), LabError);
  }
  assert.throws(() => arrivalProcess({ type: 'sawtooth' } as unknown as ArrivalSpec), /unknown arrival process "sawtooth"; known: constant, poisson, bursts, diurnal/);
  assert.throws(() => arrivalProcess({ type: 'toString' } as unknown as ArrivalSpec), LabError);
});
