/**
 * The whole import object a wasi:http proxy component gets from this host, keyed the way jco's
 * glue looks interfaces up (unversioned: `wasi:http/types`), so any wasi:http@0.2.x component
 * links against it. `SUPPORTED_INTERFACES` lets prepare() reject a component that needs
 * something else, naming the interface, instead of failing at the first request.
 */
import * as http from './http.js';
import { IoError, InputStream, OutputStream, Pollable, poll } from './io.js';
import { socketsImports } from './sockets.js';
import { cliImports, filesystemImports, insecureRandom, insecureSeed, monotonicClock, random, wallClock, type GuestStdio } from './system.js';

/** Interfaces this host provides (unversioned names). */
export const SUPPORTED_INTERFACES: readonly string[] = [
  'wasi:cli/environment',
  'wasi:cli/exit',
  'wasi:cli/stdin',
  'wasi:cli/stdout',
  'wasi:cli/stderr',
  'wasi:cli/terminal-input',
  'wasi:cli/terminal-output',
  'wasi:cli/terminal-stdin',
  'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock',
  'wasi:clocks/wall-clock',
  'wasi:filesystem/preopens',
  'wasi:filesystem/types',
  'wasi:http/types',
  'wasi:http/outgoing-handler',
  'wasi:io/error',
  'wasi:io/poll',
  'wasi:io/streams',
  'wasi:random/random',
  'wasi:random/insecure',
  'wasi:random/insecure-seed',
  // Every socket request is denied (sockets.ts); linked for guests whose libc imports them.
  ...Object.keys(socketsImports),
];

/** The interface name without its `@version`: `wasi:http/types@0.2.10` -> `wasi:http/types`. */
export function unversioned(name: string): string {
  return name.replace(/@[^@/]*$/, '');
}

/** Imports of `imports` (as jco lists them) that this host does not provide. */
export function unsupportedImports(imports: readonly string[]): string[] {
  return imports.filter((i) => !SUPPORTED_INTERFACES.includes(unversioned(i)));
}

/**
 * Host interfaces for one instance. The classes are shared by every instance (the glue only
 * checks `instanceof`); stdio is per instance so a guest's output is attributed to its tenant.
 */
export function wasiImports(stdio: GuestStdio): Record<string, Record<string, unknown>> {
  return {
    ...cliImports(stdio),
    ...filesystemImports,
    ...socketsImports,
    'wasi:clocks/monotonic-clock': monotonicClock,
    'wasi:clocks/wall-clock': wallClock,
    'wasi:random/random': random,
    'wasi:random/insecure': insecureRandom,
    'wasi:random/insecure-seed': insecureSeed,
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:http/types': {
      Fields: http.Fields,
      FutureIncomingResponse: http.FutureIncomingResponse,
      FutureTrailers: http.FutureTrailers,
      IncomingBody: http.IncomingBody,
      IncomingRequest: http.IncomingRequest,
      IncomingResponse: http.IncomingResponse,
      OutgoingBody: http.OutgoingBody,
      OutgoingRequest: http.OutgoingRequest,
      OutgoingResponse: http.OutgoingResponse,
      RequestOptions: http.RequestOptions,
      ResponseOutparam: http.ResponseOutparam,
      httpErrorCode: http.httpErrorCode,
    },
    'wasi:http/outgoing-handler': { handle: http.denyOutgoing },
  };
}
