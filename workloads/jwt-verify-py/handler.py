"""
jwt-verify-py: the Python port of workloads/jwt-verify (same fixtures, same checks in the same
order, same bytes). Verifies an HS256 JSON Web Token (RFC 7519) from `authorization: Bearer
<jwt>` and answers with its subject and scope.

Unlike the JS reference, which has no crypto API in its guest and hashes in JavaScript, this port
uses the standard library's hmac and hashlib, as Python code does: the hashing is CPython's C,
so this is not the interpreter-bound workload it is in JS (docs/languages.md).

Handler rules: see workloads/hello-py/handler.py. The clock is `x-lab-now` or FIXED_NOW.
"""
import base64
import hashlib
import hmac
import math

from edge import json_string, parse_json

#: The HMAC key, as UTF-8 text. A LAB KEY: public, committed, for measurements only.
LAB_KEY_TEXT = 'edge-pop-lab HS256 lab key - public, for measurements only'

#: Clock without an `x-lab-now` header (epoch seconds, 2026-01-01T00:00:00Z). Mirrors workload.json.
FIXED_NOW = 1767225600

#: Largest request body accepted (bytes); the body is otherwise ignored. Mirrors workload.json.
BODY_LIMIT_BYTES = 8192

#: Longest Authorization header considered.
MAX_AUTHORIZATION_LENGTH = 8192

_LAB_KEY = LAB_KEY_TEXT.encode('utf-8')
_DIGITS = frozenset('0123456789')


def base64url_decode(s):
    """Strict unpadded base64url: bytes, or None for anything but the one canonical spelling
    (padding, characters outside the alphabet, an impossible length, non-zero leftover bits)."""
    try:
        raw = s.encode('ascii')
        out = base64.b64decode(raw + b'=' * (-len(raw) % 4), altchars=b'-_', validate=True)
    except ValueError:
        return None
    # Re-encoding gives back the input exactly when it was canonical: this refuses '+', '/',
    # '=' and stray low bits, which the decoder tolerates.
    if base64.urlsafe_b64encode(out).rstrip(b'=') != raw:
        return None
    return out


def _json_object(data):
    """Decoded JSON object (dict), or None if any step fails or it is not an object."""
    try:
        value = parse_json(data)
    except ValueError:
        return None
    return value if type(value) is dict else None


def _number(v):
    """typeof v === 'number' && Number.isFinite(v) (JSON numbers parse to float)."""
    return type(v) is float and math.isfinite(v)


def _header_safe(s):
    """/^[\\x20-\\x7e]{1,256}$/: the subject goes into a response header."""
    return 1 <= len(s) <= 256 and all(' ' <= c <= '~' for c in s)


def _bearer_token(authorization):
    """/^bearer +([^ ]+) *$/i: the token, or None."""
    if authorization[:6].lower() != 'bearer' or not authorization.startswith(' ', 6):
        return None
    token = authorization[6:].lstrip(' ').rstrip(' ')
    if token == '' or ' ' in token:
        return None
    return token


def verify(authorization, now):
    """(sub, scope), or the refusal's `error` text."""
    if authorization is None or authorization == '':
        return 'missing token'
    if len(authorization) > MAX_AUTHORIZATION_LENGTH:
        return 'malformed token'
    token = _bearer_token(authorization)
    if token is None:
        return 'malformed token'
    parts = token.split('.')
    if len(parts) != 3:
        return 'malformed token'
    header_part, payload_part, signature_part = parts
    header_bytes = base64url_decode(header_part)
    payload_bytes = base64url_decode(payload_part)
    signature = base64url_decode(signature_part)
    if header_bytes is None or payload_bytes is None or signature is None:
        return 'malformed token'

    header = _json_object(header_bytes)
    if header is None:
        return 'malformed token'
    # The algorithm is pinned, never taken from the token.
    if header.get('alg') != 'HS256':
        return 'wrong alg'

    signing_input = ('%s.%s' % (header_part, payload_part)).encode('ascii')
    expected = hmac.new(_LAB_KEY, signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return 'bad signature'

    claims = _json_object(payload_bytes)
    if claims is None:
        return 'malformed token'
    if 'exp' not in claims or 'sub' not in claims:
        return 'missing claim'
    exp = claims['exp']
    sub = claims['sub']
    if not _number(exp):
        return 'malformed token'
    if type(sub) is not str or not _header_safe(sub):
        return 'malformed token'
    scope = claims.get('scope')
    if 'scope' in claims and type(scope) is not str:
        return 'malformed token'
    nbf = claims.get('nbf')
    if 'nbf' in claims and not _number(nbf):
        return 'malformed token'
    if now >= exp:
        return 'expired'
    if 'nbf' in claims and now < nbf:
        return 'not yet valid'
    return sub, scope if scope is not None else ''


def _json(status, body, extra=None):
    headers = {'content-type': 'application/json', 'cache-control': 'no-store'}
    if extra:
        headers.update(extra)
    return status, headers, body.encode('utf-8')


def handle(req):
    """Verifies the bearer token: 200 {"sub","scope"} or 401 {"error"}."""
    if len(req.body) > BODY_LIMIT_BYTES:
        return _json(413, '{"error":"body too large","limitBytes":%d}' % BODY_LIMIT_BYTES)
    now = FIXED_NOW
    now_header = req.headers.get('x-lab-now')
    if now_header is not None:
        if not (1 <= len(now_header) <= 12) or not _DIGITS.issuperset(now_header):
            return _json(400, '{"error":"bad x-lab-now"}')
        now = int(now_header)
    result = verify(req.headers.get('authorization'), now)
    if type(result) is str:
        # RFC 6750 section 3: a 401 names the scheme; the detail stays in the body.
        return _json(401, '{"error":%s}' % json_string(result), {'www-authenticate': 'Bearer realm="edge-pop-lab"'})
    sub, scope = result
    return _json(200, '{"sub":%s,"scope":%s}' % (json_string(sub), json_string(scope)), {'x-auth-subject': sub})
