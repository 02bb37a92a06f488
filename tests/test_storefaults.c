/* test_storefaults.c: the stores under injected failures and races (fsync, unlink, getrandom; expire vs attach, review vs delete) */
/*
 * Linked with -Wl,--wrap for fsync, unlinkat, getrandom, openat and flock
 * (mk/hardening.am): every call libbv.a's stores make to them goes through
 * __wrap_x below, which passes it to the real call unless a test armed a
 * fault or a hook.  The races are made deterministic with fork(2): a hook
 * runs the other party in a child at the exact point the window opens,
 * and pipes say where the child got to (never a sleep).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* mkdtemp, utimensat, O_DIRECTORY */
#endif

#include "store/ids.h"
#include "store/results.h"
#include "store/review.h"
#include "store/samples.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"

int	__real_fsync(int);
int	__real_unlinkat(int, const char *, int);
ssize_t	__real_getrandom(void *, size_t, unsigned int);
int	__real_openat(int, const char *, int, ...);
int	__real_flock(int, int);

/* ---- the seam --------------------------------------------------------- */

static int	fail_dir_fsync;		/* fsync of a directory: EIO */
static int	fail_file_unlink;	/* unlinkat of a file: EIO */
static int	fail_getrandom;		/* getrandom: EIO */
static int	dir_fsyncs_failed, unlinks;
static void	(*on_flock)(void);	/* once, before a blocking LOCK_EX */
static void	(*on_rv_create)(void);	/* once, before a review temp is made */
static int	child_at = -1;		/* child: write 'b' blocked, 'r' rmdir */
static int	child_go = -1;		/* child: read before its rmdir */

int
__wrap_fsync(int fd)
{
	struct stat	 st;

	if (fail_dir_fsync && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		dir_fsyncs_failed++;
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

int
__wrap_unlinkat(int dfd, const char *name, int flags)
{
	char	 c;

	unlinks++;
	if (fail_file_unlink && flags == 0) {
		errno = EIO;
		return -1;
	}
	if (child_at >= 0 && (flags & AT_REMOVEDIR) &&
	    strncmp(name, ".del-", 5) == 0) {
		/* the delete read its directory empty: let the other writer in */
		(void)!write(child_at, "r", 1);
		(void)!read(child_go, &c, 1);
	}
	return __real_unlinkat(dfd, name, flags);
}

ssize_t
__wrap_getrandom(void *buf, size_t len, unsigned int flags)
{
	if (fail_getrandom) {
		errno = EIO;
		return -1;
	}
	return __real_getrandom(buf, len, flags);
}

int
__wrap_openat(int dfd, const char *path, int flags, ...)
{
	void	(*hook)(void) = on_rv_create;
	va_list	 ap;
	mode_t	 mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
		if (hook != NULL && strncmp(path, ".rv-", 4) == 0) {
			on_rv_create = NULL;
			hook();
		}
	}
	return __real_openat(dfd, path, flags, mode);
}

int
__wrap_flock(int fd, int op)
{
	void	(*hook)(void) = on_flock;

	if ((op & LOCK_EX) && !(op & LOCK_NB)) {
		if (hook != NULL) {
			on_flock = NULL;
			hook();
		}
		if (child_at >= 0) {
			/* say so when this lock has to wait for the parent */
			if (__real_flock(fd, op | LOCK_NB) == 0)
				return 0;
			if (errno == EWOULDBLOCK)
				(void)!write(child_at, "b", 1);
		}
	}
	return __real_flock(fd, op);
}

/* ---- fixtures ------------------------------------------------------- */

static char	 tmpdir[] = "/tmp/test_storefaults.XXXXXX";
static int	 rfd = -1;

static void
make_result(char *id)
{
	char	 path[512];
	FILE	*f;

	if ((f = fixture_result(tmpdir, id)) == NULL)
		return;
	fprintf(f, "{\"id\":\"%s\",\"image\":{\"width\":64,\"height\":48},"
	    "\"classes\":[\"RBC\"],\"counts\":{\"RBC\":1},\"detections\":"
	    "[{\"class\":\"RBC\",\"class_id\":0,\"confidence\":0.9,\"box\":"
	    "{\"x\":1,\"y\":1,\"w\":8,\"h\":8}}]}\n", id);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s/annotated.jpg", tmpdir, id);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
}

static void
make_sample(char *id)
{
	json_t	*s = json_pack("{s:s}", "code", "FAULT-1");

	CHECK(samples_create(rfd, s, id, ID_LEN + 1) == SAMPLES_OK);
	json_decref(s);
}

/* 1 if sample sid lists result rid. */
static int
sample_holds(const char *sid, const char *rid)
{
	json_t	*s = samples_load(rfd, sid), *v;
	size_t	 i;
	int	 found = 0;

	json_array_foreach(json_object_get(s, "results"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), rid) == 0)
			found = 1;
	json_decref(s);
	return found;
}

/* 1 if sample sid is stored. */
static int
sample_there(const char *sid)
{
	json_t	*s = samples_load(rfd, sid);

	json_decref(s);
	return s != NULL;
}

/* Entries of the results directory whose name starts with prefix. */
static int
count_prefixed(const char *prefix)
{
	DIR		*d = opendir(tmpdir);
	struct dirent	*de;
	int		 n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* ---- 1. a failed fsync of the directory after the rename ------------ */

static void
test_attach_dir_fsync(void)
{
	char	 sid[ID_LEN + 1], rid[ID_LEN + 1];

	make_sample(sid);
	make_result(rid);
	fail_dir_fsync = 1;
	dir_fsyncs_failed = 0;
	/* the sample lists the field: the answer must say so */
	CHECK(samples_attach(rfd, sid, rid) == SAMPLES_OK);
	fail_dir_fsync = 0;
	CHECK(dir_fsyncs_failed > 0);		/* the fault did happen */
	CHECK(sample_holds(sid, rid));
	printf("  1. attach with the directory fsync failing\n");
}

/* ---- 2. a delete whose files cannot be removed ------------------------ */

static void
test_delete_truth(void)
{
	char	 r1[ID_LEN + 1], r2[ID_LEN + 1], del[ID_LEN + 8];
	struct stat st;

	make_result(r1);
	make_result(r2);
	fail_file_unlink = 1;
	CHECK(results_delete(rfd, r1) == RESULTS_ERR_IO);
	fail_file_unlink = 0;
	CHECK(!results_exists(rfd, r1));	/* hidden at once all the same */
	snprintf(del, sizeof(del), ".del-%s", r1);
	CHECK(fstatat(rfd, del, &st, 0) == 0);
	/* the next delete sweeps what the failed one left */
	CHECK(results_delete(rfd, r2) == RESULTS_OK);
	CHECK(fstatat(rfd, del, &st, 0) == -1 && errno == ENOENT);
	CHECK(count_prefixed(".del-") == 0);
	printf("  2. delete with unlink failing, then the next delete\n");
}

/* ---- 3. review_save when getrandom fails ------------------------------ */

static void
test_review_no_random(void)
{
	char	 rid[ID_LEN + 1];
	json_t	*rv = json_pack("{s:s,s:[]}", "by", "tester", "changes");
	int	 cur = -1;

	make_result(rid);
	fail_getrandom = 1;
	unlinks = 0;
	CHECK(review_save(rfd, rid, 0, rv, &cur) == REVIEW_ERR_IO);
	fail_getrandom = 0;
	/* no temporary was named, so none may be unlinked */
	CHECK(unlinks == 0);
	CHECK(review_current(rfd, rid) == 0);
	json_decref(rv);
	printf("  3. review with getrandom failing\n");
}

/* ---- 4. expiry against an attach -------------------------------------- */

static char	 race_sid[ID_LEN + 1], race_rid[ID_LEN + 1];
static int	 race_child_rc = -1;

/*
 * In a forked child: close what the parent had open but rfd and the
 * pipes the child writes or reads.  A child keeping the parent's locked
 * directory fd would hold the parent's flock(2) (locks belong to the open
 * file, which the fork shares) and wait for itself; two real processes
 * never share one.
 */
static void
close_inherited(int keep1, int keep2, int keep3)
{
	int	 fd;

	for (fd = 3; fd < 1024; fd++)
		if (fd != rfd && fd != keep1 && fd != keep2 && fd != keep3)
			(void)close(fd);
}

/* Before expiry's lock: another process attaches a field (waited for). */
static void
attach_in_child(void)
{
	pid_t	 pid;
	int	 st;

	if ((pid = fork()) == 0) {
		close_inherited(-1, -1, -1);
		_exit(samples_attach(rfd, race_sid, race_rid));
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		race_child_rc = WEXITSTATUS(st);
}

static void
test_expire_attach(void)
{
	char		 path[512];
	struct timespec	 ts[2];

	make_sample(race_sid);
	make_result(race_rid);
	snprintf(path, sizeof(path), "%s/samples/%s.json", tmpdir, race_sid);
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - 3 * 86400;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
	on_flock = attach_in_child;
	/* 3 days unchanged when expiry looks, given a field before it locks */
	CHECK(samples_expire(rfd, 2) == 0);
	CHECK(on_flock == NULL);		/* the hook ran */
	CHECK(race_child_rc == SAMPLES_OK);
	CHECK(sample_holds(race_sid, race_rid));
	printf("  4. expiry vs a field attached meanwhile\n");
}

/* ---- 5. a review against a delete -------------------------------------- */

static int	 to_parent[2] = { -1, -1 }, to_child[2] = { -1, -1 };
static int	 res_pipe[2] = { -1, -1 };
static pid_t	 deleter = -1;
static char	 where = '?';

/*
 * The review has opened the result and is about to write its files: a
 * delete starts in another process.  Wait until it either reached its
 * rmdir (read the directory empty: the review now writes into a result
 * being deleted) or is blocked on the result's lock.
 */
static void
delete_in_child(void)
{
	struct pollfd	 p;
	int		 rc;

	if ((deleter = fork()) == 0) {
		close_inherited(to_parent[1], to_child[0], res_pipe[1]);
		child_at = to_parent[1];
		child_go = to_child[0];
		rc = results_delete(rfd, race_rid);
		(void)!write(res_pipe[1], &rc, sizeof(rc));
		_exit(0);
	}
	p.fd = to_parent[0];
	p.events = POLLIN;
	/* a hang guard only: the child always says where it is */
	if (poll(&p, 1, 120000) == 1)
		(void)!read(to_parent[0], &where, 1);
}

static void
test_review_delete(void)
{
	json_t	*rv = json_pack("{s:s,s:[]}", "by", "tester", "changes");
	int	 cur = -1, drc = -1, st;
	enum review_err rrc;

	make_result(race_rid);
	CHECK(pipe(to_parent) == 0 && pipe(to_child) == 0 &&
	    pipe(res_pipe) == 0);
	on_rv_create = delete_in_child;
	rrc = review_save(rfd, race_rid, 0, rv, &cur);
	CHECK(on_rv_create == NULL);		/* the hook ran */
	(void)!write(to_child[1], "g", 1);	/* the delete may finish */
	if (deleter > 0) {
		(void)!read(res_pipe[0], &drc, sizeof(drc));
		waitpid(deleter, &st, 0);
	}
	printf("  review vs delete: the delete %s; review -> %d, delete -> %d\n",
	    where == 'b' ? "waited for the review's lock" :
	    where == 'r' ? "emptied the directory first" : "?", (int)rrc, drc);
	/* Both tell the truth and nothing is left behind. */
	CHECK(rrc == REVIEW_OK || rrc == REVIEW_ERR_NOTFOUND);
	CHECK(drc == RESULTS_OK);
	CHECK(!results_exists(rfd, race_rid));
	CHECK(count_prefixed(".del-") == 0);
	CHECK(count_prefixed(".rv-") == 0);
	json_decref(rv);
}

/* ---- 6. what killed writers leave ------------------------------------- */

static void
test_sweep_leftovers(void)
{
	char	 a[ID_LEN + 1], b[ID_LEN + 1], sid[ID_LEN + 1];
	char	 ra[ID_LEN + 8], rb[ID_LEN + 8], st[ID_LEN + 32];
	int	 fa, fb, fs;

	CHECK(id_new(a) == 0 && id_new(b) == 0);
	make_sample(sid);
	snprintf(ra, sizeof(ra), ".rv-%s", a);
	snprintf(rb, sizeof(rb), ".rv-%s", b);
	snprintf(st, sizeof(st), "samples/.tmp-%s.json", sid);
	fa = openat(rfd, ra, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	fb = openat(rfd, rb, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	fs = openat(rfd, st, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	CHECK(fa >= 0 && fb >= 0 && fs >= 0);
	/* a: its writer was killed (no lock); b: a live writer holds it */
	CHECK(flock(fb, LOCK_EX) == 0);
	close(fa);
	close(fs);
	CHECK(results_sweep(rfd) >= 1);
	CHECK(faccessat(rfd, ra, F_OK, 0) == -1 && errno == ENOENT);
	CHECK(faccessat(rfd, rb, F_OK, 0) == 0);
	close(fb);
	CHECK(results_sweep(rfd) >= 1);
	CHECK(faccessat(rfd, rb, F_OK, 0) == -1 && errno == ENOENT);
	CHECK(samples_sweep(rfd) == 1);
	CHECK(faccessat(rfd, st, F_OK, 0) == -1 && errno == ENOENT);
	CHECK(sample_there(sid));		/* the sample itself stays */
	printf("  6. review and sample temporaries of killed writers swept\n");
}

int
main(void)
{
	char	 cmd[600];

	if (mkdtemp(tmpdir) == NULL ||
	    (rfd = open(tmpdir, O_RDONLY | O_DIRECTORY)) < 0) {
		perror("test_storefaults: temporary directory");
		return 99;
	}
	test_attach_dir_fsync();
	test_delete_truth();
	test_review_no_random();
	test_expire_attach();
	test_review_delete();
	test_sweep_leftovers();
	close(rfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return check_done("test_storefaults");
}
