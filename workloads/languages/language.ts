/**
 * What the lab needs to know about a language a workload handler can be written in: its source
 * file, whether its workloads are ports of a JS reference, and how to build each packaging's
 * artifact from one handler source. Runners never ask which language a workload is in; they ask
 * its language for the artifact (workloads/languages/index.ts finds it), so adding a language is
 * one file here plus one registry line.
 */
import type { RuntimeFile } from '../../lab/proc/runtime-files.js';
import type { Workload } from '../types.js';

export type { RuntimeFile } from '../../lab/proc/runtime-files.js';

/** One built file, with what the reproducibility record needs. */
export interface BuiltFile {
  path: string;
  /** `sha256:<hex>` of the file. */
  digest: string;
  sizeBytes: number;
}

/**
 * What a bare process runs for a workload (the process runner's instance, and what a container
 * image wraps):
 * - `node-module`: a JavaScript module exporting `handle`, behind the Node packaging server
 *   (workloads/packaging/node/server.ts);
 * - `executable`: a static executable serving HTTP itself on `HOST`:`PORT` from its environment;
 * - `interpreter`: an interpreter running the language's packaging script around the handler
 *   (Python: CPython and workloads/py/server.py), serving HTTP itself like an executable.
 *
 * A process that serves HTTP itself (`executable`, `interpreter`) keeps the C server's contract:
 * HOST (loopback only) and PORT, or LAB_SOCKET (a unix socket path); one `listening
 * 127.0.0.1:<port>` (or `listening unix:<path>`) line on stdout once it serves; with
 * LAB_EXIT_WITH_PARENT=1 it exits at the end of its stdin; SIGTERM ends it (PID 1 of a container).
 */
export type ProcessArtifact =
  | { kind: 'node-module'; packaging: 'node'; file: BuiltFile }
  | { kind: 'executable'; packaging: 'native-static'; file: BuiltFile }
  | InterpreterArtifact;

/** An interpreter and its packaging script: what the process runner starts and a FROM scratch image holds. */
export interface InterpreterArtifact {
  kind: 'interpreter';
  /** The interpreter packaging (`cpython`). */
  packaging: string;
  /** The handler as the process runs it (a content-addressed copy; its digest and size are the artifact's). */
  file: BuiltFile;
  /** The bare process's argv on this host, program first (absolute paths). */
  command: string[];
  /**
   * The FROM scratch image: every file it holds (the interpreter and the shared libraries ldd
   * lists, the modules the packaging and handler load, the app) and the argv it runs.
   */
  image: { files: RuntimeFile[]; entrypoint: string[] };
  /** The interpreter, for the reproducibility record. */
  runtime: { name: string; version: string; path: string; digest: string };
}

/** Options of a build: where to cache, and progress lines (a build can take seconds). */
export interface LanguageBuildOptions {
  cacheRoot?: string;
  log?: (line: string) => void;
}

/**
 * How a workload's component is packaged:
 * - `wasm-component`: as its language builds it (JS: componentize-js, whose Wizer snapshot is
 *   taken after the guest module's top level ran);
 * - `wasm-component-preinit`: also one warm-up call of the handler on the workload's first
 *   traffic fixture before the snapshot, so the first request of an instance finds the
 *   handler's code compiled and its first-run state made (a platform's pre-initialisation);
 * - `wasm-component-aot`: the JS interpreter's paths compiled ahead of time for this guest
 *   (componentize-js with weval).
 * A language with nothing to pre-initialise (C: no interpreter, no init) builds its one
 * component for every packaging and says so.
 */
export const COMPONENT_PACKAGINGS = ['wasm-component', 'wasm-component-preinit', 'wasm-component-aot'] as const;
export type ComponentPackaging = (typeof COMPONENT_PACKAGINGS)[number];

/** A built component and the packaging it really has. */
export interface BuiltComponent extends BuiltFile {
  packaging: ComponentPackaging;
  /** Why it is not the packaging asked for, when it is not. */
  note?: string;
}

/** One language of the registry. */
export interface Language {
  /** The manifest's `language` value (`js`, `c`). */
  id: string;
  /** Display name in reports (`JS`, `C`). */
  displayName: string;
  /** The handler source file inside the workload folder (`handler.ts`). */
  sourceFile: string;
  /**
   * `reference`: its workloads define fixtures and semantics (JS); `port`: each workload ports a
   * reference workload named by `fixturesFrom` and must answer its fixtures byte for byte (C).
   */
  role: 'reference' | 'port';
  /** The bare-process packaging of a workload (built, or located, on first call; cached). */
  processArtifact(w: Workload, opts?: LanguageBuildOptions): Promise<ProcessArtifact>;
  /** The workload as a wasi:http@0.2 incoming-handler component, in `packaging` (default `wasm-component`). */
  component(w: Workload, opts?: LanguageBuildOptions & { packaging?: ComponentPackaging }): Promise<BuiltComponent>;
}
