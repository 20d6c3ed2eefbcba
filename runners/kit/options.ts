/**
 * Checking runner-specific options (the `options` map of a scenario's runtime entry) into the
 * typed value a runner takes: the numeric checks every runner shares, and the two ways callers
 * use a runner's `parseOptions`.
 */
import { ExitCode, LabError } from '../../lab/errors.js';
import type { ParsedOptions, Runner } from '../../lab/pop/contract.js';

/** One numeric option a runner accepts. */
export interface NumericOption {
  kind: 'integer' | 'number';
  /** Smallest allowed value (inclusive). */
  min: number;
}

/**
 * Every problem with the numeric `options` against `known`, each naming the option and the bad
 * value; unknown names are problems too. `others` are the runner's non-numeric options: skipped
 * here (the runner checks them) but listed among the known names.
 */
export function checkOptions(runner: string, options: Record<string, unknown>, known: Record<string, NumericOption>, others: readonly string[] = []): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (others.includes(name)) continue;
    const spec = known[name];
    if (!spec) {
      const names = [...Object.keys(known), ...others];
      problems.push(`options.${name}: unknown option of runner "${runner}" (known: ${names.length > 0 ? names.join(', ') : 'none'})`);
      continue;
    }
    const ok = typeof value === 'number' && Number.isFinite(value) && (spec.kind === 'number' || Number.isInteger(value)) && value >= spec.min;
    if (!ok) problems.push(`options.${name}: must be ${spec.kind === 'integer' ? 'an integer' : 'a number'} >= ${spec.min}, got ${JSON.stringify(value)}`);
  }
  return problems;
}

/** A numeric option's value, or `fallback` when absent. Call after `checkOptions` passed. */
export function numberOption(options: Record<string, unknown>, name: string, fallback: number): number {
  const v = options[name];
  return typeof v === 'number' ? v : fallback;
}

/** `value` when there are no problems, else the problems: how a runner's `parseOptions` ends. */
export function parsed<O>(problems: string[], value: () => O): ParsedOptions<O> {
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: value() };
}

/** Every problem `runner` finds in `raw` (empty when valid): what scenario validation reports. */
export function optionProblems(runner: Runner, raw: Record<string, unknown>): string[] {
  const p = runner.parseOptions(raw);
  return p.ok ? [] : p.problems;
}

/** The typed options of `runner` from `raw`; throws an invalid-input error listing every problem. */
export function resolveOptions<O>(runner: Runner<O>, raw: Record<string, unknown>): O {
  const p = runner.parseOptions(raw);
  if (!p.ok) throw new LabError(`${runner.name} runner: invalid options:\n  ${p.problems.join('\n  ')}`, ExitCode.invalidInput);
  return p.value;
}
