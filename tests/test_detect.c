/* test_detect.c: the live route's frame-quality measures (focus, overlap) */
/*
 * Includes src/routes/detect.c to reach its static overlap_share(); the route
 * itself is tested through lighttpd (tests/detect.sh).
 */

#include "check.h"
#include "../src/routes/detect.c"

/* An w x h frame: flat grey, or a checkerboard of cells c px with contrast a. */
static unsigned char *
frame(int w, int h, int c, int a)
{
	unsigned char	*p = malloc((size_t)w * h * 3);
	int		 x, y, v;

	if (p == NULL)
		return NULL;
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = c > 0 && ((x / c + y / c) & 1) ? 128 + a : 128 - a;
			memset(p + ((size_t)y * w + x) * 3, v, 3);
		}
	return p;
}

/* Paint the w0 x h0 rectangle at x0, y0 of a w-wide frame grey v. */
static void
paint(unsigned char *p, int w, int x0, int y0, int w0, int h0, int v)
{
	int	 y;

	for (y = y0; y < y0 + h0; y++)
		memset(p + ((size_t)y * w + x0) * 3, v, (size_t)w0 * 3);
}

static void
test_sharpness(void)
{
	unsigned char	*flat = frame(64, 48, 0, 0), *sharp = frame(64, 48, 4, 40);
	unsigned char	*soft = frame(64, 48, 4, 4), *hole = frame(64, 48, 4, 40);
	struct fov	 f;
	double		 m, vf, vs, vw, vc;

	CHECK(flat && sharp && soft && hole);
	if (!flat || !sharp || !soft || !hole)
		goto out;
	vf = detect_sharpness(flat, 64, 48, NULL, &m);
	CHECK(vf == 0 && fabs(m - 128) < 1e-9);
	vs = detect_sharpness(sharp, 64, 48, NULL, &m);
	vw = detect_sharpness(soft, 64, 48, NULL, &m);
	CHECK(vs > DETECT_FOCUS_MIN && vw < vs / 50);
	/*
	 * Only the field counts.  The field is the middle 32 x 24; the frame
	 * is sharp everywhere but flat grey over the field and a 2 px margin
	 * (the Laplacian reads a pixel's neighbours): measured in the field
	 * it is flat (0, mean 128), over the whole frame sharp.
	 */
	memset(&f, 0, sizeof(f));
	f.shape = FOV_RECT;
	f.x = 16;
	f.y = 12;
	f.w = 32;
	f.h = 24;
	f.img_w = 64;
	f.img_h = 48;
	paint(hole, 64, 14, 10, 36, 28, 128);
	vc = detect_sharpness(hole, 64, 48, &f, &m);
	CHECK(vc == 0 && fabs(m - 128) < 1e-9);
	CHECK(detect_sharpness(hole, 64, 48, NULL, &m) > DETECT_FOCUS_MIN);
	/* and the other way: sharp in the field, flat outside */
	paint(sharp, 64, 0, 0, 64, 10, 128);
	paint(sharp, 64, 0, 38, 64, 10, 128);
	paint(sharp, 64, 0, 10, 14, 28, 128);
	paint(sharp, 64, 50, 10, 14, 28, 128);
	vc = detect_sharpness(sharp, 64, 48, &f, &m);
	CHECK(fabs(vc - vs) < 0.25 * vs);
	CHECK(detect_sharpness(sharp, 64, 48, NULL, &m) < 0.6 * vc);
	CHECK(detect_sharpness(sharp, 2, 2, NULL, &m) == 0);
out:
	free(flat);
	free(sharp);
	free(soft);
	free(hole);
}

static void
test_overlap(void)
{
	struct det_box	 v[12];
	double		 thr[3] = { 0.38, 0.33, 0.51 };
	int		 i, n;

	/* 10 red cells side by side, touching: no overlap */
	for (i = 0; i < 10; i++)
		v[i] = (struct det_box){ 0, 0.9f, (float)(i * 40), 0, 40, 40 };
	CHECK(overlap_share(v, 10, thr, 0, &n) == 0 && n == 10);
	/* half of them stacked onto their neighbour by half a cell */
	for (i = 0; i < 10; i += 2)
		v[i + 1].x = v[i].x + 20;
	CHECK(overlap_share(v, 10, thr, 0, &n) == 1.0 && n == 10);
	/* below the threshold, or another class: not counted */
	v[10] = (struct det_box){ 0, 0.2f, 1000, 0, 40, 40 };
	v[11] = (struct det_box){ 1, 0.9f, 0, 0, 40, 40 };
	CHECK(overlap_share(v, 12, thr, 0, &n) == 1.0 && n == 10);
	CHECK(overlap_share(v, 0, thr, 0, &n) == 0 && n == 0);
}

int
main(void)
{
	test_sharpness();
	test_overlap();
	return check_done("test_detect");
}
