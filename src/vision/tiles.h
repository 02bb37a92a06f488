/* tiles.h: cover an image with overlapping network-size tiles; merge their boxes */
#ifndef BV_TILES_H
#define BV_TILES_H

#include <stddef.h>

struct det_box;

/*
 * One tile of a w x h working image: the network reads the tw x th pixels
 * from (x, y) (parts outside the image are grey).  Its core is the
 * half-open rectangle [cx0, cx1) x [cy0, cy1): the cores of all tiles
 * partition the plane, seams lying in the middle of each overlap.
 */
struct tile {
	int	 x, y, w, h;
	double	 cx0, cy0, cx1, cy1;
};

/*
 * Lay tiles of tw x th over a w x h image so that neighbours overlap by at
 * least overlap pixels (overlap < tw, th).  A side no longer than the tile
 * gets one tile, the image centred in it.  Otherwise n = ceil((side -
 * overlap) / (tile - overlap)) tiles, spread evenly from edge to edge.
 * *out is malloc'd; returns 0, or -1 on bad arguments or no memory.
 */
int	 tiles_layout(int w, int h, int tw, int th, int overlap,
	    struct tile **out, size_t *n);

/* 1 if the box centre lies in t's core (the exactly-once rule). */
int	 tiles_owns(const struct tile *t, double cx, double cy);

/*
 * Of n boxes a tile's forward gave (tile pixels), keep those t owns:
 * moved to image pixels, clamped to the w x h image, at the front of v.
 * Returns how many.
 */
size_t	 tiles_keep(const struct tile *t, struct det_box *v, size_t n, int w,
	    int h);

/*
 * The merge, after each tile kept only the boxes it owns: class-aware
 * suppression, best first, of a box from another tile (tile[i] names
 * box i's tile; NULL: all differ) that overlaps a better one of its class
 * by IoU >= iou, or lies mostly inside it (intersection >= inside x the
 * smaller box: a cell cut by one tile's edge and whole in the other).
 * Boxes of one tile are left alone (the detector's NMS saw them).  Leaves
 * the kept boxes at the front of v, best first; returns their number.
 */
size_t	 tiles_merge(struct det_box *v, const int *tile, size_t n, float iou,
	    float inside);

#endif /* BV_TILES_H */
