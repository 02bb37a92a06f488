/* auth.h: the clinic password: yescrypt hashes, session files, login backoff */
#ifndef BV_AUTH_H
#define BV_AUTH_H

#include <stddef.h>
#include <time.h>

/*
 * Everything here is plain mechanism, no HTTP (login.c is the HTTP side),
 * and takes the time as an argument so that tests can move it.  State
 * lives in one directory (dirfd) that every backend process shares:
 * lighttpd runs several, and a login served by one must be honoured by
 * the others.
 */

enum auth_err {
	AUTH_OK = 0,
	AUTH_ERR_NOMATCH,	/* wrong password, unknown or wrong session */
	AUTH_ERR_EXPIRED,	/* session idle or alive too long (now removed) */
	AUTH_ERR_LOCKED,	/* too many failed logins: wait */
	AUTH_ERR_BADHASH,	/* password_hash is not a hash crypt(3) takes */
	AUTH_ERR_TOOLONG,	/* password longer than AUTH_PASSWORD_MAX */
	AUTH_ERR_SYS		/* I/O, randomness or memory: errno set */
};

#define AUTH_COOKIE		"bv_session"
#define AUTH_ID_BYTES		32	/* 256 random bits */
#define AUTH_ID_HEX		(2 * AUTH_ID_BYTES)
#define AUTH_HASH_MAX		256	/* CRYPT_OUTPUT_SIZE is 384; ours ~73 */
#define AUTH_PASSWORD_MAX	1024
#define AUTH_STATE_DIR		".auth"	/* under the results directory */
#define AUTH_COOKIES_MAX	4	/* bv_session values looked at */

/* 1 if the n bytes at a and b are equal; time depends on n only. */
int		auth_ct_equal(const void *a, const void *b, size_t n);

/*
 * Hash password with yescrypt ("$y$", libxcrypt's default cost) and a
 * fresh random salt into out (at least AUTH_HASH_MAX bytes).
 */
enum auth_err	auth_hash_password(const char *password, char *out,
		    size_t outsz);

/* 1 if hash is a crypt(3) hash this libcrypt can verify (not "*..."). */
int		auth_hash_usable(const char *hash);

/* AUTH_OK when password hashes to hash (compared in constant time). */
enum auth_err	auth_verify_password(const char *password, const char *hash);

/*
 * The well-formed bv_session values (64 lower-case hex digits) of a Cookie
 * header, at most max of them, into ids; their number.  Anything else
 * (other cookies, bad lengths, odd bytes, a value split by quotes) is
 * skipped, never an error: a page on a sibling host can set cookies too.
 */
size_t		auth_cookie_sessions(const char *header,
		    char ids[][AUTH_ID_HEX + 1], size_t max);

/*
 * The state directory under the results directory, created 0700 when
 * absent; an O_DIRECTORY fd the caller closes, or -1 with errno.
 */
int		auth_state_open(int results_fd);

/* A new session: its cookie value (64 hex digits + NUL) into id. */
enum auth_err	auth_session_create(int dirfd, time_t now,
		    char id[AUTH_ID_HEX + 1]);

/*
 * AUTH_OK when id names a live session: used at most idle_s seconds ago
 * and made at most max_s seconds ago (the absolute lifetime, however busy
 * it is kept).  Its last use is then moved to now (at most once a minute:
 * a page load fetches many images).  An idle or too old one is removed:
 * AUTH_ERR_EXPIRED.
 */
enum auth_err	auth_session_check(int dirfd, const char *id, time_t now,
		    long idle_s, long max_s);

/* Remove session id if it is one (the verifier must match); AUTH_OK. */
enum auth_err	auth_session_delete(int dirfd, const char *id);

/*
 * Remove sessions idle more than idle_s and backoff records older than a
 * day; the number removed.
 */
int		auth_sweep(int dirfd, time_t now, long idle_s);

/*
 * Failed-login backoff, per client address (IPv4, or an IPv6 /64, since
 * one host holds a whole /64).  attempts failures are free; then each
 * further try waits 30 s, doubling, at most 15 minutes; a success or a
 * quiet day forgets them.  begin() takes a lock on the client's record
 * that end() releases, so tries from one address are serial across all
 * processes and none slips past the count.
 */
struct auth_backoff {
	int	fd;
	int	fails;
	time_t	last;
};

/* Seconds still to wait after fails failures, the last at last (pure). */
long		auth_backoff_wait(int fails, time_t last, time_t now,
		    int attempts);

/*
 * Lock remote_addr's record into b.  AUTH_OK: the caller may check the
 * password and must call auth_backoff_end().  AUTH_ERR_LOCKED: *retry_s
 * seconds to wait, nothing held.  AUTH_ERR_SYS: nothing held.
 */
enum auth_err	auth_backoff_begin(int dirfd, const char *remote_addr,
		    time_t now, int attempts, struct auth_backoff *b,
		    long *retry_s);

/*
 * Record the outcome (success resets) and release the lock.  AUTH_ERR_SYS
 * (errno set) when the record could not be written: it then still holds
 * the count from before, never none.
 */
enum auth_err	auth_backoff_end(struct auth_backoff *b, int success,
		    time_t now);

#endif /* BV_AUTH_H */
