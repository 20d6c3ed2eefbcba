/**
 * Patches for the JavaScript glue jco 1.35 generates, measured to matter on Node 20 (see the
 * shared notes `wasm-on-node.md`):
 *
 * 1. `promising`: the glue wraps exports with `WebAssembly.promising` inside try/catch. Node 20
 *    has no JSPI, so it throws, and building that error's message re-parses the ~1 MB glue:
 *    ~13 ms per instantiation, three quarters of it. The patch assigns the plain export, which
 *    is what the catch branch does anyway; the `...Async` variants are only used by async
 *    exports, which a synchronous proxy component has none of.
 * 2. `debug-env`: `_debugLog` reads `process.env.JCO_DEBUG` (a getter into the C++ environment)
 *    on every lift and lower. The patch reads it once, when the glue module loads.
 *
 * A patch that finds nothing to change fails loudly: a jco upgrade must be re-measured, not
 * silently run unpatched. The jco version is checked for the same reason.
 */

/** The jco version these patterns were written against. */
export const GLUE_PATCH_JCO_VERSION = '1.35.0';

/** Bumped whenever a patch changes, so cached artifacts are rebuilt (part of the cache key). */
export const GLUE_PATCH_REVISION = 'jco-1.35.0/r1';

/** One rewrite of the glue text. */
export interface GluePatch {
  name: string;
  /** Why it exists, for error messages. */
  why: string;
  apply(glue: string): { text: string; count: number };
}

// `  try {\n    x = WebAssembly.promising(expr);\n  } catch(err) {\n    x = expr;\n  }`
const PROMISING = /try \{\s*([A-Za-z_$][\w$]*) = WebAssembly\.promising\(([^;]*?)\);\s*\} catch\s*\(\s*\w+\s*\)\s*\{\s*\1 = \2;\s*\}/g;
const DEBUG_READ = 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const DEBUG_CONST = '__labJcoDebugAtLoad';

/** The patches, in the order they are applied. */
export const GLUE_PATCHES: readonly GluePatch[] = [
  {
    name: 'promising',
    why: 'WebAssembly.promising throws on Node 20 and its error re-parses the glue on every instantiation',
    apply(glue) {
      let count = 0;
      const text = glue.replace(PROMISING, (_m, name: string, expr: string) => {
        count++;
        return `${name} = ${expr};`;
      });
      return { text, count };
    },
  },
  {
    name: 'debug-env',
    why: 'process.env.JCO_DEBUG is read on every lift and lower',
    apply(glue) {
      const count = glue.split(DEBUG_READ).length - 1;
      if (count === 0) return { text: glue, count };
      const body = glue.split(DEBUG_READ).join(`if (!${DEBUG_CONST}) { return; }`);
      // Module scope, read once at load; placed after the leading directive prologue if any.
      const decl = `const ${DEBUG_CONST} = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n`;
      const prologue = /^(?:\s*"[^"]*";\s*\n)*/.exec(body)![0];
      return { text: prologue + decl + body.slice(prologue.length), count };
    },
  },
];

/** A patch found nothing to change, or the tool version is not the one the patches know. */
export class GluePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GluePatchError';
  }
}

/** Applies every patch; throws GluePatchError if the jco version differs or any patch matches nothing. */
export function patchGlue(glue: string, jcoVersion: string, origin: string): { text: string; applied: Record<string, number> } {
  if (jcoVersion !== GLUE_PATCH_JCO_VERSION) {
    throw new GluePatchError(
      `${origin}: glue patches were written for jco ${GLUE_PATCH_JCO_VERSION} but jco ${jcoVersion} is installed; re-measure and update runners/wasm/glue-patch.ts`,
    );
  }
  let text = glue;
  const applied: Record<string, number> = {};
  for (const p of GLUE_PATCHES) {
    const r = p.apply(text);
    if (r.count === 0) throw new GluePatchError(`${origin}: glue patch "${p.name}" found nothing to change (${p.why}); the glue of jco ${jcoVersion} changed shape, update runners/wasm/glue-patch.ts`);
    applied[p.name] = r.count;
    text = r.text;
  }
  return { text, applied };
}
