/**
 * The files a Node binary needs to run in an empty (FROM scratch) image: the binary and every
 * shared library `ldd` lists (lab/proc/runtime-files.ts).
 */
import { programRuntimeFiles, type RuntimeFile } from '../../../lab/proc/runtime-files.js';

/** The node binary (`nodePath`, default the running one) and its libraries. */
export function nodeRuntimeFiles(nodePath: string = process.execPath): RuntimeFile[] {
  return programRuntimeFiles(nodePath);
}
