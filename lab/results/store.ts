/**
 * Where results live: `results/<scenario>/<timestamp>/` holding result.json (the model) and
 * CSV renderings. Files are written atomically (temp file + rename), so a run interrupted
 * while saving never leaves a half-written result behind.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LabError, ExitCode } from '../errors.js';
import { activationsCsv, summaryCsv, timeseriesCsv } from './csv.js';
import { READABLE_RESULT_VERSIONS, RESULT_SCHEMA_VERSION, type FleetResult, type FleetShardResult, type RunResult } from './model.js';

/** Writes `text` to `file` atomically. */
export function writeAtomic(file: string, text: string): void {
  // Every output folder a user names (`--out`) is made on first write, whatever writes there.
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The folder for a run: `<root>/<scenario>/<timestamp>` (timestamp safe for file names). */
export function resultDir(root: string, scenarioName: string, startedAt: string): string {
  return join(root, scenarioName, startedAt.replace(/[:.]/g, '-'));
}

/** Writes the JSON result and its CSV renderings; returns the JSON path. Safe to call repeatedly as a run progresses. */
export function saveResult(dir: string, result: RunResult): string {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'result.json');
  writeAtomic(json, `${JSON.stringify(result, null, 1)}\n`);
  writeAtomic(join(dir, 'summary.csv'), summaryCsv(result));
  writeAtomic(join(dir, 'timeseries.csv'), timeseriesCsv(result));
  writeAtomic(join(dir, 'activations.csv'), activationsCsv(result));
  return json;
}

/**
 * Reads a versioned JSON file of the lab (`what`: result, calibration...), refusing an
 * unreadable file or a `versionField` other than `version` (or one of the versions listed), each
 * with a message naming the file; `hint` says what to do about a version mismatch.
 */
export function readVersionedJson<T>(file: string, what: string, versionField: string, version: number | readonly number[], hint = ''): T {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LabError(`cannot read ${what} ${file}: ${(e as Error).message}`, ExitCode.invalidInput);
  }
  const v = (data as Record<string, unknown>)[versionField];
  const versions = typeof version === 'number' ? [version] : version;
  if (typeof v !== 'number' || !versions.includes(v)) {
    throw new LabError(`${what} ${file} has ${versionField} ${String(v)}; this lab reads version ${versions.join(' or ')}${hint ? `: ${hint}` : ''}`, ExitCode.invalidInput);
  }
  return data as T;
}

/** Any file of the results model: a run result (live or simulated), a fleet shard or a merged fleet. */
export type AnyResult = RunResult | FleetShardResult | FleetResult;

/**
 * Reads any results-model file, refusing versions this lab does not understand. An older
 * readable version is read as the current one (model.ts history: nothing in it changed meaning).
 */
export function loadAnyResult(file: string): AnyResult {
  const r = readVersionedJson<AnyResult>(file, 'result', 'schemaVersion', READABLE_RESULT_VERSIONS);
  r.schemaVersion = RESULT_SCHEMA_VERSION;
  return r;
}

/** Reads a run result (live or simulated); a fleet file is refused with what reads it instead. */
export function loadResult(file: string): RunResult {
  const r = loadAnyResult(file);
  if (r.kind === 'fleet' || r.kind === 'fleet-shard') {
    throw new LabError(`${file} is a ${r.kind === 'fleet' ? 'fleet result' : 'fleet shard'}, not a run result: ${r.kind === 'fleet' ? 'lab report renders it' : 'lab merge joins shards into a fleet result'}`, ExitCode.invalidInput);
  }
  return r;
}

/** Reads a merged fleet result (lab merge). */
export function loadFleetResult(file: string): FleetResult {
  const r = loadAnyResult(file);
  if (r.kind !== 'fleet') throw new LabError(`${file} is not a fleet result (kind ${String(r.kind)}); lab merge writes one from shard results`, ExitCode.invalidInput);
  return r;
}
