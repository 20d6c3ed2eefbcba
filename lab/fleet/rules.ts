/**
 * Cross-field rules of a fleet file: what its schema cannot say because it involves two fields,
 * the base scenario or a registry. Each rule first asks whether the fields it reads passed the
 * schema, as the scenario's rules do, so every problem of a file is found in one pass.
 */
import type { ScenarioContext } from '../scenario/context.js';
import { formatField, type FieldPath } from '../scenario/field-path.js';
import type { Problem } from '../scenario/problem.js';
import { WEIGHT_SUM_TOLERANCE } from '../scenario/rules.js';
import { didYouMean } from '../scenario/suggest.js';
import type { LoadedScenario, WorkloadMixEntry } from '../scenario/types.js';
import type { FleetSpec } from './types.js';

/** PoPs one fleet file may describe: far beyond any real fleet, low enough that a typo (an extra zero or three) is caught. */
export const MAX_FLEET_POPS = 200_000;

/** What the rules consult besides the fleet. */
export interface FleetRuleEnv {
  ctx: ScenarioContext;
  /** The base scenario, when it loaded (its own problems are reported by the loader). */
  base: LoadedScenario | undefined;
  /** False when the schema rejected something at, under or above `path`. */
  trusted(path: FieldPath): boolean;
}

const shown = (x: number): string => String(Number(x.toPrecision(10)));

function mixProblems(mix: WorkloadMixEntry[], at: FieldPath, ctx: ScenarioContext): Problem[] {
  const problems: Problem[] = [];
  const sum = mix.reduce((a, m) => a + m.weight, 0);
  if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
    problems.push({ field: at, message: `mix weights sum to ${shown(sum)}; they must sum to 1 (±${WEIGHT_SUM_TOLERANCE.toExponential(0)}): adjust the weights (${mix.map((m) => shown(m.weight)).join(' + ')})` });
  }
  const known = ctx.workloadNames();
  const firstAt = new Map<string, number>();
  mix.forEach((m, i) => {
    const field = [...at, i, 'workload'];
    if (!known.includes(m.workload)) problems.push({ field, message: `unknown workload '${m.workload}'${didYouMean(m.workload, known)}; registered workloads: ${[...known].sort().join(', ')}` });
    const first = firstAt.get(m.workload);
    if (first !== undefined) problems.push({ field, message: `workload '${m.workload}' is already listed at ${formatField([...at, first])}; list each workload once and merge their weights` });
    else firstAt.set(m.workload, i);
  });
  return problems;
}

/** Every problem the rules find (empty: the fleet is consistent). */
export function checkFleetRules(f: FleetSpec, env: FleetRuleEnv): Problem[] {
  const problems: Problem[] = [];
  const { base } = env;
  const classesOk = env.trusted(['classes']);
  const popsOk = env.trusted(['pops']);

  if (base && env.trusted(['runtimes']) && f.runtimes) {
    const labels = base.scenario.runtimes.map((r) => r.label);
    const seen = new Map<string, number>();
    f.runtimes.forEach((label, i) => {
      if (!labels.includes(label)) problems.push({ field: ['runtimes', i], message: `the base scenario has no runtime labelled '${label}'${didYouMean(label, labels)}; its labels: ${labels.join(', ')}` });
      const first = seen.get(label);
      if (first !== undefined) problems.push({ field: ['runtimes', i], message: `'${label}' is already listed at runtimes[${first}]; list each runtime once` });
      else seen.set(label, i);
    });
  }
  if (base && base.scenario.tenants.popularity.type === 'trace') {
    problems.push({ field: ['base'], message: `the base scenario replays a trace (tenants.popularity.type: trace), whose rows fix the tenant count; a fleet gives each PoP its own count: use a zipf or uniform base scenario` });
  }

  if (classesOk && popsOk) {
    const total = f.classes.reduce((a, c) => a + c.count, 0) + f.pops.length;
    if (total === 0) problems.push({ field: ['classes'], at: { path: [], part: 'value' }, message: 'the fleet has no PoP: add a class (classes: [{ name, count, tenants, rate, host }]) or a PoP (pops: [{ id, tenants, rate, host }])' });
    if (total > MAX_FLEET_POPS) problems.push({ field: ['classes'], message: `the fleet describes ${total.toLocaleString('en-US')} PoPs, more than ${MAX_FLEET_POPS.toLocaleString('en-US')}; check the classes' counts` });
  }

  const classIndex = new Map<string, number>();
  if (classesOk) {
    f.classes.forEach((c, i) => {
      const first = classIndex.get(c.name);
      if (first !== undefined) problems.push({ field: ['classes', i, 'name'], message: `class '${c.name}' is already defined at classes[${first}]; class names give the PoP ids, so each must be unique` });
      else classIndex.set(c.name, i);
      if (c.mix) problems.push(...mixProblems(c.mix, ['classes', i, 'mix'], env.ctx));
    });
  }
  if (popsOk) {
    const ids = new Map<string, number>();
    f.pops.forEach((p, i) => {
      const first = ids.get(p.id);
      if (first !== undefined) problems.push({ field: ['pops', i, 'id'], message: `PoP id '${p.id}' is already used by pops[${first}]; ids must be unique` });
      else ids.set(p.id, i);
      const m = /^(.*)-(\d+)$/.exec(p.id);
      const cls = m ? f.classes[classIndex.get(m[1]!) ?? -1] : undefined;
      if (cls && Number(m![2]) >= 1 && Number(m![2]) <= cls.count) problems.push({ field: ['pops', i, 'id'], message: `PoP id '${p.id}' is also the id of PoP ${Number(m![2])} of class '${cls.name}'; rename it` });
      if (p.mix) problems.push(...mixProblems(p.mix, ['pops', i, 'mix'], env.ctx));
    });
  }

  // A time zone shifts the fleet's day; without one, an offset would silently do nothing.
  if (!f.diurnal && env.trusted(['diurnal'])) {
    const why = "a time zone shifts the fleet's diurnal curve, and the fleet has none: add diurnal: { periodSeconds, amplitude } or remove the offset";
    if (classesOk) f.classes.forEach((c, i) => c.utcOffsetHours.forEach((h, j) => h !== 0 && problems.push({ field: ['classes', i, 'utcOffsetHours', j], message: why })));
    if (popsOk) f.pops.forEach((p, i) => p.utcOffsetHours !== 0 && problems.push({ field: ['pops', i, 'utcOffsetHours'], message: why }));
  }

  // Prices: all PoPs or none, or the fleet's totals would add priced PoPs to unpriced ones.
  if (classesOk && popsOk && env.trusted(['cost'])) {
    const fleetPrice = f.cost?.hostPerHour ?? base?.scenario.cost?.hostPerHour;
    const priced = (own: number | undefined) => own !== undefined || fleetPrice !== undefined;
    const anyPriced = f.classes.some((c) => priced(c.hostPerHour)) || f.pops.some((p) => priced(p.hostPerHour));
    if (anyPriced) {
      const why = 'other PoPs have a price and this one has none, so the fleet cost would leave it out: give it hostPerHour, or set cost.hostPerHour (the default price)';
      f.classes.forEach((c, i) => !priced(c.hostPerHour) && problems.push({ field: ['classes', i], at: { path: ['classes', i, 'name'], part: 'value' }, message: why }));
      f.pops.forEach((p, i) => !priced(p.hostPerHour) && problems.push({ field: ['pops', i], at: { path: ['pops', i, 'id'], part: 'value' }, message: why }));
    }
  }
  return problems;
}
