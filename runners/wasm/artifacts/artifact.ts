/**
 * A prepared component on disk: the component file, its jco-transpiled (and patched) glue and
 * core modules, and a manifest saying what went in. Written by build.ts, read by the engine and
 * the runner; the directory name carries the cache key, so a changed input is a new directory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the manifest file inside an artifact directory. */
export const MANIFEST_FILE = 'artifact.json';
/** Name of the component file inside an artifact directory. */
export const COMPONENT_FILE = 'component.wasm';
/** Subdirectory holding jco's output. */
export const GLUE_DIR = 'glue';
/** Module name passed to jco (`<name>.js`, `<name>.core.wasm`, ...). */
export const GLUE_NAME = 'component';

/** What an artifact directory holds. */
export interface ArtifactManifest {
  /** `sha256:` of every input together: the cache key. */
  key: string;
  /** Where the component came from: `workload:<name>` or `file:<path>`. */
  origin: string;
  /** `sha256:` of component.wasm. */
  digest: string;
  sizeBytes: number;
  /** Inputs of the key, for the record. */
  inputs: Record<string, string>;
  /** Interfaces the component imports and exports, as jco lists them. */
  imports: string[];
  exports: string[];
  /** The wasi:http incoming-handler export name, e.g. `wasi:http/incoming-handler@0.2.10`. */
  handlerExport: string;
  /** Core module file names under glue/, in jco's order. */
  coreModules: string[];
  /** Glue patches applied and how many places each changed. */
  patches: Record<string, number>;
  builtAtMs: number;
  buildMs: number;
}

/** A prepared artifact: its directory and manifest. */
export interface Artifact {
  dir: string;
  manifest: ArtifactManifest;
}

/** Reads an artifact directory's manifest. */
export function readArtifact(dir: string): Artifact {
  return { dir, manifest: JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ArtifactManifest };
}

/** Path of the patched glue module of an artifact. */
export function gluePath(dir: string): string {
  return join(dir, GLUE_DIR, `${GLUE_NAME}.js`);
}
