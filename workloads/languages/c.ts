/**
 * C (`handler.c` against workloads/c/edge_handler.h): each workload ports a JS one and answers
 * its fixtures byte for byte. One build (workloads/c/build.ts) gives both packagings: the static
 * musl server that is its bare process (and the whole of its FROM scratch image), and the
 * wasi:http component.
 */
import { buildCWorkload } from '../c/build.js';
import type { Language } from './language.js';

/** The `c` language. */
export const c: Language = {
  id: 'c',
  displayName: 'C',
  sourceFile: 'handler.c',
  role: 'port',
  async processArtifact(w, opts) {
    const { server } = await buildCWorkload(w, opts);
    return { kind: 'executable', packaging: 'native-static', file: server };
  },
  async component(w, opts) {
    const built = (await buildCWorkload(w, opts)).component;
    const asked = opts?.packaging ?? 'wasm-component';
    // A hand-written C component has no interpreter and no init to run ahead: one build serves every packaging, and says so.
    if (asked === 'wasm-component') return { ...built, packaging: asked };
    return { ...built, packaging: 'wasm-component', note: `${asked} does not apply to C (no interpreter, no init to snapshot): the plain component is served` };
  },
};
