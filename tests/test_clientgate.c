/* test_clientgate.c: the per-client bound shared by processes: in flight, stale slots, token bucket */

#define _DEFAULT_SOURCE

#include "check.h"
#include "../src/auth/clientgate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char	 path[64];

/*
 * The fault seam: clientgate.c's flock(2) calls land here (a definition
 * in the program binds before libc's), failing with ENOLCK while
 * flock_fails is set, else making the system call.
 */
static int	 flock_fails;

int
flock(int fd, int op)
{
	if (flock_fails) {
		errno = ENOLCK;
		return -1;
	}
	return (int)syscall(SYS_flock, fd, op);
}

/* A child that takes a frame in flight for addr, says so on fd, then waits. */
static pid_t
holder(const char *addr, int *readyfd, int die_holding)
{
	struct clientgate_limits lim = { 8, 0 };
	struct clientgate	*g;
	char			 err[128], c = 'x';
	int			 p[2], retry;
	pid_t			 pid;

	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(p[0]);
		if (clientgate_open(&g, path, "", err, sizeof(err)) == -1 ||
		    clientgate_enter(g, addr, &lim, 1000, &retry) !=
		    CLIENTGATE_PASS)
			_exit(1);
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		if (die_holding)
			_exit(0);	/* crashes, in effect: no leave */
		pause();
		_exit(0);
	}
	close(p[1]);
	*readyfd = p[0];
	return pid;
}

static void
wait_ready(int fd)
{
	char	 c;

	CHECK(read(fd, &c, 1) == 1);
	close(fd);
}

int
main(void)
{
	struct clientgate_limits lim;
	struct clientgate	*g, *g2;
	char			 err[128];
	int			 retry, fd, i, pass;
	pid_t			 a, b, d;

	snprintf(path, sizeof(path), "/tmp/bv-gate-test.%ld", (long)getpid());
	unlink(path);
	CHECK(clientgate_open(&g2, "/nonexistent/dir/gate", "", err,
	    sizeof(err)) == -1 && g2 == NULL &&
	    strstr(err, "/nonexistent/dir/gate") != NULL);
	if (clientgate_open(&g, path, "", err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 99;
	}

	/* two other processes hold frames for 10.0.0.1: with K = 2 we wait */
	a = holder("10.0.0.1", &fd, 0);
	wait_ready(fd);
	b = holder("10.0.0.1", &fd, 0);
	wait_ready(fd);
	lim.max_inflight = 2;
	lim.max_fps = 0;
	CHECK(clientgate_enter(g, "10.0.0.1", &lim, 1000, &retry) ==
	    CLIENTGATE_INFLIGHT && retry == 1);
	/* another address is not affected */
	CHECK(clientgate_enter(g, "10.0.0.2", &lim, 1000, &retry) ==
	    CLIENTGATE_PASS);
	clientgate_leave(g);
	lim.max_inflight = 3;
	CHECK(clientgate_enter(g, "10.0.0.1", &lim, 1000, &retry) ==
	    CLIENTGATE_PASS);
	clientgate_leave(g);
	lim.max_inflight = 2;

	/* one holder ends: its frame is no longer in flight */
	kill(a, SIGKILL);
	waitpid(a, NULL, 0);
	CHECK(clientgate_enter(g, "10.0.0.1", &lim, 1000, &retry) ==
	    CLIENTGATE_PASS);
	/* our own slot does not count against our next frame */
	CHECK(clientgate_enter(g, "10.0.0.1", &lim, 1000, &retry) ==
	    CLIENTGATE_PASS);
	clientgate_leave(g);

	/* a process that died holding a slot (no leave) frees it */
	d = holder("10.0.0.1", &fd, 1);
	wait_ready(fd);
	waitpid(d, NULL, 0);
	CHECK(clientgate_enter(g, "10.0.0.1", &lim, 1000, &retry) ==
	    CLIENTGATE_PASS);
	clientgate_leave(g);
	kill(b, SIGKILL);
	waitpid(b, NULL, 0);

	/* 10 frames/s: a burst of 10, then one every 100 ms */
	lim.max_inflight = 0;
	lim.max_fps = 10;
	for (i = pass = 0; i < 15; i++)
		pass += clientgate_enter(g, "10.0.0.3", &lim, 5000, &retry) ==
		    CLIENTGATE_PASS;
	CHECK(pass == 10);
	CHECK(clientgate_enter(g, "10.0.0.3", &lim, 5000, &retry) ==
	    CLIENTGATE_RATE && retry == 1);
	CHECK(clientgate_enter(g, "10.0.0.3", &lim, 5050, &retry) ==
	    CLIENTGATE_RATE);
	CHECK(clientgate_enter(g, "10.0.0.3", &lim, 5101, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "10.0.0.4", &lim, 5101, &retry) ==
	    CLIENTGATE_PASS);
	/* 0.5 frames/s: the wait rounds up to whole seconds */
	lim.max_fps = 0.5;
	CHECK(clientgate_enter(g, "10.0.0.5", &lim, 9000, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "10.0.0.5", &lim, 9000, &retry) ==
	    CLIENTGATE_RATE && retry == 2);
	/* more addresses than buckets: the oldest is recycled, all pass */
	for (i = pass = 0; i < 600; i++) {
		char addr[32];

		snprintf(addr, sizeof(addr), "10.1.%d.%d", i / 250, i % 250);
		pass += clientgate_enter(g, addr, &lim, 10000 + i, &retry) ==
		    CLIENTGATE_PASS;
	}
	CHECK(pass == 600);
	/*
	 * An IPv6 client is its /64: a host rotating through its addresses
	 * (SLAAC privacy addresses) shares one bucket, so it cannot pass the
	 * rate nor push out another client's bucket by rotating.
	 */
	lim.max_fps = 2;
	CHECK(clientgate_enter(g, "2001:db8:1:2::10", &lim, 20000, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "2001:db8:1:2::10", &lim, 20000, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "192.0.2.50", &lim, 20000, &retry) ==
	    CLIENTGATE_PASS);
	for (i = pass = 0; i < 600; i++) {
		char addr[64];

		snprintf(addr, sizeof(addr), "2001:db8:1:2:%x:%x::1", i, i * 7);
		pass += clientgate_enter(g, addr, &lim, 20000 + i / 100.0,
		    &retry) == CLIENTGATE_PASS;
	}
	CHECK(pass == 0);
	/* the IPv4 client's bucket survived: it still has its one token */
	CHECK(clientgate_enter(g, "192.0.2.50", &lim, 20010, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "192.0.2.50", &lim, 20010, &retry) ==
	    CLIENTGATE_RATE);
	/* another /64 is another client; IPv4-mapped is its IPv4 */
	CHECK(clientgate_enter(g, "2001:db8:1:3::10", &lim, 20010, &retry) ==
	    CLIENTGATE_PASS);
	CHECK(clientgate_enter(g, "::ffff:192.0.2.50", &lim, 20010, &retry) ==
	    CLIENTGATE_RATE);

	/* the table cannot be locked: refused (503), never waved through */
	lim.max_inflight = 1;
	flock_fails = 1;
	CHECK(clientgate_enter(g, "10.9.9.9", &lim, 30000, &retry) ==
	    CLIENTGATE_UNAVAILABLE && retry >= 1);
	flock_fails = 0;
	CHECK(clientgate_enter(g, "10.9.9.9", &lim, 30000, &retry) ==
	    CLIENTGATE_PASS);
	clientgate_leave(g);

	/* both off: every frame passes */
	lim.max_inflight = 0;
	lim.max_fps = 0;
	CHECK(clientgate_enter(g, "10.0.0.5", &lim, 9000, &retry) ==
	    CLIENTGATE_PASS);

	clientgate_free(g);
	clientgate_free(NULL);
	unlink(path);
	return check_done("test_clientgate");
}
