#!/usr/bin/env node
/**
 * Generates scenarios/traces/azure-sample.csv: a SYNTHETIC per-minute invocation trace in the
 * format of the Azure Functions 2019 public dataset (invocations_per_function_md.anon.dNN.csv:
 * HashOwner,HashApp,HashFunction,Trigger,1..1440). None of it is real data. It exists so that
 * trace-replay scenarios and tests run without downloading the dataset.
 *
 * It imitates the published shape of the real trace (Shahrad et al., "Serverless in the Wild",
 * USENIX ATC 2020) only loosely: daily invocations per function spread over six orders of
 * magnitude (most functions rare, a few very hot), a trigger mix dominated by HTTP, timers that
 * fire on a period, a daily rise and fall, and occasional bursts.
 *
 * Usage: node scenarios/traces/make-sample.mjs           (rewrites the CSV)
 *        node scenarios/traces/make-sample.mjs --check   (exit 1 if the committed CSV differs)
 * Plain JavaScript with its own copy of the lab's PRNG, so it runs without a build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SEED = 20190701;
const FUNCTIONS = 100;
const APPS = 60;
const OWNERS = 40;
const MINUTES = 1440;

// Quantiles of log10(daily invocations per function), piecewise linear between anchors. Rough
// reading of the paper's figures: ~45% of functions run at most hourly, ~81% at most once a
// minute on average, and the hottest reach millions a day.
const DAILY_LOG10_ANCHORS = [
  [0.0, 0.0],
  [0.45, Math.log10(24)],
  [0.81, Math.log10(1440)],
  [0.97, 5],
  [1.0, 6.3],
];

// Trigger shares, roughly as the paper reports them.
const TRIGGERS = [
  ['http', 0.55],
  ['timer', 0.16],
  ['queue', 0.15],
  ['orchestration', 0.07],
  ['storage', 0.03],
  ['event', 0.02],
  ['others', 0.02],
];

const TIMER_PERIODS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440];

/** sfc32 seeded through splitmix32, the same generator family as lab/traffic/rng.ts. */
function makeRng(seed) {
  let s = seed | 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix() | 0;
  let b = splitmix() | 0;
  let c = splitmix() | 0;
  let d = 1;
  const u32 = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  return { u32, next: () => u32() / 4294967296 };
}

const rng = makeRng(SEED);

function hex64() {
  let out = '';
  for (let i = 0; i < 8; i++) out += rng.u32().toString(16).padStart(8, '0');
  return out;
}

function pick(weighted) {
  let u = rng.next() * weighted.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, w] of weighted) {
    u -= w;
    if (u < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

function dailyTotal() {
  const u = rng.next();
  for (let i = 1; i < DAILY_LOG10_ANCHORS.length; i++) {
    const [q1, x1] = DAILY_LOG10_ANCHORS[i];
    const [q0, x0] = DAILY_LOG10_ANCHORS[i - 1];
    if (u <= q1) return Math.max(1, Math.round(10 ** (x0 + ((u - q0) / (q1 - q0)) * (x1 - x0))));
  }
  return 1;
}

/** Poisson variate: Knuth's product method for small means, a rounded normal for large ones. */
function poisson(mean) {
  if (mean <= 0) return 0;
  if (mean > 50) {
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

/** A timer fires every `period` minutes from a random phase, `per` invocations each time. */
function timerCounts(total) {
  const wanted = MINUTES / total;
  const period = TIMER_PERIODS.reduce((best, p) => (Math.abs(Math.log(p / wanted)) < Math.abs(Math.log(best / wanted)) ? p : best));
  const per = Math.max(1, Math.round((total * period) / MINUTES));
  const phase = Math.floor(rng.next() * period);
  const counts = new Array(MINUTES).fill(0);
  for (let m = phase; m < MINUTES; m += period) counts[m] = per;
  return counts;
}

/** Event-driven traffic: Poisson counts around a daily sine, with a few bursts for some functions. */
function eventCounts(total) {
  const amplitude = 0.2 + 0.6 * rng.next();
  const peakMinute = 600 + 300 * rng.next();
  const shape = new Array(MINUTES);
  for (let m = 0; m < MINUTES; m++) shape[m] = 1 + amplitude * Math.cos((2 * Math.PI * (m - peakMinute)) / MINUTES);
  if (rng.next() < 0.3) {
    const bursts = 1 + Math.floor(rng.next() * 4);
    for (let b = 0; b < bursts; b++) {
      const start = Math.floor(rng.next() * MINUTES);
      const length = 5 + Math.floor(rng.next() * 25);
      const factor = 5 + 15 * rng.next();
      for (let m = start; m < Math.min(MINUTES, start + length); m++) shape[m] *= factor;
    }
  }
  const mass = shape.reduce((sum, v) => sum + v, 0);
  return shape.map((v) => poisson((total * v) / mass));
}

function generate() {
  const owners = Array.from({ length: OWNERS }, hex64);
  const apps = Array.from({ length: APPS }, () => ({ owner: owners[Math.floor(rng.next() * OWNERS)], hash: hex64() }));
  const rows = [];
  for (let f = 0; f < FUNCTIONS; f++) {
    const app = apps[Math.floor(rng.next() * APPS)];
    const trigger = pick(TRIGGERS);
    const total = dailyTotal();
    const counts = trigger === 'timer' ? timerCounts(total) : eventCounts(total);
    // A function seen in a day's file was invoked at least once that day.
    if (counts.every((c) => c === 0)) counts[Math.floor(rng.next() * MINUTES)] = 1;
    rows.push([app.owner, app.hash, hex64(), trigger, ...counts].join(','));
  }
  rows.sort();
  const header = ['HashOwner', 'HashApp', 'HashFunction', 'Trigger', ...Array.from({ length: MINUTES }, (_, i) => String(i + 1))].join(',');
  return `${header}\n${rows.join('\n')}\n`;
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'azure-sample.csv');
const text = generate();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(out, 'utf8');
  } catch {
    // A missing file simply differs.
  }
  if (committed !== text) {
    process.stderr.write(`${out} differs from what make-sample.mjs generates; rerun it without --check\n`);
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  process.stdout.write(`wrote ${out} (${FUNCTIONS} functions x ${MINUTES} minutes, seed ${SEED})\n`);
}
