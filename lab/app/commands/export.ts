/** `lab export kubernetes <scenario.yaml>`: the live slice as validated Kubernetes manifests. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { resultsDir } from '../../paths.js';
import { loadLabScenario } from '../scenario-context.js';
import { exportKubernetes, parseSides } from '../kubernetes/export.js';
import { exportFleet } from '../kubernetes/export-fleet.js';
import type { Command } from './command.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a scenario as Kubernetes manifests (SpinApps, Deployments + Services, load-generator Job)',
  usage: `lab export kubernetes <scenario.yaml> [--out <dir>] [--registry <host:port>] [--namespace <ns>] [--sides wasm,container] [--generators <n>] [--run-id <id>] [--json]
lab export kubernetes --fleet <fleet.yaml> --calibration <file> --shards <K> --image <lab image> [--out <dir>] [--namespace <ns>] [--parallelism <n>] [--run-id <id>]

  --out <dir>          folder for the manifests (default results/<scenario>/kubernetes)
  --registry <host>    where \`lab publish\` puts the artifacts (default 127.0.0.1:5000)
  --namespace <ns>     namespace of every object (default edge-pop-lab)
  --sides <list>       wasm (SpinApp), container (Deployment + Service), or both (default)
  --generators <n>     load-generator pods per side, each sending whole tenants (default 2)
  --run-id <id>        the run the objects are labelled with (default: generated)
  --json               print what was written as JSON

  --fleet <fleet.yaml> the fleet simulation as an Indexed Job instead (lab/app/kubernetes/fleet-job.ts):
                       pod i runs lab simulate --fleet ... --shard i/K with --calibration, in --image

Every object is validated (Kubernetes 1.33 OpenAPI schemas of kubernetes-models, the pinned SpinApp
CRD schema, the API's naming rules) before any file is written; a problem names the tenant, the
object and the field path (exit 3). docs/kubernetes.md is the runbook.`,
  async run(argv) {
    const [target, ...rest] = argv;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { out: { type: 'string' }, registry: { type: 'string' }, namespace: { type: 'string' }, sides: { type: 'string' }, generators: { type: 'string' }, 'run-id': { type: 'string' }, fleet: { type: 'string' }, calibration: { type: 'string' }, shards: { type: 'string' }, image: { type: 'string' }, parallelism: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (target !== 'kubernetes') {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    if (values.fleet !== undefined) {
      if (!values.calibration || !values.shards || !values.image || positionals.length > 0) {
        process.stderr.write(`lab export kubernetes --fleet: give --calibration, --shards and --image\n\nusage: ${this.usage}\n`);
        return ExitCode.usage;
      }
      const runId = values['run-id'] ?? `fleet-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const out = exportFleet({
        fleetFile: values.fleet,
        calibrationFile: values.calibration,
        shards: Number(values.shards),
        image: values.image,
        namespace: values.namespace ?? 'edge-pop-lab',
        runId,
        out: values.out ?? join(resultsDir, 'fleet', 'kubernetes'),
        ...(values.parallelism ? { parallelism: Number(values.parallelism) } : {}),
      });
      process.stdout.write(values.json ? `${JSON.stringify(out, null, 2)}\n` : `fleet Job written to ${out.file}; once it completes: lab ${out.mergeArgs.join(' ')} (where ${out.shardDir} is mounted)\n`);
      return ExitCode.ok;
    }
    const file = positionals[0];
    if (!file || positionals.length > 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const loaded = loadLabScenario(resolve(file));
    const generators = values.generators === undefined ? 2 : Number(values.generators);
    const out = await exportKubernetes({
      loaded,
      out: values.out ?? join(resultsDir, loaded.scenario.name, 'kubernetes'),
      registry: values.registry ?? '127.0.0.1:5000',
      namespace: values.namespace ?? 'edge-pop-lab',
      sides: parseSides(values.sides),
      generators,
      ...(values['run-id'] ? { runId: values['run-id'] } : {}),
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return ExitCode.ok;
    }
    const objects = out.files.reduce((a, f) => a + f.objects.length, 0);
    process.stdout.write(`${objects} objects in ${out.files.length} files, all valid, written to ${out.out}\n`);
    for (const f of out.files) process.stdout.write(`  ${f.path.padEnd(28)} ${f.objects.map((o) => `${o.kind}/${o.name}`).join(', ')}\n`);
    for (const n of out.notes) process.stdout.write(`note: ${n}\n`);
    return ExitCode.ok;
  },
};
