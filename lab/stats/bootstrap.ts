/**
 * The percentile bootstrap: turns samplers (one per repetition) into an `Estimate`, and two
 * sets of samplers into the ratio between them with its interval. Repetitions are combined by
 * resampling repetitions, then resampling within each one (a two-level bootstrap), so the
 * interval carries the run-to-run variation as well as the within-run one.
 */
import { quantileSorted } from 'simple-statistics';
import type { BootstrapOptions, Estimate } from './estimate.js';
import { seededRng, type Rng } from './random.js';
import type { Sampler } from './sampler.js';

function percentileInterval(reps: number[], confidence: number): [number, number] {
  const finite = reps.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (finite.length === 0) return [NaN, NaN];
  const tail = (1 - confidence) / 2;
  return [quantileSorted(finite, tail), quantileSorted(finite, 1 - tail)];
}

const usable = (groups: Sampler[]): Sampler[] => groups.filter((g) => g.n > 0 && Number.isFinite(g.estimate));

/** One replicate of the combined statistic: mean over repetitions drawn with replacement. */
function drawCombined(groups: Sampler[], rng: Rng): number {
  if (groups.length === 1) return groups[0]!.draw(rng);
  let s = 0;
  for (let i = 0; i < groups.length; i++) s += groups[rng.int(groups.length)]!.draw(rng);
  return s / groups.length;
}

const pointOf = (groups: Sampler[]): number => groups.reduce((a, g) => a + g.estimate, 0) / groups.length;

function describe(groups: Sampler[], what: string): string {
  return groups.length > 1 ? `${what}, combined over ${groups.length} repetitions (mean of repetitions; repetitions resampled, then observations)` : what;
}

const caveatOf = (groups: Sampler[]): string | undefined => {
  const c = groups.find((g) => g.caveat)?.caveat;
  if (groups.length === 2) return [c, 'two repetitions only: the between-run part of the interval is rough'].filter(Boolean).join('; ');
  return c;
};

/** An estimate with no data behind it: every renderer shows it as "not measured". */
export function missingEstimate(opts: BootstrapOptions, method = 'not measured'): Estimate {
  return { value: NaN, lo: null, hi: null, n: 0, repetitions: 0, confidence: opts.confidence, method };
}

/**
 * The estimate of one statistic from its samplers (one per repetition). `key` names the figure
 * so every figure has its own random stream: adding a figure never changes another one.
 */
export function bootstrapEstimate(samplers: Sampler[], opts: BootstrapOptions, key: string): Estimate {
  const groups = usable(samplers);
  if (groups.length === 0) return missingEstimate(opts);
  const n = groups.reduce((a, g) => a + g.n, 0);
  const value = pointOf(groups);
  const caveat = caveatOf(groups);
  const base = { value, n, repetitions: groups.length, confidence: opts.confidence, ...(caveat ? { caveat } : {}) };
  const only = groups[0]!;
  if (groups.length === 1 && only.closedForm) {
    const [lo, hi] = only.closedForm(opts.confidence);
    return { ...base, lo, hi, method: only.method };
  }
  const rng = seededRng(opts.seed, key);
  const reps = new Array<number>(opts.resamples);
  for (let i = 0; i < opts.resamples; i++) reps[i] = drawCombined(groups, rng);
  let [lo, hi] = percentileInterval(reps, opts.confidence);
  if (groups.length === 1 && only.widen) [lo, hi] = only.widen(lo, hi);
  // The point estimate is inside its own interval by construction; guard rounding at HDR edges.
  return { ...base, lo: Math.min(lo, value), hi: Math.max(hi, value), method: describe(groups, only.method) };
}

/**
 * The ratio a / b of two independently measured statistics (two runtimes, or candidate vs
 * baseline), with the percentile-bootstrap interval of the ratio: each replicate resamples both
 * sides, so the interval uses the uncertainty of both.
 */
export function bootstrapRatio(a: Sampler[], b: Sampler[], opts: BootstrapOptions, key: string): Estimate {
  const ga = usable(a);
  const gb = usable(b);
  if (ga.length === 0 || gb.length === 0) return missingEstimate(opts, 'not measured on both sides');
  const value = pointOf(ga) / pointOf(gb);
  const rng = seededRng(opts.seed, `ratio:${key}`);
  const reps = new Array<number>(opts.resamples);
  for (let i = 0; i < opts.resamples; i++) reps[i] = drawCombined(ga, rng) / drawCombined(gb, rng);
  const [lo, hi] = percentileInterval(reps, opts.confidence);
  const caveat = [caveatOf(ga), caveatOf(gb)].filter(Boolean).join('; ');
  return {
    value,
    lo: Number.isFinite(lo) ? Math.min(lo, value) : null,
    hi: Number.isFinite(hi) ? Math.max(hi, value) : null,
    n: Math.min(ga.reduce((s, g) => s + g.n, 0), gb.reduce((s, g) => s + g.n, 0)),
    repetitions: Math.min(ga.length, gb.length),
    confidence: opts.confidence,
    method: 'percentile bootstrap of the ratio (both sides resampled independently)',
    ...(caveat ? { caveat } : {}),
  };
}
