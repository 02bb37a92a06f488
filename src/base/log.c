/* log.c: diagnostics on stderr, one line each, prefixed with the program name */

#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *progname = "bloodview";

void
log_init(const char *name)
{
	progname = name;
}

static void
vlog(const char *level, int errnum, const char *fmt, va_list ap)
{
	char	 msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum)
		fprintf(stderr, "%s[%ld]: %s: %s: %s\n", progname,
		    (long)getpid(), level, msg, strerror(errnum));
	else
		fprintf(stderr, "%s[%ld]: %s: %s\n", progname,
		    (long)getpid(), level, msg);
	fflush(stderr);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog("info", 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 e = errno;

	va_start(ap, fmt);
	vlog("warn", e, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog("warn", 0, fmt, ap);
	va_end(ap);
}
