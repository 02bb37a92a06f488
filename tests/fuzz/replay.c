/* replay.c: feed files to a libFuzzer entry point without libFuzzer */
/*
 * Linked with one harness (which defines LLVMFuzzerTestOneInput), this
 * lets `make check` replay seed corpora and saved crashes with the
 * ordinary compiler.  Each file goes in a heap buffer of exactly its
 * size, as libFuzzer does, so sanitizer builds catch over-reads.  A
 * harness signals a bug by crashing; a file that cannot be read exits 99
 * (automake: hard error).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read all of path into a malloc'd buffer; NULL on error (errno set). */
static uint8_t *
replay_slurp(const char *path, size_t *size)
{
	FILE	*f;
	uint8_t	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	/* Shrink to the exact size (one byte kept for empty files). */
	if ((nbuf = realloc(buf, len ? len : 1)) != NULL)
		buf = nbuf;
	*size = len;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

int
main(int argc, char *argv[])
{
	uint8_t	*buf;
	size_t	 size;
	int	 i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file ...\n", argv[0]);
		return 99;
	}
	for (i = 1; i < argc; i++) {
		if ((buf = replay_slurp(argv[i], &size)) == NULL) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i],
			    strerror(errno));
			return 99;
		}
		LLVMFuzzerTestOneInput(buf, size);
		free(buf);
	}
	printf("%s: replayed %d file(s)\n", argv[0], argc - 1);
	return 0;
}
