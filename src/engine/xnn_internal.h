/* xnn_internal.h: the XNNPACK engine's private structures and calls */
/*
 * The network is still read by libdarknet (cfg + weights); the engine
 * (engine_xnn.c and xnn_*.c) maps its layers once, at load, onto
 * XNNPACK's NHWC operator API and then never calls darknet again.  Design:
 *
 * - Every layer's output lives at a "loc": a buffer, a channel offset and
 *   a pixel stride.  A route with several inputs owns one buffer and its
 *   inputs are placed into it at their channel offsets, so producers write
 *   the concatenation directly (XNNPACK takes pixel strides on input and
 *   output); a route with one input is an alias; only an input that is
 *   already placed elsewhere is copied.  Every operator is created and set
 *   up at load on fixed buffers: a forward is a row of xnn_run_operator().
 * - Convolutions take batch-norm folded in at load, with darknet's own
 *   formula (x - mean) / (sqrt(var) + 1e-6) * scale + bias.  Leaky ReLU
 *   (slope 0.1, darknet's) is XNNPACK's leaky op in place on the output;
 *   ReLU is the convolution's output clamp.
 * - Classifiers: darknet's (global) avgpool is XNNPACK's global average
 *   pooling, a last one-group softmax is darknet's loop (fp32 engine only;
 *   engine_xnn_result() reads it).
 * - Upsample (nearest, times darknet's scale) and shortcut are our loops,
 *   spread on the same thread pool; so is the yolo decode, which follows
 *   darknet's get_yolo_detections() and do_nms_sort() step by step.
 * - int8: per-output-channel symmetric weights (XNNPACK "qc8"), per-tensor
 *   asymmetric activations from ranges calibrated on fp32 forwards of
 *   training images (engine_xnn_calib_*).  All inputs of a route share its
 *   buffer's quantisation.  A leaky convolution writes its pre-activation
 *   range to scratch and one vectorised pass (leaky + requantise) moves it
 *   to its place.  The first convolution (3 input channels, a slow qc8
 *   case) runs in fp32 and that pass quantises its output; the ones
 *   feeding a yolo layer run in fp32 on a dequantised input, as box
 *   coordinates and logits need the precision and those layers cost
 *   little.  Max-pool, upsample and route copies between buffers of
 *   different quantisation go through 256-entry tables.  A shortcut is one
 *   pass over both inputs' int8 values (their real sum, activated,
 *   requantised to its buffer): XNNPACK's add_nd_qs8 takes dense tensors
 *   only, and a shortcut's input may sit in a route's buffer at a stride.
 *
 * One pthreadpool and one xnn_initialize() per process, shared by every
 * engine (reference counted).
 */
#ifndef BV_XNN_INTERNAL_H
#define BV_XNN_INTERNAL_H

#ifdef HAVE_XNNPACK

#include <darknet.h>
#include <pthreadpool.h>
#include <xnnpack.h>

#include <stddef.h>
#include <stdint.h>

#include "engine/qgemm.h"

#define ROUTE_MAX	16
#define CHUNK_MAX	16

enum xl_type { XL_CONV, XL_MAXPOOL, XL_UPSAMPLE, XL_ROUTE, XL_SHORTCUT,
	XL_YOLO, XL_AVGPOOL, XL_SOFTMAX };
enum xl_act { XA_LINEAR, XA_LEAKY, XA_RELU };

struct loc {
	int	 buf;
	size_t	 off, stride;		/* elements */
};

struct xbuf {
	void	*p;
	size_t	 elems;
	int	 f32;			/* int8 engine: holds floats */
	float	 scale;			/* int8 quantisation */
	int	 zp;
};

struct xlayer {
	int		 type, act, dn;		/* dn: darknet layer index */
	int		 w, h, c, ow, oh, oc;
	int		 src;			/* input layer, -1: network input */
	struct loc	 out;
	xnn_operator_t	 op, aux;
	xnn_operator_t	 more[CHUNK_MAX];	/* conv: output-channel chunks
						 * after op's */
	int		 nmore;
	/* int8 */
	int		 f32head;		/* conv feeding yolo: fp32 */
	int		 f32in;			/* first conv: fp32, quantised out */
	int		 via_scratch;		/* op writes scratch, lut moves */
	float		 pre_scale;
	int		 pre_zp;
	int8_t		*lut;			/* 256 per input */
	struct qconv	*qc;			/* int8 conv on our kernel
						 * (qgemm.h) instead of op */
	void		*qc_in, *qc_out;
	/* upsample */
	int		 up;
	float		 upscale;
	/* route */
	int		 nin, ins[ROUTE_MAX], copy[ROUTE_MAX];
	size_t		 inoff[ROUTE_MAX];
	/* shortcut */
	int		 from;
	float		 alpha, beta;
	/* yolo */
	int		 n, classes, mask[ROUTE_MAX];
	float		 anchors[2 * ROUTE_MAX];
	/* calibration: pre-activation and output ranges */
	float		 pre_lo, pre_hi, out_lo, out_hi;
};

struct engine_xnn {
	int		 int8, calib;
	int		 nown;			/* convolutions on qgemm */
	int		 netw, neth;
	int		 nl, nbuf;
	struct xlayer	*l;
	struct xbuf	*b;
	int8_t		*scratch8;
	float		*scratchf;
	float		*in32;			/* int8 engine: fp32 NHWC input */
	size_t		 nscratch8, nscratchf;
	double		*prof;			/* ms per layer, or NULL */
};


/* A row task of our loops (xnn_loops.c), spread on the thread pool. */
struct task {
	const struct engine_xnn	*e;
	const struct xlayer	*x;
	const void		*src;
	void			*dst;
	size_t			 ss, ds, c;
	const int8_t		*lut;
	int			 w;		/* pixels per row */
	int			 srcf, zi;	/* requant: float source, or
						 * int8 with zero point zi */
	float			 mul, add, neg;	/* requant: see requant_row */
};

/* The process's one pool (engine_xnn.c: reference counted). */
extern pthreadpool_t	xe_pool;

/* engine_xnn.c: load, buffers */
const char	*xe_type_name(int);
void		*xe_loc_ptr(const struct engine_xnn *, const struct loc *);
int		 xe_add_buf(struct engine_xnn *, size_t, int);

/* xnn_plan.c: darknet's layers read, each output's place decided */
int		 xe_read_layers(struct engine_xnn *, network *, char *, size_t);
int		 xe_plan(struct engine_xnn *);
struct loc	 xe_in_loc(const struct engine_xnn *, const struct xlayer *);

/* xnn_quant.c: int8 parameters, tables and calibration ranges */
void		 xe_qparams(float, float, float *, int *);
void		 xe_make_lut(int8_t *, float, int, float, int, int, float);
int		 xe_same_q(const struct xbuf *, const struct xbuf *);
void		 xe_range_of(const struct engine_xnn *, const struct loc *,
		    size_t, size_t, float *, float *);
int		 xe_calib_read(struct engine_xnn *, const char *, char *,
		    size_t);

/* xnn_ops.c: XNNPACK operators created and set up at load */
int		 xe_xfail(enum xnn_status, const struct xlayer *, const char *,
		    char *, size_t);
int		 xe_make_conv(struct engine_xnn *, struct xlayer *,
		    const layer *, char *, size_t);
int		 xe_make_maxpool(struct engine_xnn *, struct xlayer *,
		    const layer *, char *, size_t);
int		 xe_make_route(struct engine_xnn *, struct xlayer *, char *,
		    size_t);
int		 xe_make_avgpool(struct engine_xnn *, struct xlayer *, char *,
		    size_t);

/* xnn_loops.c: our own loops (tables, requantisation, shortcut, upsample) */
int		 xe_lut_fast(void);
void		 xe_lut_move(const struct engine_xnn *, const void *, size_t,
		    const struct loc *, size_t, const int8_t *, int, int);
void		 xe_requant_move(const struct engine_xnn *,
		    const struct xlayer *, const void *, float, int);
int		 xe_conv_lut(const struct engine_xnn *, struct xlayer *);
void		 xe_upsample(const struct engine_xnn *, const struct xlayer *);
void		 xe_shortcut(const struct engine_xnn *, const struct xlayer *);

/* xnn_qconv.c: our int8 kernel (qgemm.h) where it measures faster */
struct qconv_args {
	const int8_t	*w;		/* OHWI */
	const int32_t	*b;
	const float	*ks;
	float		 si, so;
	int		 zi, zo, omin;
	void		*dst;
	size_t		 out_stride;
};
void		 xe_qconv_choose(struct engine_xnn *, struct xlayer *,
		    const layer *, const struct qconv_args *);
void		 xe_qconv_run(const struct xlayer *);

#endif /* HAVE_XNNPACK */
#endif /* BV_XNN_INTERNAL_H */
