/* capcli.h: bv-capture's command line and its start-up checks */
#ifndef BV_CAPCLI_H
#define BV_CAPCLI_H

#include <stddef.h>

#include "capture/capture.h"

#define CAPCLI_TOKEN_MIN	16	/* a token's bytes, at least and at most */
#define CAPCLI_TOKEN_MAX	128

struct capcli {
	struct capture_opts	 o;
	const char		*device, *file;	/* at most one */
	const char		*listen_at;	/* HOST:PORT or /path.sock */
	const char		*token_file;
	int			 no_token;
	size_t			 maxcl;		/* --max-clients */
	char			 token[CAPCLI_TOKEN_MAX + 1];	/* "": none */
};

/*
 * argv into c (defaults first): 0, or the exit status 2 with a sentence
 * on stderr (a bad value, a token file that is not one, a TCP port
 * without a token and without --no-token).  A usage error prints the
 * usage and exits 2.
 */
int	capcli_parse(int argc, char *argv[], struct capcli *c);

#endif /* BV_CAPCLI_H */
