/* auth.c: the clinic password: yescrypt hashes, session files, login backoff */
/*
 * Sessions are files, one per login, in a directory under the results
 * directory (".auth": never an id, so results and samples code skip it,
 * and lighttpd/nginx serve only id/file names below /results/).  Files
 * rather than HMAC-signed cookies because every backend process must
 * agree at once that a logout or an idle expiry ended a session: with a
 * signed cookie a copied cookie would stay good until its time ran out,
 * and "idle for 12 hours" needs a last-use time on the server anyway.
 *
 * A cookie value is 32 random bytes in hex.  The first 8 bytes name the
 * file ("s-<16 hex>"), the other 24 are the file's content and are
 * compared in constant time, so a directory lookup's timing tells an
 * attacker at most which names exist, never how to forge one.  The file's
 * mtime is the session's last use; its second line, the time it was made,
 * bounds its whole life however busy it is kept (a cookie copied off a
 * shared computer stops working by the end of the day).
 *
 * Failed logins are counted per client address in "f-<address>" files,
 * under an flock held while the password is checked (auth_backoff_*).
 */

#include "auth/auth.h"
#include "auth/clientkey.h"

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#define SEL_HEX		16			/* file-name part of an id */
#define VER_HEX		(AUTH_ID_HEX - SEL_HEX)	/* compared part */
#define TOUCH_S		60			/* last-use resolution */
#define BACKOFF_BASE_S	30
#define BACKOFF_MAX_S	900
#define BACKOFF_FORGET_S 86400
#define FAILS_MAX	100000

int
auth_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static int
random_bytes(unsigned char *buf, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;
	int	 fd;

#ifdef HAVE_GETRANDOM
	while (got < len) {
		n = getrandom(buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return 0;
#endif
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			errno = EIO;
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* crypt_rn(password, setting) into a heap crypt_data; NULL on failure. */
static struct crypt_data *
run_crypt(const char *password, const char *setting, const char **out)
{
	struct crypt_data	*cd;

	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		return NULL;
	*out = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	if (*out == NULL || (*out)[0] == '*') {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		errno = EINVAL;
		return NULL;
	}
	return cd;
}

static void
crypt_free(struct crypt_data *cd)
{
	if (cd != NULL) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
}

enum auth_err
auth_hash_password(const char *password, char *out, size_t outsz)
{
	unsigned char		 rnd[16];
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	const char		*h;
	enum auth_err		 rc = AUTH_ERR_SYS;

	if (strlen(password) > AUTH_PASSWORD_MAX)
		return AUTH_ERR_TOOLONG;
	if (random_bytes(rnd, sizeof(rnd)) == -1)
		return AUTH_ERR_SYS;
	if (crypt_gensalt_rn("$y$", 0, (const char *)rnd, (int)sizeof(rnd),
	    salt, (int)sizeof(salt)) == NULL)
		goto out;
	if ((cd = run_crypt(password, salt, &h)) == NULL)
		goto out;
	if (strlen(h) < outsz) {
		memcpy(out, h, strlen(h) + 1);
		rc = AUTH_OK;
	} else
		errno = ENAMETOOLONG;
	crypt_free(cd);
out:
	explicit_bzero(rnd, sizeof(rnd));
	return rc;
}

int
auth_hash_usable(const char *hash)
{
	struct crypt_data	*cd;
	const char		*h;
	int			 ok;

	if (hash == NULL || hash[0] != '$' || strlen(hash) >= AUTH_HASH_MAX)
		return 0;
#ifdef CRYPT_CHECKSALT_AVAILABLE
	/* not DES or MD5: "legacy" and "too cheap" are refused */
	if (crypt_checksalt(hash) != CRYPT_SALT_OK)
		return 0;
#endif
	if ((cd = run_crypt("", hash, &h)) == NULL)
		return 0;
	/* same method and salt give a hash of the same length */
	ok = strlen(h) == strlen(hash);
	crypt_free(cd);
	return ok;
}

enum auth_err
auth_verify_password(const char *password, const char *hash)
{
	struct crypt_data	*cd;
	const char		*h;
	enum auth_err		 rc;

	if (strlen(password) > AUTH_PASSWORD_MAX)
		return AUTH_ERR_TOOLONG;
	if ((cd = run_crypt(password, hash, &h)) == NULL)
		return AUTH_ERR_BADHASH;
	rc = strlen(h) == strlen(hash) && auth_ct_equal(h, hash,
	    strlen(hash)) ? AUTH_OK : AUTH_ERR_NOMATCH;
	crypt_free(cd);
	return rc;
}

static int
id_wellformed(const char *s, size_t len)
{
	size_t	 i;

	if (len != AUTH_ID_HEX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * RFC 6265 section 4.2.1 / 5.4: "name=value" pairs separated by "; ".
 * Leniently split (browsers send what pages set), strictly accepted.
 */
size_t
auth_cookie_sessions(const char *header, char ids[][AUTH_ID_HEX + 1],
    size_t max)
{
	const char	*p = header, *end, *eq, *ns, *ne, *vs, *ve;
	size_t		 n = 0, nlen = strlen(AUTH_COOKIE);

	if (header == NULL)
		return 0;
	while (*p != '\0' && n < max) {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL) {
			ns = p;
			while (ns < eq && (*ns == ' ' || *ns == '\t'))
				ns++;
			ne = eq;
			while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			vs = eq + 1;
			while (vs < end && (*vs == ' ' || *vs == '\t'))
				vs++;
			ve = end;
			while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if ((size_t)(ne - ns) == nlen &&
			    memcmp(ns, AUTH_COOKIE, nlen) == 0 &&
			    id_wellformed(vs, (size_t)(ve - vs))) {
				memcpy(ids[n], vs, AUTH_ID_HEX);
				ids[n][AUTH_ID_HEX] = '\0';
				n++;
			}
		}
		p = *end ? end + 1 : end;
	}
	return n;
}

int
auth_state_open(int results_fd)
{
	int	 fd;

	/* may fail (exists; or a read-only mount, docs/scale-out.md): open */
	(void)mkdirat(results_fd, AUTH_STATE_DIR, 0700);
	fd = openat(results_fd, AUTH_STATE_DIR, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		(void)fchmod(fd, 0700);	/* a setgid parent: still ours only */
	return fd;
}

static void
session_name(const char *id, char name[3 + SEL_HEX])
{
	memcpy(name, "s-", 2);
	memcpy(name + 2, id, SEL_HEX);
	name[2 + SEL_HEX] = '\0';
}

static int
set_mtime(int fd, time_t t)
{
	struct timespec	 ts[2];

	ts[0].tv_sec = ts[1].tv_sec = t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return futimens(fd, ts);
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

enum auth_err
auth_session_create(int dirfd, time_t now, char id[AUTH_ID_HEX + 1])
{
	unsigned char	 rnd[AUTH_ID_BYTES];
	char		 name[3 + SEL_HEX], line[VER_HEX + 32];
	int		 fd = -1, tries, saved, len;

	for (tries = 0; tries < 4; tries++) {
		if (random_bytes(rnd, sizeof(rnd)) == -1)
			return AUTH_ERR_SYS;
		to_hex(rnd, sizeof(rnd), id);
		explicit_bzero(rnd, sizeof(rnd));
		session_name(id, name);
		/* O_EXCL: two logins can never share a file */
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		goto fail;
	memcpy(line, id + SEL_HEX, VER_HEX);
	len = snprintf(line + VER_HEX, sizeof(line) - VER_HEX, "\n%lld\n",
	    (long long)now);
	if (write_all(fd, line, (size_t)(VER_HEX + len)) == -1 ||
	    set_mtime(fd, now) == -1) {
		saved = errno;
		close(fd);
		unlinkat(dirfd, name, 0);
		errno = saved;
		goto fail;
	}
	explicit_bzero(line, sizeof(line));
	if (close(fd) == -1) {
		unlinkat(dirfd, name, 0);
		goto fail;
	}
	return AUTH_OK;
fail:
	explicit_bzero(id, AUTH_ID_HEX + 1);
	return AUTH_ERR_SYS;
}

/*
 * Open id's file and compare its verifier; the open fd (caller closes),
 * its stat and when it was made (0 in a file of an older version without
 * that line: such a session has outlived any lifetime), or -1 (no such
 * session, or not this one).
 */
static int
session_open(int dirfd, const char *id, struct stat *st, time_t *made)
{
	char		 name[3 + SEL_HEX], buf[VER_HEX + 32];
	long long	 t;
	ssize_t		 n;
	int		 fd, ok;

	if (id == NULL || !id_wellformed(id, strlen(id)))
		return -1;
	session_name(id, name);
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	do
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	ok = n >= VER_HEX + 1 && buf[VER_HEX] == '\n' &&
	    auth_ct_equal(buf, id + SEL_HEX, VER_HEX);
	*made = 0;
	if (ok) {
		buf[n] = '\0';
		if (sscanf(buf + VER_HEX + 1, "%lld", &t) == 1 && t > 0)
			*made = (time_t)t;
	}
	explicit_bzero(buf, sizeof(buf));
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

enum auth_err
auth_session_check(int dirfd, const char *id, time_t now, long idle_s,
    long max_s)
{
	char		 name[3 + SEL_HEX];
	struct stat	 st;
	time_t		 made;
	int		 fd;

	if ((fd = session_open(dirfd, id, &st, &made)) < 0)
		return AUTH_ERR_NOMATCH;
	if (now - st.st_mtime > idle_s || now - made > max_s) {
		close(fd);
		session_name(id, name);
		unlinkat(dirfd, name, 0);
		return AUTH_ERR_EXPIRED;
	}
	if (now - st.st_mtime >= TOUCH_S)
		(void)set_mtime(fd, now);	/* best effort: still valid */
	close(fd);
	return AUTH_OK;
}

enum auth_err
auth_session_delete(int dirfd, const char *id)
{
	char		 name[3 + SEL_HEX];
	struct stat	 st;
	time_t		 made;
	int		 fd;

	if ((fd = session_open(dirfd, id, &st, &made)) < 0)
		return AUTH_ERR_NOMATCH;
	close(fd);
	session_name(id, name);
	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return AUTH_ERR_SYS;
	return AUTH_OK;
}

/*
 * A backoff record removed while another process holds it only loses
 * failures older than a day, which that process would forget anyway.
 */
int
auth_sweep(int dirfd, time_t now, long idle_s)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	int		 fd, n = 0;

	if ((fd = dup(dirfd)) < 0)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "s-", 2) != 0 &&
		    strncmp(de->d_name, "f-", 2) != 0)
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (now - st.st_mtime <= (de->d_name[0] == 's' ? idle_s :
		    BACKOFF_FORGET_S))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) == 0)
			n++;
	}
	closedir(d);
	return n;
}

long
auth_backoff_wait(int fails, time_t last, time_t now, int attempts)
{
	long	 delay, w;
	int	 k;

	if (fails < attempts)
		return 0;
	k = fails - attempts;
	delay = BACKOFF_BASE_S << (k > 5 ? 5 : k);
	if (delay > BACKOFF_MAX_S)
		delay = BACKOFF_MAX_S;
	w = (long)(last + delay - now);
	if (w > delay)		/* the clock went back */
		w = delay;
	return w > 0 ? w : 0;
}

/* "f-" and the client's key: IPv4, an IPv6 /64, or "x" (clientkey.h). */
static void
backoff_name(const char *addr, char *name, size_t namesz)
{
	char	 key[CLIENTKEY_MAX];

	clientkey_of(addr, key);
	snprintf(name, namesz, "f-%s", key);
}

enum auth_err
auth_backoff_begin(int dirfd, const char *remote_addr, time_t now,
    int attempts, struct auth_backoff *b, long *retry_s)
{
	char		 name[64], buf[64];
	long long	 last = 0;
	ssize_t		 n;
	int		 fails = 0;

	*retry_s = 0;
	b->fd = -1;
	backoff_name(remote_addr, name, sizeof(name));
	b->fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (b->fd < 0)
		return AUTH_ERR_SYS;
	while (flock(b->fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(b->fd);
			b->fd = -1;
			return AUTH_ERR_SYS;
		}
	do
		n = pread(b->fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%d %lld", &fails, &last) != 2 || fails < 0)
			fails = 0, last = 0;
	}
	if (now - (time_t)last > BACKOFF_FORGET_S)
		fails = 0;
	b->fails = fails;
	b->last = (time_t)last;
	if ((*retry_s = auth_backoff_wait(fails, b->last, now,
	    attempts)) > 0) {
		close(b->fd);	/* releases the lock */
		b->fd = -1;
		return AUTH_ERR_LOCKED;
	}
	return AUTH_OK;
}

/*
 * The record has one fixed width and is overwritten in place, never
 * truncated first: a write that fails leaves the previous count, where a
 * truncate followed by a failed write left an empty record, read as no
 * failure at all.
 */
enum auth_err
auth_backoff_end(struct auth_backoff *b, int success, time_t now)
{
	char		 buf[64];
	enum auth_err	 rc = AUTH_OK;
	ssize_t		 n;
	int		 len;

	if (b->fd < 0)
		return AUTH_OK;
	if (success)
		b->fails = 0;
	else if (b->fails < FAILS_MAX)
		b->fails++;
	b->last = now;
	len = snprintf(buf, sizeof(buf), "%10d %20lld\n", b->fails,
	    (long long)now);
	do
		n = pwrite(b->fd, buf, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	if (n != len) {
		if (n >= 0)
			errno = EIO;
		rc = AUTH_ERR_SYS;
	}
	(void)set_mtime(b->fd, now);
	close(b->fd);
	b->fd = -1;
	return rc;
}
