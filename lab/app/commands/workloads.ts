/** `lab workloads list|build`: the workloads and their packagings' artifacts. */
import { ExitCode, LabError } from '../../errors.js';
import { getRunner, runnerNames } from '../../../runners/registry.js';
import { listWorkloads, loadWorkload } from '../../../workloads/registry.js';
import type { Command } from './command.js';
import { languageOf } from '../../../workloads/languages/index.js';
import { resolveOptions } from '../../../runners/kit/options.js';
import { COMPONENT_PACKAGINGS } from '../../../workloads/languages/language.js';

export const workloadsCommand: Command = {
  name: 'workloads',
  summary: 'list workloads, or build every packaging of them (cached by content hash)',
  usage: `lab workloads list
lab workloads build [--runtime <name>,...] [workload ...]

build makes every packaging of every workload in every language (the bare-process artifact and
the component in each packaging: plain, pre-initialised, AOT; a language without one says so
and serves its plain build), then asks each runner to prepare its artifacts (all workloads by
default) and prints their digests and sizes. A packaging that cannot be built here is named with
why, the others are built, and the exit code is 4. Artifacts are cached by content hash;
unchanged inputs are not rebuilt.`,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'list') {
      for (const name of listWorkloads()) {
        const w = loadWorkload(name);
        process.stdout.write(`${name.padEnd(14)} ${w.manifest.description}  (${w.fixtures.length} fixtures, source ${w.sourceDigest.slice(0, 19)})\n`);
      }
      return ExitCode.ok;
    }
    if (sub !== 'build') {
      process.stderr.write(`usage: ${this.usage}\n`);
      return ExitCode.usage;
    }
    const i = rest.indexOf('--runtime');
    const runtimes = i >= 0 ? (rest[i + 1] ?? '').split(',') : runnerNames().filter((n) => n !== 'fake');
    const names = rest.filter((a, j) => !a.startsWith('--') && rest[j - 1] !== '--runtime');
    const workloads = names.length ? names : listWorkloads();
    const loaded = workloads.map((w) => loadWorkload(w)); // names a missing or broken workload before building anything
    // Each workload's own artifacts first, built by its language (bare-process artifact and components).
    const missing: string[] = [];
    for (const w of loaded) {
      const language = languageOf(w);
      const proc = await language.processArtifact(w);
      process.stdout.write(`${language.id.padEnd(10)} ${w.name.padEnd(14)} ${proc.packaging.padEnd(22)} ${String(proc.file.sizeBytes).padStart(10)} B  ${proc.file.digest}\n`);
      for (const packaging of COMPONENT_PACKAGINGS) {
        let c;
        try {
          c = await language.component(w, { packaging });
        } catch (e) {
          // A packaging that cannot be built here (JS AOT without weval) costs that packaging, not the others.
          if (!(e instanceof LabError)) throw e;
          missing.push(`${w.name} ${packaging}: ${e.message}`);
          process.stdout.write(`${language.id.padEnd(10)} ${w.name.padEnd(14)} ${packaging.padEnd(22)} not built: ${e.message}\n`);
          continue;
        }
        const shown = c.packaging === packaging ? packaging : `${packaging} (= ${c.packaging})`;
        process.stdout.write(`${language.id.padEnd(10)} ${w.name.padEnd(14)} ${shown.padEnd(22)} ${String(c.sizeBytes).padStart(10)} B  ${c.digest}${c.note ? `  (${c.note})` : ''}\n`);
      }
    }
    // Then what every runner makes of them (images, transpiled glue, precompiled code).
    for (const rt of runtimes) {
      const runner = getRunner(rt);
      let options;
      try {
        options = resolveOptions(runner, {});
      } catch (e) {
        // A runner that needs the user's options (an endpoint's URL, a cluster's kubeconfig) has
        // nothing to build by default; asked for by name, its refusal is the answer.
        if (i >= 0 || !(e instanceof LabError)) throw e;
        process.stdout.write(`${rt.padEnd(10)} skipped: it needs options to prepare (${e.message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')})\n`);
        continue;
      }
      const prepared = await runner.prepare(workloads, options);
      for (const a of prepared.artifacts) {
        process.stdout.write(`${rt.padEnd(10)} ${a.workload.padEnd(12)} ${a.packaging.padEnd(16)} ${String(a.sizeBytes).padStart(10)} B  ${a.digest}\n`);
      }
    }
    if (missing.length > 0) {
      process.stderr.write(`not built:\n${missing.map((m) => `  ${m}`).join('\n')}\n`);
      return ExitCode.runFailed;
    }
    return ExitCode.ok;
  },
};
