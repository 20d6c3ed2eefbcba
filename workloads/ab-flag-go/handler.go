// ab-flag-go: the Go port of workloads/ab-flag. FNV-1a (32-bit) of the user id, salted per
// experiment, picks a stable variant on every PoP; the assignments go out as x-ab-* headers and
// as a JSON body, the same bytes as the JS handler.
package handler

import (
	"strconv"
	"strings"

	"edge-pop-lab/workloads/go/edge"
)

// bodyLimitBytes is the largest request body accepted: a GET carries none. Mirrors workload.json.
const bodyLimitBytes = 0

type variant struct {
	name    string
	percent int
}

type experiment struct {
	name     string
	variants []variant
}

// experiments are the JS handler's EXPERIMENTS, in the same order.
var experiments = []experiment{
	{"checkout-button", []variant{{"control", 50}, {"green", 50}}},
	{"pricing-page", []variant{{"control", 34}, {"annual-first", 33}, {"monthly-first", 33}}},
	{"search-ranking", []variant{{"control", 90}, {"ml-v2", 10}}},
}

// cohorts is the number of stable personalisation groups.
const cohorts = 16

func fnv1a32(s string) uint32 {
	h := uint32(0x811c9dc5)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 0x01000193
	}
	return h
}

func variantFor(e experiment, bucket int) string {
	upTo := 0
	for _, v := range e.variants {
		upTo += v.percent
		if bucket < upTo {
			return v.name
		}
	}
	return e.variants[len(e.variants)-1].name
}

// validUID is /^[A-Za-z0-9._-]{1,64}$/: it goes into headers and JSON unescaped.
func validUID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// findUserID is x-user-id (trimmed) if present, else the first `uid` cookie (RFC 6265 quotes removed).
func findUserID(req *edge.Request) (string, bool) {
	if v, ok := req.Header("x-user-id"); ok {
		return edge.TrimJS(v), true
	}
	cookie, ok := req.Header("cookie")
	if !ok {
		return "", false
	}
	for _, pair := range strings.Split(cookie, ";") {
		eq := strings.IndexByte(pair, '=')
		if eq < 0 || edge.TrimJS(pair[:eq]) != "uid" {
			continue
		}
		value := edge.TrimJS(pair[eq+1:])
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return value, true
	}
	return "", false
}

func jsonResponse(status int, body string) *edge.Response {
	// Per-user answers: never cached by a shared cache, and keyed on what selects the user.
	return (&edge.Response{Status: status, Body: []byte(body)}).
		Set("content-type", "application/json").
		Set("cache-control", "private, no-store").
		Set("vary", "cookie, x-user-id")
}

func Handle(req *edge.Request) *edge.Response {
	if req.Method != "GET" {
		return jsonResponse(405, `{"error":"method not allowed"}`).Set("allow", "GET")
	}
	if len(req.Body) > bodyLimitBytes {
		return jsonResponse(413, `{"error":"body too large","limitBytes":`+strconv.Itoa(bodyLimitBytes)+`}`)
	}
	uid, ok := findUserID(req)
	if !ok {
		return jsonResponse(400, `{"error":"missing user id"}`)
	}
	if !validUID(uid) {
		return jsonResponse(400, `{"error":"invalid user id"}`)
	}
	cohort := fnv1a32(uid) % cohorts
	var body, summary strings.Builder
	body.WriteString(`{"user":"` + uid + `","cohort":` + strconv.Itoa(int(cohort)) + `,"assignments":[`)
	res := &edge.Response{Status: 200}
	for i, e := range experiments {
		bucket := int(fnv1a32(e.name+":"+uid) % 100)
		v := variantFor(e, bucket)
		if i > 0 {
			body.WriteByte(',')
			summary.WriteByte(',')
		}
		body.WriteString(`{"experiment":"` + e.name + `","bucket":` + strconv.Itoa(bucket) + `,"variant":"` + v + `"}`)
		res.Set("x-ab-"+e.name, v)
		summary.WriteString(e.name + ":" + v)
	}
	body.WriteString("]}")
	res.Set("x-personalization", "cohort="+strconv.Itoa(int(cohort))+"; variants="+summary.String())
	out := jsonResponse(200, body.String())
	out.Headers = append(out.Headers, res.Headers...)
	return out
}
