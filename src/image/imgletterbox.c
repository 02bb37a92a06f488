/* imgletterbox.c: network input: planar float tiles and the letterbox */
#include <stdlib.h>
#include <string.h>

#include "image/imgint.h"
#include "image/imgio.h"

void
imgio_tile_planar(const struct img *src, int x, int y, int ow, int oh,
    float *out)
{
	size_t	 plane, k;
	long	 lx;
	int	 xx, yy, c, x0, x1;

	if (out == NULL || ow <= 0 || oh <= 0)
		return;
	plane = (size_t)ow * oh;
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0) {
		for (k = 0; k < plane * 3; k++)
			out[k] = 0.5f;
		return;
	}
	/* Columns [x0, x1) of the tile fall inside src; long: no overflow. */
	lx = -(long)x;
	x0 = lx <= 0 ? 0 : lx >= ow ? ow : (int)lx;
	lx = (long)src->w - x;
	x1 = lx <= x0 ? x0 : lx >= ow ? ow : (int)lx;
	for (yy = 0; yy < oh; yy++) {
		long		 sy = (long)y + yy;
		const unsigned char *row;

		for (c = 0; c < 3; c++) {
			float *o = out + c * plane + (size_t)yy * ow;

			if (sy < 0 || sy >= src->h) {
				for (xx = 0; xx < ow; xx++)
					o[xx] = 0.5f;
				continue;
			}
			row = src->rgb + (size_t)sy * src->w * 3;
			for (xx = 0; xx < x0; xx++)
				o[xx] = 0.5f;
			for (xx = x0; xx < x1; xx++)
				o[xx] = row[(size_t)((long)x + xx) * 3 + c] /
				    255.0f;
			for (xx = x1; xx < ow; xx++)
				o[xx] = 0.5f;
		}
	}
}

void
imgio_tile_hwc(const struct img *src, int x, int y, int ow, int oh,
    float *out)
{
	float	 lut[256];
	size_t	 k;
	long	 lx;
	int	 i, xx, yy, x0, x1;

	if (out == NULL || ow <= 0 || oh <= 0)
		return;
	for (k = 0; k < (size_t)ow * oh * 3; k++)
		out[k] = 0.5f;
	if (src == NULL || src->rgb == NULL || src->w <= 0 || src->h <= 0)
		return;
	for (i = 0; i < 256; i++)
		lut[i] = i / 255.0f;	/* imgio_tile_planar's value */
	lx = -(long)x;
	x0 = lx <= 0 ? 0 : lx >= ow ? ow : (int)lx;
	lx = (long)src->w - x;
	x1 = lx <= x0 ? x0 : lx >= ow ? ow : (int)lx;
	for (yy = 0; yy < oh; yy++) {
		long		 sy = (long)y + yy;
		const unsigned char *row;
		float		*o = out + (size_t)yy * ow * 3;

		if (sy < 0 || sy >= src->h)
			continue;
		row = src->rgb + (size_t)sy * src->w * 3;
		for (xx = x0 * 3; xx < x1 * 3; xx++)
			o[xx] = lut[row[(long)x * 3 + xx]];
	}
}

/* darknet's letterbox_image() and correct_yolo_boxes() sizes for im. */
static void
lb_geometry(const struct img *im, int net_w, int net_h, struct letterbox *lb)
{
	int	 new_w, new_h;

	if ((float)net_w / im->w < (float)net_h / im->h) {
		new_w = net_w;
		new_h = (int)((long)im->h * net_w / im->w);
		lb->scale = (float)net_w / im->w;
	} else {
		new_h = net_h;
		new_w = (int)((long)im->w * net_h / im->h);
		lb->scale = (float)net_h / im->h;
	}
	/* Guard the canvas against degenerate sizes and float ties. */
	lb->new_w = new_w < 1 ? 1 : new_w > net_w ? net_w : new_w;
	lb->new_h = new_h < 1 ? 1 : new_h > net_h ? net_h : new_h;
	lb->dx = (float)((net_w - lb->new_w) / 2);
	lb->dy = (float)((net_h - lb->new_h) / 2);
}

/* The columns' bilinear taps (NULL: none, then computed per pixel). */
struct lb_taps {
	int	 i0, i1;
	float	 f;
};

/*
 * Letterbox row y (of new_h): the [0,1] value of column x, channel c
 * into o[c][x * step].
 */
static void
lb_row(const struct img *im, const struct lb_taps *xt, int new_w,
    int new_h, int y, float *const o[3], size_t step)
{
	const unsigned char *r0, *r1;
	float	 fx, fy;
	int	 x, c, x0, x1, y0, y1;

	imgio_bilinear_tap(y, im->h, new_h, &y0, &y1, &fy);
	r0 = im->rgb + (size_t)y0 * im->w * 3;
	r1 = im->rgb + (size_t)y1 * im->w * 3;
	for (x = 0; x < new_w; x++) {
		if (xt != NULL) {
			x0 = xt[x].i0;
			x1 = xt[x].i1;
			fx = xt[x].f;
		} else
			imgio_bilinear_tap(x, im->w, new_w, &x0, &x1, &fx);
		for (c = 0; c < 3; c++) {
			float top = r0[x0 * 3 + c] * (1.0f - fx) +
			    r0[x1 * 3 + c] * fx;
			float bot = r1[x0 * 3 + c] * (1.0f - fx) +
			    r1[x1 * 3 + c] * fx;

			o[c][x * step] = (top * (1.0f - fy) + bot * fy) /
			    255.0f;
		}
	}
}

/* The columns' taps once, not once a row; NULL on no memory. */
static struct lb_taps *
lb_taps_new(const struct img *im, int new_w)
{
	struct lb_taps	*xt;
	int		 x;

	if ((xt = malloc((size_t)new_w * sizeof(*xt))) != NULL)
		for (x = 0; x < new_w; x++)
			imgio_bilinear_tap(x, im->w, new_w, &xt[x].i0,
			    &xt[x].i1, &xt[x].f);
	return xt;
}

void
imgio_letterbox(const struct img *im, int net_w, int net_h, float *out,
    struct letterbox *lb)
{
	struct letterbox g;
	struct lb_taps	*xt;
	size_t		 plane, k;
	int		 y, c, dx, dy;

	if (net_w <= 0 || net_h <= 0 || out == NULL)
		return;
	plane = (size_t)net_w * net_h;
	for (k = 0; k < plane * 3; k++)
		out[k] = 0.5f;
	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0) {
		if (lb != NULL)
			memset(lb, 0, sizeof(*lb));
		return;
	}
	lb_geometry(im, net_w, net_h, &g);
	dx = (int)g.dx;
	dy = (int)g.dy;
	xt = lb_taps_new(im, g.new_w);
	for (y = 0; y < g.new_h; y++) {
		float *o[3];

		for (c = 0; c < 3; c++)
			o[c] = out + c * plane + (size_t)(y + dy) * net_w + dx;
		lb_row(im, xt, g.new_w, g.new_h, y, o, 1);
	}
	free(xt);
	if (lb != NULL)
		*lb = g;
}

void
imgio_letterbox_hwc(const struct img *im, int net_w, int net_h, float *out,
    struct letterbox *lb)
{
	struct letterbox g;
	struct lb_taps	*xt;
	size_t		 k;
	int		 y, c, dx, dy;

	if (net_w <= 0 || net_h <= 0 || out == NULL)
		return;
	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0) {
		for (k = 0; k < (size_t)net_w * net_h * 3; k++)
			out[k] = 0.5f;
		if (lb != NULL)
			memset(lb, 0, sizeof(*lb));
		return;
	}
	lb_geometry(im, net_w, net_h, &g);
	dx = (int)g.dx;
	dy = (int)g.dy;
	xt = lb_taps_new(im, g.new_w);
	/* the grey canvas only where the photo does not cover it */
	for (y = 0; y < net_h; y++) {
		float	*row = out + (size_t)y * net_w * 3;
		int	 in = y >= dy && y < dy + g.new_h;
		size_t	 a = in ? (size_t)dx * 3 : (size_t)net_w * 3;

		for (k = 0; k < a; k++)
			row[k] = 0.5f;
		for (k = in ? (size_t)(dx + g.new_w) * 3 : a;
		    k < (size_t)net_w * 3; k++)
			row[k] = 0.5f;
	}
	for (y = 0; y < g.new_h; y++) {
		float *o[3];

		for (c = 0; c < 3; c++)
			o[c] = out + ((size_t)(y + dy) * net_w + dx) * 3 + c;
		lb_row(im, xt, g.new_w, g.new_h, y, o, 3);
	}
	free(xt);
	if (lb != NULL)
		*lb = g;
}
