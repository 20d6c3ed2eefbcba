"""
The bare-process packaging of a Python handler: a small HTTP/1.1 server around one handler
module, on the standard library's socket and selectors only (http.server would add the email
package to every cold start and every image). The contract is the C static server's and the Node
packaging's (workloads/README.md, docs/languages.md):

    python3 -I -S -B server.py <folder holding handler.py>

binds HOST (default 127.0.0.1; only a loopback literal, 127.x.x.x or ::1, else exit 2; 0.0.0.0
only inside a Kubernetes pod, whose network namespace is its own: KUBERNETES_SERVICE_HOST set) and PORT
(default 0: any free port) and prints `listening 127.0.0.1:<port>`; or, when LAB_SOCKET names a
path, listens on that unix socket (a container without a network is reached through it) and
prints `listening unix:<path>`. With LAB_EXIT_WITH_PARENT=1 its stdin is a pipe from its parent,
whose end means the parent is gone, and it exits. SIGTERM and SIGINT exit at once (it runs as
PID 1 in its container).

Keep-alive and pipelined requests with content-length bodies; a chunked request gets 501, a body
over 1 MiB 413, a header section over 16 KiB 431, a malformed request 400, each with the
connection closed. Request headers reach the handler lower-cased and joined (edge_packaging.py).
A handler that raises, or answers something HTTP cannot carry, gets 500 with `x-lab-error:
handler-threw` / `handler-bad-response`, and the server keeps serving.
"""
import os
import selectors
import signal
import socket
import sys
import time

BODY_CAP_BYTES = 1024 * 1024
HEAD_CAP_BYTES = 16 * 1024
IDLE_TIMEOUT_S = 30.0
READ_CHUNK = 65536

_REASONS = {
    200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
    400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
    409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity',
    429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
    501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
    505: 'HTTP Version Not Supported',
}
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def die(message):
    sys.stderr.write('py-server: %s\n' % message)
    sys.stderr.flush()
    os._exit(2)


def is_loopback(host):
    if host == '::1':
        return True
    parts = host.split('.')
    return len(parts) == 4 and parts[0] == '127' and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)


class BadRequest(Exception):
    def __init__(self, status, text):
        Exception.__init__(self, text)
        self.status = status


def response_bytes(status, headers, body, head_only=False, close=False):
    """A response: `headers` are (name, value bytes); content-length always comes from the body."""
    out = [('HTTP/1.1 %d %s\r\n' % (status, _REASONS.get(status, 'Unknown'))).encode('latin-1')]
    for name, value in headers:
        out.append(name.encode('latin-1') + b': ' + value + b'\r\n')
    out.append(b'content-length: %d\r\n' % len(body))
    if close:
        out.append(b'connection: close\r\n')
    out.append(b'\r\n')
    if not head_only:
        out.append(body)
    return b''.join(out)


def plain(status, text, extra=(), close=False):
    return response_bytes(status, [('content-type', b'text/plain; charset=utf-8')] + list(extra), text.encode('utf-8'), close=close)


def parse_head(head):
    """(method, target, version, [(name, value)]) of a request head (without its blank line)."""
    lines = head.split(b'\r\n')
    parts = lines[0].split(b' ')
    if len(parts) != 3 or not parts[0] or not _TOKEN.issuperset(parts[0]) or not parts[1]:
        raise BadRequest(400, 'malformed request line')
    method, target, version = parts
    if version not in (b'HTTP/1.1', b'HTTP/1.0'):
        raise BadRequest(505 if version.startswith(b'HTTP/') else 400, 'unsupported HTTP version')
    headers = []
    for line in lines[1:]:
        colon = line.find(b':')
        if colon <= 0 or not _TOKEN.issuperset(line[:colon]):
            # Also an obsolete folded line (leading whitespace): RFC 9112 lets a server refuse it.
            raise BadRequest(400, 'malformed header line')
        value = line[colon + 1:].strip(b' \t')
        if b'\0' in value or b'\n' in value or b'\r' in value:
            raise BadRequest(400, 'malformed header value')
        headers.append((line[:colon].decode('latin-1').lower(), value.decode('latin-1')))
    return method.decode('latin-1'), target.decode('latin-1'), version, headers


class Connection:
    __slots__ = ('sock', 'inbuf', 'outbuf', 'closing', 'last_active')

    def __init__(self, sock, now):
        self.sock = sock
        self.inbuf = b''
        self.outbuf = b''
        self.closing = False
        self.last_active = now


class Server:
    def __init__(self, handle, Request, check_response, BadResponse, join_headers):
        self.handle = handle
        self.Request = Request
        self.check_response = check_response
        self.BadResponse = BadResponse
        self.join_headers = join_headers
        self.selector = selectors.DefaultSelector()
        self.conns = {}

    def failure(self, kind, detail):
        sys.stderr.write('py-server: %s: %s\n' % (kind, detail))
        sys.stderr.flush()
        return plain(500, 'handler failed (%s)\n' % kind, [('x-lab-error', kind.encode('latin-1'))])

    def answer(self, method, target, headers, body):
        req = self.Request(method, target, self.join_headers(headers), body)
        try:
            answer = self.handle(req)
        except Exception as e:
            return self.failure('handler-threw', '%s: %s' % (type(e).__name__, e))
        try:
            status, out_headers, out_body = self.check_response(answer)
        except self.BadResponse as e:
            return self.failure('handler-bad-response', str(e))
        return response_bytes(status, out_headers, out_body, head_only=method == 'HEAD')

    def serve_buffered(self, c):
        """Answers every complete request buffered on `c`, in order."""
        while not c.closing:
            end = c.inbuf.find(b'\r\n\r\n')
            if end < 0:
                if len(c.inbuf) > HEAD_CAP_BYTES:
                    c.outbuf += plain(431, 'request header section over %d bytes\n' % HEAD_CAP_BYTES, close=True)
                    c.closing = True
                return
            if end > HEAD_CAP_BYTES:
                c.outbuf += plain(431, 'request header section over %d bytes\n' % HEAD_CAP_BYTES, close=True)
                c.closing = True
                return
            try:
                method, target, version, headers = parse_head(c.inbuf[:end])
                length = 0
                keep_alive = version == b'HTTP/1.1'
                lengths = set()
                for name, value in headers:
                    if name == 'content-length':
                        lengths.add(value)
                    elif name == 'transfer-encoding':
                        raise BadRequest(501, 'chunked request bodies are not supported; send content-length')
                    elif name == 'connection':
                        tokens = [t.strip().lower() for t in value.split(',')]
                        if 'close' in tokens:
                            keep_alive = False
                        elif 'keep-alive' in tokens:
                            keep_alive = True
                if len(lengths) > 1:
                    raise BadRequest(400, 'conflicting content-length')
                if lengths:
                    text = lengths.pop()
                    if not text.isdigit() or not text.isascii():
                        raise BadRequest(400, 'malformed content-length')
                    length = int(text)
                if length > BODY_CAP_BYTES:
                    raise BadRequest(413, 'request body over the packaging cap of %d bytes' % BODY_CAP_BYTES)
            except BadRequest as e:
                c.outbuf += plain(e.status, '%s\n' % e, close=True)
                c.closing = True
                return
            start = end + 4
            if len(c.inbuf) < start + length:
                return
            body = c.inbuf[start:start + length]
            c.inbuf = c.inbuf[start + length:]
            c.outbuf += self.answer(method, target, headers, body)
            if not keep_alive:
                c.closing = True

    def close(self, c):
        try:
            self.selector.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        self.conns.pop(c.sock.fileno(), None)
        c.sock.close()

    def update(self, c):
        events = selectors.EVENT_WRITE if c.outbuf else (0 if c.closing else selectors.EVENT_READ)
        if events == 0:
            self.close(c)
        else:
            self.selector.modify(c.sock, events, c)

    def on_readable(self, c, now):
        try:
            data = c.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close(c)
            return
        if not data:
            # The client is done sending: answer what is complete, then close.
            c.closing = True
            if not c.outbuf:
                self.close(c)
                return
        else:
            c.last_active = now
            c.inbuf += data
            self.serve_buffered(c)
        self.on_writable(c)

    def on_writable(self, c):
        if c.outbuf:
            try:
                sent = c.sock.send(c.outbuf)
                c.outbuf = c.outbuf[sent:]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self.close(c)
                return
        if not c.outbuf and c.closing:
            self.close(c)
            return
        self.update(c)

    def run(self, listener, watch_parent):
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, 'listener')
        if watch_parent:
            self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, 'parent')
        while True:
            events = self.selector.select(1.0)
            now = time.monotonic()
            for key, _ in events:
                if key.data == 'listener':
                    self.accept(listener, now)
                elif key.data == 'parent':
                    if not os.read(key.fd, 64):
                        os._exit(0)
                else:
                    c = key.data
                    if c.sock.fileno() < 0:
                        continue
                    try:
                        if c.outbuf:
                            self.on_writable(c)
                        else:
                            self.on_readable(c, now)
                    except Exception as e:
                        # A bug of this server must cost one connection, never the instance.
                        sys.stderr.write('py-server: packaging-error: %s: %s\n' % (type(e).__name__, e))
                        self.close(c)
            for c in list(self.conns.values()):
                if now - c.last_active > IDLE_TIMEOUT_S:
                    self.close(c)

    def accept(self, listener, now):
        while True:
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            if sock.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c = Connection(sock, now)
            self.conns[sock.fileno()] = c
            self.selector.register(sock, selectors.EVENT_READ, c)


def listen():
    """The listening socket and the line that says where, from the environment."""
    path = os.environ.get('LAB_SOCKET', '')
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.bind(path)
        except OSError as e:
            die('cannot listen on unix:%s: %s' % (path, e))
        s.listen(128)
        return s, 'listening unix:%s' % path
    host = os.environ.get('HOST') or '127.0.0.1'
    # The kubelet sets KUBERNETES_SERVICE_HOST in every pod (the lab never does): there the pod's
    # own address is what its Service reaches.
    in_pod = os.environ.get('KUBERNETES_SERVICE_HOST', '') != ''
    if not is_loopback(host) and not (in_pod and host == '0.0.0.0'):
        die('HOST=%s refused: only a loopback address literal (127.x.x.x or ::1) is allowed (0.0.0.0 only inside a Kubernetes pod)' % host)
    port_text = os.environ.get('PORT') or '0'
    if not port_text.isdigit() or not port_text.isascii() or len(port_text) > 5 or int(port_text) > 65535:
        die('PORT=%s is not a port number' % port_text)
    family = socket.AF_INET6 if host == '::1' else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, int(port_text)))
    except OSError as e:
        die('cannot listen on %s:%s: %s' % (host, port_text, e))
    s.listen(128)
    shown = '[%s]' % host if ':' in host else host
    return s, 'listening %s:%d' % (shown, s.getsockname()[1])


def list_modules(server, path):
    """The build's question (workloads/py/build.ts): which module files does serving need? Every
    request of the file at `path` (harness framing) goes through the whole answer path, and each
    module then loaded is printed as `<name>\t<origin>` (a file, `built-in` or `frozen`), after
    `python\t<version>`.
    Builtins only until the list is taken, so nothing here adds a module of its own."""
    with open(path, 'rb') as f:
        data = f.read()
    at = 0

    def take():
        nonlocal at
        n = int.from_bytes(data[at:at + 4], 'little')
        at += 4 + n
        return data[at - n:at]

    while at < len(data):
        method = take().decode('latin-1')
        target = take().decode('latin-1')
        count = int.from_bytes(data[at:at + 4], 'little')
        at += 4
        headers = []
        for _ in range(count):
            name = take().decode('latin-1')
            headers.append((name, take().decode('latin-1')))
        server.answer(method, target, headers, take())
    plain(400, 'x\n', close=True)
    out = ['python\t%s' % sys.version.split()[0]]
    for name, module in sorted(sys.modules.items()):
        spec = getattr(module, '__spec__', None)
        origin = getattr(spec, 'origin', None)
        if name != '__main__' and origin:
            out.append('%s\t%s' % (name, origin))
    sys.stdout.write('\n'.join(out) + '\n')
    sys.stdout.flush()


def main():
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    if len(sys.argv) != 2:
        die('usage: server.py <folder holding handler.py>')
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [sys.argv[1], here]
    from edge_packaging import BadResponse, Request, check_response, join_headers

    try:
        import handler
    except Exception as e:
        die('cannot load %s/handler.py: %s: %s' % (sys.argv[1], type(e).__name__, e))
    handle = getattr(handler, 'handle', None)
    if not callable(handle):
        die('%s/handler.py has no function "handle"' % sys.argv[1])
    server = Server(handle, Request, check_response, BadResponse, join_headers)
    if os.environ.get('LAB_LIST_MODULES'):
        list_modules(server, os.environ['LAB_LIST_MODULES'])
        return
    listener, line = listen()
    sys.stdout.write(line + '\n')
    sys.stdout.flush()
    server.run(listener, os.environ.get('LAB_EXIT_WITH_PARENT') == '1')


main()
