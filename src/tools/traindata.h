/* traindata.h: bv-train's data: image lists, YOLO labels, ignore regions */
#ifndef BV_TRAINDATA_H
#define BV_TRAINDATA_H

#include <darknet.h>

#define TRAINDATA_MAXLINE	4096

/*
 * A list line is "IMAGE [scale=F] [border=ignore] [labels=partial]
 * [wbc=CLASS]".  scale is the image's cell scale: network-input pixels
 * per image pixel at the reference input size (--scale-ref, 288), i.e.
 * the scale at which its red cells come out ~47 px like BCCD letterboxed
 * to 288 (0.45); the scale augmentation is relative to it.  Without it
 * the letterbox is the base scale (v1).
 * border=ignore turns boxes cut by the image border (touching it, with a
 * short/long side ratio below --border-aspect) into ignore regions: the
 * TXL-PBC labels box every cut cell, BCCD's only some, so neither
 * convention is taught on them.  An ignore region is stored with
 * cls = -1 - class (negative): never a truth, never a negative in the
 * objectness loss, and a "difficult" box in validation.
 * labels=partial (v3: BCCD images whose own boxes leave out many red
 * cells) adds one ignore region over the whole image: its boxes are
 * taught as objects, and nothing in it is taught as background.
 * The labels are found by tool_label_path() (toolutil.h).
 */
struct sample {
	char *path;
	image im;          /* CHW float RGB in [0,1] (darknet layout) */
	int nb;
	float *b;          /* nb x {cls, x0, y0, x1, y1} in pixels */
	float scale;       /* cell scale at --scale-ref; 0: letterbox */
	char *wbc;         /* wbc=CLASS: the centred white cell's class */
};

struct dataset {
	struct sample *s;
	int n;
};

/* A validation set with its network inputs cached. */
struct valset {
	const char *name;
	struct dataset ds;
	image *boxed;         /* network inputs, cached */
	float *sc, *dx, *dy;  /* input = image * sc + (dx, dy); sc 0: letterbox */
};

/*
 * Load every image and label of a list; border_aspect is border=ignore's
 * side ratio.  0, or -1 with a message on stderr (what was loaded is
 * kept: the tool exits).
 */
int	traindata_load(struct dataset *ds, const char *list, float border_aspect);

/* Base scale (network pixels per image pixel) of a sample at input S. */
float	traindata_base_scale(const struct sample *s, int S, float scale_ref);

/*
 * Cache the network inputs of a validation set.  Samples with a list
 * scale= are resized to their cell scale (at most the letterbox scale, so
 * the whole image fits) and centred on a 0.5 grey canvas, as the server's
 * fixed-cell-scale tiles see them; the others are letterboxed as in v1.
 * Returns 0, or -1 when out of memory.
 */
int	traindata_valset(struct valset *vs, int S, float scale_ref);

#endif /* BV_TRAINDATA_H */
