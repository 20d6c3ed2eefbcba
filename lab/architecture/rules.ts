/**
 * The house plan as rules the architecture test holds the import graph to (docs/architecture.md
 * draws the same plan). Floors, bottom up:
 *
 * - core (`lab/` but `lab/app/` and `lab/index.ts`): scenario, traffic, policy, PoP contract,
 *   load generation, statistics, results, gates, simulator. Pure model and measurement; it
 *   knows runners only through the contract in `lab/pop/`.
 * - plug-ins beside each other on the core: `workloads/` (edge functions and their languages),
 *   `runners/` (substrates; may use workloads), `reports/` (renderers; read only the results
 *   model).
 * - the application (`lab/app/`, `lab/index.ts`): CLI, commands, run orchestration, progress,
 *   the composition root. The only floor that may import everything.
 *
 * Inside `runners/`, each runner is a folder of its own and imports no other runner; what they
 * share lives in the folders of `RUNNER_KIT`. A runner's host side (`<runner>/host/`) runs in
 * the host process and never imports its lab side (`<runner>/runner.ts`).
 */
import type { ImportEdge, LayerRule } from './import-graph.js';

/** Folders the graph is read from. */
export const SOURCE_FOLDERS = ['lab', 'runners', 'workloads', 'reports'] as const;

/** Shared folders of `runners/`: the kit every runner builds on, not runners themselves. */
export const RUNNER_KIT = ['kit', 'components', 'conformance', 'testdata'] as const;

const under = (folder: string) => (file: string) => file === folder || file.startsWith(`${folder}/`);
// The library entry (lab/index.ts, and its test) is the application's public face.
const isApp = (file: string): boolean => under('lab/app')(file) || /^lab\/index(\.test)?\.ts$/.test(file);
const isCore = (file: string): boolean => under('lab')(file) && !isApp(file);
const isRunner = under('runners');
const isReport = under('reports');
const isWorkload = under('workloads');

/** The runner folder a file of `runners/` belongs to (`runners/wasm/host/x.ts` -> `wasm`), or undefined for kit and top-level files. */
export function runnerFolder(file: string): string | undefined {
  const m = /^runners\/([^/]+)\//.exec(file);
  if (!m || (RUNNER_KIT as readonly string[]).includes(m[1]!)) return undefined;
  return m[1];
}

const internalTo = (pred: (file: string) => boolean) => (e: ImportEdge) => e.internal && pred(e.to);
const packageIn = (names: readonly string[]) => (e: ImportEdge) => !e.internal && names.includes(e.to);

/** Every rule, each with the reason a newcomer would want. */
export const LAYER_RULES: readonly LayerRule[] = [
  {
    name: 'core imports no application, runner, report or workload',
    why: 'the model must be testable and usable (simulator, gates, planning) without a substrate; it speaks to runners only through lab/pop',
    from: isCore,
    forbidden: internalTo((f) => isApp(f) || isRunner(f) || isReport(f) || isWorkload(f)),
  },
  {
    name: 'runners import no application and no report',
    why: 'a runner is a plug-in the application launches; it must not reach back up into the CLI or renderers',
    from: isRunner,
    forbidden: internalTo((f) => isApp(f) || isReport(f)),
  },
  {
    name: 'reports read only the core',
    why: 'every renderer reads the one results model; a renderer that asks a runner or the workload tree renders something else than the result',
    from: isReport,
    forbidden: internalTo((f) => isApp(f) || isRunner(f) || isWorkload(f)),
  },
  {
    name: 'workloads import no application, runner or report',
    why: 'an edge function and its packagings are the same whichever substrate runs them',
    from: isWorkload,
    forbidden: internalTo((f) => isApp(f) || isRunner(f) || isReport(f)),
  },
  {
    name: 'a runner imports no other runner',
    why: 'what two runners share belongs in the runner kit (runners/kit, runners/components), so each runner can be read, changed and removed alone',
    from: (f) => runnerFolder(f) !== undefined,
    forbidden: (e) => e.internal && runnerFolder(e.to) !== undefined && runnerFolder(e.to) !== runnerFolder(e.from),
  },
  {
    name: "a runner's host side does not import its lab side",
    why: 'the host runs in a process of its own; importing runner.ts would load the lab side (builds, registries) into it',
    from: (f) => runnerFolder(f) !== undefined && /^runners\/[^/]+\/host\//.test(f),
    forbidden: (e) => e.internal && runnerFolder(e.to) === runnerFolder(e.from) && /^runners\/[^/]+\/runner\.ts$/.test(e.to),
  },
  {
    name: 'dockerode only in the container runner',
    why: 'the Docker engine is one substrate; nothing else may need it loaded',
    from: (f) => runnerFolder(f) !== 'container',
    forbidden: packageIn(['dockerode']),
  },
  {
    name: 'vega only in reports',
    why: 'charts are a renderer concern',
    from: (f) => !isReport(f),
    forbidden: packageIn(['vega', 'vega-lite']),
  },
];
