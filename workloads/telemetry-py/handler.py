"""
telemetry-py: the Python port of workloads/telemetry (same fixtures, same bytes). A gateway POSTs
a batch of sensor readings (or an array of batches); the edge drops the invalid and implausible
ones and answers count, min, max and mean per device and sensor.

Determinism: values are quantised to integer milli-units on entry (JS Math.round(value * 1000),
done exactly here), sums and means are integer arithmetic, numbers are printed by hand with three
decimals.

Handler rules: see workloads/hello-py/handler.py. The clock is `x-lab-now` or FIXED_NOW.
"""
import math

from edge import json_string, parse_json

#: Largest request body accepted (bytes), 64 KiB. Mirrors workload.json.
BODY_LIMIT_BYTES = 65536

#: Clock without an `x-lab-now` header (epoch seconds, 2026-01-01T00:00:00Z). Mirrors workload.json.
FIXED_NOW = 1767225600

#: Readings older than this many seconds before now are dropped as stale (7 days).
MAX_AGE_SECONDS = 7 * 24 * 3600

#: Readings more than this many seconds after now are dropped as future.
MAX_SKEW_SECONDS = 300

#: Most batches one request may carry.
MAX_BATCHES = 64

#: Known sensors and their plausible ranges (inclusive).
SENSORS = {
    'battery': (0, 5),
    'co2': (0, 10000),
    'humidity': (0, 100),
    'pressure': (300, 1100),
    'temperature': (-40, 85),
}

#: Reasons a reading is dropped, in the order the response lists them.
DROP_REASONS = ('invalid', 'unknown-sensor', 'out-of-range', 'stale', 'future')

_DEVICE_CHARS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-')
_DIGITS = frozenset('0123456789')
_MAX_SAFE_INTEGER = 2 ** 53 - 1


class ShapeError(Exception):
    """The body as a whole is unusable: 400."""


def js_round(x):
    """Math.round of a finite double: the nearest integer, halves toward +infinity, exactly
    (from the float's exact ratio, so 0.49999999999999994 is 0 as in JS)."""
    n, d = x.as_integer_ratio()
    return (2 * n + d) // (2 * d)


def _classify(reading, now):
    """(sensor or None, drop reason or None, milli-units or None)."""
    if type(reading) is not dict:
        return None, 'invalid', None
    sensor = reading.get('sensor')
    if type(sensor) is not str:
        return None, 'invalid', None
    limits = SENSORS.get(sensor)
    if limits is None:
        return None, 'unknown-sensor', None
    ts = reading.get('ts')
    # Number.isSafeInteger(ts) && ts >= 0 (-0 passes, as in JS).
    if type(ts) is not float or not math.isfinite(ts) or not ts.is_integer() or abs(ts) > _MAX_SAFE_INTEGER or ts < 0:
        return sensor, 'invalid', None
    value = reading.get('value')
    if type(value) is not float or not math.isfinite(value):
        return sensor, 'invalid', None
    if value < limits[0] or value > limits[1]:
        return sensor, 'out-of-range', None
    if ts < now - MAX_AGE_SECONDS:
        return sensor, 'stale', None
    if ts > now + MAX_SKEW_SECONDS:
        return sensor, 'future', None
    return sensor, None, js_round(value * 1000)


def aggregate(parsed, now):
    """(batches, accepted, dropped by reason, {device: {sensor: [count, min, max, sum, dropped]}});
    raises ShapeError when the body as a whole is unusable."""
    batches = parsed if type(parsed) is list else [parsed]
    if len(batches) == 0:
        raise ShapeError('no batches')
    if len(batches) > MAX_BATCHES:
        raise ShapeError('more than %d batches' % MAX_BATCHES)
    accepted = 0
    dropped = dict.fromkeys(DROP_REASONS, 0)
    devices = {}
    for b, batch in enumerate(batches):
        if type(batch) is not dict:
            raise ShapeError('batch %d is not an object' % b)
        device = batch.get('device')
        readings = batch.get('readings')
        if type(device) is not str or not (1 <= len(device) <= 64) or not _DEVICE_CHARS.issuperset(device):
            raise ShapeError('batch %d: device must match [A-Za-z0-9._:-]{1,64}' % b)
        if type(readings) is not list:
            raise ShapeError('batch %d: readings must be an array' % b)
        sensors = devices.setdefault(device, {})
        for reading in readings:
            sensor, drop, milli = _classify(reading, now)
            if drop is not None:
                dropped[drop] += 1
            if sensor is None:
                continue
            agg = sensors.get(sensor)
            if agg is None:
                agg = sensors[sensor] = [0, 0, 0, 0, 0]
            if milli is None:
                agg[4] += 1
                continue
            accepted += 1
            if agg[0] == 0 or milli < agg[1]:
                agg[1] = milli
            if agg[0] == 0 or milli > agg[2]:
                agg[2] = milli
            agg[0] += 1
            agg[3] += milli
    return len(batches), accepted, dropped, devices


def format_milli(milli):
    """Milli-units as a decimal with exactly three fractional digits (-1.050)."""
    sign = '-' if milli < 0 else ''
    whole, frac = divmod(abs(milli), 1000)
    return '%s%d.%03d' % (sign, whole, frac)


def mean_milli(sum_milli, count):
    """Mean in milli-units, rounded half away from zero, in integers."""
    q = (abs(sum_milli) * 2 + count) // (2 * count)
    return -q if sum_milli < 0 else q


def render(batches, accepted, dropped, devices):
    """The summary as JSON with a fixed key order."""
    dropped_by = ','.join('%s:%d' % (json_string(r), dropped[r]) for r in DROP_REASONS)
    out = []
    # Device names are ASCII (checked above) and sensors are SENSORS keys: code point order is
    # UTF-16 code unit order, the order JS sorts in.
    for device in sorted(devices):
        sensors = devices[device]
        rows = []
        for sensor in sorted(sensors):
            count, lo, hi, total, sensor_dropped = sensors[sensor]
            if count == 0:
                stats = '"min":null,"max":null,"mean":null'
            else:
                stats = '"min":%s,"max":%s,"mean":%s' % (format_milli(lo), format_milli(hi), format_milli(mean_milli(total, count)))
            rows.append('{"sensor":%s,"count":%d,%s,"dropped":%d}' % (json_string(sensor), count, stats, sensor_dropped))
        out.append('{"device":%s,"sensors":[%s]}' % (json_string(device), ','.join(rows)))
    return '{"batches":%d,"accepted":%d,"dropped":%d,"droppedBy":{%s},"devices":[%s]}' % (
        batches, accepted, sum(dropped.values()), dropped_by, ','.join(out))


def _json(status, body, extra=None):
    headers = {'content-type': 'application/json', 'cache-control': 'no-store'}
    if extra:
        headers.update(extra)
    return status, headers, body.encode('utf-8')


def _error(status, message, extra=None):
    return _json(status, '{"error":%s}' % json_string(message), extra)


def handle(req):
    """Aggregates a POSTed telemetry body: 200 summary, 400 bad body, 405 not POST, 413 too large."""
    if req.method != 'POST':
        return _error(405, 'method not allowed', {'allow': 'POST'})
    if len(req.body) > BODY_LIMIT_BYTES:
        return _json(413, '{"error":"body too large","limitBytes":%d}' % BODY_LIMIT_BYTES)
    now = FIXED_NOW
    now_header = req.headers.get('x-lab-now')
    if now_header is not None:
        if not (1 <= len(now_header) <= 12) or not _DIGITS.issuperset(now_header):
            return _error(400, 'bad x-lab-now')
        now = int(now_header)
    try:
        parsed = parse_json(req.body)
    except ValueError:
        return _error(400, 'invalid JSON')
    try:
        return _json(200, render(*aggregate(parsed, now)))
    except ShapeError as e:
        return _error(400, 'bad shape: %s' % e)
