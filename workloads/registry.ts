/**
 * The workload registry: which workloads exist and everything the lab knows about one (manifest,
 * fixtures, source and compiled handler locations, source digest). Runners, the traffic
 * generator and the identity tests all find workloads here, never by walking folders themselves.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256File } from '../lab/digest.js';
import { ExitCode, LabError } from '../lab/errors.js';
import { distDir, projectRoot, workloadsDir } from '../lab/paths.js';
import { findLanguage, languageIds } from './languages/index.js';
import type { Fixture, Workload, WorkloadLanguage, WorkloadManifest } from './types.js';

export type { Fixture, FixtureExpect, FixtureRequest, Workload, WorkloadLanguage, WorkloadManifest } from './types.js';

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
// Field values as HTTP allows them on the wire: no CR, LF or NUL.
const HEADER_VALUE = /^[^\r\n\0]*$/;
const METHOD = /^[A-Z]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Upper bound on a generated fixture body, so a typo cannot allocate gigabytes. */
const MAX_REPEAT_BYTES = 16 * 1024 * 1024;

/**
 * Names of all workloads: folders of workloads/ holding a workload.json, sorted. `root` is for
 * tests; `language` keeps only the workloads written in it (tests of JS-only packagings).
 */
export function listWorkloads(root: string = workloadsDir, language?: WorkloadLanguage): string[] {
  const names = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, 'workload.json')))
    .map((e) => e.name)
    .sort();
  if (language === undefined) return names;
  return names.filter((n) => (readJson(n, join(root, n, 'workload.json')) as { language?: unknown }).language === language);
}

/**
 * Loads and validates one workload; throws a LabError naming the workload, file and field on any
 * problem. `root` (default workloads/) lets tests load deliberately broken workloads from a
 * scratch folder instead of the shared tree.
 */
export function loadWorkload(name: string, root: string = workloadsDir): Workload {
  if (!NAME.test(name)) throw new LabError(`workload "${name}": not a workload name (expected [a-z0-9-]+)`, ExitCode.invalidInput);
  const dir = join(root, name);
  const manifestPath = join(dir, 'workload.json');
  if (!existsSync(manifestPath)) {
    throw new LabError(`workload "${name}": ${rel(manifestPath)} does not exist (known workloads: ${listWorkloads(root).join(', ')})`, ExitCode.invalidInput);
  }
  const manifest = validateManifest(name, readJson(name, manifestPath), manifestPath);
  const reference = manifest.fixturesFrom ?? name;
  if (manifest.fixturesFrom !== undefined) checkReference(name, manifest, root, manifestPath);
  // A port shares its reference's fixtures: one set of expectations for every language.
  const fixturesPath = join(root, reference, 'fixtures.json');
  const sourcePath = join(dir, findLanguage(manifest.language)!.sourceFile);
  const fixtures = validateFixtures(name, readJson(name, fixturesPath), fixturesPath);
  const byName = new Map(fixtures.map((f) => [f.name, f]));
  const trafficFixtures = manifest.traffic.map((t, i) => {
    const f = byName.get(t);
    if (!f) throw invalid(name, manifestPath, [`traffic[${i}]: no fixture named "${t}" in ${rel(fixturesPath)}`]);
    return f;
  });
  if (!existsSync(sourcePath)) throw new LabError(`workload "${name}": handler source ${rel(sourcePath)} does not exist`, ExitCode.invalidInput);
  return {
    name,
    dir,
    manifest,
    fixtures,
    trafficFixtures,
    sourcePath,
    handlerPath: join(distDir, 'workloads', name, 'handler.js'),
    reference,
    sourceDigest: sha256File(sourcePath),
  };
}

export { fixtureExpectedBody, fixtureRequestBody } from './fixtures.js';

// Messages name files relative to the project, or absolutely when they live elsewhere (tests).
function rel(path: string): string {
  const r = relative(projectRoot, path);
  return r.startsWith('..') ? path : r;
}

function invalid(name: string, file: string, problems: string[]): LabError {
  return new LabError(`workload "${name}": ${rel(file)} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`, ExitCode.invalidInput);
}

function readJson(name: string, path: string): unknown {
  if (!existsSync(path)) throw new LabError(`workload "${name}": ${rel(path)} does not exist`, ExitCode.invalidInput);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LabError(`workload "${name}": ${rel(path)} is not valid JSON: ${(e as Error).message}`, ExitCode.invalidInput);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function unknownKeys(o: Record<string, unknown>, allowed: string[], at: string, problems: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${at}${k}: unknown field`);
}

function validateManifest(name: string, raw: unknown, file: string): WorkloadManifest {
  const p: string[] = [];
  if (!isObject(raw)) throw invalid(name, file, ['top level: must be an object']);
  unknownKeys(raw, ['name', 'description', 'language', 'fixturesFrom', 'bodyLimitBytes', 'fixedNow', 'traffic', 'hostile'], '', p);
  if (raw.hostile !== undefined && typeof raw.hostile !== 'boolean') p.push('hostile: must be true or false');
  if (raw.name !== name) p.push(`name: must equal the folder name "${name}"`);
  if (typeof raw.description !== 'string' || raw.description === '') p.push('description: must be a non-empty string');
  const language = typeof raw.language === 'string' ? findLanguage(raw.language) : undefined;
  if (!language) p.push(`language: must be one of ${languageIds().map((l) => `"${l}"`).join(', ')}, got ${JSON.stringify(raw.language)}`);
  if (language?.role === 'port' && (typeof raw.fixturesFrom !== 'string' || !NAME.test(raw.fixturesFrom))) {
    p.push(`fixturesFrom: a ${language.displayName} workload ports a reference workload and must name it`);
  }
  if (language?.role === 'reference' && raw.fixturesFrom !== undefined) p.push('fixturesFrom: only ports take their fixtures from another workload');
  if (!isNonNegativeInt(raw.bodyLimitBytes)) p.push('bodyLimitBytes: must be a non-negative integer');
  if (raw.fixedNow !== undefined && !isNonNegativeInt(raw.fixedNow)) p.push('fixedNow: must be a non-negative integer (epoch seconds)');
  if (!Array.isArray(raw.traffic) || raw.traffic.length === 0 || !raw.traffic.every((t) => typeof t === 'string')) {
    p.push('traffic: must be a non-empty array of fixture names');
  }
  if (p.length > 0) throw invalid(name, file, p);
  return raw as unknown as WorkloadManifest;
}

/**
 * A port must be the same workload: its reference exists, is JS (no chains), and has the same
 * body limit and clock, so the two cannot drift apart silently.
 */
function checkReference(name: string, m: WorkloadManifest, root: string, file: string): void {
  const refPath = join(root, m.fixturesFrom!, 'workload.json');
  if (!existsSync(refPath)) throw invalid(name, file, [`fixturesFrom: no workload "${m.fixturesFrom}" (no ${rel(refPath)})`]);
  const ref = readJson(name, refPath) as Partial<WorkloadManifest>;
  const p: string[] = [];
  if (typeof ref.language !== 'string' || findLanguage(ref.language)?.role !== 'reference') p.push(`fixturesFrom: "${m.fixturesFrom}" must be a workload of a reference language (${languageIds().filter((l) => findLanguage(l)!.role === 'reference').join(', ')})`);
  if (ref.bodyLimitBytes !== m.bodyLimitBytes) p.push(`bodyLimitBytes: ${m.bodyLimitBytes} differs from ${m.fixturesFrom}'s ${String(ref.bodyLimitBytes)}`);
  if (ref.fixedNow !== m.fixedNow) p.push(`fixedNow: ${String(m.fixedNow)} differs from ${m.fixturesFrom}'s ${String(ref.fixedNow)}`);
  if (p.length > 0) throw invalid(name, file, p);
}

function validateHeaders(v: unknown, at: string, p: string[]): void {
  if (!isObject(v)) {
    p.push(`${at}: must be an object of lower-case header names to strings`);
    return;
  }
  for (const [k, value] of Object.entries(v)) {
    if (!HEADER_NAME.test(k)) p.push(`${at}.${k}: header names must be lower-case tokens`);
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) p.push(`${at}.${k}: must be a string without CR, LF or NUL`);
  }
}

function validateBodyFields(o: Record<string, unknown>, at: string, allowRepeat: boolean, p: string[]): void {
  const present = ['body', 'bodyBase64', 'bodyRepeat'].filter((k) => o[k] !== undefined);
  if (present.length > 1) p.push(`${at}: at most one of ${present.join(', ')}`);
  if (o.body !== undefined && typeof o.body !== 'string') p.push(`${at}.body: must be a string`);
  if (o.bodyBase64 !== undefined && (typeof o.bodyBase64 !== 'string' || !BASE64.test(o.bodyBase64))) p.push(`${at}.bodyBase64: must be standard padded base64`);
  if (!allowRepeat || o.bodyRepeat === undefined) return;
  const r = o.bodyRepeat;
  if (!isObject(r) || typeof r.text !== 'string' || r.text === '' || !isNonNegativeInt(r.times)) {
    p.push(`${at}.bodyRepeat: must be { "text": non-empty string, "times": integer }`);
  } else if (Buffer.byteLength(r.text) * r.times > MAX_REPEAT_BYTES) {
    p.push(`${at}.bodyRepeat: more than ${MAX_REPEAT_BYTES} bytes`);
  }
}

function validateFixtures(name: string, raw: unknown, file: string): Fixture[] {
  if (!Array.isArray(raw) || raw.length === 0) throw invalid(name, file, ['top level: must be a non-empty array of fixtures']);
  const p: string[] = [];
  const seen = new Set<string>();
  raw.forEach((f: unknown, i) => {
    const at = `[${i}]`;
    if (!isObject(f)) {
      p.push(`${at}: must be an object`);
      return;
    }
    unknownKeys(f, ['name', 'request', 'expect'], `${at}.`, p);
    if (typeof f.name !== 'string' || !NAME.test(f.name)) p.push(`${at}.name: must match [a-z0-9-]+`);
    else if (seen.has(f.name)) p.push(`${at}.name: duplicate fixture name "${f.name}"`);
    else seen.add(f.name);
    const req = f.request;
    if (!isObject(req)) p.push(`${at}.request: must be an object`);
    else {
      unknownKeys(req, ['method', 'path', 'headers', 'body', 'bodyBase64', 'bodyRepeat'], `${at}.request.`, p);
      if (typeof req.method !== 'string' || !METHOD.test(req.method)) p.push(`${at}.request.method: must be an upper-case method`);
      if (typeof req.path !== 'string' || !req.path.startsWith('/') || /[\s\0]/.test(req.path)) p.push(`${at}.request.path: must start with / and contain no whitespace`);
      validateHeaders(req.headers, `${at}.request.headers`, p);
      validateBodyFields(req, `${at}.request`, true, p);
    }
    const exp = f.expect;
    if (!isObject(exp)) p.push(`${at}.expect: must be an object`);
    else {
      unknownKeys(exp, ['status', 'headers', 'body', 'bodyBase64'], `${at}.expect.`, p);
      if (!isNonNegativeInt(exp.status) || exp.status < 100 || exp.status > 599) p.push(`${at}.expect.status: must be an HTTP status code`);
      if (exp.headers !== undefined) validateHeaders(exp.headers, `${at}.expect.headers`, p);
      validateBodyFields(exp, `${at}.expect`, false, p);
    }
  });
  if (p.length > 0) throw invalid(name, file, p);
  return raw as Fixture[];
}
