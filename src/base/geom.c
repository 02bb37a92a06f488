/* geom.c: box overlap: intersection and intersection over union */

#include "base/geom.h"

#include <math.h>

struct geom_box
geom_xywh(double x, double y, double w, double h)
{
	return (struct geom_box){ x, y, x + w, y + h };
}

struct geom_box
geom_cxywh(double cx, double cy, double w, double h)
{
	return (struct geom_box){ cx - w / 2, cy - h / 2, cx + w / 2,
	    cy + h / 2 };
}

double
geom_inter(struct geom_box a, struct geom_box b)
{
	double	 iw = fmin(a.x1, b.x1) - fmax(a.x0, b.x0);
	double	 ih = fmin(a.y1, b.y1) - fmax(a.y0, b.y0);

	return iw > 0 && ih > 0 ? iw * ih : 0;
}

double
geom_iou(struct geom_box a, struct geom_box b)
{
	double	 in = geom_inter(a, b), u;

	if (in <= 0)
		return 0;
	u = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) -
	    in;
	return u > 0 ? in / u : 0;
}
