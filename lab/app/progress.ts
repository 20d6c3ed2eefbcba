/**
 * Progress on a terminal: one self-rewriting line while traffic runs, one summary line per
 * finished runtime. Silent when stderr is not a TTY or under CI, so logs stay clean.
 */
import type { RunEvent } from '../events.js';

/** True when progress should be shown (a TTY, and not CI). */
export function progressWanted(stream: NodeJS.WriteStream = process.stderr): boolean {
  return stream.isTTY === true && !process.env.CI;
}

/** An observer that draws progress on `stream`; a no-op when progress is not wanted. */
export function progressObserver(stream: NodeJS.WriteStream = process.stderr): (e: RunEvent) => void {
  if (!progressWanted(stream)) return () => {};
  let line = false;
  const clear = () => {
    if (line) stream.write('\r\x1b[2K');
    line = false;
  };
  return (e) => {
    switch (e.type) {
      case 'prepare':
        clear();
        stream.write(`preparing ${e.label}...\n`);
        break;
      case 'runtime-start':
        clear();
        stream.write(`running ${e.label} (repetition ${e.repetition}/${e.of})\n`);
        break;
      case 'load-progress': {
        const pct = e.spanMs > 0 ? Math.min(100, (100 * e.elapsedMs) / e.spanMs) : 100;
        stream.write(`\r\x1b[2K  ${pct.toFixed(0).padStart(3)}%  sent ${e.sent}  done ${e.completed}  cold ${e.cold}  errors ${e.errors}`);
        line = true;
        break;
      }
      case 'runtime-done': {
        clear();
        const r = e.result;
        stream.write(`  ${r.status}: p50 ${r.latency.all.p50} ms, p99 ${r.latency.all.p99} ms, cold starts ${r.coldStart.count}\n`);
        break;
      }
      case 'saved':
        clear();
        break;
    }
  };
}
