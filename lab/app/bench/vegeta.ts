/**
 * Vegeta (Go module github.com/tsenart/vegeta/v12, v12.13.0), the open-loop load generator users
 * of this field trust, as the reference the lab's own engine is checked against. Setup builds it
 * from the Go module proxy into `.cache/bin/vegeta`; nothing is downloaded at run time. It is run
 * the fair way: a constant rate (`attack -rate`), keep-alive connections, its JSON report.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvironmentError, RuntimeFailure } from '../../errors.js';
import { projectRoot } from '../../paths.js';

/** The version setup builds. */
export const VEGETA_VERSION = 'v12.13.0';

/** The Vegeta binary, built by scripts/setup.sh. */
export function vegetaBinary(): string {
  const bin = join(projectRoot, '.cache', 'bin', 'vegeta');
  if (!existsSync(bin)) throw new EnvironmentError(`Vegeta is not built (${bin}); run bash scripts/setup.sh (it runs go install github.com/tsenart/vegeta/v12@${VEGETA_VERSION})`);
  return bin;
}

/** One constant-rate attack's figures, milliseconds. */
export interface VegetaFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Requests without a 2xx answer (connection errors included). */
  errors: number;
  errorSamples: string[];
}

interface VegetaReport {
  requests: number;
  latencies: { '50th': number; '99th': number; max: number };
  status_codes: Record<string, number>;
  errors: string[] | null;
}

function run(cmd: string[], what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.once('error', (e) => reject(new EnvironmentError(`${what}: ${e.message}`)));
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new RuntimeFailure(`${what} exited with ${code}: ${err.trim()}`))));
  });
}

/** `vegeta attack` at `rate` req/s for `seconds` on `url`, then `vegeta report -type=json`; pinned to `cpus` when given. */
export async function vegetaAttack(url: string, rate: number, seconds: number, cpus?: number[]): Promise<VegetaFigures> {
  const bin = vegetaBinary();
  const dir = mkdtempSync(join(tmpdir(), 'lab-vegeta-'));
  try {
    const targets = join(dir, 'targets.txt');
    const results = join(dir, 'results.bin');
    writeFileSync(targets, `GET ${url}\n`);
    const pin = cpus && cpus.length > 0 ? ['taskset', '-c', cpus.join(',')] : [];
    await run([...pin, bin, 'attack', `-rate=${rate}/1s`, `-duration=${seconds}s`, `-targets=${targets}`, `-output=${results}`, '-keepalive=true'], 'vegeta attack');
    const r = JSON.parse(await run([bin, 'report', '-type=json', results], 'vegeta report')) as VegetaReport;
    const ok = Object.entries(r.status_codes).filter(([code]) => code.startsWith('2')).reduce((a, [, n]) => a + n, 0);
    return { requests: r.requests, p50Ms: r.latencies['50th'] / 1e6, p99Ms: r.latencies['99th'] / 1e6, maxMs: r.latencies.max / 1e6, errors: r.requests - ok, errorSamples: (r.errors ?? []).slice(0, 3) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
