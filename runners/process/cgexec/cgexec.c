/*
 * cgexec: joins the cgroups whose cgroup.procs files are named before "--", then becomes the
 * program after it (execv: same pid, same file descriptors, same environment, so a forked Node
 * keeps its IPC channel). The instance is therefore inside its limits from its first
 * allocation: cgroup v1 charges memory where it is allocated, and moving it later
 * (move_charge_at_immigrate) is refused by this kernel.
 *   cgexec /sys/fs/cgroup/memory/.../cgroup.procs ... -- /usr/bin/node server.js handler.js
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int fd = open(argv[i], O_WRONLY);
    if (fd < 0 || write(fd, pid, (size_t)n) != n) {
      fprintf(stderr, "cgexec: cannot join %s: %s\n", argv[i], strerror(errno));
      return 126;
    }
    close(fd);
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: cgexec <cgroup.procs>... -- <program> [args...]\n");
    return 2;
  }
  execv(argv[i + 1], argv + i + 1);
  fprintf(stderr, "cgexec: cannot run %s: %s\n", argv[i + 1], strerror(errno));
  return 127;
}
