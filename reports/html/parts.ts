/** Small HTML building blocks shared by the report and the compare report. */
import { esc, jsonForScript } from '../escape.js';
import type { RenderedChartResult } from '../charts/index.js';

/** A status word as a tag whose class is the status (colour plus the word itself, never colour alone). */
export function tag(status: string): string {
  return `<span class="tag ${esc(status.replace(/\s+/g, '-'))}">${esc(status)}</span>`;
}

/**
 * A table from a header row and body rows of already-escaped HTML cells. `numeric` marks columns
 * right-aligned. Framed so that a table wider than the page (many runtimes) scrolls inside its
 * frame instead of widening the page.
 */
export function table(head: string[], rows: string[][], numeric: number[] = []): string {
  const cell = (c: string, i: number, tagName: 'td' | 'th') => `<${tagName}${tagName === 'td' && numeric.includes(i) ? ' class="num"' : ''}>${c}</${tagName}>`;
  return `<div class="scroll"><table><thead><tr>${head.map((h, i) => cell(esc(h), i, 'th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i, 'td')).join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

/** A rendered chart as a figure: the SVG, the vega-lite spec as an inert data block, or the reason there is none. */
export function chartFigure(c: RenderedChartResult): string {
  if ('missing' in c) return `<figure class="chart-missing" id="chart-${esc(c.id)}"><figcaption><strong>${esc(c.title)}</strong></figcaption><p>Not measured in this run: ${esc(c.missing)}.</p></figure>`;
  const spec = `<script type="application/json" class="vega-lite-spec">${jsonForScript(c.spec)}</script>`;
  if ('error' in c) return `<figure class="chart chart-error" id="chart-${esc(c.id)}"><figcaption><strong>${esc(c.title)}</strong></figcaption><p>Chart could not be rendered: ${esc(c.error)}</p>${spec}</figure>`;
  const warn = c.warnings.length ? `<p class="note chart-warning">vega: ${esc(c.warnings.join('; '))}</p>` : '';
  return `<figure class="chart" id="chart-${esc(c.id)}"><figcaption><strong>${esc(c.title)}.</strong> ${esc(c.caption)}</figcaption><div class="svg">${c.svg}</div>${warn}${spec}</figure>`;
}
