/* hostile.h: in-memory builders of valid and hostile image files for tests */
#ifndef BV_HOSTILE_H
#define BV_HOSTILE_H

#include <stddef.h>

/*
 * Every builder returns a malloc'd buffer (caller free()s it) and sets
 * *len, or returns NULL on failure.  They are deterministic, so the same
 * bytes serve unit tests, gen-hostile's files and fuzz seeds.
 */

/* Sample value every pattern image uses: byte c of pixel (x, y). */
#define HOSTILE_PATTERN(x, y, c) \
	((unsigned char)(((x) * 7 + (y) * 13 + (c) * 50) & 0xff))

/* PNG via libpng; ctype a PNG_COLOR_TYPE_*, depth 8 or 16. */
unsigned char	*hostile_png(int w, int h, int ctype, int depth, int interlace,
		    size_t *len);
/* Baseline JPEG (quality 90) of the pattern image, via imgio_encode_jpeg. */
unsigned char	*hostile_jpeg(int w, int h, size_t *len);
/*
 * JPEG written directly with libjpeg (test code: libjpeg's default error
 * handler, which exits, is acceptable here): mode HOSTILE_JPEG_PROGRESSIVE
 * (RGB pattern, jpeg_simple_progression), HOSTILE_JPEG_GRAY (pattern
 * channel 0), HOSTILE_JPEG_CMYK (Adobe CMYK, every pixel (255,0,255,255)
 * = inverted magenta ink only, which displays as RGB (255,0,255)).
 */
#define HOSTILE_JPEG_PROGRESSIVE	1
#define HOSTILE_JPEG_GRAY		2
#define HOSTILE_JPEG_CMYK		3
unsigned char	*hostile_jpeg_ex(int w, int h, int mode, size_t *len);
/* PNG whose IHDR claims w x h, with a token IDAT and IEND (valid CRCs). */
unsigned char	*hostile_png_claim(unsigned w, unsigned h, size_t *len);
/* Small real JPEG with its SOF0 patched to claim w x h. */
unsigned char	*hostile_jpeg_claim(unsigned w, unsigned h, size_t *len);
/*
 * Progressive grey JPEG, side x side pixels (multiple of 8), written by
 * hand: one DC scan then nscans-1 AC scans each a few bytes long (EOB runs
 * of 32767 blocks), so every scan makes a decoder sweep the whole
 * coefficient buffer.  Decodes to uniform mid-grey when nscans is small.
 */
unsigned char	*hostile_progressive(int side, int nscans, size_t *len);
/* Copy of buf[0..len) cut to keep bytes (keep < len). */
unsigned char	*hostile_truncate(const unsigned char *buf, size_t keep,
		    size_t *len);
/* JPEG with an EXIF APP1 (big-endian TIFF) carrying Orientation o. */
unsigned char	*hostile_exif_jpeg(const unsigned char *jpg, size_t jlen,
		    int o, size_t *len);
/* JPEG with a COM segment holding an HTML/script payload. */
unsigned char	*hostile_jpeg_comment(const unsigned char *jpg, size_t jlen,
		    const char *text, size_t *len);
/* prefix (a C string) followed by buf. */
unsigned char	*hostile_concat(const char *prefix, const unsigned char *buf,
		    size_t blen, size_t *len);
/* Minimal 64-bit little-endian ELF executable header (+ padding). */
unsigned char	*hostile_elf(size_t *len);
/* Copy of a C string's bytes (SVG, PDF, text samples). */
unsigned char	*hostile_text(const char *s, size_t *len);

extern const char hostile_svg[], hostile_pdf[], hostile_txt[], hostile_html[];

#endif /* BV_HOSTILE_H */
