/* clientkey.h: who a client is, for per-client limits: its IPv4 address, or its IPv6 /64 */
#ifndef BV_CLIENTKEY_H
#define BV_CLIENTKEY_H

/*
 * One host holds a whole IPv6 /64 (SLAAC, privacy addresses) and can
 * answer from any address in it, so a limit keyed by the full address is
 * one it can rotate past, evicting other clients' records as it goes.
 * Every per-client limit (login backoff, the live-frame gate) keys by
 * this one rule.  Header-only: every program built from auth.c or
 * clientgate.c (the backend, the authorizer, bv-passwd, their tests) has
 * it without another source file in its list.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define CLIENTKEY_MAX	24	/* "6-" + 16 hex digits + NUL, rounded up */

/*
 * The key of remote address addr (REMOTE_ADDR) into out: "4-<8 hex>" for
 * IPv4 (an IPv4-mapped IPv6 address counts as its IPv4), "6-<16 hex>" for
 * an IPv6 address's /64, "x" for anything else (NULL, a Unix socket):
 * all those share one key.
 */
static inline void
clientkey_of(const char *addr, char out[CLIENTKEY_MAX])
{
	static const unsigned char	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff };
	static const char		 hx[] = "0123456789abcdef";
	unsigned char			 a[16];
	const unsigned char		*p = a;
	size_t				 n = 0, i;

	if (addr != NULL && inet_pton(AF_INET, addr, a) == 1)
		n = 4;
	else if (addr != NULL && inet_pton(AF_INET6, addr, a) == 1) {
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			p = a + 12;
			n = 4;
		} else
			n = 8;
	}
	if (n == 0) {
		snprintf(out, CLIENTKEY_MAX, "x");
		return;
	}
	out[0] = n == 4 ? '4' : '6';
	out[1] = '-';
	for (i = 0; i < n; i++) {
		out[2 + 2 * i] = hx[p[i] >> 4];
		out[3 + 2 * i] = hx[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
}

#endif /* BV_CLIENTKEY_H */
