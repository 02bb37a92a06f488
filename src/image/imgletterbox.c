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
imgio_letterbox(const struct img *im, int net_w, int net_h, float *out,
    struct letterbox *lb)
{
	struct { int i0, i1; float f; } *xt;
	size_t	 plane, k;
	int	 new_w, new_h, dx, dy, x, y, c, x0, x1, y0, y1;
	float	 fx, fy, scale;

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
	/* darknet's letterbox_image() and correct_yolo_boxes() sizes. */
	if ((float)net_w / im->w < (float)net_h / im->h) {
		new_w = net_w;
		new_h = (int)((long)im->h * net_w / im->w);
		scale = (float)net_w / im->w;
	} else {
		new_h = net_h;
		new_w = (int)((long)im->w * net_h / im->h);
		scale = (float)net_h / im->h;
	}
	/* Guard the canvas against degenerate sizes and float ties. */
	new_w = new_w < 1 ? 1 : new_w > net_w ? net_w : new_w;
	new_h = new_h < 1 ? 1 : new_h > net_h ? net_h : new_h;
	dx = (net_w - new_w) / 2;
	dy = (net_h - new_h) / 2;
	/* the columns' taps once, not once a row (NULL: per pixel) */
	if ((xt = malloc((size_t)new_w * sizeof(*xt))) != NULL)
		for (x = 0; x < new_w; x++)
			imgio_bilinear_tap(x, im->w, new_w, &xt[x].i0,
			    &xt[x].i1, &xt[x].f);
	for (y = 0; y < new_h; y++) {
		imgio_bilinear_tap(y, im->h, new_h, &y0, &y1, &fy);
		for (x = 0; x < new_w; x++) {
			const unsigned char *r0, *r1;

			if (xt != NULL) {
				x0 = xt[x].i0;
				x1 = xt[x].i1;
				fx = xt[x].f;
			} else
				imgio_bilinear_tap(x, im->w, new_w, &x0, &x1,
				    &fx);
			r0 = im->rgb + (size_t)y0 * im->w * 3;
			r1 = im->rgb + (size_t)y1 * im->w * 3;
			for (c = 0; c < 3; c++) {
				float top = r0[x0 * 3 + c] * (1.0f - fx) +
				    r0[x1 * 3 + c] * fx;
				float bot = r1[x0 * 3 + c] * (1.0f - fx) +
				    r1[x1 * 3 + c] * fx;

				out[c * plane + (size_t)(y + dy) * net_w +
				    (x + dx)] = (top * (1.0f - fy) + bot * fy) /
				    255.0f;
			}
		}
	}
	free(xt);
	if (lb != NULL) {
		lb->scale = scale;
		lb->dx = (float)dx;
		lb->dy = (float)dy;
		lb->new_w = new_w;
		lb->new_h = new_h;
	}
}
