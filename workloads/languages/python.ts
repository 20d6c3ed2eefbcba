/**
 * Python (`handler.py`, standard library only, beside the lab's `edge` helpers): each workload
 * ports a JS one and answers its fixtures byte for byte, under the Python handler rules
 * (workloads/py/rules.py, checked before any build). Its bare process is Debian's CPython 3.11
 * running the packaging server workloads/py/server.py (workloads/py/build.ts), which is also the
 * whole of its FROM scratch image with the standard library modules it loads; its component is
 * componentize-py's (workloads/py/component.ts), with CPython for WASI inside.
 */
import { buildPythonApp } from '../py/build.js';
import { buildPythonComponent } from '../py/component.js';
import type { Language } from './language.js';

/** The `py` language. */
export const python: Language = {
  id: 'py',
  displayName: 'Python',
  sourceFile: 'handler.py',
  role: 'port',
  processArtifact: (w, opts) => buildPythonApp(w, opts),
  component: (w, opts) => buildPythonComponent(w, opts),
};
