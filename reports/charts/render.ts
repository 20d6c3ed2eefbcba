/**
 * Renders a vega-lite spec to an SVG string in Node (vega-lite compiled to vega, headless
 * view, no renderer): the report embeds pictures, not scripts, so it opens offline and prints.
 * Warnings and errors of vega-lite and vega are collected, so a chart that silently dropped a
 * channel is visible in the report and fails the tests.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The SVG and whatever vega complained about. */
export interface RenderedChart {
  svg: string;
  warnings: string[];
}

interface Logger {
  level(): number;
  level(l: number): Logger;
  error(...a: unknown[]): Logger;
  warn(...a: unknown[]): Logger;
  info(...a: unknown[]): Logger;
  debug(...a: unknown[]): Logger;
}

function collectingLogger(into: string[]): Logger {
  let lvl = 2;
  const logger: Logger = {
    level: ((l?: number) => {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    }) as Logger['level'],
    error: (...a) => (into.push(a.map(String).join(' ')), logger),
    warn: (...a) => (into.push(a.map(String).join(' ')), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/** Renders one spec; throws when vega fails (the caller shows the error in place of the chart). */
export async function renderSvg(spec: TopLevelSpec): Promise<RenderedChart> {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const vg = compile(spec, { logger: logger as never }).spec;
  const view = new View(parse(vg), { renderer: 'none', logger: logger as never });
  try {
    const svg = await view.toSVG();
    // Namespace attributes are URLs in form only; inline SVG in HTML does not need them, and the
    // report promises no URL at all.
    return { svg: svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, ''), warnings };
  } finally {
    view.finalize();
  }
}
