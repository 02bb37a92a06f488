/* clientgate.h: a per-client bound on live frames across backend processes: frames in flight and a rate */
#ifndef BV_CLIENTGATE_H
#define BV_CLIENTGATE_H

#include <stddef.h>

enum clientgate_verdict {
	CLIENTGATE_PASS = 0,	/* go on; clientgate_leave() afterwards */
	CLIENTGATE_INFLIGHT,	/* the client has max_inflight frames in flight */
	CLIENTGATE_RATE,	/* the client is over max_fps */
	CLIENTGATE_UNAVAILABLE	/* the shared table cannot be locked: 503 */
};

struct clientgate_limits {
	int	max_inflight;	/* frames in flight per client; 0: no bound */
	double	max_fps;	/* frames a second per client; 0: no bound */
};

struct clientgate;

/*
 * Open (creating it if need be) the state the backend processes of this
 * host share: the file at path, or, when path is "", a POSIX shared-memory
 * object named after key (results_dir: one per installation).  *out is
 * freed with clientgate_free().  -1 with a sentence in err on failure.
 */
int	clientgate_open(struct clientgate **out, const char *path,
	    const char *key, char *err, size_t errsz);

/*
 * May the client at addr (REMOTE_ADDR; an IPv6 client is its /64,
 * clientkey.h) send a frame now (now_ms: a CLOCK_MONOTONIC time, the same
 * in every process)?  CLIENTGATE_PASS counts it in flight for this process
 * until clientgate_leave(); otherwise *retry_after gets the seconds to
 * wait (at least 1).  A frame left in flight by a process that died, or by
 * this one, is forgotten.  If the shared state cannot be locked the frame
 * is refused, CLIENTGATE_UNAVAILABLE: the guard fails closed.
 */
enum clientgate_verdict clientgate_enter(struct clientgate *g,
	    const char *addr, const struct clientgate_limits *lim,
	    double now_ms, int *retry_after);

/* The frame let in by the last clientgate_enter() is done. */
void	clientgate_leave(struct clientgate *g);

/* Unmap and close; NULL is a no-op.  The shared state stays. */
void	clientgate_free(struct clientgate *g);

#endif /* BV_CLIENTGATE_H */
