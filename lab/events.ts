/**
 * Typed events of a run. Progress display is an observer of these; the run itself never
 * prints.
 */
import type { LoadProgress } from './loadgen/protocol.js';
import type { RuntimeResult } from './results/model.js';

export type RunEvent =
  | { type: 'prepare'; label: string }
  | { type: 'runtime-start'; label: string; repetition: number; of: number }
  | ({ type: 'load-progress'; label: string; repetition: number } & Omit<LoadProgress, 'type'>)
  | { type: 'runtime-done'; label: string; repetition: number; result: RuntimeResult }
  | { type: 'saved'; path: string; report?: string };
