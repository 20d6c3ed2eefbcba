/**
 * Hand-picked corner cases where a port is most likely to drift from its JS reference (JSON
 * escapes and lone surrogates, BOMs, duplicate keys, huge numbers, rounding ties, deep nesting,
 * latin1 white space, odd cookies), per JS workload. The C and Go port tests send each through
 * the port's harness and compare status, headers and body bytes with the JS handler.
 */
import { createHmac } from 'node:crypto';

/** One corner case: the request parts that differ from a plain request to `/`. */
export interface CornerCase {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

const LAB_KEY = 'edge-pop-lab HS256 lab key - public, for measurements only';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
function token(header: string, payload: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', LAB_KEY).update(input).digest('base64url')}`;
}

const H = '{"alg":"HS256"}';
/** The corner cases of each JS workload (by name). */
export const CORNER_CASES: Record<string, CornerCase[]> = {
  'jwt-verify': [
    { headers: { authorization: `Bearer ${token(H, '{"sub":"a\\"b\\\\c","exp":1767229200,"scope":"\\ud800x\\n\\u007f\\u0080😀\\udc00"}')}` } },
    { headers: { authorization: `bearer   ${token(`\ufeff${H}`, '\ufeff{"sub":"u","exp":1767229200}')}   ` } },
    { headers: { authorization: `Bearer ${token('{"alg":"none","alg":"HS256"}', '{"sub":"u","exp":1767229200,"exp":1}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1e400}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767225600.0000001}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200,"nbf":1767225600.5}')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"__proto__":{"sub":"u"},"exp":1767229200}')}` } },
    { headers: { authorization: `Bearer ${token(H, '[{"sub":"u","exp":1767229200}]')}` } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200}')}`, 'x-lab-now': '1767229199' } },
    { headers: { authorization: `Bearer ${token(H, '{"sub":"u","exp":1767229200}')}x` } },
  ],
  telemetry: [
    { body: '{"device":"d","readings":[{"sensor":"temperature","ts":1767225600,"value":-0.0005},{"sensor":"temperature","ts":1767225600,"value":-0.0004999}]}' },
    { body: '{"device":"d","readings":[{"sensor":"battery","ts":1767225600,"value":4.9995},{"sensor":"battery","ts":1767225600,"value":0.0015},{"sensor":"battery","ts":1767225600,"value":1.0005}]}' },
    { body: '{"device":"d","readings":[{"sensor":"co2","ts":1.7672256e9,"value":100000000000000000000000000000000000000000000001e-43}]}' },
    { body: '{"device":"d","readings":[{"sensor":"humidity","ts":-0,"value":1},{"sensor":"humidity","ts":9007199254740993,"value":1},{"sensor":"\\u0068umidity","ts":1767225600,"value":1e-400}]}' },
    { body: '\ufeff[{"device":"b","readings":[]},{"device":"a","readings":[{"sensor":"pressure","ts":1767225600,"value":1100}]},{"device":"b","readings":[{"sensor":"pressure","ts":1766620799,"value":300}]}]' },
    { body: `${'['.repeat(30000)}${']'.repeat(30000)}` },
    { body: `[${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}]` },
    { body: '{"device":"d","readings":[],"device":"e\\u0000"}' },
    { body: '{"device":"d","readings":[{"sensor":"temperature","ts":1767225600,"value":85,"value":"x"}]}' },
    { body: '{"device":"d","readings":[{"sensor":"temp\\ud800","ts":1,"value":1}]} ' },
    { body: '{"device":"d","readings":[1,null,[],{"sensor":1}]}\u0000' },
    { body: '"\\ud800\\udc00\\udbff"' },
  ],
  'ab-flag': [
    { headers: { 'x-user-id': '\u00a0\t u-1 \u00a0' } },
    { headers: { cookie: 'a=1; uid; uid = "u-2" ; uid=u-3' } },
    { headers: { cookie: 'uid="' } },
    { headers: { cookie: 'uid=""' } },
    { headers: { 'x-user-id': '' , cookie: 'uid=u-4' } },
    { headers: { 'x-user-id': 'x'.repeat(65) } },
  ],
  hello: [{ method: 'HEAD' }, { method: 'get' }, { body: 'x' }],
};

