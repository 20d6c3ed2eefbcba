/*
 * The native packaging of a C workload: a small HTTP/1.1 server around edge_handle(), linked
 * statically against musl (musl-gcc -static) so it runs alone in a FROM scratch image.
 *
 * Contract (the same as the Node packaging's, docs/c-workloads.md): binds HOST (default
 * 127.0.0.1; only 127.x.x.x literals accepted, else exit 2; 0.0.0.0 only inside a Kubernetes pod,
 * whose network namespace is its own: KUBERNETES_SERVICE_HOST set) and PORT (default 0 = any free port),
 * prints `listening 127.0.0.1:<port>`; or, when LAB_SOCKET names a path, listens on that unix
 * socket instead (a container with no network is reached through it) and prints
 * `listening unix:<path>`. It serves keep-alive connections with content-length bodies
 * (no chunked requests: 501), refuses bodies over 1 MiB with 413 and header sections over
 * 16 KiB with 431, and answers malformed requests with 400 and a closed connection. One thread,
 * poll(): requests are answered in order per connection (pipelining works), connections are
 * independent. SIGTERM and SIGINT exit at once (it runs as PID 1 in its container).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "edge_handler.h"
#include "http_parse.h"

#define MAX_CONNECTIONS 256
#define BODY_CAP_BYTES (1024 * 1024)
#define IDLE_TIMEOUT_MS 30000
#define READ_CHUNK 16384

typedef struct {
  int fd;
  edge_buf in;  /* bytes received, not yet consumed by a complete request */
  edge_buf out; /* response bytes not yet sent */
  size_t out_sent;
  int closing; /* close once `out` is sent */
  int64_t last_active_ms;
} connection;

static connection conns[MAX_CONNECTIONS];
static struct pollfd pfds[MAX_CONNECTIONS + 2];

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(int code, const char *msg) {
  fprintf(stderr, "edge-server: %s\n", msg);
  exit(code);
}

static void on_signal(int sig) {
  (void)sig;
  _exit(0);
}

static void close_conn(connection *c) {
  close(c->fd);
  edge_buf_free(&c->in);
  edge_buf_free(&c->out);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

/* Sends all of `p` on a non-blocking socket, waiting for room; 0 when the peer is gone or stalls. */
static int send_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0) {
      if (errno != EAGAIN && errno != EINTR) return 0;
      struct pollfd w = {fd, POLLOUT, 0};
      if (poll(&w, 1, IDLE_TIMEOUT_MS) == 0) return 0;
      continue;
    }
    p += k;
    n -= (size_t)k;
  }
  return 1;
}

/* Sleeps `ms` (nanosleep: the process is off the CPU), resuming after a signal. */
static void sleep_ms(uint32_t ms) {
  struct timespec left = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

/*
 * A dripped response (edge_response.drip_*): what is queued (earlier answers, this head and the
 * first slice) goes now, then each slice after a sleep. The server is one thread, so the drip
 * holds this whole instance for its length, as a synchronous handler would. 0: the peer went away.
 */
static int drip_out(connection *c, const http_drip *d) {
  if (!send_all(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent)) return 0;
  c->out.len = 0;
  c->out_sent = 0;
  for (uint32_t k = 1; k < d->chunks; k++) {
    sleep_ms(d->pause_ms);
    size_t from = edge_drip_offset(d->body.len, d->chunks, k);
    size_t to = edge_drip_offset(d->body.len, d->chunks, k + 1);
    if (!send_all(c->fd, d->body.data + from, to - from)) return 0;
  }
  return 1;
}

/* Serves every complete request buffered on `c`; stops at the first incomplete one. 0: `c` was closed. */
static int serve_buffered(connection *c) {
  size_t off = 0;
  while (!c->closing && off < c->in.len) {
    http_request req;
    int rc = http_parse_request(c->in.data + off, c->in.len - off, BODY_CAP_BYTES, &req);
    if (rc == HTTP_INCOMPLETE) break;
    if (rc != HTTP_OK) {
      http_write_error(&c->out, rc);
      c->closing = 1;
      break;
    }
    http_drip drip;
    http_answer(&req, &c->out, &drip);
    if (drip.chunks > 0) {
      int sent = !c->out.failed && drip_out(c, &drip);
      edge_buf_free(&drip.body);
      /* Everything is sent: a connection asked to close goes now (the poll loop only closes after a queued write). */
      if (!sent || !req.keep_alive) {
        close_conn(c);
        return 0;
      }
    }
    if (!req.keep_alive) c->closing = 1;
    off += req.total_len;
  }
  /* Drop what was consumed; keep a partial request for the next read. */
  if (off > 0) {
    memmove(c->in.data, c->in.data + off, c->in.len - off);
    c->in.len -= off;
  }
  if (c->out.failed || c->in.failed) c->closing = 1, c->out.len = 0;
  return 1;
}

static void on_readable(connection *c) {
  char chunk[READ_CHUNK];
  ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    close_conn(c);
    return;
  }
  if (n < 0) return;
  edge_buf_put(&c->in, chunk, (size_t)n);
  serve_buffered(c);
}

static void on_writable(connection *c) {
  while (c->out_sent < c->out.len) {
    ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      close_conn(c);
      return;
    }
    c->out_sent += (size_t)n;
  }
  c->out.len = 0;
  c->out_sent = 0;
  if (c->closing) close_conn(c);
}

static int listen_on(const char *host, int port) {
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  /* Loopback only: the lab never listens beyond this machine. In a Kubernetes pod (the kubelet
   * sets KUBERNETES_SERVICE_HOST; the lab never does) the pod's own address is what its Service
   * reaches, so the wildcard is accepted there. */
  const char *in_pod = getenv("KUBERNETES_SERVICE_HOST");
  int wildcard = in_pod && *in_pod && strcmp(host, "0.0.0.0") == 0;
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 || (!wildcard && (ntohl(addr.sin_addr.s_addr) >> 24) != 127)) die(2, "HOST must be a 127.x.x.x literal (0.0.0.0 only inside a Kubernetes pod)");
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die(1, "socket failed");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die(1, strerror(errno));
  if (listen(fd, 512) != 0) die(1, strerror(errno));
  fcntl(fd, F_SETFL, O_NONBLOCK);
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  printf("listening %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);
  return fd;
}

/* A unix socket at `path`: how a container with no network namespace of its own is reached. */
static int listen_unix(const char *path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) die(2, "LAB_SOCKET path too long for a unix socket");
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) die(1, "socket failed");
  unlink(path); /* a socket file left by an earlier instance of the same directory */
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die(1, strerror(errno));
  if (listen(fd, 512) != 0) die(1, strerror(errno));
  fcntl(fd, F_SETFL, O_NONBLOCK);
  printf("listening unix:%s\n", path);
  fflush(stdout);
  return fd;
}

static void accept_all(int lfd) {
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) return;
    connection *slot = NULL;
    for (int i = 0; i < MAX_CONNECTIONS && !slot; i++) {
      if (conns[i].fd < 0) slot = &conns[i];
    }
    if (!slot) {
      close(fd); /* over the connection limit: refuse rather than queue without bound */
      continue;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(slot, 0, sizeof *slot);
    slot->fd = fd;
    slot->last_active_ms = now_ms();
  }
}

int main(void) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  const char *host = getenv("HOST");
  const char *port_text = getenv("PORT");
  char *end = NULL;
  long port = port_text && *port_text ? strtol(port_text, &end, 10) : 0;
  if ((end && *end) || port < 0 || port > 65535) die(2, "PORT must be 0-65535");
  /* LAB_EXIT_WITH_PARENT=1: stdin is a pipe from the parent; its end-of-file means the parent
   * is gone (even by SIGKILL), so this instance must not outlive it (the bare-process runner). */
  const char *with_parent = getenv("LAB_EXIT_WITH_PARENT");
  int watch_parent = with_parent && strcmp(with_parent, "1") == 0;
  const char *socket_path = getenv("LAB_SOCKET");
  int lfd = socket_path && *socket_path ? listen_unix(socket_path) : listen_on(host && *host ? host : "127.0.0.1", (int)port);
  for (int i = 0; i < MAX_CONNECTIONS; i++) conns[i].fd = -1;

  for (;;) {
    nfds_t n = 0;
    int map[MAX_CONNECTIONS + 2];
    pfds[n].fd = lfd, pfds[n].events = POLLIN, map[n++] = -1;
    if (watch_parent) pfds[n].fd = 0, pfds[n].events = POLLIN, map[n++] = -2;
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
      if (conns[i].fd < 0) continue;
      short ev = conns[i].out.len > conns[i].out_sent ? POLLOUT : (conns[i].closing ? 0 : POLLIN);
      pfds[n].fd = conns[i].fd, pfds[n].events = ev, map[n++] = i;
    }
    int ready = poll(pfds, n, 1000);
    if (ready < 0 && errno != EINTR) die(1, "poll failed");
    int64_t t = now_ms();
    for (nfds_t k = 0; k < n; k++) {
      if (map[k] == -2) {
        char sink[64];
        if ((pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) && read(0, sink, sizeof sink) <= 0) exit(0);
        continue;
      }
      if (map[k] < 0) {
        if (pfds[k].revents & POLLIN) accept_all(lfd);
        continue;
      }
      connection *c = &conns[map[k]];
      if (c->fd < 0) continue;
      short re = pfds[k].revents;
      if (re) c->last_active_ms = t;
      if (re & (POLLERR | POLLNVAL)) {
        close_conn(c);
        continue;
      }
      if (re & (POLLIN | POLLHUP)) on_readable(c);
      if (c->fd >= 0 && c->out.len > c->out_sent) on_writable(c);
      if (c->fd >= 0 && t - c->last_active_ms > IDLE_TIMEOUT_MS) close_conn(c);
    }
  }
}
