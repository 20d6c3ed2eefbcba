/**
 * Test-only: opens an HTML report file in real headless Chromium with networking disabled and
 * asserts what a reader needs: every chart drawn (non-empty SVG, no vega error or warning), no
 * console error, no network request, a screenshot and a printed PDF kept under test-artifacts/.
 * Shared by the renderer's acceptance test and the end-to-end `lab run` test.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../lab/paths.js';
import { CHROMIUM, checkPageInChromium, chromiumMissingMessage } from './chromium.js';

const artifacts = join(projectRoot, 'test-artifacts');

/** DOM facts the test asserts, gathered inside the page. */
const PAGE_FACTS = `(() => {
  const charts = [...document.querySelectorAll('figure.chart')];
  return {
    title: document.title,
    charts: charts.map((f) => {
      const svg = f.querySelector('.svg > svg');
      const box = svg ? svg.getBoundingClientRect() : null;
      return { id: f.id, hasSvg: !!svg, marks: svg ? svg.querySelectorAll('path, rect, line, circle, text').length : 0, width: box ? box.width : 0, height: box ? box.height : 0 };
    }),
    chartErrors: document.querySelectorAll('.chart-error').length,
    chartWarnings: [...document.querySelectorAll('.chart-warning')].map((e) => e.textContent),
    missingCharts: [...document.querySelectorAll('figure.chart-missing')].map((f) => f.id),
    firstSection: document.querySelector('section')?.id,
    answer: document.querySelector('#answer')?.textContent ?? null,
    answerBottom: document.querySelector('#answer .headline')?.getBoundingClientRect().bottom ?? null,
    pageOverflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    viewport: [window.innerWidth, window.innerHeight],
    missingBox: document.querySelector('#missing')?.textContent ?? null,
    scenarioShown: (document.querySelector('#scenario-source')?.textContent ?? '').length,
  };
})()`;

/** What the page reports about itself. */
export interface Facts {
  title: string;
  charts: { id: string; hasSvg: boolean; marks: number; width: number; height: number }[];
  chartErrors: number;
  chartWarnings: string[];
  missingCharts: string[];
  firstSection: string;
  /** The first section's text, where its headline ends (px from the top), and how far the page is wider than the window. */
  answer: string | null;
  answerBottom: number | null;
  pageOverflowX: number;
  viewport: [number, number];
  missingBox: string | null;
  scenarioShown: number;
}

/** Writes `html` to test-artifacts/<name>.html, opens it in Chromium and asserts it renders. */
export async function assertReportRenders(html: string, name: string): Promise<Facts> {
  assert.ok(existsSync(CHROMIUM), chromiumMissingMessage());
  mkdirSync(artifacts, { recursive: true });
  assert.doesNotMatch(html, /\b(src|href)\s*=\s*["']?(https?:)?\/\//i, 'the report must not reference any external resource');
  const file = join(artifacts, `${name}.html`);
  writeFileSync(file, html);
  const check = await checkPageInChromium(file, PAGE_FACTS);
  writeFileSync(join(artifacts, `${name}.png`), check.screenshotPng);
  writeFileSync(join(artifacts, `${name}.pdf`), check.pdf);
  assert.deepEqual(check.errors, [], 'console errors in the report');
  assert.deepEqual(check.externalRequests, [], 'the report tried to reach the network');
  assert.ok(check.screenshotPng.length > 10_000, 'screenshot is empty');
  assert.ok(check.pdf.subarray(0, 5).toString() === '%PDF-', 'print to PDF failed');
  const facts = check.evaluation as Facts;
  assert.equal(facts.chartErrors, 0, 'a chart failed to render');
  assert.deepEqual(facts.chartWarnings, [], 'vega warned while rendering');
  for (const c of facts.charts) {
    assert.ok(c.hasSvg && c.marks > 5 && c.width > 100 && c.height > 50, `chart ${c.id} is empty: ${JSON.stringify(c)}`);
  }
  assert.ok(facts.scenarioShown > 50, 'the scenario YAML is shown');
  // Tables fit the page, or scroll inside their own frame: never the whole page sideways.
  assert.ok(facts.pageOverflowX <= 0, `the page is ${facts.pageOverflowX} px wider than a ${facts.viewport[0]} px window`);
  return facts;
}

/** The text of one section of a report, tags stripped, whitespace collapsed. */
export function sectionText(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  assert.ok(start >= 0, `no section #${id}`);
  const end = html.indexOf('</section>', start);
  return html.slice(start, end).replace(/<script[^]*?<\/script>/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ');
}
