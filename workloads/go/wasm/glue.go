//go:build wasip1

// The wasi:http packaging of a Go workload: the guest side of wasi:http/incoming-handler@0.2.10
// written against the canonical ABI by hand (//go:wasmimport and //go:wasmexport with the lowered
// core signatures, the same as workloads/c/wasm/glue.c), built by standard Go as a WASI preview1
// reactor (GOOS=wasip1 -buildmode=c-shared) and made a component with the preview1 reactor
// adapter jco ships (the Go runtime itself needs preview1: clocks, randomness, stderr, exit).
// See docs/languages.md (Go) for why each piece is the way it is.
package main

import (
	"unsafe"

	"edge-pop-lab/workloads/go/edge"
	"edge-pop-lab/workloads/go/handler"
)

//go:wasmimport wasi:http/types@0.2.10 [method]incoming-request.method
func reqMethod(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [method]incoming-request.path-with-query
func reqPath(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [method]incoming-request.headers
func reqHeaders(self int32) int32

//go:wasmimport wasi:http/types@0.2.10 [method]incoming-request.consume
func reqConsume(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [method]fields.entries
func fieldsEntries(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [static]fields.from-list
func fieldsFromList(entries unsafe.Pointer, n int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [constructor]fields
func fieldsNew() int32

//go:wasmimport wasi:http/types@0.2.10 [method]incoming-body.stream
func bodyStream(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [constructor]outgoing-response
func responseNew(headers int32) int32

//go:wasmimport wasi:http/types@0.2.10 [method]outgoing-response.set-status-code
func responseSetStatus(self int32, status int32) int32

//go:wasmimport wasi:http/types@0.2.10 [method]outgoing-response.body
func responseBody(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [method]outgoing-body.write
func outBodyWrite(self int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [static]outgoing-body.finish
func outBodyFinish(self int32, hasTrailers int32, trailers int32, ret unsafe.Pointer)

//go:wasmimport wasi:http/types@0.2.10 [static]response-outparam.set
func outparamSet(param int32, isErr int32, a int32, b int32, c int64, d int32, e int32, f int32, g int32)

//go:wasmimport wasi:http/types@0.2.10 [resource-drop]fields
func dropFields(h int32)

//go:wasmimport wasi:http/types@0.2.10 [resource-drop]incoming-request
func dropIncomingRequest(h int32)

//go:wasmimport wasi:http/types@0.2.10 [resource-drop]incoming-body
func dropIncomingBody(h int32)

//go:wasmimport wasi:io/streams@0.2.10 [method]input-stream.blocking-read
func streamRead(self int32, n int64, ret unsafe.Pointer)

//go:wasmimport wasi:io/streams@0.2.10 [method]output-stream.blocking-write-and-flush
func streamWrite(self int32, p unsafe.Pointer, n int32, ret unsafe.Pointer)

//go:wasmimport wasi:io/streams@0.2.10 [resource-drop]input-stream
func dropInputStream(h int32)

//go:wasmimport wasi:io/streams@0.2.10 [resource-drop]output-stream
func dropOutputStream(h int32)

//go:wasmimport wasi:io/error@0.2.10 [resource-drop]error
func dropIoError(h int32)

// Same safety cap as the native server and the Node packaging: a memory guard, not a workload limit.
const bodyCapBytes = 1 << 20

// readChunk is the most one blocking-read asks for; writeChunk what blocking-write-and-flush promises to take.
const (
	readChunk  = 64 << 10
	writeChunk = 4096
)

// retArea is where results wider than one value come back: a global, so it never moves while
// the host writes it (a goroutine stack may be copied elsewhere when it grows).
var retArea [4]uint64

func ret() unsafe.Pointer      { return unsafe.Pointer(&retArea) }
func retU8(off uintptr) uint8  { return *(*uint8)(unsafe.Add(ret(), off)) }
func retI32(off uintptr) int32 { return *(*int32)(unsafe.Add(ret(), off)) }
func hostBytes(ptr, n int32) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
}

// liftArena receives every string and list the host lowers into this module (cabi_realloc).
// The host calls cabi_realloc while it is inside an import call, with the instance flagged as
// not allowed to leave: any import made then traps ("cannot leave component instance" on
// Wasmtime). Go's allocator can make imports (nanotime when a GC cycle starts, sched_yield), so
// these allocations never touch the Go heap: a bump pointer over static memory, reset once a
// result has been copied into Go values. It holds the largest header block an HTTP front hands
// over plus one body chunk; past it cabi_realloc answers an address beyond memory, which the host
// refuses with a trap instead of writing anywhere.
var liftArena [liftArenaBytes]byte
var liftUsed uintptr

const liftArenaBytes = 512<<10 + readChunk

//go:wasmexport cabi_realloc
//go:nosplit
func cabiRealloc(old unsafe.Pointer, oldSize, align, newSize uint32) unsafe.Pointer {
	start := (liftUsed + uintptr(align) - 1) &^ (uintptr(align) - 1)
	if old != nil || start+uintptr(newSize) > liftArenaBytes {
		return unsafe.Pointer(^uintptr(0) &^ 7)
	}
	liftUsed = start + uintptr(newSize)
	return unsafe.Add(unsafe.Pointer(&liftArena), start)
}

func liftReset() { liftUsed = 0 }

// adapterArena feeds the preview1 adapter's allocations (its stack and its state). The adapter
// makes them on its first call, which comes from the Go runtime's own initialisation (nanotime
// in schedinit, inside _initialize) before the Go heap exists, so they must not touch the Go
// allocator either: a bump pointer in static memory, never freed (they live as long as the
// instance). wit-component hands this export to the adapter instead of cabi_realloc. The adapter
// asks for exactly two blocks of 64 KiB (its stack, then its state).
var adapterArena [2*64<<10 + 4<<10]byte
var adapterUsed uintptr

//go:wasmexport cabi_realloc_adapter
//go:nosplit
func cabiReallocAdapter(old unsafe.Pointer, oldSize, align, newSize uint32) unsafe.Pointer {
	start := (adapterUsed + uintptr(align) - 1) &^ (uintptr(align) - 1)
	if old != nil || start+uintptr(newSize) > uintptr(len(adapterArena)) {
		return unsafe.Pointer(^uintptr(0) &^ 7)
	}
	adapterUsed = start + uintptr(newSize)
	return unsafe.Add(unsafe.Pointer(&adapterArena), start)
}

var methods = [...]string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

type incoming struct {
	req      edge.Request
	raw      []edge.Header
	tooLarge bool
	broken   bool
}

func readRequest(h int32) incoming {
	var in incoming
	reqMethod(h, ret())
	if t := retU8(0); t < uint8(len(methods)) {
		in.req.Method = methods[t]
	} else {
		in.req.Method = string(hostBytes(retI32(4), retI32(8)))
	}
	liftReset()
	reqPath(h, ret())
	in.req.Path = "/"
	if retU8(0) == 1 {
		in.req.Path = string(hostBytes(retI32(4), retI32(8)))
	}
	liftReset()
	fields := reqHeaders(h)
	fieldsEntries(fields, ret())
	// list<tuple<string, list<u8>>>: 16 bytes per element (name ptr, len, value ptr, len).
	entries, count := retI32(0), retI32(4)
	in.raw = make([]edge.Header, count)
	for i := int32(0); i < count; i++ {
		e := unsafe.Slice((*int32)(unsafe.Pointer(uintptr(entries+16*i))), 4)
		in.raw[i] = edge.Header{Name: string(hostBytes(e[0], e[1])), Value: string(hostBytes(e[2], e[3]))}
	}
	liftReset()
	dropFields(fields)

	reqConsume(h, ret())
	if retU8(0) != 0 {
		in.broken = true
		return in
	}
	body := retI32(4)
	bodyStream(body, ret())
	if retU8(0) != 0 {
		in.broken = true
		dropIncomingBody(body)
		return in
	}
	stream := retI32(4)
	for {
		streamRead(stream, readChunk, ret())
		if retU8(0) != 0 {
			// stream-error: closed ends the body; last-operation-failed carries an error to drop.
			if retU8(4) == 0 {
				in.broken = true
				dropIoError(retI32(8))
			}
			break
		}
		chunk := hostBytes(retI32(4), retI32(8))
		if len(in.req.Body)+len(chunk) > bodyCapBytes {
			in.tooLarge = true
		} else {
			in.req.Body = append(in.req.Body, chunk...)
		}
		liftReset()
		if in.tooLarge {
			break
		}
	}
	liftReset()
	dropInputStream(stream)
	dropIncomingBody(body)
	return in
}

// wireEntry is one list<tuple<string, list<u8>>> element as the canonical ABI lays it out.
type wireEntry struct{ name, nameLen, value, valueLen uint32 }

func addr(s string) uint32 {
	if len(s) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s))))
}

// respond sends status, headers and body; a header the host refuses (the handler's bug) becomes a clean 500.
func respond(out int32, res *edge.Response) {
	list := make([]wireEntry, len(res.Headers)+1)
	for i, h := range res.Headers {
		list[i] = wireEntry{addr(h.Name), uint32(len(h.Name)), addr(h.Value), uint32(len(h.Value))}
	}
	fieldsFromList(unsafe.Pointer(&list[0]), int32(len(res.Headers)), ret())
	var fields int32
	status, body := res.Status, res.Body
	if retU8(0) == 0 {
		fields = retI32(4)
	} else {
		const name, value = "x-lab-error", "handler-bad-response"
		list[0] = wireEntry{addr(name), uint32(len(name)), addr(value), uint32(len(value))}
		fieldsFromList(unsafe.Pointer(&list[0]), 1, ret())
		if retU8(0) == 0 {
			fields = retI32(4)
		} else {
			fields = fieldsNew()
		}
		status, body = 500, []byte("handler error\n")
	}
	response := responseNew(fields)
	if responseSetStatus(response, int32(status)) != 0 {
		responseSetStatus(response, 500)
	}
	responseBody(response, ret())
	outBody := retI32(4)
	outparamSet(out, 0, response, 0, 0, 0, 0, 0, 0)
	outBodyWrite(outBody, ret())
	stream := retI32(4)
	for off := 0; off < len(body); off += writeChunk {
		end := min(off+writeChunk, len(body))
		streamWrite(stream, unsafe.Pointer(&body[off]), int32(end-off), ret())
		if retU8(0) != 0 {
			if retU8(4) == 0 {
				dropIoError(retI32(8))
			}
			break
		}
	}
	dropOutputStream(stream)
	outBodyFinish(outBody, 0, 0, ret())
}

// call runs the handler; a panic is the handler's failure, answered 500 like a C handler's.
func call(req *edge.Request) (res *edge.Response) {
	defer func() {
		if recover() != nil {
			res = edge.Text(500, "handler error\n")
		}
	}()
	res = handler.Handle(req)
	if res == nil {
		res = edge.Text(500, "handler error\n")
	}
	return res
}

//go:wasmexport wasi:http/incoming-handler@0.2.10#handle
func handle(request int32, out int32) {
	in := readRequest(request)
	dropIncomingRequest(request)
	switch {
	case in.tooLarge:
		respond(out, edge.Text(413, "request body over the packaging cap of 1048576 bytes\n"))
	case in.broken:
		respond(out, edge.Text(500, "cannot read the request\n"))
	default:
		in.req.Headers = edge.JoinHeaders(in.raw)
		if in.req.Body == nil {
			in.req.Body = []byte{}
		}
		respond(out, call(&in.req))
	}
}

// main is never called in a reactor; the Go runtime starts in _initialize.
func main() {}
