// A guest that misbehaves on request, for the isolation tests of both Wasm runners:
//   /ok     answers 200 "ok <n>" where n counts requests served by this instance
//   /loop   never returns (a synchronous infinite loop): the host's deadline must stop it
//   /hog    allocates until the instance memory limit stops it (wasmtime tests)
//   /unset  returns without setting the response
//   /trap   sets the response twice: the second set breaks the instance
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.10';

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
    if (path === '/trap') {
      ResponseOutparam.set(out, { tag: 'ok', val: new OutgoingResponse(new Fields()) });
      ResponseOutparam.set(out, { tag: 'ok', val: new OutgoingResponse(new Fields()) });
      return;
    }
    respond(out, 200, 'ok ' + served);
  },
};
