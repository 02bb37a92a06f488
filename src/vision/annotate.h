/* annotate.h: draw detection boxes and short labels into an RGB image */
#ifndef BV_ANNOTATE_H
#define BV_ANNOTATE_H

#include <stddef.h>

#include "image/imgio.h"

/* Number of classes with a colour of their own: RBC, WBC, Platelets. */
#define ANNOTATE_NCLASSES	3

/* One box in image pixels; x, y is the top-left corner (docs/api.md). */
struct annot_box {
	int		 cls;
	float		 conf;	/* 0..1, printed as a percentage */
	float		 x, y, w, h;
};

/*
 * Class colour, from the Okabe-Ito palette (distinguishable with the
 * common colour-vision deficiencies; yellow also differs in lightness):
 * 0 RBC vermillion #D55E00, 1 WBC blue #0072B2, 2 Platelets yellow
 * #F0E442.  Other classes get grey #808080 and return -1; known classes
 * return 0.  The web UI uses the same hex values.
 */
int		 annotate_class_color(int cls, unsigned char rgb[3]);

/*
 * Draw n boxes into im: outlines in the class colour (thickness grows with
 * image size) and a tag above each box such as "R 93%" (class initial R,
 * W, P; confidence rounded) in a built-in 5x7 font.  Everything is clipped
 * to the image; boxes with non-finite or empty geometry are skipped.
 */
void		 annotate_draw(struct img *im, const struct annot_box *boxes,
		    size_t n);

struct countframe;

/*
 * Draw the counting frame cf (countframe.h; nothing when it is not
 * valid) in black (no class box, on the image or the web page, and not
 * the field outline, which is white, has it): the
 * inclusion edges, top and left, solid; the exclusion edges, right and
 * bottom, dashed, and dashed on beyond the frame as the rule has them,
 * the right line up to the top of the image, the bottom line left to
 * its left side.  s maps cf's coordinates to im's (s <= 0 is taken as
 * 1).  Clipped to im.
 */
void		 annotate_frame(struct img *im, const struct countframe *cf,
		    double s);

#endif /* BV_ANNOTATE_H */
