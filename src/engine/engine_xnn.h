/* engine_xnn.h: a Darknet YOLO network run on XNNPACK operators (fp32, int8) */
#ifndef BV_ENGINE_XNN_H
#define BV_ENGINE_XNN_H

#include <stddef.h>

struct network;			/* darknet's, read once at load */
struct engine_xnn;

/* One candidate box, as darknet's get_network_boxes() gives it: centre
 * and size in network pixels, prob[] per class (0 below the threshold). */
struct engine_det {
	float	 x, y, w, h;
	float	 objectness;
	float	*prob;
	int	 sort_class;
};

/* 1 when this build has XNNPACK, else 0 (engine_xnn_new() then fails). */
int	 engine_xnn_available(void);

/*
 * Map net's layers onto XNNPACK operators: fp32 (calib == NULL), or int8
 * with the activation ranges in the calibration file calib (written by
 * engine_xnn_calib_write()).  threads sizes the process's one thread pool
 * when this is its first engine.  net is only read, and may be freed once
 * this returns.  NULL with a message naming the layer in err when a layer
 * cannot be mapped.  engine_xnn_free(NULL) is a no-op.
 */
struct engine_xnn *engine_xnn_new(struct network *net, const char *calib,
		    int threads, char *err, size_t errsz);
void		 engine_xnn_free(struct engine_xnn *);

/*
 * Forward planar float RGB (3 x h x w, the darknet input layout); input
 * NULL: what was written at engine_xnn_input_hwc() since the last forward.
 */
int		 engine_xnn_forward(struct engine_xnn *, const float *input);
/*
 * The engine's own input buffer when its first layer takes floats (the
 * fp32 engine; the int8 engine's fp32 first convolution): interleaved
 * RGB, h x w x 3, in [0, 1], to be written in place of a planar input
 * (no transposing copy); NULL when the engine quantizes the input itself.
 */
float		*engine_xnn_input_hwc(struct engine_xnn *);

/*
 * Boxes of the last forward with darknet's semantics (objectness >
 * thresh, prob = objectness * class > thresh else 0), then its
 * do_nms_sort() at nms when nms > 0.  *out is one allocation (prob arrays
 * inside it; caller frees it with free()).  0, or -1 on allocation failure.
 */
int		 engine_xnn_boxes(struct engine_xnn *, float thresh, float nms,
		    struct engine_det **out, int *n);

/* Output layers (yolo) and one's values after the last forward, in
 * darknet's layout (that layer's output array); -1 if k is out of range. */
int		 engine_xnn_outputs(const struct engine_xnn *);
int		 engine_xnn_output(const struct engine_xnn *, int k, float *dst,
		    size_t n, int *layer);

/* A classifier's output (its last layer, e.g. a softmax after a global
 * avgpool on the fp32 engine, or a convolution's activations on either:
 * the int8 engine's dequantised), in darknet's layout: the count
 * written, or -1 when the last layer is a yolo layer or dst is shorter. */
int		 engine_xnn_result(const struct engine_xnn *, float *dst,
		    size_t n);

/* Calibration (fp32 engine only): record each layer's activation range
 * over the forwards done since engine_xnn_calib_start(); write them. */
void		 engine_xnn_calib_start(struct engine_xnn *);
int		 engine_xnn_calib_write(const struct engine_xnn *,
		    const char *path, char *err, size_t errsz);

/* Layers (darknet's count); with ms != NULL every later forward adds
 * each layer's time to ms[layer] (the input's load counts in layer 0):
 * with one thread the thread's CPU time, else wall time; NULL stops it.
 * For bv-bench --profile. */
int		 engine_xnn_layers(const struct engine_xnn *);
void		 engine_xnn_profile(struct engine_xnn *, double *ms);

/* "fp32" or "int8". */
const char	*engine_xnn_precision(const struct engine_xnn *);
/* int8: how many convolutions run on our kernel (qgemm.h), not XNNPACK. */
int		 engine_xnn_own_convs(const struct engine_xnn *);

#endif /* BV_ENGINE_XNN_H */
