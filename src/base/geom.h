/* geom.h: box overlap: intersection and intersection over union */
#ifndef BV_GEOM_H
#define BV_GEOM_H

/* An axis-aligned box by its corners: x0 <= x1, y0 <= y1. */
struct geom_box {
	double	x0, y0, x1, y1;
};

/* The box at (x, y) (top left) of size w x h. */
struct geom_box geom_xywh(double x, double y, double w, double h);

/* The box centred on (cx, cy) of size w x h (YOLO's form). */
struct geom_box geom_cxywh(double cx, double cy, double w, double h);

/* The area a and b share; 0 when they do not overlap. */
double	geom_inter(struct geom_box a, struct geom_box b);

/* Intersection over union of a and b; 0 when apart or both empty. */
double	geom_iou(struct geom_box a, struct geom_box b);

#endif /* BV_GEOM_H */
