/* detector.h: the YOLO model behind an opaque handle (the only darknet user) */
#ifndef BV_DETECTOR_H
#define BV_DETECTOR_H

#include <stddef.h>

struct img;
struct detector;

/* One detection, in original-image pixels; (x, y) is the top-left corner. */
struct det_box {
	int	cls;
	float	conf;
	float	x, y, w, h;
};

/*
 * Load cfg/weights/names once.  Checks every file first, since darknet
 * calls exit() on a missing one.  NULL with a message in err on failure.
 */
struct detector	*detector_new(const char *cfg, const char *weights,
		    const char *names, char *err, size_t errsz);
void		 detector_free(struct detector *);

/*
 * Detect on im (letterboxed to the network size): boxes with confidence
 * >= thresh after per-class NMS at nms, best class per box, sorted by
 * confidence.  *out is malloc'd (caller frees, may be NULL when *n is 0).
 * 0, or -1 on allocation failure.
 */
int		 detector_run(struct detector *, const struct img *im,
		    float thresh, float nms, struct det_box **out, size_t *n);

/*
 * The network's input buffer: planar float RGB in [0, 1], 3 x netw x neth
 * (imgio_tile_planar() fills it), and a forward of whatever it holds.
 * Boxes come back in network pixels, clamped to the input, with the same
 * threshold, NMS and ordering as detector_run().
 */
float		*detector_input(struct detector *);
int		 detector_run_input(struct detector *, float thresh, float nms,
		    struct det_box **out, size_t *n);

int		 detector_classes(const struct detector *);
const char	*detector_class_name(const struct detector *, int cls);
void		 detector_input_size(const struct detector *, int *w, int *h);

#endif /* BV_DETECTOR_H */
