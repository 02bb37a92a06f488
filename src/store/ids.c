/* ids.c: result and sample ids from getrandom(2) */
/*
 * Ids make a result's files unguessable by URL (lighttpd lists no
 * directory), so they carry 128 bits from the kernel CSPRNG.  They are not
 * access control on a shared network: GET /api/results lists them; use
 * mod_auth or auth_basic for that (docs/hardening.md).  The alphabet is RFC 4648
 * base64url, safe in URLs and as a file name; id_valid() is the gate every
 * id from a client passes before it is used in a path.
 */

#include "store/ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int
id_new(char out[ID_LEN + 1])
{
	unsigned char	 r[16];
	size_t		 got = 0, i, o = 0;
	unsigned	 acc = 0;
	int		 bits = 0;
	ssize_t		 n;

	while (got < sizeof(r)) {
		n = getrandom(r + got, sizeof(r) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	for (i = 0; i < sizeof(r); i++) {
		acc = (acc << 8) | r[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64url[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = b64url[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	return 0;
}

int
id_valid(const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < ID_LEN; i++)
		if (s[i] == '\0' || strchr(b64url, s[i]) == NULL)
			return 0;
	return s[ID_LEN] == '\0';
}
