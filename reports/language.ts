/**
 * Figures per workload language (issue 7): the same C handler against the JS one, per runtime.
 * For each runtime label and language: artifact size, request-path cold start p50/p99, memory
 * per instance (USS, instances mapped to their tenant's workload), warm p50 (per-workload HDR
 * histograms merged) and throughput per core. A workload's language is the one the result
 * records (`workloads`); a result written before that was recorded, or a simulated one, has its
 * languages inferred from the workload names (ports are `<name>-<language>`: `-c`, `-py`). Pure: reads
 * only the result.
 */
import { decodeHistogram, mergeInto, newHistogram } from '../lab/measure/histogram.js';
import type { RunResult } from '../lab/results/model.js';
import { usableRuns } from '../lab/stats/metrics.js';

/** A language as the report shows it: the registry's id and display name. */
export interface LanguageLabel {
  id: string;
  name: string;
}

/** Languages a name suffix stands for, for results that do not record them; the rest is JS. */
const INFERRED: readonly (LanguageLabel & { suffix: string })[] = [
  { id: 'c', name: 'C', suffix: '-c' },
  { id: 'py', name: 'Python', suffix: '-py' },
];
const JS: LanguageLabel = { id: 'js', name: 'JS' };

/** The language of a workload and whether it was inferred from the name (the result does not record it). */
export function workloadLanguage(workload: string, result?: Pick<RunResult, 'workloads'>): { language: LanguageLabel; inferred: boolean } {
  const known = result?.workloads?.[workload];
  if (known) return { language: { id: known.language, name: known.languageName }, inferred: false };
  const byName = INFERRED.find((l) => workload.endsWith(l.suffix));
  return { language: byName ? { id: byName.id, name: byName.name } : JS, inferred: true };
}

/** A point figure with the number of observations behind it (NaN value when there are none). */
export interface Counted {
  value: number;
  n: number;
}

/** One runtime's figures for one language. */
export interface LanguageRow {
  label: string;
  language: LanguageLabel;
  workloads: string[];
  /** Mean artifact size over the runtime's artifacts of these workloads. */
  artifactBytes: Counted;
  coldStartP50Ms: Counted;
  coldStartP99Ms: Counted;
  /** Mean USS per live instance of tenants running these workloads. */
  memoryPerInstanceBytes: Counted;
  warmP50Ms: Counted;
  /** Completed requests of these workloads per second per core of the measuring machine. */
  throughputPerCore: Counted;
}

/** The per-language split of a result. */
export interface LanguageSplit {
  /** Languages present among the result's workloads, in the order they first appear (JS first). */
  languages: LanguageLabel[];
  /** Workloads whose language was inferred from the name (the result does not record it). */
  inferred: string[];
  rows: LanguageRow[];
}

const NONE: Counted = { value: NaN, n: 0 };

/** Nearest-rank percentile of unsorted values. */
function percentile(xs: number[], p: number): Counted {
  if (xs.length === 0) return NONE;
  const s = [...xs].sort((a, b) => a - b);
  return { value: s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!, n: s.length };
}

const mean = (xs: number[]): Counted => (xs.length === 0 ? NONE : { value: xs.reduce((a, b) => a + b, 0) / xs.length, n: xs.length });

/** Every workload a result mentions: tenants, artifacts, per-workload latency, activations. */
function resultWorkloads(r: RunResult): string[] {
  const names = new Set<string>(r.tenants.map((t) => t.workload));
  for (const run of r.runs) {
    for (const a of run.artifacts) names.add(a.workload);
    for (const w of Object.keys(run.latency.byWorkload)) names.add(w);
    for (const a of run.coldStart.activations) names.add(a.workload);
  }
  return [...names].sort();
}

/** Splits every runtime's figures by workload language. */
export function languageSplit(r: RunResult, labels: string[]): LanguageSplit {
  const workloads = resultWorkloads(r);
  const langOf = new Map(workloads.map((w) => [w, workloadLanguage(w, r)] as const));
  const byId = new Map<string, LanguageLabel>();
  for (const w of workloads) byId.set(langOf.get(w)!.language.id, langOf.get(w)!.language);
  // JS (the reference) first, then the others in name order.
  const languages = [...byId.values()].sort((a, b) => (a.id === JS.id ? -1 : b.id === JS.id ? 1 : a.name.localeCompare(b.name)));
  const tenantWorkload = new Map(r.tenants.map((t) => [t.id, t.workload]));
  const rows: LanguageRow[] = [];
  for (const label of labels) {
    const runs = usableRuns(r, label);
    if (runs.length === 0) continue;
    for (const language of languages) {
      const ws = new Set(workloads.filter((w) => langOf.get(w)!.language.id === language.id));
      const cold = runs.flatMap((x) => x.coldStart.activations.filter((a) => a.ok && a.path === 'request' && ws.has(a.workload)).map((a) => a.totalMs));
      const warm = newHistogram();
      let requests = 0;
      let rps = 0;
      for (const x of runs) {
        let mine = 0;
        for (const [w, l] of Object.entries(x.latency.byWorkload)) {
          if (!ws.has(w)) continue;
          if (l.warm.count > 0 && l.warm.hdr) mergeInto(warm, decodeHistogram(l.warm.hdr));
          mine += l.all.count;
        }
        requests += mine;
        // The run's throughput, shared out by this language's part of its measured requests.
        if (x.latency.all.count > 0) rps += (x.throughputRps * mine) / x.latency.all.count;
      }
      const cores = r.repro.cores > 0 ? r.repro.cores : NaN;
      rows.push({
        label,
        language,
        workloads: [...ws],
        artifactBytes: mean(runs.flatMap((x) => x.artifacts.filter((a) => ws.has(a.workload)).map((a) => a.sizeBytes))),
        coldStartP50Ms: percentile(cold, 50),
        coldStartP99Ms: percentile(cold, 99),
        memoryPerInstanceBytes: mean(runs.flatMap((x) => (x.memory?.instances ?? []).filter((i) => ws.has(tenantWorkload.get(i.tenant) ?? '')).map((i) => i.ussBytes))),
        warmP50Ms: warm.totalCount > 0 ? { value: warm.getValueAtPercentile(50) / 1000, n: warm.totalCount } : NONE,
        throughputPerCore: requests > 0 ? { value: rps / runs.length / cores, n: requests } : NONE,
      });
    }
  }
  return { languages, inferred: workloads.filter((w) => langOf.get(w)!.inferred), rows };
}
