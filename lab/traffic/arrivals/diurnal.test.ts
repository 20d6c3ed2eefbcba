import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabError } from '../../errors.js';
import { arrivalProcess } from '../arrivals.js';
import { seededRng } from '../rng.js';
import { Z, poissonInterval, within } from '../test-support.js';

const rate = 20;
const periodSeconds = 100;
const amplitude = 0.8;
const periods = 20;
const spanMs = periods * periodSeconds * 1000;
const times = arrivalProcess({ type: 'diurnal', periodSeconds, amplitude }).times(rate, spanMs, seededRng(303));

/** Expected arrivals in [a, b) seconds of one period: ∫ rate(1 + A sin(2πt/P)) dt. */
function expected(a: number, b: number): number {
  const w = (2 * Math.PI) / periodSeconds;
  return rate * (b - a + (amplitude / w) * (Math.cos(w * a) - Math.cos(w * b)));
}

function countIn(a: number, b: number): number {
  return times.filter((t) => {
    const s = (t / 1000) % periodSeconds;
    return s >= a && s < b;
  }).length;
}

test('diurnal: whole periods keep the mean rate', () => {
  within(times.length, poissonInterval(rate * periods * periodSeconds, Z.p999), 'arrivals');
  assert.ok(times.every((t, i) => t >= 0 && t < spanMs && (i === 0 || t >= (times[i - 1] as number))));
});

test('diurnal: the peak quarter and the trough quarter get what rate(t) integrates to', () => {
  const P = periodSeconds;
  // Quarters centred on the peak (P/4) and the trough (3P/4) of the sine.
  within(countIn(P / 8, (3 * P) / 8), poissonInterval(periods * expected(P / 8, (3 * P) / 8), Z.p999), 'peak quarter');
  within(countIn((5 * P) / 8, (7 * P) / 8), poissonInterval(periods * expected((5 * P) / 8, (7 * P) / 8), Z.p999), 'trough quarter');
});

test('diurnal: rejects amplitudes outside [0, 1] and non-positive periods', () => {
  assert.throws(() => arrivalProcess({ type: 'diurnal', periodSeconds: 10, amplitude: 1.2 }), LabError);
  assert.throws(() => arrivalProcess({ type: 'diurnal', periodSeconds: 10, amplitude: -0.1 }), LabError);
  assert.throws(() => arrivalProcess({ type: 'diurnal', periodSeconds: 0, amplitude: 0.5 }), LabError);
});

test('diurnal: a phase shifts the curve, so the peak moves by the phase', () => {
  const P = periodSeconds;
  // A quarter-period phase puts the peak (P/4 unshifted) at t = 0 of each period.
  const shifted = arrivalProcess({ type: 'diurnal', periodSeconds, amplitude, phaseSeconds: P / 4 }).times(rate, spanMs, seededRng(303));
  const inWindow = (a: number, b: number) => shifted.filter((t) => {
    const s = (t / 1000) % P;
    return s >= a && s < b;
  }).length;
  // Around t = 0 (the last and first eighths) it is now the peak quarter; around P/2, the trough.
  const peak = inWindow(0, P / 8) + inWindow((7 * P) / 8, P);
  within(peak, poissonInterval(periods * expected(P / 8, (3 * P) / 8), Z.p999), 'shifted peak quarter');
  within(inWindow((3 * P) / 8, (5 * P) / 8), poissonInterval(periods * expected((5 * P) / 8, (7 * P) / 8), Z.p999), 'shifted trough quarter');
  // No phase and a phase of whole periods give the very same arrivals.
  assert.deepEqual(arrivalProcess({ type: 'diurnal', periodSeconds, amplitude, phaseSeconds: 2 * P }).times(rate, 20_000, seededRng(7)), arrivalProcess({ type: 'diurnal', periodSeconds, amplitude }).times(rate, 20_000, seededRng(7)));
});
