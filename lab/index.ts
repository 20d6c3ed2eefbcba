/**
 * The lab as a library: the typed calls the `lab` CLI makes, for scripts and other tools that
 * want them without a command line (`import { runScenario } from 'edge-pop-lab'`). Each is the
 * pure or side-effecting half of one command; the CLI (lab/app/cli.ts) only parses arguments,
 * prints and picks exit codes around them. Explicit names, no `export *`: this list is the API.
 */

// Scenarios: load with this build's workload and runner registries, or validate.
export { loadLabScenario as loadScenario, validateLabScenario as validateScenario } from './app/scenario-context.js';
export type { LoadedScenario, Scenario } from './scenario/types.js';
export type { ScenarioValidation } from './scenario/validate.js';

// Plan: the schedule a run sends (`lab run --dry-run`), pure.
export { planTraffic, summarisePlan, type PlanSummary } from './traffic/plan.js';
export type { TrafficPlan } from './traffic/types.js';

// Run: a scenario on its runners, saved as a versioned result (`lab run`).
export { runScenario, type RunOptions, type RunOutcome } from './app/run.js';
export { loadResult } from './results/store.js';
export { RESULT_SCHEMA_VERSION, type RunResult, type RuntimeResult } from './results/model.js';
export type { RunEvent } from './events.js';

// Report: HTML, Markdown and JUnit renderings of a result (`lab report`, `lab compare`).
export { renderReport, type ReportOptions } from '../reports/html.js';
export { renderMarkdown } from '../reports/markdown.js';
export { renderJunit } from '../reports/junit.js';
export { compareResults, renderCompare, renderCompareMarkdown, type Comparison } from '../reports/compare.js';

// Gate: scenario gates and regression limits against a baseline, from results only (`lab gate`).
export { runGates, type GateOptions, type GateReport } from './gates/gates.js';

// Simulate: calibrate from a live result, simulate the modelled PoP, validate the simulator (`lab simulate`, `lab validate-sim`).
export { simulateFromCalibration, simulateFromLive, type SimulateFromLiveOutcome } from './app/simulate-from-live.js';
export { calibrate, loadCalibration } from './sim/calibrate.js';
export { validateSimulator, type ValidateSimOptions } from './app/validate-sim.js';
export type { ValidateSimOutcome } from './sim/validate-sim.js';

// Fleet: PoPs in shards (worker threads here, or a Kubernetes Indexed Job), merged (`lab simulate --fleet`, `lab merge`).
export { loadLabFleet as loadFleet } from './app/scenario-context.js';
export { simulateFleet, type FleetRunOptions, type FleetRunOutcome } from './app/fleet/run.js';
export { runShardJob, type ShardJob } from './app/fleet/shard-command.js';
export { mergeShardResults, readShard, fleetOutcome } from './fleet/merge.js';
export { fleetJob, fleetJobFromFiles, type FleetJobOptions, type FleetJobObjects } from './app/kubernetes/fleet-job.js';
export { loadFleetResult } from './results/store.js';
export type { FleetResult, FleetShardResult, FleetPopSummary } from './results/model.js';
export type { LoadedFleet } from './fleet/types.js';
export { renderFleetHtml } from '../reports/html/fleet.js';
export { renderFleetMarkdown } from '../reports/fleet-markdown.js';

// Errors and exit codes, as the CLI maps them.
export { EnvironmentError, ExitCode, InputError, InvalidInputError, LabError, RuntimeFailure } from './errors.js';
