/**
 * wasi:http (types, outgoing-handler) for a synchronous, buffered host: the request body is
 * complete before the guest runs, the response body is collected in memory, and outbound HTTP
 * is denied with the wasi:http error variant `HTTP-request-denied` (the guest sees a clean
 * error, not a trap). Written for the jco glue's calling conventions: methods in camelCase,
 * `result` errors thrown as `WasiError(payload)`, u64 as bigint.
 */
import { InputStream, OutputStream, Pollable, WasiError, type IoError } from './io.js';

/** wasi:http method variant as the glue lifts and lowers it. */
export type Method = { tag: 'get' | 'head' | 'post' | 'put' | 'delete' | 'connect' | 'options' | 'trace' | 'patch' } | { tag: 'other'; val: string };

const STANDARD_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

/** The wasi:http method variant of an HTTP method token. */
export function methodVariant(method: string): Method {
  const lower = method.toLowerCase();
  // Only the upper-case spellings are the standard methods; `Get` stays an `other`.
  if (method === method.toUpperCase() && STANDARD_METHODS.has(lower)) return { tag: lower } as Method;
  return { tag: 'other', val: method };
}

/** The HTTP method token of a wasi:http method variant. */
export function methodToken(m: Method): string {
  return m.tag === 'other' ? m.val : m.tag.toUpperCase();
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header bytes as a string, one char per byte: node:http's own header encoding (latin1). */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function latin1Bytes(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'latin1'));
}

function validValue(v: Uint8Array): boolean {
  for (const b of v) if (b === 0 || b === 10 || b === 13) return false;
  return true;
}

/** wasi:http/types.fields: ordered, case-insensitive names, byte values; immutable once owned by a message. */
export class Fields {
  private list: [string, Uint8Array][] = [];
  private immutable = false;

  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    for (const [name, value] of entries) {
      if (!TOKEN.test(name) || !validValue(value)) throw new WasiError({ tag: 'invalid-syntax' });
      f.list.push([name.toLowerCase(), value.slice()]);
    }
    return f;
  }

  /** Host-side construction from a lower-case header record (values as latin1). */
  static fromRecord(headers: Record<string, string>, immutable: boolean): Fields {
    const f = new Fields();
    for (const [name, value] of Object.entries(headers)) f.list.push([name, latin1Bytes(value)]);
    f.immutable = immutable;
    return f;
  }

  get(name: string): Uint8Array[] {
    const n = name.toLowerCase();
    return this.list.filter(([k]) => k === n).map(([, v]) => v);
  }
  has(name: string): boolean {
    const n = name.toLowerCase();
    return this.list.some(([k]) => k === n);
  }
  set(name: string, values: Uint8Array[]): void {
    this.mutable(name);
    if (!values.every(validValue)) throw new WasiError({ tag: 'invalid-syntax' });
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n);
    for (const v of values) this.list.push([n, v.slice()]);
  }
  delete(name: string): void {
    this.mutable(name);
    const n = name.toLowerCase();
    this.list = this.list.filter(([k]) => k !== n);
  }
  append(name: string, value: Uint8Array): void {
    this.mutable(name);
    if (!validValue(value)) throw new WasiError({ tag: 'invalid-syntax' });
    this.list.push([name.toLowerCase(), value.slice()]);
  }
  entries(): [string, Uint8Array][] {
    return this.list.map(([k, v]) => [k, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.list = this.list.slice();
    return f;
  }
  /** Host side: the fields as a header record; repeated names become arrays (node:http's convention). */
  toRecord(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of this.list) {
      const s = latin1(v);
      const prev = out[k];
      out[k] = prev === undefined ? s : Array.isArray(prev) ? [...prev, s] : [prev, s];
    }
    return out;
  }
  /** A message takes ownership of its headers: from then on they are read-only (wasi:http semantics). */
  freeze(): this {
    this.immutable = true;
    return this;
  }

  private mutable(name: string): void {
    if (this.immutable) throw new WasiError({ tag: 'immutable' });
    if (!TOKEN.test(name)) throw new WasiError({ tag: 'invalid-syntax' });
  }
}

/** wasi:http/types.incoming-body: a buffered body, streamed once. */
export class IncomingBody {
  private streamed = false;
  constructor(private readonly bytes: Uint8Array) {}
  stream(): InputStream {
    if (this.streamed) throw new WasiError(undefined);
    this.streamed = true;
    return new InputStream(this.bytes);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

/** wasi:http/types.future-trailers: this host never has trailers. */
export class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): unknown {
    // option<result<result<option<trailers>, error-code>>>: some(ok(ok(none))).
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

/** wasi:http/types.incoming-request: built by the host from a PoP request. */
export class IncomingRequest {
  private consumed = false;
  private readonly fields: Fields;
  constructor(
    private readonly methodText: string,
    private readonly path: string,
    headers: Record<string, string>,
    private readonly body: Uint8Array,
  ) {
    this.fields = Fields.fromRecord(headers, true);
  }
  method(): Method {
    return methodVariant(this.methodText);
  }
  pathWithQuery(): string | undefined {
    return this.path;
  }
  scheme(): { tag: 'HTTP' } {
    return { tag: 'HTTP' };
  }
  authority(): string | undefined {
    const host = this.fields.get('host')[0];
    return host === undefined ? undefined : latin1(host);
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw new WasiError(undefined);
    this.consumed = true;
    return new IncomingBody(this.body);
  }
}

/** wasi:http/types.outgoing-body: collects the guest's bytes; complete once `finish` is called. */
export class OutgoingBody {
  readonly chunks: Uint8Array[] = [];
  finished = false;
  private stream: OutputStream | undefined;
  write(): OutputStream {
    if (this.stream || this.finished) throw new WasiError(undefined);
    this.stream = new OutputStream((b) => this.chunks.push(b));
    return this.stream;
  }
  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    if (trailers !== undefined) throw new WasiError({ tag: 'internal-error', val: 'trailers are not supported by this host' });
    body.stream?.close();
    body.finished = true;
  }
  /** The body's bytes, joined. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

/** wasi:http/types.outgoing-response. */
export class OutgoingResponse {
  status = 200;
  outBody: OutgoingBody | undefined;
  constructor(private readonly fields: Fields) {
    fields.freeze();
  }
  statusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (!(code >= 100 && code <= 999)) throw new WasiError(undefined);
    this.status = code;
  }
  headers(): Fields {
    return this.fields;
  }
  body(): OutgoingBody {
    if (this.outBody) throw new WasiError(undefined);
    this.outBody = new OutgoingBody();
    return this.outBody;
  }
}

/** The wasi:http `result<outgoing-response, error-code>` a guest hands to `response-outparam.set`. */
export type OutparamValue = { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: { tag: string; val?: unknown } };

/** wasi:http/types.response-outparam: where the guest puts its answer, once. */
export class ResponseOutparam {
  value: OutparamValue | undefined;
  static set(param: ResponseOutparam, response: OutparamValue): void {
    // A second `set` is a guest bug; the first answer stands and the host reports the misuse.
    if (param.value !== undefined) throw new Error('response-outparam.set called twice');
    param.value = response;
  }
}

/** wasi:http/types.request-options: stored, never used (outbound HTTP is denied). */
export class RequestOptions {
  private connect: bigint | undefined;
  private firstByte: bigint | undefined;
  private betweenBytes: bigint | undefined;
  connectTimeout(): bigint | undefined {
    return this.connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.connect = d;
  }
  firstByteTimeout(): bigint | undefined {
    return this.firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.firstByte = d;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.betweenBytes = d;
  }
}

/** wasi:http/types.outgoing-request: a guest may build one; sending it is denied. */
export class OutgoingRequest {
  private m: Method = { tag: 'get' };
  private path: string | undefined;
  private sch: unknown;
  private auth: string | undefined;
  private outBody: OutgoingBody | undefined;
  constructor(private readonly fields: Fields) {
    fields.freeze();
  }
  body(): OutgoingBody {
    if (this.outBody) throw new WasiError(undefined);
    this.outBody = new OutgoingBody();
    return this.outBody;
  }
  method(): Method {
    return this.m;
  }
  setMethod(m: Method): void {
    this.m = m;
  }
  pathWithQuery(): string | undefined {
    return this.path;
  }
  setPathWithQuery(p: string | undefined): void {
    this.path = p;
  }
  scheme(): unknown {
    return this.sch;
  }
  setScheme(s: unknown): void {
    this.sch = s;
  }
  authority(): string | undefined {
    return this.auth;
  }
  setAuthority(a: string | undefined): void {
    this.auth = a;
  }
  headers(): Fields {
    return this.fields;
  }
}

/** wasi:http/types.incoming-response: never created here, since no outbound request is sent. */
export class IncomingResponse {
  constructor() {
    throw new Error('incoming-response: this host sends no outbound requests');
  }
}

/** wasi:http/types.future-incoming-response: never created here. */
export class FutureIncomingResponse {
  constructor() {
    throw new Error('future-incoming-response: this host sends no outbound requests');
  }
}

/** wasi:http/types.http-error-code: no io error of this host carries an HTTP error code. */
export function httpErrorCode(_err: IoError): undefined {
  return undefined;
}

/** The error variant every outbound request gets: the guest sees a denial it can handle. */
export const REQUEST_DENIED = { tag: 'HTTP-request-denied' } as const;

/** wasi:http/outgoing-handler.handle: denied, always (see `outbound` in docs/wasm-host.md). */
export function denyOutgoing(_request: OutgoingRequest, _options: RequestOptions | undefined): never {
  throw new WasiError(REQUEST_DENIED);
}
