/**
 * The guest module componentize-js turns into a component: the workload's compiled handler,
 * unchanged except that `export` is taken off its declarations and it is wrapped in a function
 * scope, followed by an adapter that exports `incomingHandler` itself (so one instance serves
 * many requests, unlike a FetchEvent component) and maps wasi:http to EdgeRequest/EdgeResponse
 * by the same rules as the Node packaging (workloads/packaging/node/adapter.ts): repeated
 * request headers joined with ", " (cookie: "; "), response validated, content-length from the
 * body, a throwing handler or a malformed response answered 500 with `x-lab-error`, a `drip`
 * (hostile tenants only) written slice by slice with a timer between slices.
 */
import { sha256 } from '../../lab/digest.js';
import { InputError } from '../../lab/errors.js';

/** The wasi:http version StarlingMonkey in componentize-js 0.23 exports. */
export const WASI_HTTP_VERSION = '0.2.10';

/**
 * The adapter, verbatim as it goes into every guest. Header bytes are latin1 both ways, which is
 * what node:http does, so a header survives the Wasm packaging exactly as the Node one.
 */
export const ADAPTER_SOURCE = `
const PACKAGING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection']);
const utf8 = new TextEncoder();

function latin1Text(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function latin1Bytes(text) {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) throw new Error('header value has a character outside latin1');
    out[i] = c;
  }
  return out;
}

function methodToken(m) {
  return m.tag === 'other' ? m.val : m.tag.toUpperCase();
}

function requestHeaders(fields) {
  const grouped = new Map();
  for (const [name, value] of fields.entries()) {
    const list = grouped.get(name);
    if (list) list.push(latin1Text(value));
    else grouped.set(name, [latin1Text(value)]);
  }
  const headers = Object.create(null);
  for (const [name, values] of grouped) headers[name] = values.join(name === 'cookie' ? '; ' : ', ');
  return headers;
}

function readAll(incoming) {
  const body = incoming.consume();
  const stream = body.stream();
  const chunks = [];
  let size = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (e) {
      if (e && e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  stream[Symbol.dispose]();
  IncomingBody.finish(body);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function responseProblem(r) {
  if (typeof r !== 'object' || r === null) return 'handler returned no response object';
  const { status, headers, body } = r;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) return 'bad status ' + String(status);
  if (!(body instanceof Uint8Array)) return 'body is not a Uint8Array';
  if (typeof headers !== 'object' || headers === null) return 'headers is not an object';
  for (const [k, v] of Object.entries(headers)) if (typeof v !== 'string') return 'header ' + k + ' is not a string';
  return r.drip === undefined ? undefined : dripProblem(r.drip, body.length);
}

function dripProblem(drip, bodyLength) {
  if (typeof drip !== 'object' || drip === null) return 'drip is not an object';
  const { chunks, pauseMs } = drip;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1 || chunks > Math.max(1, bodyLength)) return 'drip.chunks ' + String(chunks) + " is not an integer from 1 to the body's length (" + bodyLength + ')';
  if (typeof pauseMs !== 'number' || !Number.isInteger(pauseMs) || pauseMs < 0 || pauseMs > 3600000) return 'drip.pauseMs ' + String(pauseMs) + ' is not an integer from 0 to 3600000';
  return undefined;
}

function failure(kind, detail) {
  console.error('wasm-packaging: ' + kind + ': ' + detail);
  const body = utf8.encode('handler failed (' + kind + ')\\n');
  return { status: 500, list: [['content-type', latin1Bytes('text/plain; charset=utf-8')], ['x-lab-error', latin1Bytes(kind)]], body };
}

function answer(request) {
  const edge = { method: methodToken(request.method()), path: request.pathWithQuery() ?? '/', headers: requestHeaders(request.headers()), body: readAll(request) };
  let r;
  try {
    r = labHandle(edge);
  } catch (e) {
    return failure('handler-threw', e instanceof Error ? e.message : String(e));
  }
  const problem = responseProblem(r);
  if (problem !== undefined) return failure('handler-bad-response', problem);
  try {
    const list = [];
    for (const [k, v] of Object.entries(r.headers)) {
      const name = k.toLowerCase();
      if (!PACKAGING_HEADERS.has(name)) list.push([name, latin1Bytes(v)]);
    }
    return { status: r.status, list, body: r.body, drip: r.drip };
  } catch (e) {
    return failure('handler-bad-response', e.message);
  }
}

function open(responseOut, out) {
  out.list.push(['content-length', latin1Bytes(String(out.body.length))]);
  const response = new OutgoingResponse(Fields.fromList(out.list));
  response.setStatusCode(out.status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  return { body, stream: body.write() };
}

function write(stream, bytes) {
  // check-write bounds one write; the host grants far more than an edge response needs, but obey it.
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(Number(stream.checkWrite()), bytes.length - at);
    stream.blockingWriteAndFlush(bytes.subarray(at, at + n));
    at += n;
  }
}

function close(o) {
  o.stream[Symbol.dispose]();
  OutgoingBody.finish(o.body, undefined);
}

function send(responseOut, out) {
  const o = open(responseOut, out);
  write(o.stream, out.body);
  close(o);
}

// A dripped body (EdgeResponse.drip): each slice flushed on its own, the pause a timer of
// StarlingMonkey's event loop, which waits in a wasi:clocks pollable (the host blocks; the guest
// burns no CPU). componentize-js runs the event loop until the promise of handle() settles.
async function sendDripped(responseOut, out) {
  const o = open(responseOut, out);
  const { chunks, pauseMs } = out.drip;
  const length = out.body.length;
  for (let k = 0; k < chunks; k++) {
    if (k > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    write(o.stream, out.body.subarray(Math.floor((k * length) / chunks), Math.floor(((k + 1) * length) / chunks)));
  }
  close(o);
}

export const incomingHandler = {
  handle(request, responseOut) {
    let out;
    try {
      out = answer(request);
    } catch (e) {
      out = failure('packaging-error', e instanceof Error ? e.message : String(e));
    }
    // Only a drip makes handle() asynchronous: every other response is written before it returns.
    if (out.drip) return sendDripped(responseOut, out);
    send(responseOut, out);
  },
};
`;

/** `sha256:` of the adapter text: one of the component cache key's inputs. */
export const ADAPTER_DIGEST = sha256(ADAPTER_SOURCE);

/**
 * The compiled handler as a script body: a handler may carry `export` on declarations and
 * nothing else of module syntax (its type imports are erased by tsc). Anything else is refused,
 * which is also the check that the handler imports nothing at run time.
 */
export function handlerScript(source: string, origin: string): string {
  const script = source.replace(/^export (?=(?:async )?(?:function|const|let|var|class) )/gm, '');
  const leftover = /^\s*(?:import|export)\b.*$/m.exec(script);
  if (leftover) throw new InputError(`${origin}: handler has module syntax a component guest cannot take: ${leftover[0]}`);
  return script;
}

/** A request as the handler sees it (EdgeRequest), for the pre-initialisation call. */
export interface WarmupRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * The pre-initialisation call (packaging `wasm-component-preinit`): run at the guest module's
 * top level, so inside componentize-js's Wizer step, before the snapshot. The handler's
 * functions are compiled to bytecode on their first call and its first-run state (lazily built
 * tables, parsed keys) is made; the snapshot keeps both, so an instance's first request does not
 * pay for them. The adapter's conversion of the response is run too. A handler that throws here
 * fails the build, naming the workload; a stateful handler sees one request it did not get.
 */
export function warmupSource(r: WarmupRequest): string {
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return `
{
  const r = labHandle({ method: ${JSON.stringify(r.method.toUpperCase())}, path: ${JSON.stringify(r.path)}, headers: Object.assign(Object.create(null), ${JSON.stringify(headers)}), body: new Uint8Array(${JSON.stringify([...r.body])}) });
  const problem = responseProblem(r);
  if (problem !== undefined) throw new Error('pre-initialisation call: ' + problem);
  for (const v of Object.values(r.headers)) latin1Bytes(v);
}
`;
}

/** The guest module text for one handler: imports, the handler in its own scope, the adapter, and the pre-initialisation call when one is given. */
export function guestSource(handlerSource: string, origin: string, warmup?: WarmupRequest): string {
  return [
    `// Generated by edge-pop-lab runners/wasm/guest-source.ts from ${origin}. Do not edit.`,
    `import { Fields, IncomingBody, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@${WASI_HTTP_VERSION}';`,
    '',
    'const labHandle = (() => {',
    handlerScript(handlerSource, origin),
    `if (typeof handle !== 'function') throw new Error('${origin.replace(/'/g, '')}: no function "handle"');`,
    'return handle;',
    '})();',
    ADAPTER_SOURCE,
    ...(warmup ? [warmupSource(warmup)] : []),
  ].join('\n');
}
