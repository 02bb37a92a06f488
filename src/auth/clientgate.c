/* clientgate.c: a per-client bound on live frames across backend processes: frames in flight and a rate */
/*
 * lighttpd runs several backend processes and each serves one request at a
 * time, so "one frame in flight per backend" still lets one client hold
 * every backend.  The processes share one small table in a mapped file
 * (or a POSIX shared-memory object), changed only under flock(LOCK_EX):
 *
 *   - one in-flight slot per process (its pid and the client's address):
 *     a client with max_inflight slots taken is refused.  A slot whose pid
 *     is gone (a crashed backend) or is the caller's own is stale and freed.
 *   - a token bucket per client address (max_fps tokens a second, one
 *     second's worth of burst), the least recently used one recycled when
 *     the table is full: a client over the rate is refused until a token
 *     is due.
 *
 * A client is its key (clientkey.h: an IPv4 address or an IPv6 /64), as
 * for the login backoff: a host rotating through its /64 is one client
 * and cannot evict others' buckets.  When the table cannot be locked the
 * frame is refused (CLIENTGATE_UNAVAILABLE, 503): a guard that stops
 * guarding when broken would let one client take every backend.
 *
 * The critical section is a few hundred comparisons; the lock is never
 * held across detection.  Nothing is written to the results directory.
 */

#define _DEFAULT_SOURCE

#include "auth/clientgate.h"
#include "auth/clientkey.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GATE_MAGIC	0x42564731u	/* "BVG1" */
#define GATE_SLOTS	64		/* backend processes of one host */
#define GATE_BUCKETS	256		/* client addresses remembered */
#define GATE_ADDR	48		/* a client key (clientkey.h) and NUL */

struct gate_slot {
	int32_t	 pid;			/* 0: free */
	int32_t	 pad;
	double	 since;
	char	 addr[GATE_ADDR];
};

struct gate_bucket {
	double	 tokens;
	double	 t;			/* 0: unused */
	char	 addr[GATE_ADDR];
};

struct gate_shm {
	uint32_t		 magic, size;
	struct gate_slot	 slot[GATE_SLOTS];
	struct gate_bucket	 bucket[GATE_BUCKETS];
};

struct clientgate {
	int		 fd;
	struct gate_shm	*m;
	int		 held;		/* our slot, -1: none */
};

static int
lock(int fd, int op)
{
	int	 r;

	do
		r = flock(fd, op);
	while (r == -1 && errno == EINTR);
	return r;
}

int
clientgate_open(struct clientgate **out, const char *path, const char *key,
    char *err, size_t errsz)
{
	struct clientgate	*g;
	struct stat		 sb;
	char			 name[64];
	uint32_t		 h = 2166136261u;	/* FNV-1a */
	const unsigned char	*p;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	g->held = -1;
	if (path[0] != '\0') {
		g->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);
		snprintf(name, sizeof(name), "%s", "detect_gate_file");
	} else {
		for (p = (const unsigned char *)key; *p != '\0'; p++)
			h = (h ^ *p) * 16777619u;
		snprintf(name, sizeof(name), "/bloodview-gate-%u-%08x",
		    (unsigned)getuid(), (unsigned)h);
		g->fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
	}
	if (g->fd == -1) {
		snprintf(err, errsz, "%s: %s", path[0] ? path : name,
		    strerror(errno));
		free(g);
		return -1;
	}
	/* size and initialise once, whoever comes first */
	if (lock(g->fd, LOCK_EX) == -1 || fstat(g->fd, &sb) == -1 ||
	    ((size_t)sb.st_size < sizeof(struct gate_shm) &&
	    ftruncate(g->fd, sizeof(struct gate_shm)) == -1) ||
	    (g->m = mmap(NULL, sizeof(struct gate_shm), PROT_READ |
	    PROT_WRITE, MAP_SHARED, g->fd, 0)) == MAP_FAILED) {
		snprintf(err, errsz, "%s: %s", path[0] ? path : name,
		    strerror(errno));
		g->m = NULL;
		clientgate_free(g);
		return -1;
	}
	if (g->m->magic != GATE_MAGIC || g->m->size != sizeof(*g->m)) {
		memset(g->m, 0, sizeof(*g->m));
		g->m->magic = GATE_MAGIC;
		g->m->size = sizeof(*g->m);
	}
	lock(g->fd, LOCK_UN);
	*out = g;
	return 0;
}

static int
slot_stale(const struct gate_slot *s, pid_t me)
{
	return s->pid == me || (kill(s->pid, 0) == -1 && errno == ESRCH);
}

/* The client's bucket, or a fresh (full) one in the least recent place. */
static struct gate_bucket *
bucket_for(struct gate_shm *m, const char *addr, double burst)
{
	struct gate_bucket	*b, *old = &m->bucket[0];
	size_t			 i;

	for (i = 0; i < GATE_BUCKETS; i++) {
		b = &m->bucket[i];
		if (b->t != 0 && strcmp(b->addr, addr) == 0)
			return b;
		if (b->t < old->t)
			old = b;
	}
	snprintf(old->addr, sizeof(old->addr), "%s", addr);
	old->tokens = burst;
	old->t = 0;
	return old;
}

enum clientgate_verdict
clientgate_enter(struct clientgate *g, const char *addr,
    const struct clientgate_limits *lim, double now_ms, int *retry_after)
{
	struct gate_shm		*m = g->m;
	struct gate_bucket	*b;
	pid_t			 me = getpid();
	char			 a[GATE_ADDR];
	double			 burst;
	int			 i, n = 0, free_slot = -1;

	*retry_after = 1;
	g->held = -1;
	clientkey_of(addr, a);
	if (lock(g->fd, LOCK_EX) == -1)
		return CLIENTGATE_UNAVAILABLE;	/* fail closed */
	if (lim->max_inflight > 0) {
		for (i = 0; i < GATE_SLOTS; i++) {
			struct gate_slot *s = &m->slot[i];

			if (s->pid != 0 && slot_stale(s, me))
				memset(s, 0, sizeof(*s));
			if (s->pid == 0) {
				if (free_slot < 0)
					free_slot = i;
			} else if (strcmp(s->addr, a) == 0)
				n++;
		}
		if (n >= lim->max_inflight) {
			lock(g->fd, LOCK_UN);
			return CLIENTGATE_INFLIGHT;
		}
	}
	if (lim->max_fps > 0) {
		burst = lim->max_fps < 1 ? 1 : lim->max_fps;
		b = bucket_for(m, a, burst);
		if (b->t > 0 && now_ms > b->t)
			b->tokens = fmin(burst, b->tokens +
			    (now_ms - b->t) * lim->max_fps / 1000);
		b->t = now_ms > 0 ? now_ms : 1;
		if (b->tokens < 1) {
			*retry_after = (int)ceil((1 - b->tokens) /
			    lim->max_fps);
			if (*retry_after < 1)
				*retry_after = 1;
			lock(g->fd, LOCK_UN);
			return CLIENTGATE_RATE;
		}
		b->tokens -= 1;
	}
	/* more processes than slots: not counted, never refused for it */
	if (lim->max_inflight > 0 && free_slot >= 0) {
		m->slot[free_slot].pid = me;
		m->slot[free_slot].since = now_ms;
		memcpy(m->slot[free_slot].addr, a, sizeof(a));
		g->held = free_slot;
	}
	lock(g->fd, LOCK_UN);
	return CLIENTGATE_PASS;
}

void
clientgate_leave(struct clientgate *g)
{
	if (g == NULL || g->held < 0)
		return;
	if (lock(g->fd, LOCK_EX) == 0) {
		if (g->m->slot[g->held].pid == getpid())
			memset(&g->m->slot[g->held], 0,
			    sizeof(g->m->slot[g->held]));
		lock(g->fd, LOCK_UN);
	}
	g->held = -1;
}

void
clientgate_free(struct clientgate *g)
{
	if (g == NULL)
		return;
	clientgate_leave(g);
	if (g->m != NULL)
		munmap(g->m, sizeof(*g->m));
	if (g->fd != -1)
		close(g->fd);
	free(g);
}
