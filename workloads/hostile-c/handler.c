/*
 * hostile-c: the C port of workloads/hostile (same behaviours, same answers). It breaks the
 * handler rules on purpose: the native server makes real system calls (open, socket, connect,
 * fork); the component imports wasi:http, wasi:io and a monotonic clock (its packaging's
 * drip pause) only, so it has no file, socket or process to ask for: those attempts are
 * answered `denied no-capability`, as the JS guest answers on Wasm.
 * Behaviours and their arguments: see workloads/hostile/handler.ts.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifndef __wasi__
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#endif

#include "edge_handler.h"

/* Largest request body accepted (bytes): none. Mirrors workload.json. */
#define BODY_LIMIT_BYTES 0
#define MAX_FORKS 4096

static void text(edge_response *res, int status, const char *body) {
  res->status = status;
  edge_set_header(res, "content-type", "text/plain; charset=utf-8");
  edge_buf_puts(&res->body, body);
}

/* The value of query parameter `name` percent-decoded into `out` (NUL-terminated); 0 when absent. */
static int query(const edge_request *req, const char *name, char *out, size_t cap) {
  const char *p = memchr(req->path.ptr, '?', req->path.len);
  const char *end = req->path.ptr + req->path.len;
  size_t nlen = strlen(name);
  if (!p) return 0;
  for (p++; p < end;) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *stop = amp ? amp : end;
    if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
      size_t n = 0;
      for (const char *c = p + nlen + 1; c < stop && n + 1 < cap; c++) {
        if (*c == '%' && stop - c >= 3) {
          char hex[3] = {c[1], c[2], 0};
          char *bad;
          long v = strtol(hex, &bad, 16);
          if (*bad == 0) {
            out[n++] = (char)v;
            c += 2;
            continue;
          }
        }
        out[n++] = *c;
      }
      out[n] = 0;
      return 1;
    }
    p = stop + 1;
  }
  return 0;
}

/* A count argument: 1-7 digits, else `fallback` (as the JS guest parses it). */
static long count(const edge_request *req, const char *name, long fallback) {
  char v[16];
  if (!query(req, name, v, sizeof v)) return fallback;
  size_t n = strlen(v);
  if (n == 0 || n > 7 || strspn(v, "0123456789") != n) return fallback;
  return strtol(v, NULL, 10);
}

static void bomb(edge_response *res, long max_mib) {
  char **hoard = calloc((size_t)max_mib + 1, sizeof *hoard);
  long i = 0;
  for (; hoard && i < max_mib; i++) {
    hoard[i] = malloc(1 << 20);
    if (!hoard[i]) break;
    /* Touched, so the pages are resident and count against the limit. */
    for (size_t j = 0; j < (1 << 20); j += 4096) hoard[i][j] = (char)((i + (long)j) & 0xff);
  }
  int reached = hoard != NULL && i == max_mib;
  long got = hoard != NULL ? i : 0;
  for (long k = 0; hoard && k < i; k++) free(hoard[k]);
  free(hoard);
  /* A refused allocation (a memory limit the allocator sees, as a Wasm store's) is not the cap. */
  text(res, 200, reached ? "bomb reached-cap " : "bomb refused-after ");
  edge_buf_put_u64(&res->body, (uint64_t)got);
  edge_buf_puts(&res->body, reached ? "\n" : " ENOMEM\n");
}

#ifdef __wasi__
/* The component imports wasi:http, wasi:io and a clock only: no file, socket or process to ask for. */
static void no_capability(const edge_request *req, edge_response *res) {
  (void)req;
  text(res, 200, "denied no-capability\n");
}
static void fork_loop(const edge_request *req, edge_response *res) {
  (void)req;
  text(res, 200, "fork denied no-capability\n");
}
#define read_file no_capability
#define write_file no_capability
#define connect_probe no_capability
#else
static const char *code_of(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EROFS: return "EROFS";
    case EAGAIN: return "EAGAIN";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENETUNREACH: return "ENETUNREACH";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF";
    default: return "error";
  }
}

static void denied(edge_response *res, int e) {
  edge_buf_puts(&res->body, "denied ");
  edge_buf_puts(&res->body, code_of(e));
  edge_buf_puts(&res->body, "\n");
}

static void read_file(const edge_request *req, edge_response *res) {
  char path[1024];
  unsigned char bytes[64];
  text(res, 200, "");
  if (!query(req, "path", path, sizeof path)) path[0] = 0;
  int fd = open(path, O_RDONLY);
  if (fd < 0) { denied(res, errno); return; }
  ssize_t n = read(fd, bytes, sizeof bytes);
  int e = errno;
  close(fd);
  if (n < 0) { denied(res, e); return; }
  static const char digits[] = "0123456789abcdef";
  edge_buf_puts(&res->body, "allowed ");
  for (ssize_t i = 0; i < n; i++) {
    char h[2] = {digits[bytes[i] >> 4], digits[bytes[i] & 15]};
    edge_buf_put(&res->body, h, 2);
  }
  edge_buf_puts(&res->body, "\n");
}

static void write_file(const edge_request *req, edge_response *res) {
  char path[1024], token[256];
  text(res, 200, "");
  if (!query(req, "path", path, sizeof path)) path[0] = 0;
  if (!query(req, "token", token, sizeof token)) token[0] = 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) { denied(res, errno); return; }
  size_t len = strlen(token);
  ssize_t n = write(fd, token, len);
  int e = errno;
  close(fd);
  if (n < 0 || (size_t)n != len) { denied(res, n < 0 ? e : EIO); return; }
  edge_buf_puts(&res->body, "allowed\n");
}

static void fork_loop(const edge_request *req, edge_response *res) {
  long max = count(req, "max", 256);
  if (max > MAX_FORKS) max = MAX_FORKS;
  static pid_t children[MAX_FORKS];
  long n = 0;
  int refused = 0;
  while (n < max) {
    pid_t pid = fork();
    if (pid == 0) {
      sleep(20);
      _exit(0);
    }
    if (pid < 0) {
      refused = errno;
      break;
    }
    children[n++] = pid;
  }
  for (long i = 0; i < n; i++) kill(children[i], SIGKILL);
  for (long i = 0; i < n; i++) waitpid(children[i], NULL, 0);
  text(res, 200, refused ? "fork refused-after " : "fork reached-cap ");
  edge_buf_put_u64(&res->body, (uint64_t)(refused ? n : max));
  if (refused) {
    edge_buf_puts(&res->body, " ");
    edge_buf_puts(&res->body, code_of(refused));
  }
  edge_buf_puts(&res->body, "\n");
}

/* connect?port=N (127.0.0.1) or connect?socket=PATH (a unix socket), as the JS guest takes them. */
static void connect_probe(const edge_request *req, edge_response *res) {
  char path[108];
  int unix_socket = query(req, "socket", path, sizeof path) && path[0] != 0;
  long port = count(req, "port", 0);
  text(res, 200, "");
  int s = socket(unix_socket ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
  if (s < 0) { denied(res, errno); return; }
  struct timeval tv = {2, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a;
  struct sockaddr_un u;
  int rc;
  if (unix_socket) {
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    memcpy(u.sun_path, path, strlen(path));
    rc = connect(s, (struct sockaddr *)&u, sizeof u);
  } else {
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = connect(s, (struct sockaddr *)&a, sizeof a);
  }
  if (rc < 0) {
    int e = errno;
    close(s);
    { denied(res, e); return; }
  }
  static const char ask[] = "GET /_lab/stats HTTP/1.0\r\nhost: 127.0.0.1\r\n\r\n";
  char got[256];
  ssize_t n = write(s, ask, sizeof ask - 1) < 0 ? -1 : read(s, got, sizeof got - 1);
  int e = errno;
  close(s);
  if (n <= 0) { denied(res, n < 0 ? e : ECONNRESET); return; }
  got[n] = 0;
  char *nl = strstr(got, "\r\n");
  if (nl) *nl = 0;
  for (char *c = got; *c; c++)
    if (*c < ' ' || *c > '~') *c = '?';
  edge_buf_puts(&res->body, "allowed ");
  edge_buf_puts(&res->body, got);
  edge_buf_puts(&res->body, "\n");
}
#endif

/* `v` (>= 0) in decimal into `out` (16 bytes), NUL-terminated; returns its length. */
static size_t decimal(long v, char *out) {
  char d[16];
  size_t n = 0;
  do {
    d[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (size_t i = 0; i < n; i++) out[i] = d[n - 1 - i];
  out[n] = 0;
  return n;
}

/*
 * drip?chunks=N&ms=T: N lines of one width (`drip 07/50`), paced by the packaging T ms apart
 * (edge_response.drip_*): the packaging's equal slices are exactly the lines.
 */
static void drip(const edge_request *req, edge_response *res) {
  long n = count(req, "chunks", 50);
  long ms = count(req, "ms", 200);
  if (n < 1) n = 1;
  if (ms > 3600000) ms = 3600000;
  char total[16], index[16];
  size_t width = decimal(n, total);
  text(res, 200, "");
  for (long i = 1; i <= n; i++) {
    size_t len = decimal(i, index);
    edge_buf_puts(&res->body, "drip ");
    for (size_t z = len; z < width; z++) edge_buf_puts(&res->body, "0");
    edge_buf_puts(&res->body, index);
    edge_buf_puts(&res->body, "/");
    edge_buf_puts(&res->body, total);
    edge_buf_puts(&res->body, "\n");
  }
  res->drip_chunks = (uint32_t)n;
  res->drip_pause_ms = (uint32_t)ms;
}

void edge_handle(const edge_request *req, edge_response *res) {
  if (!edge_str_eq(req->method, "GET")) { text(res, 405, "method not allowed\n"); return; }
  if (req->body_len > BODY_LIMIT_BYTES) { text(res, 413, "body too large\n"); return; }
  const edge_str *b = edge_find_header(req, "x-lab-hostile");
  if (!b) {
    text(res, 200, "hostile: idle; x-lab-hostile picks one of spin, bomb, crash, fork, read-file, write-file, connect, drip\n");
    return;
  }
  if (edge_str_eq(*b, "spin")) {
    /* Never returns: what stops it is the substrate's business. */
    for (volatile unsigned long i = 0;; i++) {
    }
  }
  if (edge_str_eq(*b, "bomb")) { bomb(res, count(req, "max", 4096)); return; }
  if (edge_str_eq(*b, "crash")) __builtin_trap();
  if (edge_str_eq(*b, "fork")) { fork_loop(req, res); return; }
  if (edge_str_eq(*b, "read-file")) { read_file(req, res); return; }
  if (edge_str_eq(*b, "write-file")) { write_file(req, res); return; }
  if (edge_str_eq(*b, "connect")) { connect_probe(req, res); return; }
  if (edge_str_eq(*b, "drip")) { drip(req, res); return; }
  text(res, 400, "unknown behaviour\n");
}
