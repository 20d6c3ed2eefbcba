/**
 * The HTML shell shared by the report and the compare report: one self-contained document
 * with inline CSS (screen and print), a Content-Security-Policy that forbids every external
 * load and every script, and nothing that needs a network.
 */
import { esc } from '../escape.js';

const CSS = `
:root { --ok: #1b7a3a; --bad: #b3261e; --warn: #8a5a00; --muted: #5f6368; --line: #d9d9d9; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.45; color: #202124; margin: 0 auto; max-width: 1080px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 2px solid #202124; padding-bottom: 3px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.meta, .method, figcaption, .note { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f3f4f6; } td.num { font-variant-numeric: tabular-nums; } .fig { white-space: nowrap; } code { overflow-wrap: anywhere; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-weight: bold; font-size: 12px; border: 1px solid currentColor; white-space: nowrap; }
.pass, .ok, .confirmed, .winner, .explained, .denied, .Wasm-wins, .container-wins, .bare-process-wins { color: var(--ok); } .no-difference { color: var(--warn); } .fail, .refuted, .chart-error, .worse, .unexplained, .allowed { color: var(--bad); }
.inconclusive, .check, .tie { color: var(--warn); } .not-compared, .not-measured, .not-testable, .unknown, .by-design, .same { color: var(--muted); } .better { color: var(--ok); }
.missing { border: 2px solid var(--warn); background: #fff8e6; padding: 8px 14px; margin: 14px 0; }
.missing h2 { border: 0; margin: 4px 0; font-size: 16px; }
figure { margin: 14px 0 22px; page-break-inside: avoid; break-inside: avoid; }
figure .svg svg { max-width: 100%; height: auto; }
figure.chart-missing p { color: var(--muted); font-style: italic; }
#answer .headline { font-size: 17px; font-weight: bold; margin: 6px 0; } .answer-points { margin: 4px 0 8px; padding-left: 20px; }
.scroll { overflow-x: auto; max-width: 100%; } .scroll table { width: auto; min-width: 100%; }
details.pairwise { margin: 6px 0 12px; } details.pairwise summary { cursor: pointer; font-weight: bold; } h4 { font-size: 13.5px; margin: 12px 0 4px; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
dl.repro { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 14px; font-size: 13px; } dl.repro dt { font-weight: bold; } dl.repro dd { margin: 0; word-break: break-all; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .scroll { overflow: visible; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table, tr, figure { break-inside: avoid; page-break-inside: avoid; }
  .missing { background: none; }
  @page { size: A4; margin: 14mm; }
}
`;

/**
 * A complete document. The CSP (`default-src 'none'`) makes the browser refuse any external
 * load, so "opens offline" holds by construction, not only by care.
 */
export function htmlDocument(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
