/**
 * The report's charts, in the order they appear, built from the analysed result, and their
 * rendering to SVG (each chart on its own, so one failing chart shows its error in place and
 * does not take the report down).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Analysis } from '../analysis.js';
import type { Chart } from './chart.js';
import { coldPhasesChart } from './cold-phases.js';
import { coldRateChart } from './cold-rate.js';
import { latencyPercentilesChart } from './latency-percentiles.js';
import { densityChart, memoryChart } from './memory.js';
import { renderSvg } from './render.js';
import { instancesSeriesChart, latencySeriesChart } from './timeseries.js';

/** Every chart of the single-result report. */
export function reportCharts(a: Analysis): Chart[] {
  const r = a.result;
  const labels = a.measuredLabels;
  const byLabel = (name: string) => a.headlines.find((h) => h.metric.name === name)!.byLabel;
  return [
    latencyPercentilesChart(r, labels),
    coldPhasesChart(r, labels),
    memoryChart(r, labels, byLabel('memory.perInstance')),
    densityChart(r, labels, byLabel('memory.density')),
    latencySeriesChart(r, labels),
    instancesSeriesChart(r, labels),
    coldRateChart([r], () => labels, a.opts.confidence),
  ];
}

/** A chart after rendering: its SVG, or the error that stopped it, or why it is absent. */
export type RenderedChartResult =
  | { id: string; title: string; caption: string; spec: TopLevelSpec; svg: string; warnings: string[] }
  | { id: string; title: string; caption: string; spec: TopLevelSpec; error: string }
  | { id: string; title: string; missing: string };

/** Renders every chart to SVG. */
export async function renderCharts(charts: Chart[]): Promise<RenderedChartResult[]> {
  const out: RenderedChartResult[] = [];
  for (const c of charts) {
    if ('missing' in c) {
      out.push(c);
      continue;
    }
    try {
      const { svg, warnings } = await renderSvg(c.spec);
      out.push({ ...c, svg, warnings });
    } catch (e) {
      out.push({ ...c, error: (e as Error).message });
    }
  }
  return out;
}
