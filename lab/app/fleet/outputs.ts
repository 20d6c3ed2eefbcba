/** The files of a fleet result: fleet.json (the results model), fleet-pops.csv, report.html and report.md, all written atomically into one folder. */
import { join } from 'node:path';
import type { FleetResult } from '../../results/model.js';
import { fleetPopsCsv } from '../../results/fleet-csv.js';
import { writeAtomic } from '../../results/store.js';
import { renderFleetHtml } from '../../../reports/html/fleet.js';
import { renderFleetMarkdown } from '../../../reports/fleet-markdown.js';

/** File names inside a fleet result folder. */
export const FLEET_FILES = { result: 'fleet.json', popsCsv: 'fleet-pops.csv', html: 'report.html', markdown: 'report.md', shards: 'shards' } as const;

/** Where each file went. */
export interface FleetOutputs {
  fleetPath: string;
  csvPath: string;
  htmlPath: string;
  markdownPath: string;
}

/** Writes the fleet result and its renderings into `dir`. */
export function writeFleetOutputs(r: FleetResult, dir: string): FleetOutputs {
  const out: FleetOutputs = { fleetPath: join(dir, FLEET_FILES.result), csvPath: join(dir, FLEET_FILES.popsCsv), htmlPath: join(dir, FLEET_FILES.html), markdownPath: join(dir, FLEET_FILES.markdown) };
  writeAtomic(out.fleetPath, `${JSON.stringify(r, null, 1)}\n`);
  writeAtomic(out.csvPath, fleetPopsCsv(r));
  writeAtomic(out.htmlPath, renderFleetHtml(r));
  writeAtomic(out.markdownPath, renderFleetMarkdown(r));
  return out;
}
