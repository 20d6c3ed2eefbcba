/**
 * The one place that decides where a rendered report goes: a file (written atomically, so a
 * CI job never uploads half a report) or standard output when no file (or `-`) is given.
 */
import { writeAtomic } from '../lab/results/store.js';

/** Writes `text` to `out`, or to stdout when `out` is undefined or '-'; returns where it went. */
export function writeOutput(text: string, out: string | undefined): string {
  if (out === undefined || out === '-') {
    process.stdout.write(text);
    return 'stdout';
  }
  writeAtomic(out, text);
  return out;
}
