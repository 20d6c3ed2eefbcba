/**
 * The report's first screen: the answer to "Wasm components or containers?" in a few lines,
 * drawn from the verdict rows (reports/criteria.ts) and what the run does not cover, so HTML
 * and Markdown open with the same words. The evidence follows it in each format.
 */
import type { RunResult } from '../lab/results/model.js';
import { formatRatio } from '../lab/stats/format.js';
import type { Analysis } from './analysis.js';
import type { CostTable } from './cost.js';
import type { CriterionVerdict } from './criteria.js';
import { densityFigure, densitySlo } from './html/density.js';
import { money, spanText } from './html/cost.js';
import { flaggedLabels } from './model-trust.js';

export interface Answer {
  /** One sentence: which side, on how many of the criteria this run decided. */
  headline: string;
  /** One line per decided criterion: who, by how much, between which runtimes. */
  points: string[];
  /** Criteria with no detectable difference, or not compared, in one line each group. */
  undecided: string[];
  /** What the run does not cover (Analysis.missing), said once. */
  caveats: string[];
  /** Tenants per modelled host at the SLO and what binds each, from the simulation; absent without one. */
  density?: string;
  /** Cost per million requests per runtime, when the scenario gives a price. */
  cost?: string;
}

/** Density in one sentence: every runtime's tenants per host and its binding resource. */
export function densitySentence(sim: RunResult | undefined): string | undefined {
  const d = sim?.density;
  if (!d) return undefined;
  const each = Object.entries(d.runtimes).map(([l, x]) => `${l} ${densityFigure(x)}${x.binding ? ` (${x.binding.resource})` : ''}`);
  const flagged = flaggedLabels(sim, Object.keys(d.runtimes));
  const whose = sim?.outOfSample?.committedBaseline ? ' (the lab\'s committed out-of-sample record, not measured on this machine)' : '';
  const trust = !sim?.outOfSample ? ' The simulator is not validated out of sample yet.' : flagged.length ? ` Resting on a model outside its out-of-sample bounds${whose}: ${flagged.join(', ')}.` : ` Every runtime's model is within its out-of-sample bounds${whose}.`;
  return `Tenants per modelled host at ${densitySlo(d)} (simulated; binding resource in brackets): ${each.join('; ')}.${trust}`;
}

/** Cost per million requests in one sentence. */
export function costSentence(c: CostTable | undefined): string | undefined {
  if (!c || c.rows.length === 0) return undefined;
  const each = c.rows.map((r) => `${r.label} ${spanText(r.perMillionRequests, (x) => money(x, c.currency))}`);
  return `Cost per million requests at that density (${c.rows[0]!.source}, host ${money(c.hostPerHour, c.currency)}/h; assumptions in the cost section): ${each.join('; ')}.`;
}

type SideName = 'Wasm' | 'containers' | 'the bare process';

function winnerSide(c: CriterionVerdict): SideName | undefined {
  if (c.outcome !== 'winner') return undefined;
  if (c.winner === c.wasm?.label) return 'Wasm';
  return c.counterpart?.family === 'container' ? 'containers' : 'the bare process';
}

function point(c: CriterionVerdict): string {
  const side = winnerSide(c)!;
  const way = c.metric ? (c.metric.better === 'lower' ? 'lower' : 'higher') : '';
  const by = c.ratio ? `${formatRatio(c.ratio)} ${way}` : 'fewer allowed';
  return `${c.criterion.name}: ${side}, ${by} (${c.wasm!.label} ${c.wasm!.figure} vs ${c.counterpart!.label} ${c.counterpart!.figure})`;
}

export function answerOf(a: Analysis, sim?: RunResult, cost?: CostTable): Answer {
  const decided = a.criteria.filter((c) => c.outcome === 'winner');
  const compared = a.criteria.filter((c) => c.outcome !== 'not-measured');
  const against: SideName = a.criteria.some((c) => c.counterpart?.family === 'container') ? 'containers' : 'the bare process';
  const wins = (s: SideName): number => decided.filter((c) => winnerSide(c) === s).length;
  const w = wins('Wasm');
  const o = wins(against);
  const of = `of the ${compared.length} criteria this run compared`;
  const headline =
    compared.length === 0
      ? 'No answer from this run: no criterion could compare a Wasm runtime with a container or a bare process.'
      : w > o
        ? `Wasm components: better on ${w} ${of}, ${against} on ${o}.`
        : o > w
          ? `${against === 'containers' ? 'Containers' : 'The bare process'}: better on ${o} ${of}, Wasm on ${w}.`
          : `No side wins overall: Wasm better on ${w} ${of}, ${against} on ${o}.`;
  const tied = a.criteria.filter((c) => c.outcome === 'tie').map((c) => c.criterion.name);
  const unmeasured = a.criteria.filter((c) => c.outcome === 'not-measured').map((c) => c.criterion.name);
  return {
    headline: against === 'containers' || compared.length === 0 ? headline : `${headline} (No container in this run: the bare process is the counterpart.)`,
    points: decided.map(point),
    undecided: [...(tied.length ? [`No detectable difference: ${tied.join(', ')}.`] : []), ...(unmeasured.length ? [`Not compared in this run: ${unmeasured.join(', ')}.`] : [])],
    caveats: a.missing,
    ...(densitySentence(sim) ? { density: densitySentence(sim)! } : {}),
    ...(costSentence(cost) ? { cost: costSentence(cost)! } : {}),
  };
}
