/**
 * `lab bench wasm-host`: the V8 host's bench (`--runtime v8`, the default; wasm-v8.ts), the
 * Wasmtime host's (`--runtime wasmtime`; wasm-host.ts), or both hosts per component packaging
 * (`--packagings`; packagings.ts).
 */
import { parseArgs } from 'node:util';
import { ExitCode, LabError } from '../../errors.js';
import type { ComponentPackaging } from '../../../workloads/languages/language.js';
import { loadWorkload } from '../../../workloads/registry.js';
import type { Command } from '../commands/command.js';
import { benchPackagings, formatPackagings, parsePackagings } from './packagings.js';
import { benchWasmtimeHost, formatWasmtimeBench } from './wasm-host.js';
import { wasmBenchCommand } from './wasm-v8.js';

/** `--packagings`: both hosts per packaging, side by side. */
async function packagingsCommand(args: string[], list: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { workload: { type: 'string', default: 'hello' }, samples: { type: 'string', default: '30' }, seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '8' }, json: { type: 'boolean' } },
  });
  let packagings: ComponentPackaging[];
  try {
    packagings = parsePackagings(list);
  } catch (e) {
    throw new LabError((e as Error).message, ExitCode.usage);
  }
  const samples = Number(values.samples);
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  if (!(Number.isInteger(samples) && samples >= 3 && samples <= 10_000) || !(seconds > 0 && seconds <= 600) || !(Number.isInteger(connections) && connections >= 1)) {
    throw new LabError('--samples must be an integer in [3, 10000], --seconds in (0, 600], --connections >= 1', ExitCode.usage);
  }
  loadWorkload(values.workload);
  const r = await benchPackagings({ workload: values.workload, packagings, samples, seconds, connections });
  process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatPackagings(r)}\n`);
  return ExitCode.ok;
}

/** `lab bench wasm-host [--runtime v8|wasmtime]`: the V8 host's bench, or this one. */
export const wasmHostBenchCommand: Command = {
  name: 'bench-wasm-host',
  summary: 'wasm host (--runtime v8 | wasmtime): cold start vs the instantiate floor, throughput, memory per instance',
  usage: `lab bench wasm-host [--runtime v8|wasmtime] [--workload hello] [--samples 30] [--seconds 5] [--connections 8] [--workers N] [--compare-v8] [--json]
lab bench wasm-host --packagings all|wasm-component,wasm-component-preinit,... [--workload hello] [--samples 30] [--seconds 3] [--json]

--runtime v8 (default) runs the V8 host's bench (its options apply); --runtime wasmtime this one.
--packagings runs both hosts for each component packaging and prints them side by side with the goals.
Ratios from one run on this machine; compare within a run, not across machines.`,
  async run(argv) {
    const args = argv[0] === 'wasm-host' ? argv.slice(1) : argv;
    const i = args.indexOf('--runtime');
    const runtime = i >= 0 ? args[i + 1] : 'v8';
    const rest = i >= 0 ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
    const k = rest.indexOf('--packagings');
    if (k >= 0) return packagingsCommand([...rest.slice(0, k), ...rest.slice(k + 2)], rest[k + 1] ?? '');
    if (runtime === 'v8') return wasmBenchCommand.run(rest);
    if (runtime !== 'wasmtime') throw new LabError(`--runtime must be v8 or wasmtime, got ${runtime ?? '(nothing)'}`, ExitCode.usage);
    const { values } = parseArgs({
      args: rest,
      options: {
        workload: { type: 'string', default: 'hello' },
        samples: { type: 'string', default: '200' },
        seconds: { type: 'string', default: '5' },
        connections: { type: 'string', default: '8' },
        workers: { type: 'string', default: '1' },
        'compare-v8': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const samples = Number(values.samples);
    const seconds = Number(values.seconds);
    const connections = Number(values.connections);
    const workers = Number(values.workers);
    if (!(Number.isInteger(samples) && samples >= 3 && samples <= 100_000) || !(seconds > 0 && seconds <= 600) || !(Number.isInteger(connections) && connections >= 1) || !(Number.isInteger(workers) && workers >= 1)) {
      throw new LabError('--samples must be an integer in [3, 100000], --seconds in (0, 600], --connections and --workers positive integers', ExitCode.usage);
    }
    const r = await benchWasmtimeHost({ workload: values.workload, samples, seconds, connections, workers, compareV8: values['compare-v8'] === true });
    process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${formatWasmtimeBench(r)}\n`);
    return ExitCode.ok;
  },
};
