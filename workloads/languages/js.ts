/**
 * JS (TypeScript compiled by the project build to one ES module, `handler.ts`): the reference
 * language, whose workloads define fixtures and semantics. Its bare process is the compiled
 * module behind the Node packaging server; its component is componentize-js's
 * (workloads/js/component.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { sha256File } from '../../lab/digest.js';
import { EnvironmentError } from '../../lab/errors.js';
import { buildJsComponent } from '../js/component.js';
import type { Workload } from '../types.js';
import type { Language } from './language.js';

function compiledHandler(w: Workload): string {
  if (!existsSync(w.handlerPath)) throw new EnvironmentError(`workload ${w.name}: compiled handler ${w.handlerPath} does not exist; build the project first (npm run build)`);
  return w.handlerPath;
}

/** The `js` language. */
export const js: Language = {
  id: 'js',
  displayName: 'JS',
  sourceFile: 'handler.ts',
  role: 'reference',
  async processArtifact(w) {
    const path = compiledHandler(w);
    return { kind: 'node-module', packaging: 'node', file: { path, digest: sha256File(path), sizeBytes: statSync(path).size } };
  },
  component: (w, opts) => buildJsComponent(w, opts),
};
