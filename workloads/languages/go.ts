/**
 * Go (`handler.go`, package handler, against workloads/go/edge): each workload ports a JS one and
 * answers its fixtures byte for byte. One build (workloads/go/build.ts) gives both packagings:
 * the static net/http server that is its bare process (and the whole of its FROM scratch image),
 * and the wasi:http component built by standard Go as a WASI preview1 reactor plus jco's preview1
 * reactor adapter (docs/languages.md, Go).
 */
import { buildGoWorkload } from '../go/build.js';
import type { Language } from './language.js';

/** The `go` language. */
export const go: Language = {
  id: 'go',
  displayName: 'Go',
  sourceFile: 'handler.go',
  role: 'port',
  async processArtifact(w, opts) {
    const { server } = await buildGoWorkload(w, opts);
    return { kind: 'executable', packaging: 'native-static', file: server };
  },
  async component(w, opts) {
    const { path, digest, sizeBytes } = (await buildGoWorkload(w, opts)).component;
    const asked = opts?.packaging ?? 'wasm-component';
    if (asked === 'wasm-component') return { path, digest, sizeBytes, packaging: asked };
    // The Go runtime's own start (_initialize) could be snapshotted, but no pre-initialiser for a Go reactor is built yet: say so.
    return { path, digest, sizeBytes, packaging: 'wasm-component', note: `${asked} is not built for Go (no snapshot of the Go runtime's start, no AOT step): the plain component is served` };
  },
};
