/* detector.h: the YOLO model behind an opaque handle (the only darknet user) */
#ifndef BV_DETECTOR_H
#define BV_DETECTOR_H

#include <stddef.h>

struct img;
struct detector;

/* The engine that runs the forward: libdarknet itself, or the network
 * mapped onto XNNPACK (engine_xnn.c) in fp32 or int8. */
enum detector_engine {
	DETECTOR_DARKNET = 0,
	DETECTOR_XNNPACK,
	DETECTOR_XNNPACK_INT8
};

/* One detection, in original-image pixels; (x, y) is the top-left corner. */
struct det_box {
	int	cls;
	float	conf;
	float	x, y, w, h;
};

void		 detector_free(struct detector *);

/*
 * Load cfg/weights/names once.  Checks every file first, since darknet
 * calls exit() on a missing one.  NULL with a message in err on failure.
 * A choice of engine and its thread count (XNNPACK:
 * the process's one thread pool; darknet's threads are OpenBLAS's, set
 * by the caller).  An engine that cannot run this network (a layer it
 * cannot map, no int8 calibration, a build without XNNPACK) is logged
 * with the reason and the next one is used: xnnpack-int8, xnnpack,
 * darknet; detector_engine() says which runs.  The int8 engine reads its
 * activation ranges from detector_calib_path(weights).
 */
struct detector	*detector_open(const char *cfg, const char *weights,
		    const char *names, enum detector_engine engine,
		    int threads, char *err, size_t errsz);
enum detector_engine detector_engine(const struct detector *);

/* "darknet", "xnnpack", "xnnpack-int8"; parse: 0, or -1 if unknown. */
const char	*detector_engine_name(enum detector_engine);
int		 detector_engine_parse(const char *s, enum detector_engine *);

/*
 * int8 calibration: the file next to the weights ("x.weights" ->
 * "x.int8"); -1 if it does not fit in sz.  detector_calib_add() runs one
 * image through the fp32 XNNPACK engine recording activation ranges
 * (0, or -1 if this detector does not run that engine);
 * detector_calib_write() saves them (-1 with a message in err).
 */
int		 detector_calib_path(const char *weights, char *buf,
		    size_t sz);
int		 detector_calib_add(struct detector *, const struct img *im);
int		 detector_calib_write(struct detector *, const char *path,
		    char *err, size_t errsz);

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
 * detector_load_tile() loads the netw x neth window of im at (x, y)
 * instead (imgio_tile_planar's values, written straight into the engine's
 * own interleaved input where it has one: the same bytes, no transpose).  Boxes come
 * back in network pixels, clamped to the input, with the same threshold,
 * NMS and ordering as detector_run().
 */
float		*detector_input(struct detector *);
void		 detector_load_tile(struct detector *, const struct img *im,
		    int x, int y);
int		 detector_run_input(struct detector *, float thresh, float nms,
		    struct det_box **out, size_t *n);

int		 detector_classes(const struct detector *);
const char	*detector_class_name(const struct detector *, int cls);
void		 detector_input_size(const struct detector *, int *w, int *h);

#endif /* BV_DETECTOR_H */
