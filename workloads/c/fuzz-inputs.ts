/**
 * Seeded malformed requests for comparing a C port with its JS reference: mutations of the
 * fixtures plus inputs aimed at where two implementations of the same rules drift apart (JSON
 * corner cases: escapes, lone surrogates, BOMs, duplicate keys, huge and long numbers, deep
 * nesting; tokens whose payload is signed, so claim checks are reached; header bytes above 0x7f).
 * Header values are bytes; the JS handler sees them as node:http would (latin1).
 */
import { createHmac } from 'node:crypto';
import { fixtureRequestBody, type Workload } from '../registry.js';
import { Rng } from '../testkit/rng.js';

/** One generated request. */
export interface FuzzRequest {
  method: string;
  path: string;
  /** Lower-case names, one per name; values as bytes. */
  headers: Array<[string, Uint8Array]>;
  body: Uint8Array;
}

const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';
const LAB_KEY = 'edge-pop-lab HS256 lab key - public, for measurements only';
const latin1 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const utf8 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf8'));
const b64url = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

/** JSON texts that stress a parser's agreement with JSON.parse (each a raw text, not a value). */
const JSON_ATOMS = [
  '0', '-0', '1e400', '-1e400', '1.5', '85', '85.0001', '-40', '-40.0004', '-40.0005', '0.0005', '4.9995', '5.0005',
  '1767225600', '1767225600.0', '1.7672256e9', '9007199254740993', '9007199254740991', '-1', '1e-400', '0.1e1',
  '100000000000000000000000000000000000000000000000000000000000001e-60', '"\\u0074emperature"', '"temp\\u0000"',
  '"\\ud800"', '"\\ud83d\\ude00"', '"\\udc00\\ud800"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"é中😀"', 'true', 'false', 'null',
  '"battery"', '"co2"', '"humidity"', '"pressure"', '"temperature"', '"gw-1"', '"gw:2"', '"GW_3.x"', '""',
];
const BROKEN_JSON = ['01', '1.', '.5', '+1', '1e', '"\\x"', '"\\u12"', '[1,]', '{"a":1,}', '{a:1}', "'a'", 'NaN', 'Infinity', '"\t"', '[', '{', '"abc', '1 2', 'tru', 'nul', '\u00a0{}', '{}\u0000'];

function randomJsonText(rng: Rng, depth: number): string {
  const keys = ['device', 'readings', 'sensor', 'ts', 'value', '__proto__', 'alg', 'exp', 'nbf', 'sub', 'scope', 'x'];
  const k = depth > 3 ? rng.int(3) : rng.int(6);
  if (k === 0 || k === 1) return rng.pick(JSON_ATOMS);
  if (k === 2) return JSON.stringify(rng.string(rng.int(8), PRINTABLE));
  const ws = (): string => rng.pick(['', '', ' ', '\n', '\t', '\r\n ']);
  if (k === 3 || k === 4) {
    const members = Array.from({ length: rng.int(5) }, () => `${ws()}${JSON.stringify(rng.pick(keys))}${ws()}:${ws()}${randomJsonText(rng, depth + 1)}`);
    return `{${members.join(',')}${ws()}}`;
  }
  return `[${Array.from({ length: rng.int(5) }, () => ws() + randomJsonText(rng, depth + 1)).join(',')}]`;
}

/** A telemetry-shaped body: mostly valid structure, with corner-case values. */
function telemetryText(rng: Rng): string {
  const reading = (): string => {
    const sensor = rng.pick(JSON_ATOMS.filter((a) => a.startsWith('"')).concat(['"temperature"', '"co2"', '"humidity"']));
    const ts = rng.pick(['1767225600', '1767225000', '1766620800', '1766620799', '1767225900', '1767225901', '-0', '1.5', '"1"', '9007199254740992', '1767225600.0']);
    const value = rng.pick(JSON_ATOMS);
    return `{"sensor":${sensor},"ts":${ts},"value":${value}${rng.chance(0.1) ? ',"value":1' : ''}}`;
  };
  const batch = (): string => `{"device":${rng.pick(['"gw-1"', '"gw-2"', '"a"', '"B"', '"gw 1"', '""', '1', `"${'d'.repeat(64)}"`, `"${'d'.repeat(65)}"`])},"readings":[${Array.from({ length: rng.int(8) }, reading).join(',')}]}`;
  const n = rng.int(4);
  if (n === 0) return batch();
  return `[${Array.from({ length: rng.chance(0.05) ? 65 : n }, batch).join(',')}]`;
}

/** A token whose signature is valid, so the payload's claims are what gets tested. */
function signedToken(rng: Rng): string {
  const header = rng.chance(0.9) ? '{"alg":"HS256","typ":"JWT"}' : randomJsonText(rng, 2);
  const claims = [
    `"sub":${rng.pick(['"user-1"', '"a\\"b"', '"\\u0001"', '""', `"${'s'.repeat(257)}"`, '1', '"é"', '"ok \\\\ slash"'])}`,
    `"exp":${rng.pick(['1767229200', '1767225600', '1767225599', '1e400', '"1"', 'null', '1767229200.5'])}`,
    `"nbf":${rng.pick(['1767225600', '1767225601', '"x"', '0', '-1e400'])}`,
    `"scope":${rng.pick(['"read"', '""', '"\\ud800x"', '"\\n\\u007f\\u0080"', '"😀"', '1', 'null'])}`,
  ].filter(() => rng.chance(0.8));
  const payload = rng.chance(0.85) ? `{${claims.join(',')}}` : randomJsonText(rng, 1);
  const prefix = rng.chance(0.1) ? '\ufeff' : '';
  const input = `${b64url(utf8(prefix + header))}.${b64url(utf8(payload))}`;
  const sig = createHmac('sha256', LAB_KEY).update(input).digest('base64url');
  return `${input}.${sig}`;
}

function mutate(rng: Rng, s: string): string {
  let out = s;
  for (let n = 1 + rng.int(3); n > 0 && out.length > 0; n--) {
    const at = rng.int(out.length);
    const k = rng.int(4);
    if (k === 0) out = out.slice(0, at) + String.fromCharCode(rng.int(256)) + out.slice(at + 1);
    else if (k === 1) out = out.slice(0, at) + out.slice(at + 1 + rng.int(8));
    else if (k === 2) out = out.slice(0, at) + out.slice(at, at + 1 + rng.int(16)) + out.slice(at);
    else out = out.slice(0, at);
  }
  return out;
}

/**
 * The `i`-th request of a seeded stream for workload `w` (the JS reference). `httpSafe` keeps
 * what an HTTP client can send (token methods, header values without CR/LF/NUL).
 */
export function fuzzRequest(rng: Rng, w: Workload, httpSafe: boolean): FuzzRequest {
  const base = rng.pick(w.fixtures);
  const headers = new Map<string, Uint8Array>(rng.chance(0.7) ? Object.entries(base.request.headers).map(([k, v]) => [k, latin1(v)]) : []);
  let body = fixtureRequestBody(base);
  switch (rng.int(12)) {
    case 0: headers.set('authorization', rng.bytes(rng.int(100))); break;
    case 1: headers.set('authorization', latin1(`${rng.pick(['Bearer ', 'bearer  ', 'BEARER ', 'Bearer', 'Basic '])}${signedToken(rng)}${rng.pick(['', ' ', '  ', 'x'])}`)); break;
    case 2: headers.set('authorization', latin1(mutate(rng, `Bearer ${signedToken(rng)}`))); break;
    case 3: headers.set('cookie', rng.chance(0.5) ? rng.bytes(rng.int(60)) : latin1(`${rng.pick(['', 'a=1; ', 'uid; ', ' uid = "x"; '])}uid=${rng.pick(['"', '', ' '])}${rng.string(rng.int(70), PRINTABLE)}`)); break;
    case 4: headers.set('x-user-id', utf8(rng.pick(['', ' ', '\u00a0'])+ rng.string(rng.int(70), PRINTABLE + 'é中') + rng.pick(['', '\t', '\u00a0']))); break;
    case 5: body = rng.bytes(rng.int(300)); break;
    case 6: body = utf8(mutate(rng, Buffer.from(body).toString('latin1'))); break;
    case 7: body = utf8(randomJsonText(rng, 0)); break;
    case 8: body = utf8(rng.pick(['', '\ufeff', '\ufeff\ufeff']) + telemetryText(rng) + rng.pick(['', ' ', '\n', 'x'])); break;
    case 9: body = utf8(rng.pick(BROKEN_JSON)); break;
    case 10: {
      const depth = 1 + rng.int(3000);
      body = utf8(rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]`);
      break;
    }
    default: headers.set('x-lab-now', latin1(rng.pick(['', '-1', '1e9', '0', '999999999999', '9999999999999', ' 1767225600', String(rng.int(2 ** 31)), latin1Text(rng.bytes(5))])));
  }
  if (rng.chance(0.03)) body = new Uint8Array(w.manifest.bodyLimitBytes + rng.int(3));
  const methods = httpSafe ? ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] : ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'get', ''];
  const method = rng.chance(0.85) ? base.request.method : rng.pick(methods);
  const path = rng.chance(0.9) ? base.request.path : `/${encodeURIComponent(rng.string(rng.int(30), PRINTABLE))}`;
  let list = [...headers.entries()];
  if (httpSafe) {
    // What an HTTP client can send: no CR, LF or NUL, and no whitespace at the ends (the server trims it).
    list = list.filter(([, v]) => !v.some((b) => b === 0 || b === 10 || b === 13 || (b < 32 && b !== 9) || b === 127));
    list = list.map(([k, v]) => [k, trimOws(v)]);
  }
  return { method, path, headers: list, body };
}

function latin1Text(b: Uint8Array): string {
  return Buffer.from(b).toString('latin1');
}

function trimOws(v: Uint8Array): Uint8Array {
  let s = 0;
  let e = v.length;
  while (s < e && (v[s] === 32 || v[s] === 9)) s++;
  while (e > s && (v[e - 1] === 32 || v[e - 1] === 9)) e--;
  return v.slice(s, e);
}
