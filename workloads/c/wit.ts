/**
 * The WIT world the C component is embedded against, as ONE source text: jco's WASI 0.2.12
 * packages with their versions rewritten to 0.2.10 (the version the C glue's import names carry
 * and the lab's Wasm host links), written as nested packages next to a world that exports
 * `wasi:http/incoming-handler`. One text, because jco's Wasm-compiled tools start without
 * filesystem access (a WIT directory path would need preopens).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** WASI version of the glue's imports and export (workloads/c/wasm/glue.c). */
export const C_WASI_VERSION = '0.2.10';

/** The WASI version jco ships complete WIT for. */
const SOURCE_WASI_VERSION = '0.2.12';

/** Fully qualified world name. */
export const C_WORLD = 'edge-pop-lab:c-guest/c-handler';

const cached = new Map<string, string>();

/** The world and every WASI package it may use, as one WIT source. */
export function cWitSource(): string {
  return handlerWitSource(C_WORLD);
}

/**
 * A world `<namespace>:<package>/<world>` exporting wasi:http/incoming-handler@0.2.10 and every
 * WASI package it may use, as one WIT source: what any guest with hand-written canonical-ABI
 * glue embeds (C here, Go in workloads/go/build.ts).
 */
export function handlerWitSource(world: string): string {
  const hit = cached.get(world);
  if (hit !== undefined) return hit;
  const m = /^([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)\/([a-z][a-z0-9-]*)$/.exec(world);
  if (!m) throw new Error(`not a fully qualified WIT world name: ${world}`);
  const jcoDist = dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco')));
  const src = join(jcoDist, '..', 'lib', 'wit', 'builtin', SOURCE_WASI_VERSION);
  const version = new RegExp(`@${SOURCE_WASI_VERSION.replace(/\./g, '\\.')}\\b`, 'g');
  let wit = `package ${m[1]};\n\nworld ${m[2]} {\n  export wasi:http/incoming-handler@${C_WASI_VERSION};\n}\n`;
  for (const pkg of readdirSync(src).sort()) {
    const text = readFileSync(join(src, pkg, 'package.wit'), 'utf8').replace(version, `@${C_WASI_VERSION}`);
    // `package a:b@v;` + body  ->  `package a:b@v { body }` (nested-package syntax).
    wit += `${text.replace(/^package ([^;]+);/m, 'package $1 {')}\n}\n`;
  }
  cached.set(world, wit);
  return wit;
}
