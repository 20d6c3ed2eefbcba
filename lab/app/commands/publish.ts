/** `lab publish --registry <host:port> [scenario.yaml]`: images, components and the load engine pushed to an OCI registry. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExitCode } from '../../errors.js';
import { listWorkloads } from '../../../workloads/registry.js';
import { loadLabScenario } from '../scenario-context.js';
import { parseSides } from '../kubernetes/export.js';
import { publish } from '../kubernetes/publish.js';
import type { Command } from './command.js';

export const publishCommand: Command = {
  name: 'publish',
  summary: 'push the workloads\' images, components (as Spin apps) and the load engine to an OCI registry',
  usage: `lab publish --registry <host:port[/path]> [<scenario.yaml>] [--workloads a,b] [--sides wasm,container] [--no-engine] [--insecure] [--json]

  --registry <host>   any OCI registry (a loopback one over http, others over https)
  <scenario.yaml>     publish the workloads of its tenant mix (default: every workload)
  --workloads a,b     these workloads instead
  --sides <list>      wasm (components as Spin apps), container (images), or both (default)
  --no-engine         skip the load engine's image
  --insecure          http even for a registry that is not on loopback
  --json              print what was published as JSON

Container images go through the Docker engine (docker tag + push: a registry that is not on
loopback must be trusted by the engine); components go over the distribution API, laid out as
\`spin registry push\` lays out a Spin app. Everything is read back and its digests compared.
LAB_REGISTRY_USER / LAB_REGISTRY_PASSWORD give credentials to the lab's own client.
Exit codes: 0 published; 2 usage; 3 bad registry or workload; 5 the registry refused or cannot be reached.`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { registry: { type: 'string' }, workloads: { type: 'string' }, sides: { type: 'string' }, 'no-engine': { type: 'boolean' }, insecure: { type: 'boolean' }, json: { type: 'boolean' } },
    });
    if (!values.registry || positionals.length > 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const workloads = values.workloads ? values.workloads.split(',') : positionals[0] ? [...new Set(loadLabScenario(resolve(positionals[0])).scenario.tenants.mix.map((m) => m.workload))] : listWorkloads();
    const quiet = values.json === true || process.env.CI === 'true';
    const out = await publish({
      registry: values.registry,
      workloads,
      sides: parseSides(values.sides),
      engine: !values['no-engine'],
      insecure: values.insecure === true,
      onProgress: (line) => {
        if (!quiet) process.stderr.write(`publish: ${line}\n`);
      },
    });
    if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    else for (const a of out) process.stdout.write(`${a.kind.padEnd(16)} ${a.ref}  ${a.pulledDigest} (read back, ${a.blobsChecked} blobs checked)\n`);
    return ExitCode.ok;
  },
};
