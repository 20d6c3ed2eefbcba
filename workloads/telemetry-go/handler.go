// telemetry-go: the Go port of workloads/telemetry. Validates POSTed sensor batches, drops the
// invalid and implausible readings, and answers per device and sensor with count, min, max and
// mean in milli-units printed with exactly three decimals: the same bytes as the JS handler.
package handler

import (
	"math"
	"sort"
	"strconv"

	"edge-pop-lab/workloads/go/edge"
)

// bodyLimitBytes is the largest request body accepted (64 KiB). Mirrors workload.json.
const bodyLimitBytes = 65536

// fixedNow is "now" without x-lab-now (2026-01-01T00:00:00Z). Mirrors workload.json.
const fixedNow = 1767225600

const (
	maxAgeSeconds  = 7 * 24 * 3600
	maxSkewSeconds = 300
	maxBatches     = 64
	maxSafeInteger = 1<<53 - 1
)

type sensorRange struct{ min, max float64 }

// sensors are the known sensors and their plausible ranges (inclusive), as in the JS handler.
var sensors = map[string]sensorRange{
	"battery":     {0, 5},
	"co2":         {0, 10000},
	"humidity":    {0, 100},
	"pressure":    {300, 1100},
	"temperature": {-40, 85},
}

// Drop reasons, in the order the response lists them.
const (
	dropInvalid = iota
	dropUnknownSensor
	dropOutOfRange
	dropStale
	dropFuture
	dropNone
)

var dropNames = [...]string{"invalid", "unknown-sensor", "out-of-range", "stale", "future"}

type aggregate struct {
	count, dropped             int
	minMilli, maxMilli, sumMil int64
}

type aggregation struct {
	batches, accepted int
	dropped           [len(dropNames)]int
	devices           map[string]map[string]*aggregate
}

// validDevice is /^[A-Za-z0-9._:-]{1,64}$/.
func validDevice(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// classify returns the reading's sensor ("" when it has no known one), its drop reason (dropNone
// when accepted) and its value in milli-units.
func classify(reading edge.Value, now int64) (string, int, int64) {
	if !reading.IsObject() {
		return "", dropInvalid, 0
	}
	sensor, ok := reading.Obj.Get("sensor")
	if !ok || sensor.Kind != edge.String {
		return "", dropInvalid, 0
	}
	rng, known := sensors[sensor.Str]
	if !known {
		return "", dropUnknownSensor, 0
	}
	name := sensor.Str
	ts, ok := reading.Obj.Get("ts")
	// Number.isSafeInteger(ts) && ts >= 0
	if !ok || ts.Kind != edge.Number || math.IsInf(ts.Num, 0) || ts.Num != math.Trunc(ts.Num) || math.Abs(ts.Num) > maxSafeInteger || ts.Num < 0 {
		return name, dropInvalid, 0
	}
	value, ok := reading.Obj.Get("value")
	if !ok || value.Kind != edge.Number || math.IsInf(value.Num, 0) || math.IsNaN(value.Num) {
		return name, dropInvalid, 0
	}
	if value.Num < rng.min || value.Num > rng.max {
		return name, dropOutOfRange, 0
	}
	t := int64(ts.Num)
	if t < now-maxAgeSeconds {
		return name, dropStale, 0
	}
	if t > now+maxSkewSeconds {
		return name, dropFuture, 0
	}
	// Math.round(value * 1000); the conversion forbids a fused multiply-add.
	return name, dropNone, int64(edge.MathRound(float64(value.Num * 1000)))
}

// aggregateBody validates the parsed body and aggregates it; a non-empty shape error refuses the
// whole body (one broken reading is only dropped).
func aggregateBody(parsed edge.Value, now int64) (*aggregation, string) {
	batches := []edge.Value{parsed}
	if parsed.Kind == edge.Array {
		batches = parsed.Arr
	}
	if len(batches) == 0 {
		return nil, "no batches"
	}
	if len(batches) > maxBatches {
		return nil, "more than " + strconv.Itoa(maxBatches) + " batches"
	}
	a := &aggregation{batches: len(batches), devices: map[string]map[string]*aggregate{}}
	for b, batch := range batches {
		if !batch.IsObject() {
			return nil, "batch " + strconv.Itoa(b) + " is not an object"
		}
		device, ok := batch.Obj.Get("device")
		if !ok || device.Kind != edge.String || !validDevice(device.Str) {
			return nil, "batch " + strconv.Itoa(b) + ": device must match [A-Za-z0-9._:-]{1,64}"
		}
		readings, ok := batch.Obj.Get("readings")
		if !ok || readings.Kind != edge.Array {
			return nil, "batch " + strconv.Itoa(b) + ": readings must be an array"
		}
		bySensor := a.devices[device.Str]
		if bySensor == nil {
			bySensor = map[string]*aggregate{}
			a.devices[device.Str] = bySensor
		}
		for _, reading := range readings.Arr {
			sensor, drop, milli := classify(reading, now)
			if drop != dropNone {
				a.dropped[drop]++
			}
			// Readings without a known sensor name have no sensor entry to count against.
			if sensor == "" {
				continue
			}
			agg := bySensor[sensor]
			if agg == nil {
				agg = &aggregate{}
				bySensor[sensor] = agg
			}
			if drop != dropNone {
				agg.dropped++
				continue
			}
			a.accepted++
			if agg.count == 0 || milli < agg.minMilli {
				agg.minMilli = milli
			}
			if agg.count == 0 || milli > agg.maxMilli {
				agg.maxMilli = milli
			}
			agg.count++
			agg.sumMil += milli
		}
	}
	return a, ""
}

// appendMilli prints milli-units with exactly three decimals by integer arithmetic (-1.050).
func appendMilli(b []byte, milli int64) []byte {
	if milli < 0 {
		b = append(b, '-')
		milli = -milli
	}
	b = strconv.AppendInt(b, milli/1000, 10)
	frac := milli % 1000
	return append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}

// meanMilli is the JS meanMilli: Math.floor((|sum| * 2 + count) / (2 * count)), sign restored.
func meanMilli(sum int64, count int) int64 {
	abs := sum
	if abs < 0 {
		abs = -abs
	}
	q := int64(math.Floor(float64(abs*2+int64(count)) / float64(2*count)))
	if sum < 0 {
		return -q
	}
	return q
}

// Keys sort by UTF-16 code units in JS; devices and sensors are ASCII, where bytes sort the same.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func render(a *aggregation) []byte {
	total := 0
	for _, n := range a.dropped {
		total += n
	}
	b := []byte(`{"batches":`)
	b = strconv.AppendInt(b, int64(a.batches), 10)
	b = append(b, `,"accepted":`...)
	b = strconv.AppendInt(b, int64(a.accepted), 10)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"droppedBy":{`...)
	for i, name := range dropNames {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(edge.AppendJSONString(b, name), ':')
		b = strconv.AppendInt(b, int64(a.dropped[i]), 10)
	}
	b = append(b, `},"devices":[`...)
	for i, device := range sortedKeys(a.devices) {
		if i > 0 {
			b = append(b, ',')
		}
		b = edge.AppendJSONString(append(b, `{"device":`...), device)
		b = append(b, `,"sensors":[`...)
		bySensor := a.devices[device]
		for j, sensor := range sortedKeys(bySensor) {
			s := bySensor[sensor]
			if j > 0 {
				b = append(b, ',')
			}
			b = edge.AppendJSONString(append(b, `{"sensor":`...), sensor)
			b = append(b, `,"count":`...)
			b = strconv.AppendInt(b, int64(s.count), 10)
			if s.count == 0 {
				b = append(b, `,"min":null,"max":null,"mean":null`...)
			} else {
				b = appendMilli(append(b, `,"min":`...), s.minMilli)
				b = appendMilli(append(b, `,"max":`...), s.maxMilli)
				b = appendMilli(append(b, `,"mean":`...), meanMilli(s.sumMil, s.count))
			}
			b = append(b, `,"dropped":`...)
			b = strconv.AppendInt(b, int64(s.dropped), 10)
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}

func jsonResponse(status int, body []byte) *edge.Response {
	return (&edge.Response{Status: status, Body: body}).Set("content-type", "application/json").Set("cache-control", "no-store")
}

func errorResponse(status int, message string) *edge.Response {
	return jsonResponse(status, append(edge.AppendJSONString([]byte(`{"error":`), message), '}'))
}

func Handle(req *edge.Request) *edge.Response {
	if req.Method != "POST" {
		return errorResponse(405, "method not allowed").Set("allow", "POST")
	}
	if len(req.Body) > bodyLimitBytes {
		return jsonResponse(413, []byte(`{"error":"body too large","limitBytes":`+strconv.Itoa(bodyLimitBytes)+`}`))
	}
	now, ok := edge.LabNow(req, fixedNow)
	if !ok {
		return errorResponse(400, "bad x-lab-now")
	}
	parsed, ok := edge.ParseJSON(req.Body)
	if !ok {
		return errorResponse(400, "invalid JSON")
	}
	a, shape := aggregateBody(parsed, now)
	if shape != "" {
		return errorResponse(400, "bad shape: "+shape)
	}
	return jsonResponse(200, render(a))
}
