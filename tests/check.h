/* check.h: minimal assertions for the C unit tests (automake exit codes) */
#ifndef BV_CHECK_H
#define BV_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do {						\
	check_count++;							\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *ca_ = (a), *cb_ = (b);				\
	check_count++;							\
	if (ca_ == NULL || cb_ == NULL || strcmp(ca_, cb_) != 0) {	\
		check_failures++;					\
		fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n",		\
		    __FILE__, __LINE__, ca_ ? ca_ : "(null)",		\
		    cb_ ? cb_ : "(null)");				\
	}								\
} while (0)

/* Print a summary and return the automake exit status. */
static inline int
check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count,
	    check_failures);
	return check_failures ? 1 : 0;
}

#endif /* BV_CHECK_H */
