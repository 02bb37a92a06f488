/* toolutil.c: helpers shared by the command-line model tools */

#include "tools/toolutil.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* nice(2) under -std=c11 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int
tool_pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz) {
		fprintf(stderr, "path too long (pattern %s)\n", fmt);
		return -1;
	}
	return 0;
}

int
tool_read_file(const char *path, size_t max, unsigned char **buf, size_t *len)
{
	FILE		*f = fopen(path, "rb");
	struct stat	 st;

	*buf = NULL;
	if (f == NULL)
		return -1;
	if (fstat(fileno(f), &st) == -1 || st.st_size <= 0 ||
	    (unsigned long long)st.st_size > max ||
	    (*buf = malloc((size_t)st.st_size)) == NULL ||
	    fread(*buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(*buf);
		*buf = NULL;
		fclose(f);
		return -1;
	}
	*len = (size_t)st.st_size;
	fclose(f);
	return 0;
}

int
tool_label_path(const char *img, char *out, size_t sz)
{
	const char *j = strstr(img, "JPEGImages/"), *dot = strrchr(img, '.');
	size_t skip = 10;

	if (j == NULL) {
		for (const char *q = strstr(img, "images/"); q != NULL;
		    q = strstr(q + 1, "images/"))
			if (q == img || q[-1] == '/')
				j = q;
		skip = 6;
	}
	if (j == NULL || dot == NULL || dot < j)
		return -1;
	return (size_t)snprintf(out, sz, "%.*slabels%.*s.txt", (int)(j - img),
	    img, (int)(dot - (j + skip)), j + skip) < sz ? 0 : -1;
}

int
tool_chula_points(const char *dir, int id, struct tool_point *pt, int max)
{
	char	 path[4096], line[256];
	FILE	*f;
	int	 n = 0, ln = 0;

	if (tool_pathf(path, sizeof(path), "%s/labels/%d.txt", dir, id) == -1)
		return -1;
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		ln++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (sscanf(line, "%d %d %d", &pt[n].x, &pt[n].y,
		    &pt[n].cls) != 3) {
			fprintf(stderr, "%s:%d: not \"x y class\"\n", path, ln);
			fclose(f);
			return -1;
		}
		n++;
	}
	fclose(f);
	return n;
}

int
tool_run_logged(char **argv, const char *out, const char *log, int niced)
{
	pid_t	 pid;
	int	 st, fd, fe;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
		    (fe = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0 ||
		    dup2(fd, 1) == -1 || dup2(fe, 2) == -1)
			_exit(126);
		errno = 0;
		if (niced && nice(19) == -1 && errno != 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
