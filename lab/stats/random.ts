/**
 * A small seeded random source for the bootstrap: the same result file and seed always give
 * the same intervals, so a report or a gate verdict can be reproduced exactly. Kept separate
 * from the traffic generator's streams so that changing one never shifts the other.
 */

/** A seeded stream of uniform numbers in [0, 1) plus the draws the bootstrap needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** Gamma(shape, 1). */
  gamma(shape: number): number;
  /** Beta(a, b). */
  beta(a: number, b: number): number;
  /** Binomial(n, p), exact at any n (no normal approximation). */
  binomial(n: number, p: number): number;
}

/** FNV-1a of a string: turns a metric key into a seed component, so each figure has its own stream. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** A seeded generator (sfc32, seeded through splitmix32); `key` separates streams under one seed. */
export function seededRng(seed: number, key = ''): Rng {
  let s = (seed ^ hashString(key)) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // discard the first outputs: they echo the seed
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  // Marsaglia and Tsang (2000); shapes below 1 use the boost Gamma(a) = Gamma(a+1) * U^(1/a).
  const gamma = (shape: number): number => {
    if (shape < 1) {
      let u = 0;
      while (u === 0) u = next();
      return gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + cc * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x * x * x * x) return dd * v;
      if (u > 0 && Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v;
    }
  };
  const beta = (x: number, y: number): number => {
    const g1 = gamma(x);
    const g2 = gamma(y);
    return g1 / (g1 + g2);
  };
  // Knuth (TAOCP vol. 2, 3.4.1): split on the median order statistic with a Beta draw until
  // few trials remain, then count Bernoulli trials. Exact and O(log n).
  const binomial = (n: number, p: number): number => {
    let count = 0;
    let nn = n;
    let pp = p;
    while (nn > 16) {
      const a = 1 + Math.floor(nn / 2);
      const b = nn + 1 - a;
      const x = beta(a, b);
      if (x >= pp) {
        nn = a - 1;
        pp = pp / x;
      } else {
        count += a;
        nn = b - 1;
        pp = (pp - x) / (1 - x);
      }
    }
    for (let i = 0; i < nn; i++) if (next() < pp) count++;
    return count;
  };
  return { next, int: (n) => Math.floor(next() * n), normal, gamma, beta, binomial };
}
