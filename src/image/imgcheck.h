/* imgcheck.h: upload validation: libmagic allowlist and header-only size probe */
#ifndef BV_IMGCHECK_H
#define BV_IMGCHECK_H

#include <stddef.h>

enum img_type {
	IMG_NONE = 0,
	IMG_JPEG,
	IMG_PNG
};

/* Each maps to one HTTP status: see img_strerror() and docs/api.md. */
enum img_err {
	IMG_OK = 0,
	IMG_ERR_TYPE,		/* 415: not an allowlisted type */
	IMG_ERR_CORRUPT,	/* 422: undecodable / truncated / no header */
	IMG_ERR_PIXELS,		/* 422: dimensions over the limits */
	IMG_ERR_NOMEM		/* 500 */
};

/* Per-side and total pixel caps; both apply before any pixel buffer exists. */
struct img_limits {
	int	 max_side;	/* default 8000 */
	long	 max_pixels;	/* default 40000000 */
};

void		 img_limits_default(struct img_limits *lim);

/*
 * Identify buf with libmagic (cookie: a magic_t opened by the caller with
 * MAGIC_MIME_TYPE and magic_load(NULL)) and accept only image/jpeg and
 * image/png whose leading bytes also carry that format's signature.
 * Sets *type (IMG_NONE on refusal); mime, if not NULL, receives the
 * detected MIME type (truncated to mimesz).  A NULL cookie falls back to
 * the signature check alone (fuzzing, tests without a magic database).
 * Returns IMG_OK or IMG_ERR_TYPE.
 */
enum img_err	 imgcheck_sniff(void *magic_cookie, const void *buf,
		    size_t len, enum img_type *type, char *mime,
		    size_t mimesz);

/*
 * Read the dimensions from the JPEG SOFn or PNG IHDR without decoding and
 * without allocating.  *w and *h are the displayed size: for a JPEG whose
 * EXIF Orientation is 5-8 they are swapped, so they equal what
 * imgio_decode() returns.  IMG_ERR_PIXELS if over lim (NULL: defaults),
 * IMG_ERR_CORRUPT if no valid header is found.
 */
enum img_err	 imgcheck_probe(const void *buf, size_t len,
		    enum img_type type, const struct img_limits *lim,
		    int *w, int *h);

/*
 * EXIF Orientation (1-8) from the payload of a JPEG APP1 segment (the
 * bytes after the length field, starting "Exif\0\0"); 1 when absent or
 * malformed.  Reads only inside [app1, app1 + len).
 */
int		 imgcheck_exif_orientation(const unsigned char *app1,
		    size_t len);

/* Static English text for an error, safe to show to users. */
const char	*img_strerror(enum img_err err);

#endif /* BV_IMGCHECK_H */
