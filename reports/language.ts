/**
 * Figures per workload language (issue 7): the same C handler against the JS one, per runtime.
 * For each runtime label and language: artifact size, request-path cold start p50/p99, memory
 * per instance (USS, instances mapped to their tenant's workload), warm p50 (per-workload HDR
 * histograms merged) and throughput per core. A workload's language comes from the workload
 * registry when the workload exists there, else from its name (C ports are `<name>-c`), so a
 * result whose workloads are unknown to this checkout still reports. Pure apart from reading
 * the registry's manifests once per process.
 */
import { decodeHistogram, mergeInto, newHistogram } from '../lab/measure/histogram.js';
import type { RunResult } from '../lab/results/model.js';
import { usableRuns } from '../lab/stats/metrics.js';
import { listWorkloads, type WorkloadLanguage } from '../workloads/registry.js';

/** Display names of the languages, in the order the report lists them. */
export const LANGUAGE_NAMES: Record<WorkloadLanguage, string> = { js: 'JS', c: 'C' };

let registry: Map<string, WorkloadLanguage> | null = null;

/** Workload name → language, from the registry (empty when the registry cannot be read). */
function registryLanguages(): Map<string, WorkloadLanguage> {
  if (registry) return registry;
  registry = new Map();
  for (const lang of Object.keys(LANGUAGE_NAMES) as WorkloadLanguage[]) {
    try {
      for (const name of listWorkloads(undefined, lang)) registry.set(name, lang);
    } catch {
      // No registry (a result read elsewhere) or a broken manifest: names decide.
    }
  }
  return registry;
}

/** The language of a workload and whether it was inferred from the name (not in the registry). */
export function workloadLanguage(workload: string, known: ReadonlyMap<string, WorkloadLanguage> = registryLanguages()): { language: WorkloadLanguage; inferred: boolean } {
  const l = known.get(workload);
  if (l) return { language: l, inferred: false };
  return { language: workload.endsWith('-c') ? 'c' : 'js', inferred: true };
}

/** A point figure with the number of observations behind it (NaN value when there are none). */
export interface Counted {
  value: number;
  n: number;
}

/** One runtime's figures for one language. */
export interface LanguageRow {
  label: string;
  language: WorkloadLanguage;
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
  /** Languages present among the result's workloads, in display order. */
  languages: WorkloadLanguage[];
  /** Workloads whose language was inferred from the name (unknown to the registry). */
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
export function languageSplit(r: RunResult, labels: string[], known?: ReadonlyMap<string, WorkloadLanguage>): LanguageSplit {
  const workloads = resultWorkloads(r);
  const langOf = new Map(workloads.map((w) => [w, workloadLanguage(w, known)] as const));
  const languages = (Object.keys(LANGUAGE_NAMES) as WorkloadLanguage[]).filter((l) => workloads.some((w) => langOf.get(w)!.language === l));
  const tenantWorkload = new Map(r.tenants.map((t) => [t.id, t.workload]));
  const rows: LanguageRow[] = [];
  for (const label of labels) {
    const runs = usableRuns(r, label);
    if (runs.length === 0) continue;
    for (const language of languages) {
      const ws = new Set(workloads.filter((w) => langOf.get(w)!.language === language));
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
