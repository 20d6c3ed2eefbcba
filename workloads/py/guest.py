"""
The wasi:http component packaging of a Python handler: the app module componentize-py wraps (as
`lab_guest`, beside handler.py, edge.py and edge_packaging.py). It exports
wasi:http/incoming-handler itself, so one instance serves many requests, and maps wasi:http to
the handler's request and answer by the rules every packaging shares (edge_packaging.py):
header bytes are latin-1 both ways, content-length comes from the body, and a handler that
raises or answers something HTTP cannot carry gets 500 with `x-lab-error`.

componentize-py runs this module's top level at build time and snapshots the interpreter after
it (its Wizer step), so the handler module is imported and compiled in every packaging. Only
modules loaded by then exist in the component (componentize-py keeps no file system:
bytecodealliance/componentize-py#23), and the standard library imports some lazily (hmac loads
`warnings` on its first call), so the build appends a preload() of every module serving the
workload's fixtures loads natively (workloads/py/build.ts). The pre-initialised packaging
(`wasm-component-preinit`) also appends one call of the handler on the workload's first traffic
fixture (warm_up, below).
"""
import sys

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import streams, types

import handler
from edge_packaging import BadResponse, Request, check_response, join_headers

_handle = handler.handle
_READ_CHUNK = 65536


def _method(m):
    if isinstance(m, types.Method_Other):
        return m.value
    return type(m).__name__[len('Method_'):].upper()


def _read_body(request):
    incoming = request.consume()
    stream = incoming.stream()
    chunks = []
    while True:
        try:
            chunks.append(stream.blocking_read(_READ_CHUNK))
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            raise
    stream.__exit__(None, None, None)
    types.IncomingBody.finish(incoming)
    return b''.join(chunks)


def _failure(kind, detail):
    sys.stderr.write('wasm-packaging: %s: %s\n' % (kind, detail))
    return 500, [('content-type', b'text/plain; charset=utf-8'), ('x-lab-error', kind.encode('latin-1'))], ('handler failed (%s)\n' % kind).encode('utf-8')


def _answer(req):
    try:
        answer = _handle(req)
    except Exception as e:
        return _failure('handler-threw', '%s: %s' % (type(e).__name__, e))
    try:
        return check_response(answer)
    except BadResponse as e:
        return _failure('handler-bad-response', str(e))


def _send(response_out, status, headers, body):
    headers.append(('content-length', str(len(body)).encode('latin-1')))
    response = types.OutgoingResponse(types.Fields.from_list(headers))
    response.set_status_code(status)
    outgoing = response.body()
    types.ResponseOutparam.set(response_out, Ok(response))
    stream = outgoing.write()
    at = 0
    # check-write bounds one write; the host grants far more than an edge response needs.
    while at < len(body):
        n = min(stream.check_write(), len(body) - at)
        stream.blocking_write_and_flush(body[at:at + n])
        at += n
    stream.__exit__(None, None, None)
    types.OutgoingBody.finish(outgoing, None)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request, response_out):
        try:
            pairs = [(name, value.decode('latin-1')) for name, value in request.headers().entries()]
            req = Request(_method(request.method()), request.path_with_query() or '/', join_headers(pairs), _read_body(request))
            status, headers, body = _answer(req)
        except Exception as e:
            status, headers, body = _failure('packaging-error', '%s: %s' % (type(e).__name__, e))
        _send(response_out, status, headers, body)


# The bare-process server's own modules: no use in a component.
_SERVER_ONLY = frozenset(('socket', '_socket', 'selectors', 'select', 'signal'))


def preload(names):
    """Imports `names` before the snapshot; one CPython for WASI lacks (or names otherwise) is skipped."""
    for name in names:
        if name.split('.')[0] in _SERVER_ONLY:
            continue
        try:
            __import__(name)
        except ImportError:
            pass


def warm_up(method, path, headers, body):
    """The pre-initialisation call: the handler once, before the snapshot; a failure fails the build."""
    answer = _handle(Request(method, path, {k.lower(): v for k, v in headers.items()}, body))
    try:
        check_response(answer)
    except BadResponse as e:
        raise RuntimeError('pre-initialisation call: %s' % e)
