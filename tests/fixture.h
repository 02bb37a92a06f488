/* fixture.h: a hand-written result folder for the C tests of the stores */
#ifndef BV_FIXTURE_H
#define BV_FIXTURE_H

#include <stdio.h>
#include <sys/stat.h>

#include "check.h"
#include "store/ids.h"

/*
 * A new result id in id (ID_LEN + 1 bytes), its folder made under dir,
 * and its result.json open for writing: the caller writes the object and
 * closes it.  NULL (a failed check) when the file cannot be made.
 */
static inline FILE *
fixture_result(const char *dir, char *id)
{
	char	 path[512];
	FILE	*f;

	CHECK(id_new(id) == 0);
	snprintf(path, sizeof(path), "%s/%s", dir, id);
	CHECK(mkdir(path, 0755) == 0);
	snprintf(path, sizeof(path), "%s/%s/result.json", dir, id);
	if ((f = fopen(path, "w")) == NULL)
		CHECK(!"cannot write result.json");
	return f;
}

#endif /* BV_FIXTURE_H */
