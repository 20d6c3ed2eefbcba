/**
 * Cross-field rules: what the schema cannot say because it involves two fields, a registry or
 * another file. Each rule reads the defaulted scenario and first asks whether the fields it
 * uses passed the schema, so a file with a type error elsewhere still gets every rule checked,
 * and no rule trips over a value the schema already rejected.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ScenarioContext } from './context.js';
import { formatField, type FieldPath } from './field-path.js';
import type { Problem } from './problem.js';
import { scenarioSchema } from './schema.js';
import { didYouMean } from './suggest.js';
import { validateGateExpression } from '../gates/expression.js';
import type { Scenario } from './types.js';
import { availableParallelism } from 'node:os';

/** Mix weights may differ from 1 by this much (they are usually written as decimals). */
export const WEIGHT_SUM_TOLERANCE = 1e-6;

/** What rules may consult besides the scenario. */
export interface RuleEnv {
  ctx: ScenarioContext;
  /** Folder of the scenario file: relative paths in it (trace files) start here. */
  baseDir: string;
  /** The data as written, before defaults (to tell a given value from a defaulted one). */
  raw: unknown;
  /** False when the schema rejected something at or under (or above) `path`. */
  trusted(path: FieldPath): boolean;
}

/** One cross-field rule. */
export interface Rule {
  /** What the rule enforces, in a few words. */
  name: string;
  check(s: Scenario, env: RuleEnv): Problem[];
}

/** Rounds away binary noise (0.30000000000000004) before a number is shown to users. */
function shown(x: number): string {
  return String(Number(x.toPrecision(10)));
}

function has(raw: unknown, ...path: (string | number)[]): boolean {
  let at = raw;
  for (const seg of path) {
    if (at === null || typeof at !== 'object' || !(seg in at)) return false;
    at = (at as Record<string | number, unknown>)[seg];
  }
  return true;
}

const mixWeightsSumToOne: Rule = {
  name: 'mix weights sum to 1',
  check(s, env) {
    if (!env.trusted(['tenants', 'mix'])) return [];
    const sum = s.tenants.mix.reduce((acc, m) => acc + m.weight, 0);
    if (Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE) return [];
    return [
      {
        field: ['tenants', 'mix'],
        message: `mix weights sum to ${shown(sum)}; they must sum to 1 (±${WEIGHT_SUM_TOLERANCE.toExponential(0)}): adjust the weights (${s.tenants.mix.map((m) => shown(m.weight)).join(' + ')})`,
      },
    ];
  },
};

const mixWorkloadsExistOnce: Rule = {
  name: 'mix workloads are registered and listed once',
  check(s, env) {
    if (!env.trusted(['tenants', 'mix'])) return [];
    const known = env.ctx.workloadNames();
    const firstAt = new Map<string, number>();
    const problems: Problem[] = [];
    s.tenants.mix.forEach((m, i) => {
      const field = ['tenants', 'mix', i, 'workload'];
      if (!known.includes(m.workload)) {
        problems.push({ field, message: `unknown workload '${m.workload}'${didYouMean(m.workload, known)}; registered workloads: ${[...known].sort().join(', ')}` });
      }
      const first = firstAt.get(m.workload);
      if (first !== undefined) {
        problems.push({ field, message: `workload '${m.workload}' is already listed at ${formatField(['tenants', 'mix', first])}; list each workload once and merge their weights` });
      } else firstAt.set(m.workload, i);
    });
    return problems;
  },
};

const liveWithinModelled: Rule = {
  name: 'live tenants are a subset of the modelled tenants',
  check(s, env) {
    if (!env.trusted(['live', 'tenants']) || !env.trusted(['tenants', 'count'])) return [];
    if (s.live.tenants <= s.tenants.count) return [];
    return [
      {
        field: ['live', 'tenants'],
        message: `live.tenants is ${s.live.tenants} but tenants.count is ${s.tenants.count}; the live run takes the most popular of the modelled tenants, so live.tenants must be at most ${s.tenants.count}: lower it or raise tenants.count`,
      },
    ];
  },
};

const traceFileReadable: Rule = {
  name: 'trace file exists and parses',
  check(s, env) {
    if (!env.trusted(['tenants', 'popularity'])) return [];
    const p = s.tenants.popularity;
    if (p.type !== 'trace') return [];
    const field = ['tenants', 'popularity', 'file'];
    const abs = resolve(env.baseDir, p.file);
    if (!existsSync(abs)) {
      return [{ field, message: `trace file '${p.file}' not found (looked for ${abs}); the path is relative to the scenario file` }];
    }
    if (!statSync(abs).isFile()) return [{ field, message: `trace file '${p.file}' is not a file (${abs}); name a CSV file` }];
    const related = env.ctx.checkTraceFile(abs);
    if (related.length === 0) return [];
    return [
      {
        field,
        message: `trace file '${p.file}' is malformed (${related.length} problem${related.length === 1 ? '' : 's'}, listed next at the trace's own line:column); fix the file or name another trace`,
        related,
      },
    ];
  },
};

const runtimesRegisteredAndDistinct: Rule = {
  name: 'runtimes are registered, their options valid and their labels unique',
  check(s, env) {
    // Entries are checked one by one: a schema problem in one entry does not hide the others'.
    if (!Array.isArray(s.runtimes)) return [];
    const runners = env.ctx.runnerNames();
    const labelAt = new Map<string, number>();
    const problems: Problem[] = [];
    s.runtimes.forEach((r, i) => {
      if (!env.trusted(['runtimes', i])) return;
      if (!runners.includes(r.runtime)) {
        problems.push({
          field: ['runtimes', i, 'runtime'],
          message: runners.length
            ? `unknown runtime '${r.runtime}'${didYouMean(r.runtime, runners)}; registered runners: ${[...runners].sort().join(', ')}`
            : `unknown runtime '${r.runtime}'; no runners are registered`,
        });
      } else {
        for (const msg of env.ctx.validateRunnerOptions(r.runtime, r.options)) {
          problems.push({ field: ['runtimes', i, 'options'], message: `runner '${r.runtime}' rejects its options: ${msg}` });
        }
      }
      const first = labelAt.get(r.label);
      if (first === undefined) {
        labelAt.set(r.label, i);
        return;
      }
      const given = has(env.raw, 'runtimes', i, 'label');
      problems.push({
        field: ['runtimes', i, 'label'],
        at: { path: ['runtimes', i, given ? 'label' : 'runtime'], part: 'value' },
        message: `label '${r.label}'${given ? '' : ' (defaulted from the runtime name)'} is already used by ${formatField(['runtimes', first])}; results are keyed by label, so give each entry a distinct label, e.g. \`label: ${r.label}-2\``,
      });
    });
    return problems;
  },
};

const sloWithinTimeout: Rule = {
  name: 'the p99 budget is within the request timeout',
  check(s, env) {
    if (!env.trusted(['slo', 'p99Ms']) || !env.trusted(['traffic', 'timeoutMs'])) return [];
    if (s.slo.p99Ms <= s.traffic.timeoutMs) return [];
    return [
      {
        field: ['slo', 'p99Ms'],
        message: `slo.p99Ms is ${s.slo.p99Ms} but traffic.timeoutMs is ${s.traffic.timeoutMs}; requests slower than the timeout count as errors, so a p99 budget above it cannot be judged: lower p99Ms or raise traffic.timeoutMs`,
      },
    ];
  },
};

const sloObjectivesJudgeable: Rule = {
  name: 'each SLO objective can be judged',
  check(s, env) {
    // Trust first: a file without `slo` (a schema error of its own) has no objectives to read.
    if (!env.trusted(['slo', 'objectives'])) return [];
    const list = s.slo?.objectives;
    if (!list) return [];
    const firstAt = new Map<string, number>();
    return list.flatMap((o, i): Problem[] => {
      const at = ['slo', 'objectives', i];
      const first = firstAt.get(o.metric);
      if (first !== undefined) return [{ field: [...at, 'metric'], message: `metric '${o.metric}' is already bounded by ${formatField(['slo', 'objectives', first])}; give each metric one bound` }];
      firstAt.set(o.metric, i);
      if (o.metric.endsWith('.rate') && o.max > 1) return [{ field: [...at, 'max'], message: `${o.metric} is a fraction of requests, so its bound is at most 1; got ${shown(o.max)} (write 5 % as 0.05)` }];
      if (!o.metric.endsWith('.rate') && env.trusted(['traffic', 'timeoutMs']) && o.max > s.traffic.timeoutMs)
        return [{ field: [...at, 'max'], message: `${o.metric} ≤ ${shown(o.max)} ms is above traffic.timeoutMs (${s.traffic.timeoutMs} ms): slower requests are errors, so the bound cannot be judged; lower it or raise the timeout` }];
      return [];
    });
  },
};

const generatorCpusExist: Rule = {
  name: 'the load engine is pinned to CPUs this machine has',
  check(s, env) {
    const cpus = s.traffic.generatorCpus;
    if (!cpus || !env.trusted(['traffic', 'generatorCpus'])) return [];
    const n = availableParallelism();
    return cpus.flatMap((c, i) =>
      c < n ? [] : [{ field: ['traffic', 'generatorCpus', i], message: `CPU ${c} does not exist on this machine (CPUs 0 to ${n - 1}); pin the load engine to one of them, or leave traffic.generatorCpus out` }],
    );
  },
};

const cpuLimitWithinMachine: Rule = {
  name: 'the CPU limit of an instance can be enforced on this machine',
  check(s, env) {
    if (!env.trusted(['limits', 'cpus'])) return [];
    const n = availableParallelism();
    if (s.limits.cpus <= n) return [];
    // A CFS quota above the machine's CPUs limits nothing, and the engine refuses it outright.
    return [{ field: ['limits', 'cpus'], message: `limits.cpus is ${shown(s.limits.cpus)} but this machine has ${n} CPU${n === 1 ? '' : 's'}: a quota above them cannot be enforced here (the container engine refuses it); use at most ${n}` }];
  },
};

const defaultedNameIsValid: Rule = {
  name: 'a name taken from the file name is a valid name',
  check(s, env) {
    // A written name is checked by the schema's pattern; a defaulted one must obey it too.
    const pattern = scenarioSchema().properties?.name?.pattern;
    if (has(env.raw, 'name') || !pattern || new RegExp(pattern).test(s.name)) return [];
    return [{ field: ['name'], at: { path: [], part: 'value' }, message: `the scenario has no name and its file name '${s.name}' is not a valid one (letters, digits, '.', '_' and '-'); add \`name: ...\`` }];
  },
};

/** What each swept parameter accepts, beyond the schema's `minimum: 0` (the simulator's sweep, lab/sim/sweep.ts). */
const SWEEP_VALUE_RULES: Record<string, { ok(v: number): boolean; want: string }> = {
  tenants: { ok: (v) => Number.isInteger(v) && v >= 1, want: 'a whole number of tenants, at least 1' },
  rate: { ok: (v) => v > 0, want: 'a rate greater than 0' },
  instanceMissRate: { ok: (v) => v >= 0 && v <= 1, want: 'a fraction between 0 and 1' },
  idleTimeoutSeconds: { ok: (v) => v >= 0, want: 'seconds, at least 0' },
  memoryBudgetMiB: { ok: (v) => v >= 0, want: 'MiB, at least 0 (0 = the whole host memory)' },
};

const sweepValuesSuitParameter: Rule = {
  name: 'sweep values suit the swept parameter',
  check(s, env) {
    if (!s.sweep || !env.trusted(['sweep'])) return [];
    const rule = SWEEP_VALUE_RULES[s.sweep.parameter];
    if (!rule) return [];
    const problems: Problem[] = [];
    s.sweep.values.forEach((v, i) => {
      if (!rule.ok(v)) problems.push({ field: ['sweep', 'values', i], message: `sweep of ${s.sweep!.parameter} needs ${rule.want}, got ${shown(v)}` });
    });
    return problems;
  },
};

const gatesAreValid: Rule = {
  name: 'gates name known metrics, runtime labels and units',
  check(s, env) {
    if (!env.trusted(['gates']) || !env.trusted(['runtimes'])) return [];
    const labels = s.runtimes.map((r) => r.label);
    // A gate on a mistyped metric must never pass silently (k6 #1526): it is an input error here.
    return s.gates.flatMap((expr, i) => validateGateExpression(expr, labels).map((message) => ({ field: ['gates', i] as FieldPath, message })));
  },
};

const neighboursWithinTheWindow: Rule = {
  name: 'misbehaving neighbours start within the measured window, one per behaviour, drip arguments on a drip only',
  check(s, env) {
    if (!env.trusted(['hostile', 'neighbours']) || !env.trusted(['traffic', 'durationSeconds'])) return [];
    const firstAt = new Map<string, number>();
    return (s.hostile?.neighbours ?? []).flatMap((n, i): Problem[] => {
      const problems: Problem[] = [];
      if (n.fromSeconds >= s.traffic.durationSeconds) {
        problems.push({ field: ['hostile', 'neighbours', i, 'fromSeconds'], message: `fromSeconds is ${shown(n.fromSeconds)} but the measured window lasts ${shown(s.traffic.durationSeconds)} s (traffic.durationSeconds): this neighbour would never misbehave; start it earlier` });
      }
      for (const arg of ['chunks', 'pauseMs'] as const) {
        if (n[arg] !== undefined && n.behaviour !== 'drip') problems.push({ field: ['hostile', 'neighbours', i, arg], message: `${arg} paces a drip, but this neighbour's behaviour is '${n.behaviour}'; remove ${arg} or make it behaviour: drip` });
      }
      const first = firstAt.get(n.behaviour);
      // Twins, blast-radius rows and gate metrics (`blast.<behaviour>.*`) are keyed by behaviour.
      if (first !== undefined) problems.push({ field: ['hostile', 'neighbours', i, 'behaviour'], message: `behaviour '${n.behaviour}' is already that of ${formatField(['hostile', 'neighbours', first])}; results and gates key a neighbour by its behaviour, so give each neighbour a different one` });
      else firstAt.set(n.behaviour, i);
      return problems;
    });
  },
};

/** Every cross-field rule, in the order their problems are usually fixed. */
export const scenarioRules: readonly Rule[] = [
  defaultedNameIsValid,
  liveWithinModelled,
  mixWeightsSumToOne,
  mixWorkloadsExistOnce,
  traceFileReadable,
  runtimesRegisteredAndDistinct,
  sloWithinTimeout,
  sloObjectivesJudgeable,
  cpuLimitWithinMachine,
  neighboursWithinTheWindow,
  generatorCpusExist,
  sweepValuesSuitParameter,
  gatesAreValid,
];

/** Runs every rule; problems of all rules together. */
export function checkRules(s: Scenario, env: RuleEnv): Problem[] {
  return scenarioRules.flatMap((r) => r.check(s, env));
}
