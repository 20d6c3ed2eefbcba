/**
 * telemetry: IoT telemetry batch aggregation at the edge. A gateway POSTs a batch of sensor
 * readings (or an array of batches); the edge validates them, drops the invalid and implausible
 * ones, and answers per device and sensor with count, min, max and mean, so an origin receives
 * summaries instead of raw points. This is the allocation- and parse-heavy workload of the lab.
 *
 * Determinism: values are quantised to integer milli-units on entry (Math.round(value * 1000)),
 * so sums and means are exact integer arithmetic, and numbers are printed by hand with exactly
 * three decimals; the output is the same bytes in every engine and every language port.
 *
 * Portable handler rules (see workloads/README.md): one file, type-only imports, synchronous,
 * deterministic (the clock is the `x-lab-now` request header or FIXED_NOW), no platform API
 * beyond TextEncoder/TextDecoder.
 */
import type { EdgeRequest, EdgeResponse } from '../lib/handler.js';

/** Largest request body accepted (bytes), 64 KiB. Mirrors workload.json. */
export const BODY_LIMIT_BYTES = 65536;

/** Clock used when the request has no `x-lab-now` header (epoch seconds, 2026-01-01T00:00:00Z). Mirrors workload.json `fixedNow`. */
export const FIXED_NOW = 1767225600;

/** Readings older than this many seconds before `now` are dropped as stale (7 days). */
export const MAX_AGE_SECONDS = 7 * 24 * 3600;

/** Readings more than this many seconds after `now` are dropped as future (device clock skew allowance). */
export const MAX_SKEW_SECONDS = 300;

/** Most batches one request may carry. */
export const MAX_BATCHES = 64;

/** Known sensors and their plausible ranges (inclusive), in the unit the devices report. */
export const SENSORS: Readonly<Record<string, { min: number; max: number; unit: string }>> = {
  battery: { min: 0, max: 5, unit: 'V' },
  co2: { min: 0, max: 10000, unit: 'ppm' },
  humidity: { min: 0, max: 100, unit: '%RH' },
  pressure: { min: 300, max: 1100, unit: 'hPa' },
  temperature: { min: -40, max: 85, unit: 'degC' },
};

/** Reasons a reading is dropped, in the fixed order the response lists them. */
export const DROP_REASONS = ['invalid', 'unknown-sensor', 'out-of-range', 'stale', 'future'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

const DEVICE = /^[A-Za-z0-9._:-]{1,64}$/;
const NOW_HEADER = /^[0-9]{1,12}$/;

/** Per-sensor running aggregate, in milli-units (exported with Aggregation for the unit tests). */
export interface SensorAggregate {
  count: number;
  minMilli: number;
  maxMilli: number;
  sumMilli: number;
  dropped: number;
}

/** The aggregation result before printing. Exported for the aggregation unit tests. */
export interface Aggregation {
  batches: number;
  accepted: number;
  dropped: Record<DropReason, number>;
  /** device -> sensor -> aggregate. */
  devices: Map<string, Map<string, SensorAggregate>>;
}

/** A request-level rejection: the whole body is refused with 400. */
export class ShapeError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies one reading: a drop reason, or its value in milli-units if accepted. */
function classify(reading: unknown, now: number): { sensor?: string; drop?: DropReason; milli?: number } {
  if (!isObject(reading)) return { drop: 'invalid' };
  const { sensor, ts, value } = reading;
  if (typeof sensor !== 'string') return { drop: 'invalid' };
  // Own-property check: a sensor named "constructor" or "__proto__" must not find Object.prototype.
  const range = Object.prototype.hasOwnProperty.call(SENSORS, sensor) ? SENSORS[sensor] : undefined;
  if (!range) return { drop: 'unknown-sensor' };
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) return { sensor, drop: 'invalid' };
  if (typeof value !== 'number' || !Number.isFinite(value)) return { sensor, drop: 'invalid' };
  if (value < range.min || value > range.max) return { sensor, drop: 'out-of-range' };
  if (ts < now - MAX_AGE_SECONDS) return { sensor, drop: 'stale' };
  if (ts > now + MAX_SKEW_SECONDS) return { sensor, drop: 'future' };
  return { sensor, milli: Math.round(value * 1000) };
}

/**
 * Validates the parsed body and aggregates it. Throws ShapeError when the body as a whole is
 * unusable; individual bad readings are counted as dropped instead, because one broken sensor
 * must not cost a gateway its whole batch.
 */
export function aggregate(parsed: unknown, now: number): Aggregation {
  const batches = Array.isArray(parsed) ? parsed : [parsed];
  if (batches.length === 0) throw new ShapeError('no batches');
  if (batches.length > MAX_BATCHES) throw new ShapeError(`more than ${MAX_BATCHES} batches`);
  const result: Aggregation = {
    batches: batches.length,
    accepted: 0,
    dropped: { invalid: 0, 'unknown-sensor': 0, 'out-of-range': 0, stale: 0, future: 0 },
    devices: new Map(),
  };
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b];
    if (!isObject(batch)) throw new ShapeError(`batch ${b} is not an object`);
    const { device, readings } = batch;
    if (typeof device !== 'string' || !DEVICE.test(device)) throw new ShapeError(`batch ${b}: device must match [A-Za-z0-9._:-]{1,64}`);
    if (!Array.isArray(readings)) throw new ShapeError(`batch ${b}: readings must be an array`);
    let sensors = result.devices.get(device);
    if (!sensors) {
      sensors = new Map();
      result.devices.set(device, sensors);
    }
    for (const reading of readings) {
      const { sensor, drop, milli } = classify(reading, now);
      if (drop !== undefined) result.dropped[drop]++;
      // Readings without a known sensor name have no sensor entry to count against.
      if (sensor === undefined) continue;
      let agg = sensors.get(sensor);
      if (!agg) {
        agg = { count: 0, minMilli: 0, maxMilli: 0, sumMilli: 0, dropped: 0 };
        sensors.set(sensor, agg);
      }
      if (milli === undefined) {
        agg.dropped++;
        continue;
      }
      result.accepted++;
      if (agg.count === 0 || milli < agg.minMilli) agg.minMilli = milli;
      if (agg.count === 0 || milli > agg.maxMilli) agg.maxMilli = milli;
      agg.count++;
      agg.sumMilli += milli;
    }
  }
  return result;
}

/**
 * Prints milli-units as a decimal with exactly three fractional digits (`-1.050`), by integer
 * arithmetic, so no engine's float-to-string algorithm is involved. Valid JSON number syntax.
 */
export function formatMilli(milli: number): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const whole = Math.floor(abs / 1000);
  const frac = abs - whole * 1000;
  return `${sign}${whole}.${String(frac).padStart(3, '0')}`;
}

/** Mean in milli-units, rounded half away from zero, by exact integer arithmetic. */
export function meanMilli(sumMilli: number, count: number): number {
  const q = Math.floor((Math.abs(sumMilli) * 2 + count) / (2 * count));
  return sumMilli < 0 ? -q : q;
}

// Sorting by UTF-16 code units (the default comparison) is what every port must reproduce.
function sortedKeys<V>(m: Map<string, V>): string[] {
  return [...m.keys()].sort();
}

/** Renders the aggregation as JSON with a fixed key order. Exported for the aggregation unit tests. */
export function render(a: Aggregation): string {
  const droppedTotal = DROP_REASONS.reduce((n, r) => n + a.dropped[r], 0);
  const droppedBy = DROP_REASONS.map((r) => `${JSON.stringify(r)}:${a.dropped[r]}`).join(',');
  const devices = sortedKeys(a.devices).map((device) => {
    const sensors = a.devices.get(device)!;
    const rows = sortedKeys(sensors).map((sensor) => {
      const s = sensors.get(sensor)!;
      const stats =
        s.count === 0
          ? '"min":null,"max":null,"mean":null'
          : `"min":${formatMilli(s.minMilli)},"max":${formatMilli(s.maxMilli)},"mean":${formatMilli(meanMilli(s.sumMilli, s.count))}`;
      return `{"sensor":${JSON.stringify(sensor)},"count":${s.count},${stats},"dropped":${s.dropped}}`;
    });
    return `{"device":${JSON.stringify(device)},"sensors":[${rows.join(',')}]}`;
  });
  return `{"batches":${a.batches},"accepted":${a.accepted},"dropped":${droppedTotal},"droppedBy":{${droppedBy}},"devices":[${devices.join(',')}]}`;
}

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function json(status: number, body: string, extra: Record<string, string> = {}): EdgeResponse {
  return { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra }, body: encoder.encode(body) };
}

function error(status: number, message: string, extra: Record<string, string> = {}): EdgeResponse {
  return json(status, JSON.stringify({ error: message }), extra);
}

/** Aggregates a POSTed telemetry body: 200 summary, 400 bad body, 405 not POST, 413 too large. */
export function handle(req: EdgeRequest): EdgeResponse {
  if (req.method !== 'POST') return error(405, 'method not allowed', { allow: 'POST' });
  if (req.body.length > BODY_LIMIT_BYTES) return json(413, JSON.stringify({ error: 'body too large', limitBytes: BODY_LIMIT_BYTES }));
  let now = FIXED_NOW;
  const nowHeader = req.headers['x-lab-now'];
  if (nowHeader !== undefined) {
    if (!NOW_HEADER.test(nowHeader)) return error(400, 'bad x-lab-now');
    now = Number(nowHeader);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(req.body));
  } catch {
    // Invalid UTF-8, invalid JSON, or nesting deep enough to exhaust the parser: all the same to the client.
    return error(400, 'invalid JSON');
  }
  try {
    return json(200, render(aggregate(parsed, now)));
  } catch (e) {
    if (e instanceof ShapeError) return error(400, `bad shape: ${e.message}`);
    throw e;
  }
}
