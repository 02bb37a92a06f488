/* bv-capture.c: a USB microscope camera for the live page: the newest frame as an MJPEG stream and a JPEG snapshot */
/*
 * One process, one poll() loop, no threads.  The source (capture.c: a V4L2
 * device, or a file source for tests and boxes without a camera) fills one
 * "newest frame" buffer; nothing older is kept.  Clients speak a minimal
 * HTTP/1.1 (one GET, then the connection closes):
 *
 *   GET /snapshot.jpg    the newest frame (503 no_frame before the first)
 *   GET /stream.mjpeg    multipart/x-mixed-replace, a part per new frame
 *   GET /health          JSON: source, format, size, frames, fps, clients
 *
 * (each also under /camera/, the prefix the web server proxies).  It serves
 * a loopback TCP port (or a UNIX socket) that lighttpd's mod_proxy forwards
 * /camera/ to: a stream lasts as long as the page is open, and in its own
 * process it holds no FastCGI backend; the browser sees one origin (the CSP
 * allows 'self' only).
 *
 * Bounds: a frame is at most --max-frame bytes (bigger ones are refused and
 * counted); at most --max-clients connections; each client owns one output
 * buffer holding the one part it is sending.  When that part is out, the
 * client gets the newest frame, whatever was captured meanwhile is skipped:
 * a slow client falls behind by at most the part in flight (plus what its
 * socket buffers hold: the send buffer is kept small), never a queue.  A
 * client that takes no byte for 10 s, or sends no request within 5 s, is
 * dropped; one that goes away mid-frame is just closed.
 *
 * Who may watch: the camera shows a patient's smear, so only the web
 * server, after its authorizer, may reach it.  On a UNIX socket (made
 * 0660: its owner and group, the web server's) the file mode decides; on
 * a TCP port, which every local user can connect to, each request must
 * carry the secret of --token-file in X-BV-Capture-Token (the web server
 * adds it, see bv-capture(1)), else 403.  A TCP port without a token is
 * refused at start-up unless --no-token says so (tests, a one-user box).
 */

#define _DEFAULT_SOURCE

#include "capture/capture.h"
#include "tools/capcli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#define CAP_REQ_MAX		2048
#define CAP_REQ_TIMEOUT_MS	5000
#define CAP_STALL_TIMEOUT_MS	10000
#define CAP_LINGER_MS		2000
#define CAP_SNDBUF		65536
#define CAP_PART_HEAD		160	/* room for a part's headers */
#define CAP_FPS_WINDOW		32
#define CAP_BOUNDARY		"bvframe"
#define CAP_OVERFLOW		4	/* slots that only answer 503 busy */

enum cl_state { CL_FREE, CL_REQ, CL_SNAP, CL_STREAM, CL_LINGER };

struct client {
	int			 fd;
	enum cl_state		 st;
	char			 req[CAP_REQ_MAX];
	size_t			 reqlen;
	unsigned char		*out;		/* the one buffer: a part */
	size_t			 outcap, outlen, outoff;
	int			 close_after;
	int			 busy;		/* over --max-clients: 503 */
	int			 draining;	/* part out, kernel queue not */
	int			 queued;	/* its bytes, last looked at */
	unsigned long long	 sent_seq;
	double			 t_moved;	/* last byte in or out */
};

struct server {
	int			 lfd;
	struct capture		*cap;
	size_t			 max_frame;
	unsigned char		*frame, *scratch;
	size_t			 frame_len;
	unsigned long long	 seq, refused, bad, dropped;
	double			 frame_t, times[CAP_FPS_WINDOW];
	struct client		*cl;
	size_t			 maxcl;		/* viewers */
	size_t			 nslots;	/* maxcl + CAP_OVERFLOW */
	char			 token[CAPCLI_TOKEN_MAX + 1];	/* "": none */
};

static volatile sig_atomic_t	 stop_flag;

#define CAP_TOKEN_HEADER	"x-bv-capture-token:"

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 1 if request head req (NUL-terminated) carries token, in constant time. */
static int
token_ok(const char *req, const char *token)
{
	const char	*h = strstr(req, "\r\n"), *v;
	size_t		 n = strlen(token), len, i;
	unsigned char	 d;

	for (; h != NULL; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, CAP_TOKEN_HEADER,
		    strlen(CAP_TOKEN_HEADER)) != 0)
			continue;
		v = h + 2 + strlen(CAP_TOKEN_HEADER);
		v += strspn(v, " \t");
		len = strcspn(v, " \t\r\n");
		d = len != n;
		for (i = 0; i < n; i++)
			d |= (unsigned char)(v[i < len ? i : 0] ^ token[i]);
		return d == 0;
	}
	return 0;
}

static int
open_listener(const char *spec, char *err, size_t errsz)
{
	struct addrinfo		 hints, *ai = NULL;
	struct sockaddr_un	 sun;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	struct stat		 sb;
	char			 host[256], *colon, port[16];
	int			 fd = -1, one = 1;
	mode_t			 old_mask;

	if (spec[0] == '/') {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec) >= sizeof(sun.sun_path)) {
			snprintf(err, errsz, "--listen: socket path too long");
			return -1;
		}
		strcpy(sun.sun_path, spec);
		/* a socket left by an earlier run, never another file */
		if (lstat(spec, &sb) == 0 && S_ISSOCK(sb.st_mode))
			unlink(spec);
		/* 0660: its owner and group (the web server's) only */
		old_mask = umask(0117);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    (umask(old_mask), listen(fd, 16)) == -1) {
			umask(old_mask);
			snprintf(err, errsz, "--listen %s: %s", spec,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		fprintf(stderr, "bv-capture: listening on %s\n", spec);
		return fd;
	}
	if (strlen(spec) >= sizeof(host) || (colon = strrchr(spec, ':')) ==
	    NULL || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof(port)) {
		snprintf(err, errsz, "--listen: HOST:PORT or an absolute "
		    "socket path expected, not \"%s\"", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	strcpy(port, colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, &ai) != 0) {
		snprintf(err, errsz, "--listen %s: a numeric address and port "
		    "expected", spec);
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(err, errsz, "--listen %s: %s", spec, strerror(errno));
		if (fd != -1)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		fprintf(stderr, "bv-capture: listening on %s%s%s:%s\n",
		    strchr(host, ':') ? "[" : "", host,
		    strchr(host, ':') ? "]" : "", port);
	return fd;
}

static void
client_close(struct server *s, struct client *c)
{
	(void)s;
	if (c->fd != -1)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->st = CL_FREE;
}

static int
client_reserve(struct client *c, size_t n)
{
	unsigned char	*p;

	if (n <= c->outcap)
		return 0;
	if ((p = realloc(c->out, n)) == NULL)
		return -1;
	c->out = p;
	c->outcap = n;
	return 0;
}

/* Replace the client's output with a whole small response. */
static int
client_reply(struct client *c, const char *status, const char *type,
    const char *extra, const char *body)
{
	size_t	 bl = strlen(body), n;

	if (client_reserve(c, 512 + bl) == -1)
		return -1;
	n = (size_t)snprintf((char *)c->out, c->outcap, "HTTP/1.1 %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n%sConnection: close\r\n\r\n",
	    status, type, bl, extra);
	if (n + bl > c->outcap)
		return -1;
	memcpy(c->out + n, body, bl);
	c->outlen = n + bl;
	c->outoff = 0;
	c->close_after = 1;
	return 0;
}

static int
client_error(struct client *c, const char *status, const char *code,
    const char *message, const char *extra)
{
	char	 body[512];

	snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\","
	    "\"message\":\"%s\"}}", code, message);
	return client_reply(c, status, "application/json", extra, body);
}

/* The next multipart part: the newest frame, copied into the one buffer. */
static int
client_part(struct server *s, struct client *c)
{
	int	 n;

	if (client_reserve(c, CAP_PART_HEAD + s->frame_len + 2) == -1)
		return -1;
	n = snprintf((char *)c->out, CAP_PART_HEAD, "--" CAP_BOUNDARY "\r\n"
	    "Content-Type: image/jpeg\r\nContent-Length: %zu\r\n"
	    "X-Frame: %llu\r\n\r\n", s->frame_len, s->seq);
	if (n < 0 || n >= CAP_PART_HEAD)
		return -1;
	memcpy(c->out + n, s->frame, s->frame_len);
	memcpy(c->out + n + s->frame_len, "\r\n", 2);
	c->outlen = (size_t)n + s->frame_len + 2;
	c->outoff = 0;
	c->sent_seq = s->seq;
	return 0;
}

static double
measured_fps(const struct server *s)
{
	unsigned long long	 n = s->seq < CAP_FPS_WINDOW ? s->seq :
	    CAP_FPS_WINDOW;
	double			 first, last;

	if (n < 2)
		return 0;
	last = s->times[(s->seq - 1) % CAP_FPS_WINDOW];
	first = s->times[(s->seq - n) % CAP_FPS_WINDOW];
	return last > first ? (n - 1) * 1000.0 / (last - first) : 0;
}

static int
health(struct server *s, struct client *c)
{
	struct capture_info	 ci;
	char			 body[768];
	size_t			 i, ncl = 0, nst = 0;

	/* clients: this one included; streams: the pages showing video */
	for (i = 0; i < s->nslots; i++) {
		ncl += s->cl[i].st != CL_FREE && !s->cl[i].busy;
		nst += s->cl[i].st == CL_STREAM;
	}
	capture_get_info(s->cap, &ci);
	snprintf(body, sizeof(body), "{\"source\":\"%s\",\"format\":\"%s\","
	    "\"width\":%d,\"height\":%d,\"frames\":%llu,\"fps\":%.1f,"
	    "\"age_ms\":%.0f,\"refused\":%llu,\"bad\":%llu,\"clients\":%zu,"
	    "\"streams\":%zu,"
	    "\"max_clients\":%zu,\"max_frame\":%zu,\"dropped_clients\":%llu}",
	    ci.kind, ci.format, ci.width, ci.height, s->seq, measured_fps(s),
	    s->seq ? now_ms() - s->frame_t : -1.0, s->refused, s->bad, ncl, nst,
	    s->maxcl, s->max_frame, s->dropped);
	return client_reply(c, "200 OK", "application/json", "", body);
}

/* A whole request head is in c->req: answer it. */
static int
route(struct server *s, struct client *c)
{
	char	*sp, *path, *end;
	size_t	 n;

	c->req[c->reqlen] = '\0';
	if (s->token[0] != '\0' && !token_ok(c->req, s->token))
		return client_error(c, "403 Forbidden", "forbidden",
		    "The camera is served through the web server only.", "");
	if ((sp = strchr(c->req, ' ')) == NULL)
		return client_error(c, "400 Bad Request", "bad_request",
		    "Not an HTTP request.", "");
	*sp = '\0';
	path = sp + 1;
	if ((end = strpbrk(path, " ?\r\n")) == NULL)
		return client_error(c, "400 Bad Request", "bad_request",
		    "Not an HTTP request.", "");
	*end = '\0';
	if (strncmp(path, "/camera/", 8) == 0)
		path += 7;
	if (c->busy)
		return client_error(c, "503 Service Unavailable", "busy",
		    "Too many camera viewers at once; try again.",
		    "Retry-After: 2\r\n");
	if (strcmp(c->req, "GET") != 0)
		return client_error(c, "405 Method Not Allowed",
		    "method_not_allowed", "Only GET.", "Allow: GET\r\n");
	if (strcmp(path, "/health") == 0)
		return health(s, c);
	if (strcmp(path, "/snapshot.jpg") == 0) {
		if (s->seq == 0)
			return client_error(c, "503 Service Unavailable",
			    "no_frame", "No camera frame yet.",
			    "Retry-After: 1\r\n");
		if (client_reserve(c, 512 + s->frame_len) == -1)
			return -1;
		n = (size_t)snprintf((char *)c->out, 512, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: image/jpeg\r\nContent-Length: %zu\r\n"
		    "Cache-Control: no-store\r\nX-Frame: %llu\r\n"
		    "Connection: close\r\n\r\n", s->frame_len, s->seq);
		memcpy(c->out + n, s->frame, s->frame_len);
		c->outlen = n + s->frame_len;
		c->outoff = 0;
		c->close_after = 1;
		c->st = CL_SNAP;
		return 0;
	}
	if (strcmp(path, "/stream.mjpeg") == 0) {
		if (client_reserve(c, 512) == -1)
			return -1;
		c->outlen = (size_t)snprintf((char *)c->out, 512,
		    "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;"
		    " boundary=" CAP_BOUNDARY "\r\nCache-Control: no-store\r\n"
		    "Connection: close\r\n\r\n");
		c->outoff = 0;
		c->sent_seq = 0;	/* the first part follows at once */
		c->st = CL_STREAM;
		return 0;
	}
	return client_error(c, "404 Not Found", "not_found",
	    "No such camera resource.", "");
}

static void client_flush(struct server *s, struct client *c);

/*
 * A stream client's part is out of its buffer: the next one is the newest
 * frame, but only once the kernel has passed the last one on (SIOCOUTQ 0),
 * so that frames never pile up in the socket's send queue either.
 */
static void
client_next_part(struct server *s, struct client *c)
{
	int	 q = 0;

	if (ioctl(c->fd, SIOCOUTQ, &q) == 0 && q > 0) {
		if (!c->draining || q != c->queued)
			c->t_moved = now_ms();
		c->draining = 1;
		c->queued = q;
		return;
	}
	c->draining = 0;
	if (s->seq <= c->sent_seq)
		return;			/* new_frame() sends the next */
	if (client_part(s, c) == -1) {
		client_close(s, c);
		return;
	}
	client_flush(s, c);
}

/* Send what the socket takes; move the stream on when a part is out. */
static void
client_flush(struct server *s, struct client *c)
{
	ssize_t	 n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {		/* gone, possibly mid-frame */
			client_close(s, c);
			return;
		}
		c->outoff += (size_t)n;
		c->t_moved = now_ms();
		if (c->outoff == c->outlen && c->st == CL_STREAM &&
		    !c->close_after) {
			c->outoff = c->outlen = 0;
			client_next_part(s, c);
			return;
		}
	}
	if (c->close_after && c->st != CL_LINGER) {
		/* let the client read to the end before the socket closes */
		shutdown(c->fd, SHUT_WR);
		c->st = CL_LINGER;
		c->t_moved = now_ms();
	}
}

static void
client_read(struct server *s, struct client *c)
{
	char	 junk[4096];
	ssize_t	 n;

	if (c->st != CL_REQ) {
		/* nothing more is expected: read to notice the close */
		n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
			client_close(s, c);
		return;
	}
	n = recv(c->fd, c->req + c->reqlen, sizeof(c->req) - 1 - c->reqlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(s, c);
		return;
	}
	c->reqlen += (size_t)n;
	c->t_moved = now_ms();
	c->req[c->reqlen] = '\0';
	if (strstr(c->req, "\r\n\r\n") == NULL) {
		if (c->reqlen < sizeof(c->req) - 1)
			return;
		if (client_error(c, "431 Request Header Fields Too Large",
		    "header_too_large", "Request head over 2 KB.", "") == -1) {
			client_close(s, c);
			return;
		}
		c->st = CL_SNAP;
	} else if (route(s, c) == -1) {
		client_close(s, c);
		return;
	} else if (c->st == CL_REQ)
		c->st = CL_SNAP;	/* a small reply, then close */
	client_flush(s, c);
}

static void
accept_clients(struct server *s)
{
	size_t	 i, n;
	int	 fd, sz = CAP_SNDBUF;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1)
			return;
		for (i = n = 0; i < s->nslots; i++)
			n += s->cl[i].st != CL_FREE;
		for (i = 0; i < s->nslots && s->cl[i].st != CL_FREE; i++)
			;
		if (i == s->nslots) {		/* not even room to say so */
			close(fd);
			s->dropped++;
			continue;
		}
		/* over the limit: read the request, answer 503 (no RST) */
		s->cl[i].busy = n >= s->maxcl;
		s->dropped += (unsigned long long)s->cl[i].busy;
		/* a small send buffer: the kernel must not queue frames */
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		s->cl[i].fd = fd;
		s->cl[i].st = CL_REQ;
		s->cl[i].t_moved = now_ms();
	}
}

/* A frame (or file tick) is due: keep it if it is whole and fits. */
static int
new_frame(struct server *s)
{
	unsigned char		*t;
	size_t			 len = 0, i;
	enum capture_err	 e;

	e = capture_next(s->cap, s->scratch, s->max_frame, &len);
	switch (e) {
	case CAPTURE_OK:
		break;
	case CAPTURE_AGAIN:
		return 0;
	case CAPTURE_TOO_LARGE:
		if (s->refused++ % 100 == 0)
			fprintf(stderr, "bv-capture: frame refused: over the "
			    "%zu-byte limit (%llu so far)\n", s->max_frame,
			    s->refused);
		return 0;
	case CAPTURE_NOT_JPEG:
	case CAPTURE_IO:
		if (s->bad++ % 100 == 0)
			fprintf(stderr, "bv-capture: frame skipped: %s "
			    "(%llu so far)\n", capture_strerror(e), s->bad);
		return 0;
	default:
		fprintf(stderr, "bv-capture: the source failed: %s\n",
		    capture_strerror(e));
		return -1;
	}
	t = s->frame;
	s->frame = s->scratch;
	s->scratch = t;
	s->frame_len = len;
	s->frame_t = now_ms();
	s->times[s->seq % CAP_FPS_WINDOW] = s->frame_t;
	s->seq++;
	/* stream clients waiting for a frame get this one */
	for (i = 0; i < s->nslots; i++) {
		struct client *c = &s->cl[i];

		if (c->st == CL_STREAM && c->outoff == c->outlen &&
		    !c->draining && c->sent_seq < s->seq) {
			if (client_part(s, c) == -1)
				client_close(s, c);
			else
				client_flush(s, c);
		}
	}
	return 0;
}

static void
sweep(struct server *s)
{
	double	 t = now_ms();
	size_t	 i;

	for (i = 0; i < s->nslots; i++) {
		struct client *c = &s->cl[i];

		if (c->st == CL_FREE)
			continue;
		if ((c->st == CL_REQ && t - c->t_moved > CAP_REQ_TIMEOUT_MS) ||
		    (c->st == CL_LINGER && t - c->t_moved > CAP_LINGER_MS) ||
		    ((c->outoff < c->outlen || c->draining) &&
		    t - c->t_moved > CAP_STALL_TIMEOUT_MS)) {
			if (c->st != CL_LINGER)
				s->dropped++;
			client_close(s, c);
		}
	}
}

static int
serve(struct server *s)
{
	struct pollfd	*pfd;
	size_t		*slot, n, i;
	int		 rc = 0, draining;

	if ((pfd = calloc(s->nslots + 2, sizeof(*pfd))) == NULL ||
	    (slot = calloc(s->nslots + 2, sizeof(*slot))) == NULL) {
		free(pfd);
		return -1;
	}
	while (!stop_flag) {
		pfd[0].fd = s->lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = capture_fd(s->cap);
		pfd[1].events = POLLIN;
		n = 2;
		draining = 0;
		for (i = 0; i < s->nslots; i++) {
			struct client *c = &s->cl[i];

			if (c->st == CL_FREE)
				continue;
			draining |= c->draining;
			pfd[n].fd = c->fd;
			pfd[n].events = POLLIN;
			if (c->outoff < c->outlen)
				pfd[n].events |= POLLOUT;
			slot[n++] = i;
		}
		/* no event says "send queue empty": look again soon */
		if (poll(pfd, n, draining ? 5 : 500) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if ((pfd[1].revents & POLLIN) && new_frame(s) == -1) {
			rc = -1;
			break;
		}
		if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "bv-capture: the source went away\n");
			rc = -1;
			break;
		}
		for (i = 2; i < n; i++) {
			struct client *c = &s->cl[slot[i]];

			/* closed meanwhile, or the slot taken by another */
			if (c->st == CL_FREE || c->fd != pfd[i].fd)
				continue;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				client_read(s, c);
			if (c->st != CL_FREE && (pfd[i].revents & POLLOUT))
				client_flush(s, c);
		}
		for (i = 0; i < s->nslots; i++)
			if (s->cl[i].st == CL_STREAM && s->cl[i].draining)
				client_next_part(s, &s->cl[i]);
		if (pfd[0].revents & POLLIN)
			accept_clients(s);
		sweep(s);
	}
	free(pfd);
	free(slot);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct capcli		 c;
	struct server		 s;
	struct sigaction	 sa;
	char			 err[512];
	enum capture_err	 e;
	size_t			 i;
	int			 rc = 1;

	if ((rc = capcli_parse(argc, argv, &c)) != 0)
		return rc;
	rc = 1;
	memset(&s, 0, sizeof(s));
	s.lfd = -1;
	s.maxcl = c.maxcl;
	memcpy(s.token, c.token, sizeof(s.token));
	s.max_frame = c.o.max_frame;
	s.nslots = s.maxcl + CAP_OVERFLOW;

	if (c.file != NULL)
		e = capture_open_file(c.file, &c.o, &s.cap, err, sizeof(err));
	else
		e = capture_open_device(c.device ? c.device : "/dev/video0",
		    &c.o, &s.cap, err, sizeof(err));
	if (e != CAPTURE_OK) {
		fprintf(stderr, "bv-capture: %s\n", err);
		return 1;
	}
	if ((s.frame = malloc(s.max_frame)) == NULL ||
	    (s.scratch = malloc(s.max_frame)) == NULL ||
	    (s.cl = calloc(s.nslots, sizeof(*s.cl))) == NULL) {
		fprintf(stderr, "bv-capture: out of memory\n");
		goto out;
	}
	for (i = 0; i < s.nslots; i++)
		s.cl[i].fd = -1;
	if ((s.lfd = open_listener(c.listen_at, err, sizeof(err))) == -1) {
		fprintf(stderr, "bv-capture: %s\n", err);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	rc = serve(&s) == 0 ? 0 : 1;
out:
	for (i = 0; s.cl != NULL && i < s.nslots; i++)
		if (s.cl[i].st != CL_FREE)
			client_close(&s, &s.cl[i]);
	free(s.cl);
	if (s.lfd != -1)
		close(s.lfd);
	if (c.listen_at[0] == '/' && s.lfd != -1)
		unlink(c.listen_at);
	free(s.frame);
	free(s.scratch);
	capture_free(s.cap);
	return rc;
}
