/**
 * The shape every chart builder returns: a vega-lite spec with its title and caption, or the
 * reason the chart cannot be drawn from this result (so the report says "not measured" instead
 * of drawing an empty plot).
 */
import type { TopLevelSpec } from 'vega-lite';

/** A chart to render, or a note on why there is none. */
export type Chart =
  | { id: string; title: string; caption: string; spec: TopLevelSpec }
  | { id: string; title: string; missing: string };

/** Width and height shared by every chart, so the report reads as one document and prints on A4. */
export const SIZE = { width: 620, height: 250 } as const;

/** Shared config: no external fonts, readable sizes. */
export const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: '#ccc' },
} as const;
