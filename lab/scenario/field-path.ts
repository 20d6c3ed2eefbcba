/** Field paths: how the loader names a place in a scenario (`tenants.mix[1].weight`). */

/** Keys and list indices from the document root to a field. */
export type FieldPath = readonly (string | number)[];

/** Formats a path as users read it: dotted keys, bracketed indices (`tenants.mix[1].weight`); '' for the root. */
export function formatField(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/**
 * Turns a JSON pointer (as Ajv reports `instancePath`) into a path, using the data to tell list
 * indices from keys that merely look numeric.
 */
export function pointerToPath(pointer: string, data: unknown): FieldPath {
  if (!pointer) return [];
  const path: (string | number)[] = [];
  let at: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) {
      const index = Number(key);
      path.push(index);
      at = at[index];
    } else {
      path.push(key);
      at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

/** True when one path is the other or lies under it (a problem at either makes the other unreliable). */
export function pathsOverlap(a: FieldPath, b: FieldPath): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
