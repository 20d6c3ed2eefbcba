/**
 * ESM resolve hook (module.register) that sends `@bytecodealliance/preview2-shim` to the copy
 * installed under jco. componentize-js imports the shim by bare name but does not depend on it;
 * the project must not add it at top level (jco and jco-std want different ranges and `npm ls`
 * would turn invalid), so the one copy jco brings is used for everyone. Loaded on the loader
 * thread by ./tools.ts; nothing else imports it.
 */

let jcoPackageUrl: string | undefined;

/** Receives jco's package.json URL from `register(..., { data })`. */
export function initialize(data: { jcoPackageUrl: string }): void {
  jcoPackageUrl = data.jcoPackageUrl;
}

type NextResolve = (specifier: string, context: { parentURL?: string; conditions?: string[] }) => Promise<unknown>;

/** Resolves the shim (and its subpaths) as if jco itself imported it. */
export async function resolve(specifier: string, context: { parentURL?: string; conditions?: string[] }, next: NextResolve): Promise<unknown> {
  if (jcoPackageUrl && (specifier === '@bytecodealliance/preview2-shim' || specifier.startsWith('@bytecodealliance/preview2-shim/'))) {
    return next(specifier, { ...context, parentURL: jcoPackageUrl });
  }
  return next(specifier, context);
}
