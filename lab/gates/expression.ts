/**
 * Gate expressions of a scenario's `gates:` list, parsed and validated against the metric
 * catalogue, the scenario's runtime labels and the units of each metric. Grammar:
 *
 *   gate   := operand op number [unit]
 *   operand:= ref | ref "/" ref              (a ratio of two figures: unitless threshold)
 *   ref    := <runtime label> "." <metric>   e.g. wasm.coldStart.p99
 *   op     := "<" | "<=" | ">" | ">="
 *
 * Every problem is reported (not only the first), and an unknown label, metric or unit is an
 * error that names the valid ones: a gate on a typo must never pass.
 */
import { findMetric, metricNames, type Dimension, type MetricDef } from '../stats/metrics.js';
import { closest } from './suggest.js';
import { UNIT_REQUIRED, UNITS, unitsOf } from './units.js';

/** Comparison operators a gate may use. */
export type Comparison = '<' | '<=' | '>' | '>=';

/** One `label.metric` reference. */
export interface MetricRef {
  label: string;
  metric: MetricDef;
}

/** A parsed gate: `ref op threshold` or `ref / ref op threshold`, the threshold in the metric's base unit. */
export interface GateExpression {
  source: string;
  left: MetricRef;
  /** Present for a relative gate (a ratio of two figures). */
  right?: MetricRef;
  op: Comparison;
  /** Threshold in base units (ms, bytes, fraction, req/s), or the plain ratio. */
  threshold: number;
  /** The threshold as written (number and unit), for messages. */
  thresholdText: string;
  /** Dimension the threshold is compared in: the metric's, or 'count' for a ratio. */
  dimension: Dimension;
}

/** The outcome of parsing: the gate, or every problem found. */
export type ParsedGate = { ok: true; gate: GateExpression } | { ok: false; errors: string[] };

const OPS = /(<=|>=|<|>)/;

function parseRef(text: string, labels: readonly string[], errors: string[]): MetricRef | undefined {
  const t = text.trim();
  // Longest label first, so a label that is a prefix of another (a, a-b) cannot steal it.
  const label = [...labels].sort((a, b) => b.length - a.length).find((l) => t.startsWith(`${l}.`));
  if (!label) {
    const given = t.split('.')[0] ?? t;
    const hint = closest(given, labels);
    errors.push(
      labels.length === 0
        ? `'${t}': no runtime labels to refer to (the scenario has no runtimes)`
        : `unknown runtime label '${given}' in '${t}'${hint ? ` (did you mean '${hint}'?)` : ''}; valid labels: ${labels.join(', ')}`,
    );
    return undefined;
  }
  const name = t.slice(label.length + 1);
  const metric = findMetric(name);
  if (!metric) {
    const hint = closest(name, metricNames());
    errors.push(`unknown metric '${name}' in '${t}'${hint ? ` (did you mean '${hint}'?)` : ''}; valid metrics: ${metricNames().join(', ')}`);
    return undefined;
  }
  return { label, metric };
}

/** Parses and validates one gate expression against the scenario's runtime labels. */
export function parseGateExpression(expr: string, runtimeLabels: readonly string[]): ParsedGate {
  const errors: string[] = [];
  const source = expr.trim();
  const parts = source.split(OPS);
  if (parts.length !== 3) {
    return {
      ok: false,
      errors: [
        parts.length < 3
          ? `'${source}': no comparison; a gate reads '<label>.<metric> < <number><unit>' (operators: <, <=, >, >=)`
          : `'${source}': more than one comparison; write one gate per line`,
      ],
    };
  }
  const [lhs, opText, rhs] = parts as [string, Comparison, string];
  const sides = lhs.split('/');
  if (sides.length > 2) errors.push(`'${lhs.trim()}': at most one '/' (a ratio of two figures)`);
  const left = parseRef(sides[0] ?? '', runtimeLabels, errors);
  const right = sides.length === 2 ? parseRef(sides[1]!, runtimeLabels, errors) : undefined;

  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S*)\s*$/.exec(rhs);
  if (!m) {
    errors.push(`'${rhs.trim()}': the threshold must be a number with an optional unit, e.g. 20ms, 64MiB, 5%`);
    return { ok: false, errors };
  }
  const value = Number(m[1]);
  const unit = m[2] ?? '';
  let threshold = value;
  let dimension: Dimension = 'count';
  if (sides.length === 2) {
    if (left && right && left.metric.dimension !== right.metric.dimension) {
      errors.push(`'${lhs.trim()}': a ratio of ${left.metric.dimension} (${left.metric.name}) and ${right.metric.dimension} (${right.metric.name}) has no meaning; divide like by like`);
    }
    if (unit !== '') errors.push(`'${source}': a ratio of two figures is unitless; remove '${unit}' from the threshold`);
    if (value <= 0) errors.push(`'${source}': a ratio threshold must be positive`);
  } else if (left) {
    dimension = left.metric.dimension;
    const factor = UNITS[dimension][unit];
    if (unit === '' && UNIT_REQUIRED.has(dimension)) {
      errors.push(`'${source}': ${left.metric.name} is a ${dimension}; the threshold needs a unit: one of ${unitsOf(dimension).join(', ')}`);
    } else if (factor === undefined) {
      errors.push(`unknown unit '${unit}' for ${left.metric.name} (a ${dimension}) in '${source}'; valid units: ${unitsOf(dimension).join(', ')}`);
    } else threshold = value * factor;
  }
  if (errors.length > 0 || !left) return { ok: false, errors };
  return {
    ok: true,
    gate: { source, left, ...(right ? { right } : {}), op: opText, threshold, thresholdText: `${m[1]}${unit}`, dimension },
  };
}

/**
 * Every problem with a gate expression, as messages (empty when valid). The scenario validator
 * calls this for each entry of `gates:` so a typo fails validation before anything runs.
 */
export function validateGateExpression(expr: string, runtimeLabels: string[]): string[] {
  const p = parseGateExpression(expr, runtimeLabels);
  return p.ok ? [] : p.errors;
}
