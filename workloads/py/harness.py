"""
The direct-call packaging of a Python handler for tests: no HTTP, one long-lived process that
answers framed requests on stdin with framed responses on stdout, in order, so thousands of fuzz
cases cost one interpreter start. The framing is the C harness's (workloads/c/harness-client.ts):
little-endian u32 lengths; a request is method, path, a header count, name/value pairs and the
body; a response is status, a failure flag, a header count, name/value pairs and the body.

    python3 -I -S -B harness.py <folder holding handler.py> <folder holding edge.py>

The failure flag is set when the handler raised or answered something no packaging can send;
the body then says what happened. Headers come back as the handler set them (before the
packaging drops its own), which is what the identity test compares.

The run-time guard (rules_guard.py) is on: a handler that reaches for a clock, randomness, the
network, files or processes fails its call with a message naming the rule.
"""
import struct
import sys

_U32 = struct.Struct('<I')


def _read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) < n:
        raise EOFError
    return data


def _field(stream):
    return _read_exact(stream, _U32.unpack(_read_exact(stream, 4))[0])


def _frame(parts):
    out = []
    for p in parts:
        if type(p) is int:
            out.append(_U32.pack(p))
        else:
            out.append(_U32.pack(len(p)))
            out.append(p)
    return b''.join(out)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write('usage: harness.py <handler folder> <edge folder>\n')
        sys.exit(2)
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import rules_guard
    from edge_packaging import BadResponse, Request, check_response

    rules_guard.install()
    import handler

    rules_guard.arm()
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        try:
            method = _field(stdin).decode('latin-1')
            path = _field(stdin).decode('latin-1')
            pairs = []
            for _ in range(_U32.unpack(_read_exact(stdin, 4))[0]):
                name = _field(stdin).decode('latin-1')
                pairs.append((name, _field(stdin).decode('latin-1')))
            body = _field(stdin)
        except EOFError:
            return
        # The harness hands headers over as the C one does: one per name, as sent.
        req = Request(method, path, dict(pairs), body)
        try:
            answer = handler.handle(req)
            status, _, out_body = check_response(answer)
            headers = [(k.encode('latin-1'), v.encode('latin-1')) for k, v in answer[1].items()]
            frame = [status, 0, len(headers)]
            for k, v in headers:
                frame += [k, v]
            frame.append(out_body)
        except (Exception, rules_guard.RuleBreach) as e:
            kind = 'handler-bad-response' if isinstance(e, BadResponse) else 'handler-threw'
            frame = [500, 1, 0, ('%s: %s: %s' % (kind, type(e).__name__, e)).encode('utf-8', 'replace')]
        stdout.write(_frame(frame))
        stdout.flush()


main()
