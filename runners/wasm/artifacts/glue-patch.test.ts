/** The glue patch step: applies to jco 1.35's shapes, fails loudly on anything else. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GLUE_PATCH_JCO_VERSION, GluePatchError, patchGlue } from './glue-patch.js';

const GLUE = `"use components";
export function instantiate(getCoreModule, imports) {
  const _debugLog = (...args) => {
    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }
    console.debug(...args);
  };
  realloc0 = exports1.cabi_realloc;
  try {
    realloc0Async = WebAssembly.promising(exports1.cabi_realloc);
  } catch(err) {
    realloc0Async = exports1.cabi_realloc;
  }
  try {
    postReturn0Async = WebAssembly.promising(exports1['cabi_post_wasi:http/incoming-handler@0.2.10#handle']);
  } catch(err) {
    postReturn0Async = exports1['cabi_post_wasi:http/incoming-handler@0.2.10#handle'];
  }
}
`;

test('both patches apply and the result still parses', () => {
  const r = patchGlue(GLUE, GLUE_PATCH_JCO_VERSION, 'test');
  assert.deepEqual(r.applied, { promising: 2, 'debug-env': 1 });
  assert.doesNotMatch(r.text, /WebAssembly\.promising/);
  assert.doesNotMatch(r.text, /env\?\.JCO_DEBUG\) \{ return/);
  assert.match(r.text, /realloc0Async = exports1\.cabi_realloc;/);
  assert.ok(r.text.startsWith('"use components";\nconst __labJcoDebugAtLoad'));
  // Parses as a module body (functions only, no top-level await needed).
  new Function(r.text.replace('export function', 'function'));
});

test('a glue without the pattern fails, naming the patch', () => {
  assert.throws(() => patchGlue(GLUE.replace(/WebAssembly\.promising/g, 'somethingElse'), GLUE_PATCH_JCO_VERSION, 'x.js'), (e: Error) => e instanceof GluePatchError && /"promising" found nothing/.test(e.message) && e.message.startsWith('x.js'));
  assert.throws(() => patchGlue(GLUE.replace('JCO_DEBUG', 'OTHER'), GLUE_PATCH_JCO_VERSION, 'x.js'), /"debug-env" found nothing/);
});

test('another jco version is refused', () => {
  assert.throws(() => patchGlue(GLUE, '1.36.0', 'x.js'), /written for jco 1\.35\.0 but jco 1\.36\.0/);
});
