/*
 * The holder of a tenant's network namespace (the role of Kubernetes' pause container): PID 1 of
 * a container with an empty network namespace that the tenant's instances join, doing nothing
 * else. Exits at once on SIGTERM or SIGINT.
 */
#include <signal.h>
#include <unistd.h>

static void on_signal(int s) {
  (void)s;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  for (;;) pause();
}
