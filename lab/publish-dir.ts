/**
 * Publishing a freshly built cache directory. Test files and lab runs build the same artifacts
 * in parallel processes; the old "remove the target, rename ours over it" let one builder delete
 * a complete directory another was already reading (CI lost a componentize-js build that way:
 * "reading file .cache/js/wit-…: No such file"). A complete directory is therefore never
 * removed: the first rename wins, later builders keep the winner's copy and drop their own.
 */
import { renameSync, rmSync } from 'node:fs';

function targetTaken(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/**
 * Moves `tmp` to `dir`. When `dir` already exists and `complete()` says it is whole, `tmp` is
 * dropped and the existing directory is used ('found'); a torn or foreign `dir` (a build killed
 * before this layout, a key mismatch) is moved aside atomically and replaced ('published').
 */
export function publishDir(tmp: string, dir: string, complete: () => boolean): 'published' | 'found' {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(tmp, dir);
      return 'published';
    } catch (e) {
      if (!targetTaken(e)) throw e;
    }
    if (complete()) {
      rmSync(tmp, { recursive: true, force: true });
      return 'found';
    }
    if (attempt > 0) throw new Error(`cannot publish ${tmp} as ${dir}: the target keeps being replaced by an incomplete directory`);
    // Renamed first so that no reader ever sees it half removed.
    const stale = `${dir}.stale-${process.pid}-${Date.now()}`;
    try {
      renameSync(dir, stale);
    } catch {
      // Someone else moved it; the retry sees what is there now.
    }
    rmSync(stale, { recursive: true, force: true });
  }
}
