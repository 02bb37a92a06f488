/* gen-quality.c: pictures for the scene gate's request tests: a drawn landscape, degraded smears */
/*
 * usage: gen-quality scene OUT.jpg|OUT.png
 *        gen-quality degrade SPEC IN.jpg OUT.jpg|OUT.png
 *
 * scene: a technician's drawing of a landscape, 640x480: a sky fading to
 * the horizon, green hills, a yellow sun and round red-brown trees (round
 * blobs a detector may take for cells: the picture of issue 23).
 * degrade: IN transformed by SPEC (src/tools/qdegrade.h: "gain:0.3" an
 * under-exposed field, "blur:1.2+noise:3" a defocused one, ...).
 */

#include "field.h"
#include "tools/qdegrade.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
put(struct img *im, int x, int y, double r, double g, double b)
{
	unsigned char	*p;

	if (x < 0 || y < 0 || x >= im->w || y >= im->h)
		return;
	p = im->rgb + ((size_t)y * im->w + x) * 3;
	p[0] = (unsigned char)r;
	p[1] = (unsigned char)g;
	p[2] = (unsigned char)b;
}

static void
disc(struct img *im, int cx, int cy, int r, double cr, double cg, double cb)
{
	int	 x, y;

	for (y = cy - r; y <= cy + r; y++)
		for (x = cx - r; x <= cx + r; x++)
			if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
				put(im, x, y, cr, cg, cb);
}

static int
scene(const char *out)
{
	struct img	 im;
	int		 x, y, i, rc;
	double		 hill, t;

	im.w = 640;
	im.h = 480;
	if ((im.rgb = malloc((size_t)im.w * im.h * 3)) == NULL)
		return 1;
	for (y = 0; y < im.h; y++)
		for (x = 0; x < im.w; x++) {
			t = y / 480.0;
			hill = 300 + 40 * sin(x / 70.0) + 20 * sin(x / 23.0);
			if (y < hill)
				put(&im, x, y, 120 + 100 * t, 170 + 60 * t, 235);
			else
				put(&im, x, y, 70 + 30 * sin(x / 9.0), 140 +
				    20 * sin(y / 7.0), 60);
		}
	disc(&im, 520, 90, 45, 250, 215, 60);
	for (i = 0; i < 9; i++) {
		x = 40 + i * 68;
		y = 300 + (int)(40 * sin(x / 70.0) + 20 * sin(x / 23.0)) - 30;
		for (int k = 0; k < 30; k++)
			put(&im, x, y + 20 + k, 90, 60, 40);
		disc(&im, x, y, 28, 170, 80 + 10 * (i % 3), 70);
		disc(&im, x - 8, y - 6, 10, 200, 110, 95);
	}
	rc = strstr(out, ".png") ? field_save_png(out, &im) :
	    field_save_jpeg(out, &im);
	imgio_free(&im);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct img	 im;
	int		 rc;

	if (argc == 3 && strcmp(argv[1], "scene") == 0)
		return scene(argv[2]);
	if (argc == 5 && strcmp(argv[1], "degrade") == 0) {
		if (field_load(argv[3], &im) == -1 ||
		    qdegrade_apply(&im, argv[2]) == -1) {
			fprintf(stderr, "gen-quality: %s: cannot load or %s\n",
			    argv[3], argv[2]);
			return 1;
		}
		rc = strstr(argv[4], ".png") ? field_save_png(argv[4], &im) :
		    field_save_jpeg(argv[4], &im);
		imgio_free(&im);
		return rc == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: gen-quality scene OUT\n"
	    "       gen-quality degrade SPEC IN OUT\n");
	return 2;
}
