/* bv-passwd.c: set (or remove) the clinic password in bloodview.conf */
/*
 * bv-passwd [-c bloodview.conf [-g group]] [-d]
 *
 * Reads the password from the terminal (twice, not echoed) or, when stdin
 * is not a terminal, one line of stdin; hashes it with yescrypt (auth.c)
 * and writes "password_hash = $y$..." into the config file in place of
 * any earlier password_hash line, or prints the line without -c.  -d
 * removes the line: the password is off.  The file is replaced whole
 * (temporary + rename, mode 0640, owner and group kept where allowed), so
 * a backend starting meanwhile reads the old file or the new, never half.
 * -g gives the file to the backend's group (www-data under lighttpd,
 * bloodview under systemd), which must read it.  The backends read it at
 * start: restart them afterwards.
 */

#include "auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define CONF_MAX	(1024 * 1024)
#define PASSWORD_MIN	8

static void
usage(void)
{
	fprintf(stderr, "usage: bv-passwd [-c bloodview.conf [-g group]] "
	    "[-d]\n"
	    "  reads the new clinic password from the terminal or stdin;\n"
	    "  -c writes password_hash into that file (else prints it),\n"
	    "  -g makes the file that group's (the backend's: www-data or\n"
	    "     bloodview), -d removes the line (no password).\n"
	    "  Restart the backend after.\n");
	exit(2);
}

/* One line (no newline) into buf; -1 at EOF or when too long. */
static int
read_line(FILE *f, char *buf, size_t bufsz)
{
	size_t	 len;

	if (fgets(buf, (int)bufsz, f) == NULL)
		return -1;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && !feof(f))
		return -1;		/* longer than the buffer */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

/* Prompt on the terminal with echo off; -1 when it cannot. */
static int
ask(FILE *tty, const char *prompt, char *buf, size_t bufsz)
{
	struct termios	 old, noecho;
	int		 rc, fd = fileno(tty);

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(fd, &old) == -1)
		return -1;
	noecho = old;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	if (tcsetattr(fd, TCSAFLUSH, &noecho) == -1)
		return -1;
	rc = read_line(tty, buf, bufsz);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	return rc;
}

static int
get_password(char *pw, size_t pwsz)
{
	char	 again[AUTH_PASSWORD_MAX + 2];
	FILE	*tty;
	int	 rc = -1;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(stdin, pw, pwsz) == -1) {
			fprintf(stderr, "bv-passwd: no password on stdin (or "
			    "longer than %d bytes)\n", AUTH_PASSWORD_MAX);
			return -1;
		}
		return 0;
	}
	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		perror("bv-passwd: /dev/tty");
		return -1;
	}
	if (ask(tty, "New clinic password: ", pw, pwsz) == -1 ||
	    ask(tty, "Again: ", again, sizeof(again)) == -1)
		fprintf(stderr, "bv-passwd: could not read the password\n");
	else if (strcmp(pw, again) != 0)
		fprintf(stderr, "bv-passwd: the two passwords differ\n");
	else
		rc = 0;
	explicit_bzero(again, sizeof(again));
	fclose(tty);
	return rc;
}

/* 1 if line (up to its end) sets password_hash. */
static int
is_hash_line(const char *line, size_t len)
{
	const char	*p = line, *e = line + len;
	size_t		 klen = strlen("password_hash");

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(e - p) < klen || memcmp(p, "password_hash", klen) != 0)
		return 0;
	p += klen;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p < e && *p == '=';
}

/*
 * Write path's lines with every password_hash line dropped and newline
 * (when not NULL) in place of the first one, or at the end.
 */
static int
rewrite_conf(const char *path, const char *newline, gid_t gid)
{
	struct stat	 st;
	char		*old = NULL, *tmp = NULL;
	const char	*p, *e, *nl;
	size_t		 len = 0, tlen;
	ssize_t		 n;
	FILE		*out = NULL;
	int		 fd = -1, tfd = -1, done = 0, rc = -1, ch;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "bv-passwd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > CONF_MAX) {
		fprintf(stderr, "bv-passwd: %s: not a config file\n", path);
		goto out;
	}
	if ((old = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	while (len < (size_t)st.st_size) {
		n = read(fd, old + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	old[len] = '\0';
	tlen = strlen(path) + 16;
	if ((tmp = malloc(tlen)) == NULL)
		goto out;
	snprintf(tmp, tlen, "%s.new-XXXXXX", path);
	if ((tfd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "bv-passwd: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	/* owner and group as before where we may (root); the mode 0640 */
	if (gid != (gid_t)-1)
		st.st_gid = gid;
	if (fchown(tfd, st.st_uid, st.st_gid) == -1 && gid != (gid_t)-1) {
		fprintf(stderr, "bv-passwd: cannot give %s to group %u: %s\n",
		    path, (unsigned)gid, strerror(errno));
		goto out;
	}
	if (fchmod(tfd, 0640) == -1 || (out = fdopen(tfd, "w")) == NULL)
		goto out;
	tfd = -1;
	for (p = old, e = old + len; p < e; p = nl) {
		nl = memchr(p, '\n', (size_t)(e - p));
		nl = nl ? nl + 1 : e;
		if (is_hash_line(p, (size_t)(nl - p))) {
			if (newline != NULL && !done)
				fprintf(out, "%s\n", newline);
			done = 1;
			continue;
		}
		fwrite(p, 1, (size_t)(nl - p), out);
		if (nl == e && nl > p && nl[-1] != '\n')
			fputc('\n', out);
	}
	if (newline != NULL && !done)
		fprintf(out, "%s\n", newline);
	ch = fflush(out) != 0 || fsync(fileno(out)) == -1;
	ch = fclose(out) != 0 || ch;
	out = NULL;
	if (ch) {
		fprintf(stderr, "bv-passwd: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) == -1) {
		fprintf(stderr, "bv-passwd: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (st.st_gid == 0)
		fprintf(stderr, "bv-passwd: warning: %s is group root, mode "
		    "0640: a backend running as www-data or bloodview cannot "
		    "read it (use -g)\n", path);
	free(tmp);
	tmp = NULL;
	rc = 0;
out:
	if (out != NULL)
		fclose(out);
	if (tfd >= 0)
		close(tfd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(old);
	close(fd);
	return rc;
}

int
main(int argc, char *argv[])
{
	char		 pw[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_MAX];
	char		 line[AUTH_HASH_MAX + 32];
	const char	*conf = NULL;
	struct group	*gr;
	enum auth_err	 e;
	gid_t		 gid = (gid_t)-1;
	int		 ch, off = 0;

	while ((ch = getopt(argc, argv, "c:dg:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'g':
			if ((gr = getgrnam(optarg)) == NULL) {
				fprintf(stderr, "bv-passwd: no group %s\n",
				    optarg);
				return 2;
			}
			gid = gr->gr_gid;
			break;
		case 'd':
			off = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || (off && conf == NULL) ||
	    (gid != (gid_t)-1 && conf == NULL))
		usage();
	if (off) {
		if (rewrite_conf(conf, NULL, gid) == -1)
			return 1;
		fprintf(stderr, "bv-passwd: password removed from %s; restart "
		    "the backend\n", conf);
		return 0;
	}
	if (get_password(pw, sizeof(pw)) == -1)
		return 1;
	if (strlen(pw) < PASSWORD_MIN) {
		explicit_bzero(pw, sizeof(pw));
		fprintf(stderr, "bv-passwd: the password needs at least %d "
		    "characters\n", PASSWORD_MIN);
		return 1;
	}
	e = auth_hash_password(pw, hash, sizeof(hash));
	explicit_bzero(pw, sizeof(pw));
	if (e != AUTH_OK) {
		fprintf(stderr, "bv-passwd: cannot hash: %s\n",
		    e == AUTH_ERR_TOOLONG ? "password too long" :
		    strerror(errno));
		return 1;
	}
	snprintf(line, sizeof(line), "password_hash = %s", hash);
	if (conf == NULL) {
		printf("%s\n", line);
		return 0;
	}
	if (rewrite_conf(conf, line, gid) == -1)
		return 1;
	fprintf(stderr, "bv-passwd: password set in %s (mode 0640); restart "
	    "the backend\n", conf);
	return 0;
}
