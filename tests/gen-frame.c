/* gen-frame.c: live-mode test frames: a blurred JPEG, or a y4m clip for chromium's fake camera */
/*
 * gen-frame blur IN OUT PASSES   IN decoded, box-blurred PASSES times (3x3), JPEG q90
 * gen-frame tile IN OUT N        N x N copies of IN side by side (an oversized frame), JPEG q90
 * gen-frame y4m IN OUT FRAMES    IN as a YUV4MPEG2 clip of FRAMES identical frames,
 *                                I420 (BT.601 studio range), 1 fps, even sides
 * The y4m header is one text line, each frame "FRAME\n" then the Y, U and V
 * planes (U and V at half size): what --use-file-for-fake-video-capture reads.
 */

#include "image/imgcheck.h"
#include "image/imgio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE		*f;
	unsigned char	*buf = NULL;
	long		 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = buf ? (size_t)n : 0;
	fclose(f);
	return buf;
}

static void
blur(struct img *im)
{
	unsigned char	*src;
	size_t		 sz = (size_t)im->w * im->h * 3;
	int		 x, y, c, dx, dy, s, n, xx, yy;

	if ((src = malloc(sz)) == NULL)
		return;
	memcpy(src, im->rgb, sz);
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++)
			for (c = 0; c < 3; c++) {
				for (s = n = 0, dy = -1; dy <= 1; dy++)
					for (dx = -1; dx <= 1; dx++) {
						xx = x + dx;
						yy = y + dy;
						if (xx < 0 || yy < 0 || xx >= im->w ||
						    yy >= im->h)
							continue;
						s += src[((size_t)yy * im->w + xx) *
						    3 + c];
						n++;
					}
				im->rgb[((size_t)y * im->w + x) * 3 + c] =
				    (unsigned char)((s + n / 2) / n);
			}
	free(src);
}

/* N x N copies of *im side by side, in place. 0, or -1 on no memory. */
static int
tile(struct img *im, int n)
{
	struct img	 o;
	int		 i, j, y;
	size_t		 row = (size_t)im->w * 3;

	o.w = im->w * n;
	o.h = im->h * n;
	if ((o.rgb = malloc((size_t)o.w * o.h * 3)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			for (y = 0; y < im->h; y++)
				memcpy(o.rgb + ((size_t)(i * im->h + y) * o.w +
				    (size_t)j * im->w) * 3, im->rgb +
				    (size_t)y * row, row);
	imgio_free(im);
	*im = o;
	return 0;
}

static int
write_y4m(const struct img *im, const char *path, int frames)
{
	FILE		*f;
	int		 w = im->w & ~1, h = im->h & ~1, x, y, i, rc = 0;
	unsigned char	*yp, *up, *vp;
	const unsigned char *p;
	double		 r, g, b, su, sv;
	size_t		 ny = (size_t)w * h, nc = ny / 4;

	if ((yp = malloc(ny + 2 * nc)) == NULL)
		return -1;
	up = yp + ny;
	vp = up + nc;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			p = im->rgb + ((size_t)y * im->w + x) * 3;
			yp[(size_t)y * w + x] = (unsigned char)(16.5 +
			    0.257 * p[0] + 0.504 * p[1] + 0.098 * p[2]);
		}
	for (y = 0; y < h / 2; y++)
		for (x = 0; x < w / 2; x++) {
			su = sv = 0;
			for (i = 0; i < 4; i++) {
				p = im->rgb + ((size_t)(2 * y + i / 2) * im->w +
				    2 * x + i % 2) * 3;
				r = p[0];
				g = p[1];
				b = p[2];
				su += -0.148 * r - 0.291 * g + 0.439 * b;
				sv += 0.439 * r - 0.368 * g - 0.071 * b;
			}
			up[(size_t)y * (w / 2) + x] = (unsigned char)(128.5 +
			    su / 4);
			vp[(size_t)y * (w / 2) + x] = (unsigned char)(128.5 +
			    sv / 4);
		}
	if ((f = fopen(path, "wb")) == NULL) {
		free(yp);
		return -1;
	}
	fprintf(f, "YUV4MPEG2 W%d H%d F1:1 Ip A1:1 C420jpeg\n", w, h);
	for (i = 0; i < frames; i++)
		if (fputs("FRAME\n", f) == EOF ||
		    fwrite(yp, 1, ny + 2 * nc, f) != ny + 2 * nc)
			rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	free(yp);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned char	*buf, *jpg = NULL;
	size_t		 len, jlen;
	struct img	 im;
	enum img_type	 type;
	int		 n, i;
	FILE		*f;

	if (argc != 5 || (n = atoi(argv[4])) < 1 || n > 1000) {
		fprintf(stderr, "usage: gen-frame blur|tile|y4m IN OUT N\n");
		return 2;
	}
	if ((buf = slurp(argv[2], &len)) == NULL ||
	    imgcheck_sniff(NULL, buf, len, &type, NULL, 0) != IMG_OK ||
	    imgio_decode(buf, len, type, NULL, &im) != IMG_OK) {
		fprintf(stderr, "gen-frame: cannot read %s\n", argv[2]);
		return 1;
	}
	free(buf);
	if (strcmp(argv[1], "y4m") == 0) {
		if (write_y4m(&im, argv[3], n) == -1) {
			perror(argv[3]);
			return 1;
		}
	} else if (strcmp(argv[1], "blur") == 0 ||
	    strcmp(argv[1], "tile") == 0) {
		if (argv[1][0] == 't' && (n > 8 || tile(&im, n) == -1)) {
			fprintf(stderr, "gen-frame: cannot tile %d x %d\n", n, n);
			return 1;
		}
		for (i = 0; argv[1][0] == 'b' && i < n; i++)
			blur(&im);
		if (imgio_encode_jpeg(&im, 90, &jpg, &jlen) == -1 ||
		    (f = fopen(argv[3], "wb")) == NULL ||
		    fwrite(jpg, 1, jlen, f) != jlen || fclose(f) != 0) {
			perror(argv[3]);
			return 1;
		}
		free(jpg);
	} else {
		fprintf(stderr, "gen-frame: unknown mode %s\n", argv[1]);
		return 2;
	}
	imgio_free(&im);
	return 0;
}
