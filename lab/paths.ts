/**
 * Where things are. Compiled code runs from dist/, while scenarios, fixtures and manifests stay
 * in the source tree; every module resolves project files through here, never through the
 * current working directory.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from './errors.js';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lab'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new EnvironmentError(`edge-pop-lab: cannot find the project root (a folder with package.json and scenarios/) above ${start}`);
    dir = up;
  }
}

/** The project root (the folder holding package.json). */
export const projectRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

/** Compiled JavaScript output: the folder this compiled file sits in (dist/ normally). */
export const distDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Cache for built artifacts (components, images' contexts...), never committed. */
export const cacheDir = process.env.LAB_CACHE_DIR ? resolve(process.env.LAB_CACHE_DIR) : join(projectRoot, '.cache');

/** Workload sources, manifests and fixtures. */
export const workloadsDir = join(projectRoot, 'workloads');

/** Default place for run results. */
export const resultsDir = join(projectRoot, 'results');
