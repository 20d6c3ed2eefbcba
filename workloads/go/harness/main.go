// The direct-call packaging of a Go workload, for tests: requests in, responses out over
// stdin/stdout in the framing of workloads/c/native/harness.c (so workloads/c/harness-client.ts
// drives both), no HTTP. Every integer a little-endian u32:
//
//	request:  method, path, header count, {name, value}*, body   (each string: length + bytes)
//	response: status, failed, header count, {name, value}*, body
//
// `failed` is always 0 (Go has no allocation failure to report); a handler panic is not recovered
// but crashes the process with its trace, which is what a fuzz test looks for. A clean EOF before
// a request exits 0; a torn frame exits 2.
package main

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"

	"edge-pop-lab/workloads/go/edge"
	"edge-pop-lab/workloads/go/handler"
)

const (
	maxField   = 16 << 20
	maxHeaders = 1024
)

var in = bufio.NewReaderSize(os.Stdin, 1<<16)
var out = bufio.NewWriterSize(os.Stdout, 1<<16)

func readU32(eofOK bool) (uint32, bool) {
	var b [4]byte
	n, err := io.ReadFull(in, b[:])
	if n == 0 && err == io.EOF && eofOK {
		os.Exit(0)
	}
	if err != nil {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[:]), true
}

func readField() []byte {
	n, ok := readU32(false)
	if !ok || n > maxField {
		os.Exit(2)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(in, b); err != nil {
		os.Exit(2)
	}
	return b
}

func writeU32(v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	out.Write(b[:])
}

func writeField(b []byte) {
	writeU32(uint32(len(b)))
	out.Write(b)
}

func main() {
	for {
		first, _ := readU32(true)
		method := make([]byte, first)
		if first > maxField {
			os.Exit(2)
		}
		if _, err := io.ReadFull(in, method); err != nil {
			os.Exit(2)
		}
		path := readField()
		count, ok := readU32(false)
		if !ok || count > maxHeaders {
			os.Exit(2)
		}
		raw := make([]edge.Header, count)
		for i := range raw {
			raw[i] = edge.Header{Name: string(readField()), Value: string(readField())}
		}
		body := readField()
		res := handler.Handle(&edge.Request{Method: string(method), Path: string(path), Headers: edge.JoinHeaders(raw), Body: body})
		writeU32(uint32(res.Status))
		writeU32(0)
		writeU32(uint32(len(res.Headers)))
		for _, h := range res.Headers {
			writeField([]byte(h.Name))
			writeField([]byte(h.Value))
		}
		writeField(res.Body)
		if err := out.Flush(); err != nil {
			os.Exit(2)
		}
	}
}
