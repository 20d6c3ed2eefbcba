"""
ab-flag-py: the Python port of workloads/ab-flag (same fixtures, same bytes). FNV-1a (32-bit) of
the user id per experiment puts a user in the same variant on every PoP without shared state; the
assignments go out as `x-ab-<experiment>` headers and as a JSON body.

Handler rules: see workloads/hello-py/handler.py.
"""
from edge import js_trim, json_string

#: Largest request body accepted (bytes): a GET carries none. Mirrors workload.json.
BODY_LIMIT_BYTES = 0

#: The running experiments: variants with integer percentages summing to 100, in assignment order.
EXPERIMENTS = (
    ('checkout-button', (('control', 50), ('green', 50))),
    ('pricing-page', (('control', 34), ('annual-first', 33), ('monthly-first', 33))),
    ('search-ranking', (('control', 90), ('ml-v2', 10))),
)

#: Personalisation cohorts: users split into this many stable groups by their id's hash.
COHORTS = 16

# Goes into headers and JSON unescaped, so the alphabet is kept to what needs no escaping.
_UID_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-')


def fnv1a32(data):
    """FNV-1a 32-bit hash of `data` (bytes), unsigned."""
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def bucket_of(experiment, uid):
    """Bucket 0..99 of a user in an experiment (salted with the experiment's name)."""
    return fnv1a32(('%s:%s' % (experiment, uid)).encode('utf-8')) % 100


def variant_for(variants, bucket):
    """The variant owning `bucket`: the first whose cumulative percentage exceeds it."""
    up_to = 0
    for name, percent in variants:
        up_to += percent
        if bucket < up_to:
            return name
    return variants[-1][0]


def find_user_id(headers):
    """`x-user-id` (trimmed) wins, else the first `uid` cookie (quotes stripped); None if neither."""
    from_header = headers.get('x-user-id')
    if from_header is not None:
        return js_trim(from_header)
    cookie = headers.get('cookie')
    if cookie is None:
        return None
    for pair in cookie.split(';'):
        eq = pair.find('=')
        if eq < 0 or js_trim(pair[:eq]) != 'uid':
            continue
        value = js_trim(pair[eq + 1:])
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        return value
    return None


def _json(status, body, extra=None):
    headers = {'content-type': 'application/json', 'cache-control': 'private, no-store', 'vary': 'cookie, x-user-id'}
    if extra:
        headers.update(extra)
    return status, headers, body.encode('utf-8')


def _error(status, message, extra=None):
    return _json(status, '{"error":%s}' % json_string(message), extra)


def handle(req):
    """Assigns the user to every experiment; 200 with the assignments, 400 without a usable user id."""
    if req.method != 'GET':
        return _error(405, 'method not allowed', {'allow': 'GET'})
    if len(req.body) > BODY_LIMIT_BYTES:
        return _json(413, '{"error":"body too large","limitBytes":%d}' % BODY_LIMIT_BYTES)
    uid = find_user_id(req.headers)
    if uid is None:
        return _error(400, 'missing user id')
    if not (1 <= len(uid) <= 64) or not _UID_CHARS.issuperset(uid):
        return _error(400, 'invalid user id')

    cohort = fnv1a32(uid.encode('utf-8')) % COHORTS
    headers = {}
    assignments = []
    summary = []
    for name, variants in EXPERIMENTS:
        bucket = bucket_of(name, uid)
        variant = variant_for(variants, bucket)
        assignments.append('{"experiment":%s,"bucket":%d,"variant":%s}' % (json_string(name), bucket, json_string(variant)))
        headers['x-ab-' + name] = variant
        summary.append('%s:%s' % (name, variant))
    headers['x-personalization'] = 'cohort=%d; variants=%s' % (cohort, ','.join(summary))
    body = '{"user":%s,"cohort":%d,"assignments":[%s]}' % (json_string(uid), cohort, ','.join(assignments))
    return _json(200, body, headers)
