// Package edge is the lab's handler interface for Go workloads, the Go twin of
// workloads/lib/handler.ts and workloads/c/edge_handler.h.
//
// A workload is one file, workloads/<name>-go/handler.go (package handler), defining
//
//	func Handle(req *edge.Request) *edge.Response
//
// Packagings (the static net/http server, the wasi:http component, the test harness) only adapt
// their transport to these types, so the same handler runs everywhere:
//
//   - the request belongs to the packaging; header names are lower-case and each name appears
//     once (repeats joined by JoinHeaders: ", ", or "; " for cookie); values are raw bytes, which
//     node:http shows as latin1 text, so the JS reference's string length is the byte length;
//   - the handler imports only the standard library's pure packages (the build refuses a clock,
//     randomness or I/O), starts no goroutine and keeps no state between requests that changes
//     what it answers; time comes from the x-lab-now header or the workload's fixedNow.
package edge

import "math"

// Header is one header: a lower-case name and its raw value bytes.
type Header struct {
	Name  string
	Value string
}

// Request is a request as the handler sees it.
type Request struct {
	Method string
	// Path with query string.
	Path    string
	Headers []Header
	Body    []byte
}

// Header returns the value of header name (lower-case) and whether it is present.
func (r *Request) Header(name string) (string, bool) {
	for _, h := range r.Headers {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}

// Response is what the handler answers; content-length and the connection are the packaging's.
type Response struct {
	Status  int
	Headers []Header
	Body    []byte
}

// Set appends a header (a handler sets each name once, in the order the JS reference does).
func (r *Response) Set(name, value string) *Response {
	r.Headers = append(r.Headers, Header{name, value})
	return r
}

// Text is a text/plain response, the shape most error answers take.
func Text(status int, body string) *Response {
	return &Response{Status: status, Headers: []Header{{"content-type", "text/plain; charset=utf-8"}}, Body: []byte(body)}
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func sameName(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// JoinHeaders turns raw header lines (any case, repeats) into the handler's view, as every
// packaging of every language does: lower-case names, one entry per name in first-seen order,
// repeated values joined with ", " (cookie: "; ").
func JoinHeaders(raw []Header) []Header {
	out := make([]Header, 0, len(raw))
	for i, h := range raw {
		seen := false
		for _, p := range raw[:i] {
			if sameName(p.Name, h.Name) {
				seen = true
				break
			}
		}
		if seen {
			continue
		}
		name := make([]byte, len(h.Name))
		for k := 0; k < len(h.Name); k++ {
			name[k] = lower(h.Name[k])
		}
		sep := ", "
		if string(name) == "cookie" {
			sep = "; "
		}
		value := h.Value
		for _, r := range raw[i+1:] {
			if sameName(r.Name, h.Name) {
				value += sep + r.Value
			}
		}
		out = append(out, Header{string(name), value})
	}
	return out
}

// LabNow is the lab clock: the x-lab-now header (1-12 ASCII digits, epoch seconds), or fixedNow
// without it. ok is false for a header that is present but malformed (the handler's 400).
func LabNow(req *Request, fixedNow int64) (now int64, ok bool) {
	h, present := req.Header("x-lab-now")
	if !present {
		return fixedNow, true
	}
	if len(h) < 1 || len(h) > 12 {
		return 0, false
	}
	for i := 0; i < len(h); i++ {
		if h[i] < '0' || h[i] > '9' {
			return 0, false
		}
		now = now*10 + int64(h[i]-'0')
	}
	return now, true
}

// isJSSpace reports whether a latin1 character is white space to String.prototype.trim.
func isJSSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0
}

// TrimJS is String.prototype.trim on a header value (latin1 text): it also strips 0xA0.
func TrimJS(s string) string {
	i, j := 0, len(s)
	for i < j && isJSSpace(s[i]) {
		i++
	}
	for j > i && isJSSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// MathRound is JS Math.round: the nearest integer, ties toward +Infinity (Math.round(-2.5) is -2).
// x - floor(x) is exact, so no tie is decided by a rounding error.
func MathRound(x float64) float64 {
	f := math.Floor(x)
	if x-f >= 0.5 {
		return f + 1
	}
	return f
}
