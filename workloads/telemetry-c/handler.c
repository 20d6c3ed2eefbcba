/*
 * telemetry-c: the C port of workloads/telemetry. Aggregates POSTed sensor batches into count,
 * min, max and mean per device and sensor, dropping invalid or implausible readings. Values are
 * quantised to integer milli-units exactly as Math.round(value * 1000) does, so sums, means and
 * the three-decimal output are the same bytes as the JS handler's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "edge_handler.h"
#include "edge_json.h"

#define BODY_LIMIT_BYTES 65536
#define FIXED_NOW 1767225600
#define MAX_AGE_SECONDS (7 * 24 * 3600)
#define MAX_SKEW_SECONDS 300
#define MAX_BATCHES 64
#define MAX_DEVICE_LEN 64
#define MAX_SAFE_INTEGER 9007199254740991.0

/* Known sensors and plausible ranges (inclusive), sorted by name: the output order. */
static const struct {
  const char *name;
  double min, max;
} SENSORS[] = {{"battery", 0, 5}, {"co2", 0, 10000}, {"humidity", 0, 100}, {"pressure", 300, 1100}, {"temperature", -40, 85}};
#define SENSOR_COUNT (sizeof SENSORS / sizeof SENSORS[0])

/* Drop reasons in the order the response lists them. */
enum { DROP_INVALID, DROP_UNKNOWN, DROP_RANGE, DROP_STALE, DROP_FUTURE, DROP_COUNT, ACCEPTED = -1 };
static const char *const DROP_NAMES[DROP_COUNT] = {"invalid", "unknown-sensor", "out-of-range", "stale", "future"};

typedef struct {
  int present;
  int64_t count, min, max, sum, dropped;
} sensor_agg;

typedef struct {
  const char *name;
  size_t len;
  sensor_agg sensors[SENSOR_COUNT];
} device_agg;

typedef struct {
  int64_t batches, accepted, dropped[DROP_COUNT];
  device_agg devices[MAX_BATCHES];
  size_t device_count;
} aggregation;

/* Math.round: the nearest integer, ties toward +infinity. x - floor(x) is exact for doubles. */
static double js_round(double x) {
  double f = floor(x);
  return x - f >= 0.5 ? f + 1 : f;
}

static int valid_device(const char *s, size_t len) {
  if (len < 1 || len > MAX_DEVICE_LEN) return 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-')) return 0;
  }
  return 1;
}

static int is_number(const json_doc *d, long n) { return n >= 0 && d->nodes[n].type == JV_NUMBER; }

/* Classifies one reading: sets *sensor (-1 when it has no known sensor) and *milli; returns a drop reason or ACCEPTED. */
static int classify(const json_doc *d, uint32_t r, int64_t now, int *sensor, int64_t *milli) {
  *sensor = -1;
  if (d->nodes[r].type != JV_OBJECT) return DROP_INVALID;
  long s = json_get(d, r, "sensor"), ts = json_get(d, r, "ts"), value = json_get(d, r, "value");
  if (s < 0 || d->nodes[s].type != JV_STRING) return DROP_INVALID;
  for (size_t i = 0; i < SENSOR_COUNT; i++) {
    if (json_str_is(d, (uint32_t)s, SENSORS[i].name)) *sensor = (int)i;
  }
  if (*sensor < 0) return DROP_UNKNOWN;
  if (!is_number(d, ts)) return DROP_INVALID;
  double t = d->nodes[ts].u.num;
  /* Number.isSafeInteger(ts) && ts >= 0 */
  if (!isfinite(t) || trunc(t) != t || fabs(t) > MAX_SAFE_INTEGER || t < 0) return DROP_INVALID;
  if (!is_number(d, value) || !isfinite(d->nodes[value].u.num)) return DROP_INVALID;
  double v = d->nodes[value].u.num;
  if (v < SENSORS[*sensor].min || v > SENSORS[*sensor].max) return DROP_RANGE;
  if (t < (double)(now - MAX_AGE_SECONDS)) return DROP_STALE;
  if (t > (double)(now + MAX_SKEW_SECONDS)) return DROP_FUTURE;
  /* Two statements: no fused multiply-add may change the product's rounding. */
  double scaled = v * 1000;
  *milli = (int64_t)js_round(scaled);
  return ACCEPTED;
}

static device_agg *device_for(aggregation *a, const char *name, size_t len) {
  for (size_t i = 0; i < a->device_count; i++) {
    if (a->devices[i].len == len && memcmp(a->devices[i].name, name, len) == 0) return &a->devices[i];
  }
  device_agg *dev = &a->devices[a->device_count++];
  memset(dev, 0, sizeof *dev);
  dev->name = name;
  dev->len = len;
  return dev;
}

/* Validates the shape and aggregates; returns NULL or the "bad shape" detail written to `why`. */
static const char *aggregate(const json_doc *d, int64_t now, aggregation *a, edge_buf *why) {
  const jv *root = &d->nodes[0];
  uint32_t count = root->type == JV_ARRAY ? root->u.kids.count : 1;
  uint32_t batch = root->type == JV_ARRAY ? root->u.kids.first : 0;
  if (count == 0) return "no batches";
  if (count > MAX_BATCHES) return "more than 64 batches";
  a->batches = count;
  for (uint32_t b = 0; b < count; b++, batch = d->nodes[batch].next) {
    if (d->nodes[batch].type != JV_OBJECT) {
      edge_buf_puts(why, "batch ");
      edge_buf_put_u64(why, b);
      edge_buf_puts(why, " is not an object");
      return "";
    }
    long dev = json_get(d, batch, "device"), readings = json_get(d, batch, "readings");
    size_t name_len = 0;
    const char *name = dev >= 0 && d->nodes[dev].type == JV_STRING ? json_str(d, (uint32_t)dev, &name_len) : NULL;
    if (!name || !valid_device(name, name_len)) {
      edge_buf_puts(why, "batch ");
      edge_buf_put_u64(why, b);
      edge_buf_puts(why, ": device must match [A-Za-z0-9._:-]{1,64}");
      return "";
    }
    if (readings < 0 || d->nodes[readings].type != JV_ARRAY) {
      edge_buf_puts(why, "batch ");
      edge_buf_put_u64(why, b);
      edge_buf_puts(why, ": readings must be an array");
      return "";
    }
    device_agg *device = device_for(a, name, name_len);
    uint32_t r = d->nodes[readings].u.kids.first;
    for (uint32_t i = 0; i < d->nodes[readings].u.kids.count; i++, r = d->nodes[r].next) {
      int sensor;
      int64_t milli = 0;
      int drop = classify(d, r, now, &sensor, &milli);
      if (drop != ACCEPTED) a->dropped[drop]++;
      /* Readings without a known sensor have no sensor entry to count against. */
      if (sensor < 0) continue;
      sensor_agg *s = &device->sensors[sensor];
      s->present = 1;
      if (drop != ACCEPTED) {
        s->dropped++;
        continue;
      }
      a->accepted++;
      if (s->count == 0 || milli < s->min) s->min = milli;
      if (s->count == 0 || milli > s->max) s->max = milli;
      s->count++;
      s->sum += milli;
    }
  }
  return NULL;
}

static void put_milli(edge_buf *b, int64_t milli) {
  uint64_t abs = milli < 0 ? (uint64_t)0 - (uint64_t)milli : (uint64_t)milli;
  if (milli < 0) edge_buf_puts(b, "-");
  edge_buf_put_u64(b, abs / 1000);
  char frac[4] = {(char)('0' + abs % 1000 / 100), (char)('0' + abs % 100 / 10), (char)('0' + abs % 10), 0};
  edge_buf_puts(b, ".");
  edge_buf_puts(b, frac);
}

/* Mean rounded half away from zero, by integer arithmetic. */
static int64_t mean_milli(int64_t sum, int64_t count) {
  uint64_t abs = sum < 0 ? (uint64_t)0 - (uint64_t)sum : (uint64_t)sum;
  int64_t q = (int64_t)((abs * 2 + (uint64_t)count) / (2 * (uint64_t)count));
  return sum < 0 ? -q : q;
}

/* Device names are [A-Za-z0-9._:-]: byte order is UTF-16 code unit order. */
static int by_name(const void *x, const void *y) {
  const device_agg *a = x, *b = y;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->name, b->name, n);
  return c ? c : (a->len > b->len) - (a->len < b->len);
}

static void render(aggregation *a, edge_buf *o) {
  int64_t dropped = 0;
  for (int i = 0; i < DROP_COUNT; i++) dropped += a->dropped[i];
  edge_buf_puts(o, "{\"batches\":");
  edge_buf_put_i64(o, a->batches);
  edge_buf_puts(o, ",\"accepted\":");
  edge_buf_put_i64(o, a->accepted);
  edge_buf_puts(o, ",\"dropped\":");
  edge_buf_put_i64(o, dropped);
  edge_buf_puts(o, ",\"droppedBy\":{");
  for (int i = 0; i < DROP_COUNT; i++) {
    edge_buf_puts(o, i ? ",\"" : "\"");
    edge_buf_puts(o, DROP_NAMES[i]);
    edge_buf_puts(o, "\":");
    edge_buf_put_i64(o, a->dropped[i]);
  }
  edge_buf_puts(o, "},\"devices\":[");
  qsort(a->devices, a->device_count, sizeof a->devices[0], by_name);
  for (size_t i = 0; i < a->device_count; i++) {
    device_agg *dev = &a->devices[i];
    edge_buf_puts(o, i ? ",{\"device\":" : "{\"device\":");
    edge_buf_put_json_string(o, dev->name, dev->len);
    edge_buf_puts(o, ",\"sensors\":[");
    int first = 1;
    for (size_t k = 0; k < SENSOR_COUNT; k++) {
      sensor_agg *s = &dev->sensors[k];
      if (!s->present) continue;
      edge_buf_puts(o, first ? "{\"sensor\":\"" : ",{\"sensor\":\"");
      first = 0;
      edge_buf_puts(o, SENSORS[k].name);
      edge_buf_puts(o, "\",\"count\":");
      edge_buf_put_i64(o, s->count);
      if (s->count == 0) {
        edge_buf_puts(o, ",\"min\":null,\"max\":null,\"mean\":null");
      } else {
        edge_buf_puts(o, ",\"min\":");
        put_milli(o, s->min);
        edge_buf_puts(o, ",\"max\":");
        put_milli(o, s->max);
        edge_buf_puts(o, ",\"mean\":");
        put_milli(o, mean_milli(s->sum, s->count));
      }
      edge_buf_puts(o, ",\"dropped\":");
      edge_buf_put_i64(o, s->dropped);
      edge_buf_puts(o, "}");
    }
    edge_buf_puts(o, "]}");
  }
  edge_buf_puts(o, "]}");
}

static void json_headers(edge_response *res, int status) {
  res->status = status;
  edge_set_header(res, "content-type", "application/json");
  edge_set_header(res, "cache-control", "no-store");
}

static void error(edge_response *res, int status, const char *message, size_t len) {
  json_headers(res, status);
  edge_buf_puts(&res->body, "{\"error\":");
  edge_buf_put_json_string(&res->body, message, len);
  edge_buf_puts(&res->body, "}");
}

void edge_handle(const edge_request *req, edge_response *res) {
  if (!edge_str_eq(req->method, "POST")) {
    error(res, 405, "method not allowed", 18);
    edge_set_header(res, "allow", "POST");
    return;
  }
  if (req->body_len > BODY_LIMIT_BYTES) {
    json_headers(res, 413);
    edge_buf_puts(&res->body, "{\"error\":\"body too large\",\"limitBytes\":65536}");
    return;
  }
  int64_t now;
  if (edge_lab_now(req, FIXED_NOW, &now) != 0) {
    error(res, 400, "bad x-lab-now", 13);
    return;
  }
  json_doc doc;
  if (json_parse(&doc, req->body, req->body_len) != 0) {
    /* Invalid UTF-8, invalid JSON, or no memory for it: all the same to the client. */
    json_free(&doc);
    error(res, 400, "invalid JSON", 12);
    return;
  }
  aggregation *a = calloc(1, sizeof *a);
  edge_buf why = {0};
  if (!a) {
    res->failed = 1;
  } else {
    const char *bad = aggregate(&doc, now, a, &why);
    if (bad) {
      edge_buf message = {0};
      edge_buf_puts(&message, "bad shape: ");
      edge_buf_puts(&message, bad);
      edge_buf_put(&message, why.data, why.len);
      error(res, 400, message.data, message.len);
      res->failed |= message.failed;
      edge_buf_free(&message);
    } else {
      json_headers(res, 200);
      render(a, &res->body);
    }
  }
  res->failed |= why.failed;
  edge_buf_free(&why);
  free(a);
  json_free(&doc);
}
