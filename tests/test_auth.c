/* test_auth.c: the clinic password's mechanism: yescrypt, cookies, sessions, backoff */

#include "auth/auth.h"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define DAY	86400L

/*
 * The fault seam: auth.c's pwrite(2) calls land here (a definition in the
 * program binds before libc's), which fails them while pwrite_fails is
 * set and otherwise makes the system call.
 */
static int	 pwrite_fails;

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (pwrite_fails) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

/* Made by bv-passwd from "hunter2hunter2" (a stored hash must keep working). */
static const char known_hash[] =
    "$y$j9T$JAtVK299alNteFv9OVk7Z0$seCaZsygj7wXwnWY8GIs.eVJWcNOyXaS/9GDQHSwh35";

static void
test_ct_equal(void)
{
	unsigned char	 a[32], b[32];
	size_t		 i;

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	CHECK(auth_ct_equal(a, b, sizeof(a)));
	CHECK(auth_ct_equal(a, b, 0));
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x01;
		CHECK(!auth_ct_equal(a, b, sizeof(a)));
		b[i] ^= 0x81;
		CHECK(!auth_ct_equal(a, b, sizeof(a)));
		b[i] ^= 0x80;
	}
	CHECK(auth_ct_equal(a, b, sizeof(a)));
}

static void
test_hash(void)
{
	char	 h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX], big[AUTH_PASSWORD_MAX + 2];
	char	 bad[AUTH_HASH_MAX];

	CHECK(auth_hash_password("correct horse", h1, sizeof(h1)) == AUTH_OK);
	CHECK(auth_hash_password("correct horse", h2, sizeof(h2)) == AUTH_OK);
	CHECK(strncmp(h1, "$y$", 3) == 0);
	CHECK(strcmp(h1, h2) != 0);		/* fresh salt each time */
	CHECK(auth_hash_usable(h1));
	CHECK(auth_verify_password("correct horse", h1) == AUTH_OK);
	CHECK(auth_verify_password("correct horse", h2) == AUTH_OK);
	CHECK(auth_verify_password("correct horsf", h1) == AUTH_ERR_NOMATCH);
	CHECK(auth_verify_password("Correct horse", h1) == AUTH_ERR_NOMATCH);
	CHECK(auth_verify_password("correct horse ", h1) == AUTH_ERR_NOMATCH);
	CHECK(auth_verify_password("", h1) == AUTH_ERR_NOMATCH);

	CHECK(auth_hash_usable(known_hash));
	CHECK(auth_verify_password("hunter2hunter2", known_hash) == AUTH_OK);
	CHECK(auth_verify_password("hunter2hunter", known_hash) ==
	    AUTH_ERR_NOMATCH);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(auth_hash_password(big, h2, sizeof(h2)) == AUTH_ERR_TOOLONG);
	CHECK(auth_verify_password(big, h1) == AUTH_ERR_TOOLONG);
	CHECK(auth_hash_password("x", h2, 8) == AUTH_ERR_SYS);	/* no room */

	/* a changed hash verifies nothing; a broken one is not usable */
	snprintf(bad, sizeof(bad), "%s", h1);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	CHECK(auth_verify_password("correct horse", bad) == AUTH_ERR_NOMATCH);
	CHECK(!auth_hash_usable(""));
	CHECK(!auth_hash_usable("*"));
	CHECK(!auth_hash_usable("$y$"));
	CHECK(!auth_hash_usable("$y$j9T$"));
	CHECK(!auth_hash_usable("plain-text-password"));
	CHECK(!auth_hash_usable("$9$nonsense$nonsense"));
	CHECK(auth_verify_password("x", "*0") == AUTH_ERR_BADHASH);
	CHECK(auth_verify_password("x", "$9$nonsense") == AUTH_ERR_BADHASH);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(h1) - 5, h1);
	CHECK(!auth_hash_usable(bad));		/* truncated */
#ifdef CRYPT_CHECKSALT_AVAILABLE
	/* MD5-crypt: legacy, refused even though crypt would take it */
	CHECK(!auth_hash_usable("$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"));
#endif
}

static const char id_a[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char id_b[] =
    "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static size_t
parse(const char *h, char ids[][AUTH_ID_HEX + 1])
{
	return auth_cookie_sessions(h, ids, AUTH_COOKIES_MAX);
}

static void
test_cookies(void)
{
	char	 ids[AUTH_COOKIES_MAX][AUTH_ID_HEX + 1], h[512], *huge;
	size_t	 n, i;

	snprintf(h, sizeof(h), "bv_session=%s", id_a);
	CHECK(parse(h, ids) == 1);
	CHECK_STR(ids[0], id_a);
	snprintf(h, sizeof(h), "lang=es; bv_session=%s; theme=dark", id_b);
	CHECK(parse(h, ids) == 1);
	CHECK_STR(ids[0], id_b);
	snprintf(h, sizeof(h), "  bv_session \t=\t%s  ;x=1", id_a);
	CHECK(parse(h, ids) == 1);
	/* two (a sibling host's tossed cookie and ours): both looked at */
	snprintf(h, sizeof(h), "bv_session=%s; bv_session=%s", id_b, id_a);
	CHECK(parse(h, ids) == 2);
	CHECK_STR(ids[0], id_b);
	CHECK_STR(ids[1], id_a);

	/* hostile or malformed: never a session */
	CHECK(parse(NULL, ids) == 0);
	CHECK(parse("", ids) == 0);
	CHECK(parse(";;; ;", ids) == 0);
	CHECK(parse("bv_session", ids) == 0);
	CHECK(parse("bv_session=", ids) == 0);
	CHECK(parse("=bv_session", ids) == 0);
	snprintf(h, sizeof(h), "BV_SESSION=%s", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "xbv_session=%s", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_sessionx=%s", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=\"%s\"", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%.63s", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%sa", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%s", id_a);
	h[20] = 'A';				/* upper case */
	CHECK(parse(h, ids) == 0);
	h[20] = 'g';
	CHECK(parse(h, ids) == 0);
	h[20] = '/';
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=../../../../etc/passwd%.30s", id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%.32s %.31s", id_a, id_a);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%s=%s", id_a, id_b);
	CHECK(parse(h, ids) == 0);
	snprintf(h, sizeof(h), "bv_session=%s,bv_session=%s", id_a, id_b);
	CHECK(parse(h, ids) == 0);

	/* at most AUTH_COOKIES_MAX, however many are sent */
	huge = malloc(200000);
	CHECK(huge != NULL);
	if (huge == NULL)
		return;
	huge[0] = '\0';
	for (i = 0; i < 1000; i++) {
		strcat(huge, "bv_session=");
		strcat(huge, id_a);
		strcat(huge, "; ");
	}
	n = parse(huge, ids);
	CHECK(n == AUTH_COOKIES_MAX);
	/* a 200 kB header of junk: nothing, and no overrun (ASan) */
	memset(huge, ';', 199999);
	huge[199999] = '\0';
	CHECK(parse(huge, ids) == 0);
	memset(huge, 'a', 199999);
	memcpy(huge, "bv_session=", 11);
	CHECK(parse(huge, ids) == 0);
	free(huge);
}

static int
count_files(const char *dir, const char *prefix)
{
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_sessions(const char *root)
{
	char		 id[AUTH_ID_HEX + 1], id2[AUTH_ID_HEX + 1];
	char		 forged[AUTH_ID_HEX + 1], dir[1024], path[1100];
	struct stat	 st;
	int		 rfd, fd;
	size_t		 i;

	CHECK((rfd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK((fd = auth_state_open(rfd)) >= 0);
	snprintf(dir, sizeof(dir), "%s/%s", root, AUTH_STATE_DIR);
	CHECK(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	close(fd);
	CHECK((fd = auth_state_open(rfd)) >= 0);	/* again: exists */

	CHECK(auth_session_create(fd, 1000, id) == AUTH_OK);
	CHECK(strlen(id) == AUTH_ID_HEX);
	CHECK(strspn(id, "0123456789abcdef") == AUTH_ID_HEX);
	CHECK(auth_session_create(fd, 1000, id2) == AUTH_OK);
	CHECK(strcmp(id, id2) != 0);
	CHECK(count_files(dir, "s-") == 2);
	snprintf(path, sizeof(path), "%s/s-%.16s", dir, id);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);

	/* idle expiry: at most 600 s since the last use */
	CHECK(auth_session_check(fd, id, 1000, 600, DAY) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 1500, 600, DAY) == AUTH_OK); /* -> 1500 */
	CHECK(auth_session_check(fd, id, 2100, 600, DAY) == AUTH_OK); /* == idle */
	CHECK(auth_session_check(fd, id, 2701, 600, DAY) == AUTH_ERR_EXPIRED);
	CHECK(auth_session_check(fd, id, 2701, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(stat(path, &st) == -1 && errno == ENOENT);
	/* a use within a minute is not written (and still counts from before) */
	CHECK(auth_session_check(fd, id2, 1030, 600, DAY) == AUTH_OK);
	CHECK(auth_session_check(fd, id2, 1601, 600, DAY) == AUTH_ERR_EXPIRED);

	/* forged: right file name, wrong verifier (each position) */
	CHECK(auth_session_create(fd, 5000, id) == AUTH_OK);
	for (i = 16; i < AUTH_ID_HEX; i += 7) {
		memcpy(forged, id, sizeof(forged));
		forged[i] = forged[i] == '0' ? '1' : '0';
		CHECK(auth_session_check(fd, forged, 5001, 600, DAY) ==
		    AUTH_ERR_NOMATCH);
		CHECK(auth_session_delete(fd, forged) == AUTH_ERR_NOMATCH);
	}
	memcpy(forged, id, sizeof(forged));
	forged[0] = forged[0] == '0' ? '1' : '0';	/* other file name */
	CHECK(auth_session_check(fd, forged, 5001, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(auth_session_check(fd, id, 5001, 600, DAY) == AUTH_OK);
	/* hostile ids */
	CHECK(auth_session_check(fd, NULL, 5001, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(auth_session_check(fd, "", 5001, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(auth_session_check(fd, "../../etc/passwd", 5001, 600, DAY) ==
	    AUTH_ERR_NOMATCH);
	CHECK(auth_session_check(fd, id_a, 5001, 600, DAY) == AUTH_ERR_NOMATCH);
	/* a symlink planted in the directory is not followed */
	snprintf(path, sizeof(path), "%s/s-%.16s", dir, id_b);
	CHECK(symlink("/etc/hostname", path) == 0);
	CHECK(auth_session_check(fd, id_b, 5001, 600, DAY) == AUTH_ERR_NOMATCH);
	unlink(path);
	/* logout */
	CHECK(auth_session_delete(fd, id) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 5002, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(auth_session_delete(fd, id) == AUTH_ERR_NOMATCH);

	/*
	 * absolute lifetime (3600 s here): kept busy every 500 s (idle 600),
	 * a session still ends once made more than 3600 s ago
	 */
	CHECK(auth_session_create(fd, 20000, id) == AUTH_OK);
	for (i = 1; i <= 7; i++)
		CHECK(auth_session_check(fd, id, 20000 + 500 * (time_t)i, 600,
		    3600) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 23600, 600, 3600) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 23601, 600, 3600) ==
	    AUTH_ERR_EXPIRED);
	CHECK(auth_session_check(fd, id, 23602, 600, 3600) ==
	    AUTH_ERR_NOMATCH);
	/* a file of the older format (no time made) has outlived any lifetime */
	CHECK(auth_session_create(fd, 100000, id) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 100001, 600, DAY) == AUTH_OK);
	snprintf(path, sizeof(path), "%s/s-%.16s", dir, id);
	CHECK(truncate(path, AUTH_ID_HEX - 16 + 1) == 0);
	CHECK(auth_session_check(fd, id, 100001, 600, DAY) ==
	    AUTH_ERR_EXPIRED);

	/* sweep: idle sessions and day-old backoff records only */
	CHECK(auth_session_create(fd, 10000, id) == AUTH_OK);
	CHECK(auth_session_create(fd, 10500, id2) == AUTH_OK);
	CHECK(auth_sweep(fd, 11000, 600) == 1);
	CHECK(auth_session_check(fd, id2, 11000, 600, DAY) == AUTH_OK);
	CHECK(auth_session_check(fd, id, 11000, 600, DAY) == AUTH_ERR_NOMATCH);
	CHECK(auth_session_delete(fd, id2) == AUTH_OK);
	CHECK(count_files(dir, "s-") == 0);
	close(fd);
	close(rfd);
}

static void
test_backoff(const char *root)
{
	struct auth_backoff	 b;
	long			 retry;
	time_t			 t = 100000;
	int			 rfd, fd, i;
	pid_t			 pid;

	/* the policy: 5 free, then 30 s doubling to 15 minutes */
	CHECK(auth_backoff_wait(0, 0, t, 5) == 0);
	CHECK(auth_backoff_wait(4, t, t, 5) == 0);
	CHECK(auth_backoff_wait(5, t, t, 5) == 30);
	CHECK(auth_backoff_wait(5, t, t + 29, 5) == 1);
	CHECK(auth_backoff_wait(5, t, t + 30, 5) == 0);
	CHECK(auth_backoff_wait(6, t, t, 5) == 60);
	CHECK(auth_backoff_wait(7, t, t, 5) == 120);
	CHECK(auth_backoff_wait(10, t, t, 5) == 900);
	CHECK(auth_backoff_wait(99999, t, t, 5) == 900);
	CHECK(auth_backoff_wait(5, t, t - 5000, 5) == 30);	/* clock back */
	CHECK(auth_backoff_wait(1, t, t, 1) == 30);

	CHECK((rfd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	CHECK((fd = auth_state_open(rfd)) >= 0);
	for (i = 0; i < 5; i++) {
		CHECK(auth_backoff_begin(fd, "192.0.2.7", t, 5, &b, &retry) ==
		    AUTH_OK);
		auth_backoff_end(&b, 0, t);
	}
	CHECK(auth_backoff_begin(fd, "192.0.2.7", t + 1, 5, &b, &retry) ==
	    AUTH_ERR_LOCKED);
	CHECK(retry == 29);
	CHECK(b.fd == -1);
	/* IPv4-mapped IPv6 is the same client */
	CHECK(auth_backoff_begin(fd, "::ffff:192.0.2.7", t + 1, 5, &b,
	    &retry) == AUTH_ERR_LOCKED);
	/* another address is not held up */
	CHECK(auth_backoff_begin(fd, "192.0.2.8", t + 1, 5, &b, &retry) ==
	    AUTH_OK);
	auth_backoff_end(&b, 0, t + 1);
	/* after the wait one more try; failing it doubles the wait */
	CHECK(auth_backoff_begin(fd, "192.0.2.7", t + 30, 5, &b, &retry) ==
	    AUTH_OK);
	auth_backoff_end(&b, 0, t + 30);
	CHECK(auth_backoff_begin(fd, "192.0.2.7", t + 31, 5, &b, &retry) ==
	    AUTH_ERR_LOCKED);
	CHECK(retry == 59);
	/* a success forgets the failures */
	CHECK(auth_backoff_begin(fd, "192.0.2.7", t + 90, 5, &b, &retry) ==
	    AUTH_OK);
	auth_backoff_end(&b, 1, t + 90);
	for (i = 0; i < 4; i++) {
		CHECK(auth_backoff_begin(fd, "192.0.2.7", t + 91, 5, &b,
		    &retry) == AUTH_OK);
		auth_backoff_end(&b, 0, t + 91);
	}
	/* a quiet day forgets them too */
	for (i = 0; i < 5; i++) {
		CHECK(auth_backoff_begin(fd, "2001:db8::1", t, 5, &b,
		    &retry) == AUTH_OK);
		auth_backoff_end(&b, 0, t);
	}
	/* one /64 is one client: ::2 waits too; another /64 does not */
	CHECK(auth_backoff_begin(fd, "2001:db8::2", t + 1, 5, &b, &retry) ==
	    AUTH_ERR_LOCKED);
	CHECK(auth_backoff_begin(fd, "2001:db8:0:1::1", t + 1, 5, &b,
	    &retry) == AUTH_OK);
	auth_backoff_end(&b, 0, t + 1);
	CHECK(auth_backoff_begin(fd, "2001:db8::1", t + 86401, 5, &b,
	    &retry) == AUTH_OK);
	auth_backoff_end(&b, 0, t + 86401);
	/* junk addresses share one record; never a path */
	CHECK(auth_backoff_begin(fd, "../../x", t, 5, &b, &retry) == AUTH_OK);
	auth_backoff_end(&b, 0, t);
	CHECK(auth_backoff_begin(fd, NULL, t, 5, &b, &retry) == AUTH_OK);
	auth_backoff_end(&b, 0, t);

	/*
	 * A record that cannot be written keeps the count it had (it said
	 * "no failures" once: truncated, then the write failed), and says so.
	 */
	for (i = 0; i < 5; i++) {
		CHECK(auth_backoff_begin(fd, "192.0.2.9", t, 5, &b, &retry) ==
		    AUTH_OK);
		CHECK(auth_backoff_end(&b, 0, t) == AUTH_OK);
	}
	CHECK(auth_backoff_begin(fd, "192.0.2.9", t + 30, 5, &b, &retry) ==
	    AUTH_OK);
	pwrite_fails = 1;
	CHECK(auth_backoff_end(&b, 0, t + 30) == AUTH_ERR_SYS);
	pwrite_fails = 0;
	CHECK(auth_backoff_begin(fd, "192.0.2.9", t + 31, 5, &b, &retry) ==
	    AUTH_OK);
	CHECK(b.fails == 5);
	CHECK(auth_backoff_end(&b, 0, t + 31) == AUTH_OK);
	CHECK(auth_backoff_begin(fd, "192.0.2.9", t + 32, 5, &b, &retry) ==
	    AUTH_ERR_LOCKED && retry == 59);

	/*
	 * Eight processes fail at once from one address: the lock makes
	 * each count, so exactly attempts (5) get through, 3 wait.
	 */
	for (i = 0; i < 8; i++) {
		if ((pid = fork()) == 0) {
			if (auth_backoff_begin(fd, "198.51.100.1", t, 5, &b,
			    &retry) != AUTH_OK)
				_exit(3);
			usleep(20000);	/* a password check's time */
			auth_backoff_end(&b, 0, t);
			_exit(0);
		}
		CHECK(pid > 0);
	}
	{
		int	 st, ok = 0, locked = 0;

		while (wait(&st) > 0)
			if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
				ok++;
			else if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
				locked++;
		CHECK(ok == 5);
		CHECK(locked == 3);
	}
	CHECK(auth_backoff_begin(fd, "198.51.100.1", t, 5, &b, &retry) ==
	    AUTH_ERR_LOCKED);

	/* the day-old records go in a sweep, the fresh stay */
	CHECK(auth_sweep(fd, t + 86400 + 100, 600) >= 3);
	close(fd);
	close(rfd);
}

static void
rm_tree(const char *root)
{
	char	 cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
}

int
main(void)
{
	char	 root[] = "/tmp/bv-test-auth.XXXXXX";

	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	test_ct_equal();
	test_hash();
	test_cookies();
	test_sessions(root);
	test_backoff(root);
	rm_tree(root);
	return check_done("test_auth");
}
