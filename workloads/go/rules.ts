/**
 * The handler rules (workloads/README.md) for Go, checked on the handler's imports before it is
 * compiled: a handler is deterministic (no clock, no randomness), does no I/O and is
 * synchronous. Go cannot hide a clock read or a file open behind a built-in the way JS can, so
 * the import list is where a breach shows; what it cannot show (a goroutine, a map iterated into
 * the output) is left to the identity and fuzz tests, which compare every answer with the JS one.
 */

/** The lab's handler interface package. */
export const EDGE_PACKAGE = 'edge-pop-lab/workloads/go/edge';

/** Pure standard-library packages a handler may import: computation on bytes, numbers and text. */
export const ALLOWED_IMPORTS: readonly string[] = [
  EDGE_PACKAGE,
  'bytes',
  'cmp',
  'container/heap',
  'container/list',
  'crypto/hmac',
  'crypto/md5',
  'crypto/sha1',
  'crypto/sha256',
  'crypto/sha512',
  'crypto/subtle',
  'encoding/base64',
  'encoding/binary',
  'encoding/hex',
  'errors',
  'hash',
  'hash/crc32',
  'hash/fnv',
  'maps',
  'math',
  'math/bits',
  'slices',
  'sort',
  'strconv',
  'strings',
  'unicode',
  'unicode/utf16',
  'unicode/utf8',
];

/** Imports that break a named rule, with the rule (the message a breach is reported with). */
const RULES: ReadonlyArray<{ match: (pkg: string) => boolean; rule: string }> = [
  { match: (p) => p === 'time', rule: 'no clock: time comes from the x-lab-now header or the manifest\'s fixedNow (edge.LabNow)' },
  { match: (p) => p === 'math/rand' || p === 'math/rand/v2' || p === 'crypto/rand', rule: 'no randomness: the same request gets the same bytes everywhere' },
  {
    match: (p) => ['os', 'net', 'syscall', 'io', 'io/fs', 'io/ioutil', 'log', 'fmt', 'path/filepath', 'embed', 'plugin'].includes(p) || /^(os|net|syscall|log)\//.test(p),
    rule: 'no I/O: a handler reads nothing but its request and writes nothing but its response (fmt can print: use strconv)',
  },
  { match: (p) => p === 'sync' || p.startsWith('sync/') || p === 'context', rule: 'synchronous: a handler starts no goroutine and waits on nothing' },
  { match: (p) => p === 'unsafe' || p === 'runtime' || p.startsWith('runtime/') || p === 'reflect', rule: 'portable: no runtime internals or unsafe memory (the packagings own the runtime)' },
];

/** One line per import of `imports` that the rules refuse, naming the rule; empty when all are allowed. */
export function handlerRuleBreaches(imports: readonly string[]): string[] {
  const out: string[] = [];
  for (const pkg of imports) {
    if (ALLOWED_IMPORTS.includes(pkg)) continue;
    const named = RULES.find((r) => r.match(pkg));
    out.push(`handler.go imports "${pkg}": ${named ? named.rule : `not a pure standard-library package a handler may use (allowed: ${ALLOWED_IMPORTS.join(', ')})`}`);
  }
  return out;
}
