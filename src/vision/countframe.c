/* countframe.c: Gundersen's unbiased counting frame inside the field of view */
/*
 * Whole-photo counts take a cell when its box centre is in the field
 * (fov_contains()), so they need the cells the photo's edge cuts, which
 * the detector finds worst.  Densities instead count in an inner frame
 * (Gundersen, J Microsc 1977): cells touching the top or left edge count,
 * cells touching the right or bottom edge, or those lines extended beyond
 * the frame, do not.  Every cell of an endless smear tiled by such frames
 * is then counted exactly once, whatever its size, so frame count / frame
 * area is unbiased; and with the frame one red cell in from the edge, a
 * counted cell lies whole in the photo where the detector sees it best.
 *
 * The frame's corners are whole pixels (inner edges rounded inward), the
 * same numbers the result JSON gives, so a client can recount from the
 * detections.
 */

#include "vision/countframe.h"
#include "base/count.h"
#include "base/num.h"
#include "vision/detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
countframe_make(const struct fov *f, double inset, struct countframe *out)
{
	double	 x0, y0, x1, y1, half;

	memset(out, 0, sizeof(*out));
	if (f == NULL || !(inset > 0) || !isfinite(inset))
		return;
	/* the photo moved in by inset: no frame edge nearer its border */
	x0 = inset;
	y0 = inset;
	x1 = f->img_w - inset;
	y1 = f->img_h - inset;
	if (f->shape == FOV_CIRCLE) {
		half = (f->r - inset) / sqrt(2.0);
		if (!(half > 0))
			return;
		x0 = fmax(x0, f->cx - half);
		y0 = fmax(y0, f->cy - half);
		x1 = fmin(x1, f->cx + half);
		y1 = fmin(y1, f->cy + half);
		out->basis = COUNTFRAME_CIRCLE;
	} else {
		x0 = fmax(x0, f->x + inset);
		y0 = fmax(y0, f->y + inset);
		x1 = fmin(x1, f->x + f->w - inset);
		y1 = fmin(y1, f->y + f->h - inset);
		out->basis = COUNTFRAME_RECT;
	}
	x0 = ceil(x0);
	y0 = ceil(y0);
	x1 = floor(x1);
	y1 = floor(y1);
	if (!(x1 - x0 >= 2 * inset && y1 - y0 >= 2 * inset)) {
		out->basis = COUNTFRAME_RECT;
		return;
	}
	out->valid = 1;
	out->x0 = x0;
	out->y0 = y0;
	out->x1 = x1;
	out->y1 = y1;
	out->inset = inset;
	out->area_px = (x1 - x0) * (y1 - y0);
}

double
countframe_inset(const struct scale_info *sc, double rbc_net_px)
{
	if (sc == NULL)
		return 0;
	if (sc->rbc_px > 0 && isfinite(sc->rbc_px))
		return sc->rbc_px;
	if (sc->factor > 0 && rbc_net_px > 0)
		return rbc_net_px / sc->factor;
	return 0;
}

/* The box meets [x0, x1] x [y0, y1], edges included. */
static int
meets_frame(const struct countframe *cf, double bx0, double by0, double bx1,
    double by1)
{
	return bx1 >= cf->x0 && by1 >= cf->y0 && bx0 <= cf->x1 &&
	    by0 <= cf->y1;
}

/*
 * The box touches an exclusion line: the right line x = x1 from the top
 * of the photo (y = -inf here) down to y1, or the bottom line y = y1 from
 * the photo's left (x = -inf) across to x1.
 */
static int
touches_exclusion(const struct countframe *cf, double bx0, double by0,
    double bx1, double by1)
{
	int	 right = bx0 <= cf->x1 && bx1 >= cf->x1 && by0 <= cf->y1;
	int	 bottom = by0 <= cf->y1 && by1 >= cf->y1 && bx0 <= cf->x1;

	return right || bottom;
}

int
countframe_counts(const struct countframe *cf, double bx0, double by0,
    double bx1, double by1)
{
	if (cf == NULL || !cf->valid || !(bx1 >= bx0) || !(by1 >= by0))
		return 0;
	return meets_frame(cf, bx0, by0, bx1, by1) &&
	    !touches_exclusion(cf, bx0, by0, bx1, by1);
}

/* Per-class counts in cf of the boxes shown (what the JSON says). */
static json_t *
frame_counts(const struct countframe *cf, const json_t *classes,
    const struct det_box *v, size_t n, const double *thr)
{
	json_t	*o = json_object();
	int	 c, *k, nc = (int)json_array_size(classes);
	size_t	 i;

	if (o == NULL || (k = calloc((size_t)nc + 1, sizeof(*k))) == NULL) {
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		double x0 = num_round1(v[i].x), y0 = num_round1(v[i].y);
		double x1 = num_round1(v[i].x + v[i].w), y1 = num_round1(
		    v[i].y + v[i].h);

		if (v[i].cls < 0 || v[i].cls >= nc ||
		    !count_counted(v[i].conf, thr[v[i].cls]))
			continue;
		k[v[i].cls] += countframe_counts(cf, x0, y0, x1, y1);
	}
	for (c = 0; c < nc; c++)
		json_object_set_new(o, json_string_value(json_array_get(
		    classes, (size_t)c)), json_integer(k[c]));
	free(k);
	return o;
}

json_t *
countframe_json(const struct countframe *cf, const struct fov *f,
    const json_t *classes, const struct det_box *v, size_t n,
    const double *thr, double um_per_px)
{
	json_t	*o;

	if (!cf->valid)
		return json_pack("{s:b,s:s}", "valid", 0, "reason",
		    "The field of view is too small for a counting frame "
		    "one red cell in from its edge.");
	o = json_pack("{s:b,s:s,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:o}",
	    "valid", 1, "basis", cf->basis == COUNTFRAME_CIRCLE ? "circle" :
	    "rect", "x0", cf->x0, "y0", cf->y0, "x1", cf->x1, "y1", cf->y1,
	    "inset_px", num_round1(cf->inset), "area_px", round(cf->area_px),
	    "field_area_px", round(f->area_px),
	    "counts", frame_counts(cf, classes, v, n, thr));
	if (o != NULL)
		json_object_set_new(o, "area_um2", um_per_px > 0 ?
		    json_real(num_round1(cf->area_px * um_per_px * um_per_px)) :
		    json_null());
	return o;
}
