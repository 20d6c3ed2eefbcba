// The native packaging of a Go workload: its handler behind net/http, built with CGO_ENABLED=0 as
// a static executable, the whole of a FROM scratch image.
//
// The contract is the C static server's (workloads/c/native/server.c, docs/c-workloads.md): binds
// HOST (default 127.0.0.1; only a 127.x.x.x literal, or 0.0.0.0 inside a Kubernetes pod, else
// exit 2) and PORT (default 0 = any free
// port) and prints `listening 127.0.0.1:<port>`; or, when LAB_SOCKET names a path, listens on that
// unix socket instead and prints `listening unix:<path>`. LAB_EXIT_WITH_PARENT=1: stdin is a pipe
// from the parent and its end means the parent is gone. Keep-alive connections with
// content-length bodies (transfer-encoding: 501), bodies over 1 MiB: 413, header sections over
// 16 KiB: 431 (net/http's own answer), malformed requests: 400. SIGTERM and SIGINT exit at once
// (it runs as PID 1 in its container).
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"edge-pop-lab/workloads/go/edge"
	"edge-pop-lab/workloads/go/handler"
)

const (
	bodyCapBytes = 1 << 20
	// net/http reads MaxHeaderBytes plus 4096 bytes of slack before it answers 431: 16 KiB in all, as the C server.
	maxHeaderBytes = 16<<10 - 4096
	idleTimeout    = 30 * time.Second
)

func die(code int, msg string) {
	fmt.Fprintf(os.Stderr, "edge-server: %s\n", msg)
	os.Exit(code)
}

// Headers the packaging owns; a handler's values for them are ignored (as in every packaging).
var packagingHeaders = map[string]bool{"content-length": true, "transfer-encoding": true, "connection": true}

// plain answers a packaging-level text response (never the handler's).
func plain(w http.ResponseWriter, status int, labError, text string) {
	h := w.Header()
	h["Date"] = nil
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	if labError != "" {
		h["X-Lab-Error"] = []string{labError}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(text))}
	w.WriteHeader(status)
	io.WriteString(w, text)
}

func isTchar(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	for i := 0; i < len("!#$%&'*+-.^_`|~"); i++ {
		if c == "!#$%&'*+-.^_`|~"[i] {
			return true
		}
	}
	return false
}

// usable is the C server's response_usable: a status HTTP can carry, header names and values it can send.
func usable(res *edge.Response) bool {
	if res == nil || res.Status < 200 || res.Status > 599 {
		return false
	}
	for _, h := range res.Headers {
		if h.Name == "" {
			return false
		}
		for i := 0; i < len(h.Name); i++ {
			if !isTchar(h.Name[i]) {
				return false
			}
		}
		for i := 0; i < len(h.Value); i++ {
			if c := h.Value[i]; c != '\t' && (c < 0x20 || c == 0x7f) {
				return false
			}
		}
	}
	return true
}

func call(req *edge.Request) (res *edge.Response, panicked bool) {
	defer func() {
		if recover() != nil {
			res, panicked = nil, true
		}
	}()
	return handler.Handle(req), false
}

func serve(w http.ResponseWriter, r *http.Request) {
	if len(r.TransferEncoding) > 0 {
		w.Header().Set("Connection", "close")
		plain(w, http.StatusNotImplemented, "", "transfer-encoding is not supported; send content-length\n")
		return
	}
	if r.ContentLength > bodyCapBytes {
		w.Header().Set("Connection", "close")
		plain(w, http.StatusRequestEntityTooLarge, "", "request body over the packaging cap of 1048576 bytes\n")
		return
	}
	body := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, body); err != nil {
		w.Header().Set("Connection", "close")
		plain(w, http.StatusBadRequest, "", "bad request\n")
		return
	}
	// net/http folds Host into the request; the handler sees it as a header, as from every packaging.
	raw := make([]edge.Header, 0, len(r.Header)+1)
	if r.Host != "" {
		raw = append(raw, edge.Header{Name: "host", Value: r.Host})
	}
	for name, values := range r.Header {
		for _, v := range values {
			raw = append(raw, edge.Header{Name: name, Value: v})
		}
	}
	req := &edge.Request{Method: r.Method, Path: r.RequestURI, Headers: edge.JoinHeaders(raw), Body: body}
	res, panicked := call(req)
	switch {
	case panicked:
		plain(w, http.StatusInternalServerError, "handler-threw", "handler failed\n")
		return
	case !usable(res):
		plain(w, http.StatusInternalServerError, "handler-bad-response", "handler returned an unusable response\n")
		return
	}
	h := w.Header()
	// No header the handler did not set: no Date, no sniffed Content-Type.
	h["Date"] = nil
	h["Content-Type"] = nil
	for _, x := range res.Headers {
		if packagingHeaders[x.Name] {
			continue
		}
		h[x.Name] = append(h[x.Name], x.Value)
	}
	h["Content-Length"] = []string{strconv.Itoa(len(res.Body))}
	w.WriteHeader(res.Status)
	if r.Method != http.MethodHead {
		w.Write(res.Body)
	}
}

func listen() net.Listener {
	if path := os.Getenv("LAB_SOCKET"); path != "" {
		os.Remove(path) // a socket file left by an earlier instance of the same directory
		l, err := net.Listen("unix", path)
		if err != nil {
			die(1, err.Error())
		}
		fmt.Printf("listening unix:%s\n", path)
		return l
	}
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	// Loopback only: the lab never listens beyond this machine. In a Kubernetes pod (the kubelet
	// sets KUBERNETES_SERVICE_HOST; the lab never does) the pod's own address is what its Service
	// reaches, so the wildcard is accepted there, as by the C server.
	wildcard := os.Getenv("KUBERNETES_SERVICE_HOST") != "" && host == "0.0.0.0"
	if ip := net.ParseIP(host); !wildcard && (ip == nil || ip.To4() == nil || ip.To4()[0] != 127 || host != ip.String()) {
		die(2, "HOST must be a 127.x.x.x literal (0.0.0.0 only inside a Kubernetes pod)")
	}
	port := 0
	if p := os.Getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			die(2, "PORT must be 0-65535")
		}
		port = n
	}
	l, err := net.Listen("tcp4", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		die(1, err.Error())
	}
	fmt.Printf("listening %s:%d\n", host, l.Addr().(*net.TCPAddr).Port)
	return l
}

func main() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		os.Exit(0)
	}()
	if os.Getenv("LAB_EXIT_WITH_PARENT") == "1" {
		// The bare-process runner's pipe: its end-of-file means the parent is gone, even by SIGKILL.
		go func() {
			io.Copy(io.Discard, os.Stdin)
			os.Exit(0)
		}()
	}
	l := listen()
	srv := &http.Server{
		Handler:        http.HandlerFunc(serve),
		MaxHeaderBytes: maxHeaderBytes,
		IdleTimeout:    idleTimeout,
		ErrorLog:       nil,
	}
	srv.SetKeepAlivesEnabled(true)
	if err := srv.Serve(l); err != nil {
		die(1, err.Error())
	}
}
