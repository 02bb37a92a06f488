/* imgcheck.c: upload validation: libmagic allowlist and header-only size probe */
/*
 * Two cheap gates run before any decoder sees an upload.  imgcheck_sniff()
 * trusts only the bytes: libmagic must name an allowlisted type and the
 * format's own signature must be at offset 0 (libmagic also matches types
 * by patterns further in, which a polyglot can exploit).  imgcheck_probe()
 * walks JPEG markers / the PNG IHDR with bounds checks on every read and
 * never allocates, so a header claiming 100000 x 100000 pixels is refused
 * in microseconds, before a decoder could size a buffer from it.
 */
#include <stdint.h>
#include <string.h>

#include <magic.h>

#include "image/imgcheck.h"

#define IMG_DEFAULT_MAX_SIDE	8000
#define IMG_DEFAULT_MAX_PIXELS	40000000L

static const unsigned char png_sig[8] = {
	0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'
};

void
img_limits_default(struct img_limits *lim)
{
	lim->max_side = IMG_DEFAULT_MAX_SIDE;
	lim->max_pixels = IMG_DEFAULT_MAX_PIXELS;
}

const char *
img_strerror(enum img_err err)
{
	switch (err) {
	case IMG_OK:
		return "ok";
	case IMG_ERR_TYPE:
		return "The file is not a JPEG or PNG image.";
	case IMG_ERR_CORRUPT:
		return "The image is corrupt, truncated or uses an unsupported encoding.";
	case IMG_ERR_PIXELS:
		return "The image has too many pixels.";
	case IMG_ERR_NOMEM:
		return "Out of memory while processing the image.";
	}
	return "Unknown image error.";
}

static enum img_type
sig_type(const unsigned char *p, size_t len)
{
	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMG_JPEG;
	if (len >= sizeof(png_sig) && memcmp(p, png_sig, sizeof(png_sig)) == 0)
		return IMG_PNG;
	return IMG_NONE;
}

/* Compare libmagic's answer up to any "; charset=" the cookie's flags add. */
static int
mime_is(const char *mime, const char *want)
{
	size_t n = strlen(want);

	return strncmp(mime, want, n) == 0 &&
	    (mime[n] == '\0' || mime[n] == ';' || mime[n] == ' ');
}

enum img_err
imgcheck_sniff(void *magic_cookie, const void *buf, size_t len,
    enum img_type *type, char *mime, size_t mimesz)
{
	const char	*m = NULL;
	enum img_type	 sig, magic_type = IMG_NONE;

	*type = IMG_NONE;
	if (mime != NULL && mimesz > 0)
		mime[0] = '\0';
	if (buf == NULL || len == 0)
		return IMG_ERR_TYPE;

	sig = sig_type(buf, len);
	if (magic_cookie != NULL) {
		m = magic_buffer((magic_t)magic_cookie, buf, len);
		if (m == NULL)
			return IMG_ERR_TYPE;
		if (mime != NULL && mimesz > 0) {
			strncpy(mime, m, mimesz - 1);
			mime[mimesz - 1] = '\0';
		}
		if (mime_is(m, "image/jpeg"))
			magic_type = IMG_JPEG;
		else if (mime_is(m, "image/png"))
			magic_type = IMG_PNG;
		/* Both judges must agree. */
		if (magic_type != sig)
			return IMG_ERR_TYPE;
	} else if (mime != NULL && mimesz > 0 && sig != IMG_NONE) {
		strncpy(mime, sig == IMG_JPEG ? "image/jpeg" : "image/png",
		    mimesz - 1);
		mime[mimesz - 1] = '\0';
	}
	if (sig == IMG_NONE)
		return IMG_ERR_TYPE;
	*type = sig;
	return IMG_OK;
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static enum img_err
check_limits(uint32_t w, uint32_t h, const struct img_limits *lim)
{
	struct img_limits def;

	if (lim == NULL) {
		img_limits_default(&def);
		lim = &def;
	}
	if (w == 0 || h == 0)
		return IMG_ERR_CORRUPT;
	if (w > (uint32_t)lim->max_side || h > (uint32_t)lim->max_side)
		return IMG_ERR_PIXELS;
	/* Both <= max_side (an int), so the product fits in 64 bits. */
	if ((uint64_t)w * h > (uint64_t)lim->max_pixels)
		return IMG_ERR_PIXELS;
	return IMG_OK;
}

/*
 * TIFF IFD0 inside the Exif APP1 (Exif 2.32, 4.6.2): "Exif\0\0", then a
 * TIFF header (byte order, 42, IFD0 offset) and 12-byte entries.  Only
 * tag 0x0112 (Orientation, SHORT, count 1) matters here.
 */
int
imgcheck_exif_orientation(const unsigned char *app1, size_t len)
{
	const unsigned char	*t;
	size_t			 tl, off, n, i;
	int			 le;
	unsigned		 tag, typ, val;
	uint32_t		 cnt;

	if (app1 == NULL || len < 6 + 8 || memcmp(app1, "Exif\0\0", 6) != 0)
		return 1;
	t = app1 + 6;
	tl = len - 6;
	if (t[0] == 'I' && t[1] == 'I')
		le = 1;
	else if (t[0] == 'M' && t[1] == 'M')
		le = 0;
	else
		return 1;
#define U16(p) (le ? (unsigned)(p)[1] << 8 | (p)[0] : be16(p))
#define U32(p) (le ? (uint32_t)(p)[3] << 24 | (uint32_t)(p)[2] << 16 | \
	    (uint32_t)(p)[1] << 8 | (p)[0] : be32(p))
	if (U16(t + 2) != 42)
		return 1;
	off = U32(t + 4);
	if (off > tl || tl - off < 2)
		return 1;
	n = U16(t + off);
	/* Never trust the count beyond what the segment holds. */
	if (n > (tl - off - 2) / 12)
		n = (tl - off - 2) / 12;
	for (i = 0; i < n; i++) {
		const unsigned char *e = t + off + 2 + 12 * i;

		tag = U16(e);
		if (tag != 0x0112)
			continue;
		typ = U16(e + 2);
		cnt = U32(e + 4);
		if (typ != 3 || cnt != 1)
			return 1;
		val = U16(e + 8);
		return val >= 1 && val <= 8 ? (int)val : 1;
	}
#undef U16
#undef U32
	return 1;
}

/*
 * Walk the marker segments up to the first SOS the way libjpeg's
 * jdmarker.c does (garbage and fill bytes skipped), taking the size from
 * the one SOFn and the orientation from the first Exif APP1.
 */
static enum img_err
probe_jpeg(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h,
    int *orient)
{
	size_t		 i = 2, seglen;
	unsigned	 m;
	int		 have_sof = 0, have_exif = 0;

	*orient = 1;
	if (len < 4 || p[0] != 0xff || p[1] != 0xd8)
		return IMG_ERR_CORRUPT;
	for (;;) {
		/* Find 0xFF, skip fill bytes, and FF00 pairs as garbage. */
		while (i < len && p[i] != 0xff)
			i++;
		while (i < len && p[i] == 0xff)
			i++;
		if (i >= len)
			return IMG_ERR_CORRUPT;
		m = p[i++];
		if (m == 0x00 || m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;	/* no length field */
		if (m == 0xd8 || m == 0xd9)
			return IMG_ERR_CORRUPT;	/* SOI again, or EOI first */
		if (m == 0xda)
			return have_sof ? IMG_OK : IMG_ERR_CORRUPT;
		if (len - i < 2)
			return IMG_ERR_CORRUPT;
		seglen = be16(p + i);
		if (seglen < 2 || seglen > len - i)
			return IMG_ERR_CORRUPT;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			/* SOFn: P, Y, X, Nf (T.81 B.2.2) */
			if (have_sof || seglen < 2 + 6)
				return IMG_ERR_CORRUPT;
			*h = be16(p + i + 3);
			*w = be16(p + i + 5);
			if (p[i + 7] == 0)
				return IMG_ERR_CORRUPT;
			have_sof = 1;
		} else if (m == 0xe1 && !have_exif && seglen - 2 >= 6 &&
		    memcmp(p + i + 2, "Exif\0\0", 6) == 0) {
			*orient = imgcheck_exif_orientation(p + i + 2,
			    seglen - 2);
			have_exif = 1;
		}
		i += seglen;
	}
}

static enum img_err
probe_png(const unsigned char *p, size_t len, uint32_t *w, uint32_t *h)
{
	/* Signature, then IHDR must be the first chunk (PNG 3rd ed. 5.6). */
	if (len < 8 + 8 + 13 || memcmp(p, png_sig, sizeof(png_sig)) != 0)
		return IMG_ERR_CORRUPT;
	if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
		return IMG_ERR_CORRUPT;
	*w = be32(p + 16);
	*h = be32(p + 20);
	return IMG_OK;
}

enum img_err
imgcheck_probe(const void *buf, size_t len, enum img_type type,
    const struct img_limits *lim, int *w, int *h)
{
	uint32_t	 pw = 0, ph = 0, t;
	int		 orient = 1;
	enum img_err	 e;

	if (buf == NULL)
		return IMG_ERR_CORRUPT;
	switch (type) {
	case IMG_JPEG:
		e = probe_jpeg(buf, len, &pw, &ph, &orient);
		break;
	case IMG_PNG:
		e = probe_png(buf, len, &pw, &ph);
		break;
	default:
		return IMG_ERR_TYPE;
	}
	if (e != IMG_OK)
		return e;
	if ((e = check_limits(pw, ph, lim)) != IMG_OK)
		return e;
	if (orient >= 5) {
		t = pw;
		pw = ph;
		ph = t;
	}
	if (w != NULL)
		*w = (int)pw;
	if (h != NULL)
		*h = (int)ph;
	return IMG_OK;
}
