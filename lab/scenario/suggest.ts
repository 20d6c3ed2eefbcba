/** "Did you mean" suggestions for misspelt keys and names. */

/** Edit distance counting an adjacent swap as one edit (optimal string alignment): `wams` is one slip from `wasm`. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, or undefined when none is plausibly meant. A candidate that
 * extends the word counts as close, because the usual slip is dropping a unit suffix
 * (`memory` for `memoryGiB`, `duration` for `durationSeconds`).
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    let score = editDistance(w, lc);
    if (score > Math.max(1, Math.floor(Math.max(w.length, lc.length) / 3))) score = Infinity;
    if (w.length >= 3 && (lc.startsWith(w) || w.startsWith(lc))) score = Math.min(score, 1);
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return bestScore === Infinity ? undefined : best;
}

/** ` (did you mean 'x'?)` or '' : appended to messages about unknown names. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const m = closestMatch(word, candidates);
  return m === undefined ? '' : ` (did you mean '${m}'?)`;
}
