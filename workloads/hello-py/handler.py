"""
hello-py: the Python port of workloads/hello (same fixtures, same bytes). The baseline: latency
and memory are the packaging's own cost, here a CPython interpreter's.

Handler rules (workloads/README.md, Python): `handle(req)` takes a request with `method`, `path`,
`headers` (lower-case names, latin-1 values) and `body` (bytes) and returns (status, headers,
body); standard library modules on the allow-list and `edge` only; no clock, randomness, I/O.
"""

#: Largest request body accepted (bytes): none. Mirrors workload.json.
BODY_LIMIT_BYTES = 0

_TEXT = 'text/plain; charset=utf-8'
_GREETING = b'hello from edge-pop-lab\n'
_NOT_ALLOWED = b'method not allowed\n'
_TOO_LARGE = b'body too large\n'


def handle(req):
    """Answers GET on any path with a fixed greeting."""
    if req.method != 'GET':
        return 405, {'content-type': _TEXT, 'allow': 'GET'}, _NOT_ALLOWED
    if len(req.body) > BODY_LIMIT_BYTES:
        return 413, {'content-type': _TEXT}, _TOO_LARGE
    return 200, {'content-type': _TEXT}, _GREETING
