"""
The Python ports' shared helpers: the Python twin of workloads/c/edge_runtime.c and edge_json.c.
Each gives exactly what the JS reference handlers get from the engine, so a port can answer the
same bytes:

- parse_json(data): `JSON.parse(new TextDecoder('utf-8', {fatal: true}).decode(data))`: strict
  UTF-8, one leading byte-order mark skipped, RFC 8259 grammar (no NaN or Infinity), every number
  a float (IEEE double, correctly rounded, overflowing to infinity), lone surrogate escapes kept,
  the last duplicate key winning, and ANY nesting depth;
- json_string(s): `JSON.stringify(s)` for a string (lone surrogates escaped, so the text encodes);
- js_trim(s): `String.prototype.trim` (JS white space, which is not Python's).

Depth: json.loads recurses in C once per nesting level. A native process meets a RecursionError,
but CPython in a Wasm guest exhausts the Wasm stack first (a trap, seen past ~1100 levels on
Wasmtime), so a document that may nest deeper than MAX_FAST_DEPTH takes the iterative parser
below instead. Both parsers give the same values (the fuzz tests compare either with JS).

Standard library only; imported by the handlers like any module next to them.
"""
import json
import json.decoder
import re

__all__ = ['parse_json', 'json_string', 'js_trim']

#: Deepest nesting json.loads is trusted with (Wasm stack: see above).
MAX_FAST_DEPTH = 256


def _no_constant(name):
    raise ValueError('not JSON: ' + name)


# Integers are floats too: JS has one number type, and float() rounds a long digit string exactly
# as JSON.parse does (to the nearest double, or to infinity).
_decoder = json.JSONDecoder(parse_int=float, parse_constant=_no_constant)
# Only the C scanner checks digits as ASCII ('0'-'9'); the pure-Python one would take any
# Unicode digit. Without it, every document goes through the iterative parser.
_FAST = json.scanner.c_make_scanner is not None
_scanstring = json.decoder.scanstring
_NUMBER = re.compile(r'-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?', re.ASCII)
_WS = re.compile(r'[ \t\n\r]*')
_SPECIAL = re.compile(r'["\\\[\]{}]')
_LITERALS = (('true', True), ('false', False), ('null', None))


def _max_depth(text):
    """Deepest bracket nesting outside strings, up to the first error that matters: where the
    text stops being JSON, json.loads stops too, and brackets after that point count for nothing
    it would do. A string ends at the first quote not escaped by a backslash."""
    depth = best = 0
    in_string = False
    escaped_at = -2
    for m in _SPECIAL.finditer(text):
        c = m.group()
        at = m.start()
        if in_string:
            if c == '\\':
                # A backslash escapes the next character, which may be another backslash.
                if escaped_at != at - 1:
                    escaped_at = at
                else:
                    escaped_at = -2
            elif c == '"' and escaped_at != at - 1:
                in_string = False
            continue
        if c == '"':
            in_string = True
            escaped_at = -2
        elif c == '[' or c == '{':
            depth += 1
            if depth > best:
                best = depth
        elif c == ']' or c == '}':
            depth -= 1
    return best


# Markers of an opened container (a parsed string "[" must not look like one).
_OPEN_ARRAY = object()
_OPEN_OBJECT = object()


def _value_at(text, i):
    """A scalar at i: (value, end), or (marker, i + 1) for '[' and '{' opening a container."""
    c = text[i:i + 1]
    if c == '"':
        return _scanstring(text, i + 1, True)
    if c == '[':
        return _OPEN_ARRAY, i + 1
    if c == '{':
        return _OPEN_OBJECT, i + 1
    for word, value in _LITERALS:
        if text.startswith(word, i):
            return value, i + len(word)
    m = _NUMBER.match(text, i)
    if m is None:
        raise ValueError('not JSON at %d' % i)
    return float(m.group()), m.end()


def _key_at(text, i):
    """An object key and its ':' at i: the key, and the index of the value after them."""
    if not text.startswith('"', i):
        raise ValueError('object key expected at %d' % i)
    key, i = _scanstring(text, i + 1, True)
    i = _WS.match(text, i).end()
    if not text.startswith(':', i):
        raise ValueError("':' expected at %d" % i)
    return key, _WS.match(text, i + 1).end()


def _parse_deep(text):
    """The same grammar and values as the fast path, with its own stack instead of recursion."""
    ws = _WS.match
    i = ws(text, 0).end()
    # Each open container: [container, key awaiting its value (objects) or None].
    stack = []
    while True:
        value, i = _value_at(text, i)
        i = ws(text, i).end()
        if value is _OPEN_ARRAY:
            if text.startswith(']', i):
                value, i = [], ws(text, i + 1).end()
            else:
                stack.append([[], None])
                continue
        elif value is _OPEN_OBJECT:
            if text.startswith('}', i):
                value, i = {}, ws(text, i + 1).end()
            else:
                key, i = _key_at(text, i)
                stack.append([{}, key])
                continue
        # A complete value: hand it to the enclosing containers, closing those that end here.
        while True:
            if not stack:
                if i != len(text):
                    raise ValueError('extra data at %d' % i)
                return value
            top = stack[-1]
            container = top[0]
            if type(container) is list:
                container.append(value)
                closer = ']'
            else:
                container[top[1]] = value
                closer = '}'
            if text.startswith(',', i):
                i = ws(text, i + 1).end()
                if closer == '}':
                    top[1], i = _key_at(text, i)
                break
            if text.startswith(closer, i):
                stack.pop()
                value = container
                i = ws(text, i + 1).end()
                continue
            raise ValueError('expected , or %s at %d' % (closer, i))


def parse_json(data):
    """JSON.parse of strictly decoded UTF-8 bytes; raises ValueError (UnicodeDecodeError and
    JSONDecodeError are ValueErrors) for anything JSON.parse or the decoder would refuse."""
    text = data.decode('utf-8')
    if text.startswith('\ufeff'):
        text = text[1:]
    if _FAST and (text.count('[') + text.count('{') <= MAX_FAST_DEPTH or _max_depth(text) <= MAX_FAST_DEPTH):
        return _decoder.decode(text)
    return _parse_deep(text)


_ESCAPES = {'"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}
_STRINGIFY = {c: _ESCAPES.get(chr(c), '\\u%04x' % c) for c in range(0x20)}
_STRINGIFY[ord('"')] = '\\"'
_STRINGIFY[ord('\\')] = '\\\\'
# A Python string from parse_json holds pairs as one code point, so any surrogate left is lone.
_STRINGIFY.update({c: '\\u%04x' % c for c in range(0xD800, 0xE000)})


def json_string(s):
    """JSON.stringify(s): quotes, escapes as JS prints them (lower-case hex, lone surrogates too)."""
    return '"' + s.translate(_STRINGIFY) + '"'


# String.prototype.trim strips WhiteSpace and LineTerminator: not Python's set (which adds
# U+001C-U+001F and U+0085, and misses U+FEFF).
_JS_SPACE = '\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'


def js_trim(s):
    """String.prototype.trim."""
    return s.strip(_JS_SPACE)
