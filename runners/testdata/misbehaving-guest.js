// A guest that misbehaves on request, for the isolation tests of both Wasm runners:
//   /ok     answers 200 "ok <n>" where n counts requests served by this instance
//   /loop   never returns (a synchronous infinite loop): the host's deadline must stop it
//   /hog    allocates until the instance memory limit stops it (wasmtime tests)
//   /unset  returns without setting the response
//   /trap   sets the response twice: the second set breaks the instance
//   /connect?port=N  an escape probe: an outbound request to http://127.0.0.1:N/_lab/stats (the
//           PoP's control API when N is its port); answers "allowed <status>" or "denied <error>"
// Built in the probe world (workloads/js/wit.ts), which imports wasi:http/outgoing-handler.
import { handle as sendOutgoing } from 'wasi:http/outgoing-handler@0.2.10';
import { Fields, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.10';

let served = 0;
const hoard = [];

function respond(out, status, text) {
  const bytes = new TextEncoder().encode(text);
  const r = new OutgoingResponse(Fields.fromList([['content-type', new TextEncoder().encode('text/plain')]]));
  r.setStatusCode(status);
  const body = r.body();
  ResponseOutparam.set(out, { tag: 'ok', val: r });
  const s = body.write();
  s.blockingWriteAndFlush(bytes);
  s[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}

function errorName(e) {
  const p = e && e.payload !== undefined ? e.payload : e;
  return p && p.tag ? p.tag : String(e);
}

function connectProbe(port) {
  try {
    const req = new OutgoingRequest(new Fields());
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority('127.0.0.1:' + port);
    req.setPathWithQuery('/_lab/stats');
    const future = sendOutgoing(req, undefined);
    future.subscribe().block();
    // option<result<result<incoming-response, error-code>>>: the bindings return the inner value or throw the error.
    const got = future.get();
    const res = got && got.tag === 'ok' ? got.val : got;
    const inner = res && res.tag === 'ok' ? res.val : res;
    if (inner && inner.tag === 'err') return 'denied ' + errorName(inner.val);
    return 'allowed ' + (inner && typeof inner.status === 'function' ? inner.status() : '?');
  } catch (e) {
    return 'denied ' + errorName(e);
  }
}

export const incomingHandler = {
  handle(request, out) {
    served++;
    const path = request.pathWithQuery() ?? '/';
    if (path === '/loop') for (;;) {}
    if (path === '/hog') {
      for (;;) {
        const chunk = new Uint8Array(1 << 20);
        chunk.fill(served & 0xff);
        hoard.push(chunk);
      }
    }
    if (path === '/unset') return;
    if (path.startsWith('/connect?port=')) return respond(out, 200, connectProbe(Number(path.slice('/connect?port='.length))));
    if (path === '/trap') {
      ResponseOutparam.set(out, { tag: 'ok', val: new OutgoingResponse(new Fields()) });
      ResponseOutparam.set(out, { tag: 'ok', val: new OutgoingResponse(new Fields()) });
      return;
    }
    respond(out, 200, 'ok ' + served);
  },
};
