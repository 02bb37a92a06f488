/* gen-hostile.c: write valid and hostile image files for integration tests */
/*
 * usage: gen-hostile OUTDIR [SMEAR.jpg]
 *
 * With SMEAR.jpg (a real smear photo), ok.jpg, exif6.jpg,
 * jpeg-html-comment.jpg and polyglot-html.jpg are built from its bytes
 * instead of the 64x48 synthetic JPEG, so that they are accepted by the
 * whole pipeline (a synthetic picture is refused as not_a_smear) and not
 * only by the decoder; exif6.jpg is then the smear turned on its side.
 *
 * Writes these files into OUTDIR (created if missing), all built in
 * memory by tests/hostile.c, deterministic.  Expected outcome through
 * imgcheck_sniff -> imgcheck_probe -> imgio_decode with default limits:
 *
 *   ok.jpg               64x48 baseline JPEG                     accepted
 *   ok.png               64x48 RGB PNG                           accepted
 *   tiny1x1.jpg          1x1 JPEG                                accepted
 *   exif6.jpg            64x48 JPEG, EXIF Orientation 6          accepted, 48x64
 *   jpeg-html-comment.jpg  valid JPEG whose COM segment holds
 *                        <script> HTML (only re-encoded pixels
 *                        may ever be served)                     accepted
 *   huge.png             IHDR claims 100000x100000               422 too_many_pixels (probe)
 *   huge.jpg             SOF0 claims 65500x65500                 422 too_many_pixels (probe)
 *   progressive-scans.jpg  4096x4096 progressive JPEG with
 *                        2000 scans                              422 undecodable (scan cap)
 *   truncated.jpg        256x256 JPEG cut at 60%                 422 undecodable
 *   truncated.png        256x256 PNG cut at 60%                  422 undecodable
 *   polyglot-html.jpg    HTML page followed by JPEG bytes        415 unsupported_type
 *   image.svg.jpg        SVG with a script                       415
 *   doc.pdf.jpg          minimal PDF                             415
 *   elf.jpg              ELF executable header                   415
 *   text.jpg             plain text                              415
 *   empty.jpg            zero bytes                              415
 *
 * usage: gen-hostile -s OUTDIR
 *
 * Writes small seed files for the image fuzzer instead (every one under
 * 4 KiB, libFuzzer's -max_len in run-fuzz.sh), as committed in
 * tests/fuzz/corpus/image/.
 *
 * Exit 0 on success, 1 on any failure (message on stderr).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <png.h>

#include "hostile.h"

static int
write_file(const char *dir, const char *name, unsigned char *p, size_t n)
{
	char	 path[4096];
	FILE	*f;
	int	 rc = 0;

	if (p == NULL && n != 0) {
		fprintf(stderr, "gen-hostile: %s: build failed\n", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (n > 0 && fwrite(p, 1, n, f) != n)) {
		fprintf(stderr, "gen-hostile: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (f != NULL && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "gen-hostile: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	free(p);
	return rc;
}

static int
write_seeds(const char *dir)
{
	static const struct {
		const char	*name;
		int		 ctype, depth, ilace;
	} pngs[] = {
		{ "gray8.png", PNG_COLOR_TYPE_GRAY, 8, 0 },
		{ "gray16.png", PNG_COLOR_TYPE_GRAY, 16, 0 },
		{ "gray-alpha.png", PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0 },
		{ "rgb8.png", PNG_COLOR_TYPE_RGB, 8, 0 },
		{ "rgb16-interlaced.png", PNG_COLOR_TYPE_RGB, 16, 1 },
		{ "rgba8.png", PNG_COLOR_TYPE_RGB_ALPHA, 8, 0 },
		{ "palette-interlaced.png", PNG_COLOR_TYPE_PALETTE, 8, 1 },
	};
	unsigned char	*ok, *p, *src;
	size_t		 okn, srcn, n = 0, i;
	int		 rc = 0;

	if ((ok = hostile_jpeg(24, 16, &okn)) == NULL)
		return 1;
#define W(name, expr) do {						\
		n = 0;							\
		p = (expr);						\
		if (write_file(dir, (name), p, n) == -1)		\
			rc = 1;						\
	} while (0)
	for (i = 0; i < sizeof(pngs) / sizeof(pngs[0]); i++)
		W(pngs[i].name, hostile_png(9, 7, pngs[i].ctype, pngs[i].depth,
		    pngs[i].ilace, &n));
	W("baseline.jpg", hostile_truncate(ok, okn, &n));
	W("tiny1x1.jpg", hostile_jpeg(1, 1, &n));
	W("progressive.jpg", hostile_jpeg_ex(24, 16,
	    HOSTILE_JPEG_PROGRESSIVE, &n));
	W("gray.jpg", hostile_jpeg_ex(24, 16, HOSTILE_JPEG_GRAY, &n));
	W("cmyk.jpg", hostile_jpeg_ex(16, 16, HOSTILE_JPEG_CMYK, &n));
	W("exif6.jpg", hostile_exif_jpeg(ok, okn, 6, &n));
	W("exif8.jpg", hostile_exif_jpeg(ok, okn, 8, &n));
	W("comment-html.jpg", hostile_jpeg_comment(ok, okn, hostile_html,
	    &n));
	W("huge.png", hostile_png_claim(100000, 100000, &n));
	W("huge.jpg", hostile_jpeg_claim(65500, 65500, &n));
	W("scans-ok.jpg", hostile_progressive(64, 20, &n));
	W("scans-many.jpg", hostile_progressive(64, 150, &n));
	src = hostile_jpeg(24, 16, &srcn);
	W("truncated.jpg", src ? hostile_truncate(src, srcn * 8 / 10, &n) :
	    NULL);
	free(src);
	src = hostile_png(9, 7, PNG_COLOR_TYPE_RGB, 8, 0, &srcn);
	W("truncated.png", src ? hostile_truncate(src, srcn - 20, &n) : NULL);
	free(src);
	W("polyglot-html.jpg", hostile_concat(hostile_html, ok, okn, &n));
	W("text.txt", hostile_text(hostile_txt, &n));
#undef W
	free(ok);
	return rc;
}

/* The whole file at path, malloc'd; NULL with a message on failure. */
static unsigned char *
read_smear(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*p = NULL;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL ||
	    fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (p = malloc((size_t)n)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "gen-hostile: %s: cannot read\n", path);
		free(p);
		p = NULL;
	} else
		*len = (size_t)n;
	if (f != NULL)
		fclose(f);
	return p;
}

int
main(int argc, char *argv[])
{
	const char	*dir;
	unsigned char	*ok, *p, *src;
	size_t		 okn, srcn, n = 0;
	int		 rc = 0;

	if (argc == 3 && strcmp(argv[1], "-s") == 0) {
		dir = argv[2];
		if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
			fprintf(stderr, "gen-hostile: %s: %s\n", dir,
			    strerror(errno));
			return 1;
		}
		return write_seeds(dir);
	}
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: gen-hostile [-s] OUTDIR [SMEAR.jpg]\n");
		return 1;
	}
	dir = argv[1];
	if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
		fprintf(stderr, "gen-hostile: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (argc == 3) {
		if ((ok = read_smear(argv[2], &okn)) == NULL)
			return 1;
	} else if ((ok = hostile_jpeg(64, 48, &okn)) == NULL) {
		fprintf(stderr, "gen-hostile: cannot encode a JPEG\n");
		return 1;
	}
#define W(name, expr) do {						\
		n = 0;							\
		p = (expr);						\
		if (write_file(dir, (name), p, n) == -1)		\
			rc = 1;						\
	} while (0)
	W("ok.jpg", hostile_truncate(ok, okn, &n));
	W("ok.png", hostile_png(64, 48, PNG_COLOR_TYPE_RGB, 8, 0, &n));
	W("tiny1x1.jpg", hostile_jpeg(1, 1, &n));
	W("exif6.jpg", hostile_exif_jpeg(ok, okn, 6, &n));
	W("jpeg-html-comment.jpg", hostile_jpeg_comment(ok, okn,
	    hostile_html, &n));
	W("huge.png", hostile_png_claim(100000, 100000, &n));
	W("huge.jpg", hostile_jpeg_claim(65500, 65500, &n));
	W("progressive-scans.jpg", hostile_progressive(4096, 2000, &n));
	src = hostile_jpeg(256, 256, &srcn);
	W("truncated.jpg", src ? hostile_truncate(src, srcn * 6 / 10, &n) :
	    NULL);
	free(src);
	src = hostile_png(256, 256, PNG_COLOR_TYPE_RGB, 8, 0, &srcn);
	W("truncated.png", src ? hostile_truncate(src, srcn * 6 / 10, &n) :
	    NULL);
	free(src);
	W("polyglot-html.jpg", hostile_concat(hostile_html, ok, okn, &n));
	W("image.svg.jpg", hostile_text(hostile_svg, &n));
	W("doc.pdf.jpg", hostile_text(hostile_pdf, &n));
	W("elf.jpg", hostile_elf(&n));
	W("text.jpg", hostile_text(hostile_txt, &n));
	W("empty.jpg", NULL);
#undef W
	free(ok);
	return rc;
}
