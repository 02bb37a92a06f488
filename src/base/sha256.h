/* sha256.h: SHA-256 (FIPS 180-4) of a byte string, for the checksums of exported packs */
#ifndef BV_SHA256_H
#define BV_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_HEX	(2 * SHA256_LEN + 1)

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;		/* bytes hashed so far */
	unsigned char	 buf[64];
	size_t		 nbuf;
};

void	 sha256_init(struct sha256 *s);
void	 sha256_update(struct sha256 *s, const void *data, size_t len);
void	 sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);

/* The digest of data[0..len) as 64 lower-case hex digits and a NUL. */
void	 sha256_hex(const void *data, size_t len, char out[SHA256_HEX]);

#endif /* BV_SHA256_H */
