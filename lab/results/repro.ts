/**
 * The reproducibility record: everything needed to rerun or audit a result (commit, scenario
 * hash, seed, versions, artifact digests, host facts, machine load).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import type { ReproRecord } from './model.js';

/** Packages whose versions shape the figures. */
const TRACKED_PACKAGES = [
  'hdr-histogram-js',
  'simple-statistics',
  'autocannon',
  'yaml',
  'ajv',
  'csv-stringify',
  'typescript',
  '@bytecodealliance/jco',
  '@bytecodealliance/componentize-js',
  'dockerode',
  'vega',
  'vega-lite',
];

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Installed versions of the tracked packages (absent ones are left out). */
export function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TRACKED_PACKAGES) {
    const file = join(projectRoot, 'node_modules', name, 'package.json');
    if (existsSync(file)) out[name] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return out;
}

function kernel(): string {
  return `${os.type()} ${os.release()} ${os.arch()}`;
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? os.platform();
  } catch {
    return os.platform();
  }
}

/** Facts known at the start of a run; `finishRepro` adds the load average at the end. */
export function startRepro(input: {
  scenarioHash: string;
  seed: number;
  runtimeVersions: Record<string, Record<string, string>>;
  artifactDigests: Record<string, string>;
}): ReproRecord {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  const cpus = os.cpus();
  return {
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    scenarioHash: input.scenarioHash,
    seed: input.seed,
    node: process.version,
    v8: process.versions.v8,
    packages: packageVersions(),
    runtimeVersions: input.runtimeVersions,
    artifactDigests: input.artifactDigests,
    kernel: kernel(),
    os: osName(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    loadAverage: { atStart: os.loadavg(), atEnd: [] },
    hostname: os.hostname(),
    commandLine: process.argv.slice(1),
  };
}

/** Records the machine load at the end of the run (part of the fairness record). */
export function finishRepro(r: ReproRecord): ReproRecord {
  return { ...r, loadAverage: { atStart: r.loadAverage.atStart, atEnd: os.loadavg() } };
}
