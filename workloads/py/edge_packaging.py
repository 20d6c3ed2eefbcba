"""
What every packaging of a Python handler does alike (the bare-process server, the wasi:http
component's adapter, the test harness), by the rules of the Node packaging
(workloads/packaging/node/adapter.ts): the request a handler is given, repeated request headers
joined with ", " (cookie: "; "), and the handler's answer checked before anything is sent.

A handler's answer is (status, headers, body): an int 200-599, a dict of lower-case header names
to str values that latin-1 can carry (no CR, LF, NUL or other control character but tab), and
bytes. `content-length`, `transfer-encoding` and `connection` are the packaging's and dropped.
"""

__all__ = ['Request', 'BadResponse', 'join_headers', 'check_response', 'PACKAGING_HEADERS']

#: Header names the packaging owns; a handler's values for them are ignored.
PACKAGING_HEADERS = frozenset(('content-length', 'transfer-encoding', 'connection'))

_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# What node:http's validateHeaderValue lets through: tab, visible ASCII and space, 0x80-0xFF.
_VALUE = frozenset(chr(c) for c in range(256) if c == 9 or 32 <= c <= 126 or c >= 128)


class Request:
    """A request as a handler sees it: method and path as sent, lower-case header names mapped
    to latin-1 text, the body as bytes."""

    __slots__ = ('method', 'path', 'headers', 'body')

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body


class BadResponse(Exception):
    """The handler's answer cannot be sent; the packaging answers 500 handler-bad-response."""


def join_headers(pairs):
    """Lower-case name -> value from (name, latin-1 value) pairs in arrival order: HTTP's list
    rule joins repeats with ", ", except cookie, joined with "; " (RFC 9113 8.2.3)."""
    grouped = {}
    for name, value in pairs:
        name = name.lower()
        seen = grouped.get(name)
        if seen is None:
            grouped[name] = [value]
        else:
            seen.append(value)
    return {name: ('; ' if name == 'cookie' else ', ').join(values) for name, values in grouped.items()}


def check_response(answer):
    """(status, [(name, value bytes)], body) of a handler's answer, content-length excluded;
    raises BadResponse naming the first problem."""
    if type(answer) is not tuple or len(answer) != 3:
        raise BadResponse('handler returned no (status, headers, body) tuple')
    status, headers, body = answer
    if type(status) is not int or not 200 <= status <= 599:
        raise BadResponse('bad status %r' % (status,))
    if type(body) is not bytes:
        raise BadResponse('body is not bytes')
    if type(headers) is not dict:
        raise BadResponse('headers is not a dict')
    out = []
    for name, value in headers.items():
        if type(name) is not str or name == '' or not _TOKEN.issuperset(name):
            raise BadResponse('header name %r is not a token' % (name,))
        if type(value) is not str:
            raise BadResponse('header %s is not a string' % name)
        if not _VALUE.issuperset(value):
            raise BadResponse('header %s has a character HTTP cannot carry' % name)
        name = name.lower()
        if name not in PACKAGING_HEADERS:
            out.append((name, value.encode('latin-1')))
    return status, out, body
