// jwt-verify-go: the Go port of workloads/jwt-verify. Verifies an HS256 JWT from
// `authorization: Bearer <jwt>` with the same checks, in the same order, as the JS handler, and
// answers with the same bytes. The crypto is the standard library's (crypto/hmac, crypto/sha256).
package handler

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"strconv"
	"strings"

	"edge-pop-lab/workloads/go/edge"
)

// labKey is the lab's public HMAC key (workloads/jwt-verify/handler.ts LAB_KEY_TEXT): it protects nothing.
const labKey = "edge-pop-lab HS256 lab key - public, for measurements only"

// fixedNow is "now" without x-lab-now (2026-01-01T00:00:00Z). Mirrors workload.json.
const fixedNow = 1767225600

// bodyLimitBytes is the largest request body accepted. Mirrors workload.json.
const bodyLimitBytes = 8192

// maxAuthorizationLength bounds the Authorization header before any decoding work.
const maxAuthorizationLength = 8192

// base64URLDecode is the JS handler's strict unpadded base64url: no padding, nothing outside the
// alphabet, no impossible length, no non-zero leftover bits (one token, one spelling).
func base64URLDecode(s string) ([]byte, bool) {
	n := len(s)
	if n%4 == 1 {
		return nil, false
	}
	out := make([]byte, 0, n*3/4)
	acc, bits := 0, 0
	for i := 0; i < n; i++ {
		c := s[i]
		v := -1
		switch {
		case c >= 'A' && c <= 'Z':
			v = int(c - 'A')
		case c >= 'a' && c <= 'z':
			v = int(c-'a') + 26
		case c >= '0' && c <= '9':
			v = int(c-'0') + 52
		case c == '-':
			v = 62
		case c == '_':
			v = 63
		}
		if v < 0 {
			return nil, false
		}
		acc = (acc<<6 | v) & 0xfff
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>bits))
		}
	}
	if acc&(1<<bits-1) != 0 {
		return nil, false
	}
	return out, true
}

// decodeJSONObject is JSON.parse of UTF-8 bytes that must give a plain object.
func decodeJSONObject(b []byte) (*edge.Obj, bool) {
	v, ok := edge.ParseJSON(b)
	if !ok || !v.IsObject() {
		return nil, false
	}
	return v.Obj, true
}

// headerSafe is /^[\x20-\x7e]{1,256}$/: the subject goes into a response header.
func headerSafe(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// bearerToken is /^bearer +([^ ]+) *$/i.
func bearerToken(s string) (string, bool) {
	if len(s) < 6 || !strings.EqualFold(s[:6], "bearer") {
		return "", false
	}
	i := 6
	start := i
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == start {
		return "", false
	}
	tok := i
	for i < len(s) && s[i] != ' ' {
		i++
	}
	if i == tok {
		return "", false
	}
	end := i
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i != len(s) {
		return "", false
	}
	return s[tok:end], true
}

func finite(v edge.Value) bool {
	return v.Kind == edge.Number && !math.IsInf(v.Num, 0) && !math.IsNaN(v.Num)
}

// verify checks one compact JWS against the lab key at time now; it returns the subject and
// scope, or the refusal (the `error` of the 401).
func verify(authorization string, present bool, now int64) (sub, scope, refusal string) {
	if !present || authorization == "" {
		return "", "", "missing token"
	}
	if len(authorization) > maxAuthorizationLength {
		return "", "", "malformed token"
	}
	token, ok := bearerToken(authorization)
	if !ok {
		return "", "", "malformed token"
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", "malformed token"
	}
	headerBytes, ok1 := base64URLDecode(parts[0])
	payloadBytes, ok2 := base64URLDecode(parts[1])
	signature, ok3 := base64URLDecode(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return "", "", "malformed token"
	}
	header, ok := decodeJSONObject(headerBytes)
	if !ok {
		return "", "", "malformed token"
	}
	// The algorithm is pinned, never taken from the token (no alg=none, no algorithm confusion).
	if alg, ok := header.Get("alg"); !ok || alg.Kind != edge.String || alg.Str != "HS256" {
		return "", "", "wrong alg"
	}
	mac := hmac.New(sha256.New, []byte(labKey))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	// Time that depends only on the lengths, like the JS constantTimeEqual.
	if subtle.ConstantTimeCompare(signature, mac.Sum(nil)) != 1 {
		return "", "", "bad signature"
	}
	claims, ok := decodeJSONObject(payloadBytes)
	if !ok {
		return "", "", "malformed token"
	}
	exp, hasExp := claims.Get("exp")
	nbf, hasNbf := claims.Get("nbf")
	subV, hasSub := claims.Get("sub")
	scopeV, hasScope := claims.Get("scope")
	if !hasExp || !hasSub {
		return "", "", "missing claim"
	}
	if !finite(exp) {
		return "", "", "malformed token"
	}
	if subV.Kind != edge.String || !headerSafe(subV.Str) {
		return "", "", "malformed token"
	}
	if hasScope && scopeV.Kind != edge.String {
		return "", "", "malformed token"
	}
	if hasNbf && !finite(nbf) {
		return "", "", "malformed token"
	}
	// RFC 7519 4.1.4: valid only strictly before exp; no leeway (the lab's clock is exact).
	if float64(now) >= exp.Num {
		return "", "", "expired"
	}
	if hasNbf && float64(now) < nbf.Num {
		return "", "", "not yet valid"
	}
	return subV.Str, scopeV.Str, ""
}

func jsonResponse(status int, body []byte) *edge.Response {
	return (&edge.Response{Status: status, Body: body}).Set("content-type", "application/json").Set("cache-control", "no-store")
}

func errorBody(message string) []byte {
	return append(edge.AppendJSONString([]byte(`{"error":`), message), '}')
}

func Handle(req *edge.Request) *edge.Response {
	if len(req.Body) > bodyLimitBytes {
		return jsonResponse(413, []byte(`{"error":"body too large","limitBytes":`+strconv.Itoa(bodyLimitBytes)+`}`))
	}
	now, ok := edge.LabNow(req, fixedNow)
	if !ok {
		return jsonResponse(400, errorBody("bad x-lab-now"))
	}
	authorization, present := req.Header("authorization")
	sub, scope, refusal := verify(authorization, present, now)
	if refusal != "" {
		// RFC 6750 section 3: a 401 names the scheme; the detail stays in the body.
		return jsonResponse(401, errorBody(refusal)).Set("www-authenticate", `Bearer realm="edge-pop-lab"`)
	}
	body := edge.AppendJSONString([]byte(`{"sub":`), sub)
	body = edge.AppendJSONString(append(body, `,"scope":`...), scope)
	return jsonResponse(200, append(body, '}')).Set("x-auth-subject", sub)
}
