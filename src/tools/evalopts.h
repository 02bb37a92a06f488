/* evalopts.h: bv-eval's command line */
#ifndef BV_EVALOPTS_H
#define BV_EVALOPTS_H

#include "tools/voc.h"

#define EVAL_NCLS VOC_NCLASSES

struct eval_opts {
	const char *cfg, *weights, *names, *dataset, *split, *dets_dir;
	float thr[EVAL_NCLS], ap_thresh, nms, hue, gain, rescale, zoom;
	float blur, od[3];      /* --blur SIGMA, --od-gain R,G,B (1,1,1 none) */
	int jpeg;               /* --jpeg Q: a JPEG round trip (0 none) */
	int json, tune, threads, limit, stock, per_image;
	int letterbox;          /* 1: the old single pass, no scale search */
	int remember;           /* 1: the server's remembered scale (scalemem.h) */
	int area;               /* 1: working copy by area average (--resample area) */
	int wide;               /* N: N x N mosaics of the split's images */
	int eye_w, eye_h;       /* > 0: the mosaic inside a dark circular stop */
	const char *engine;     /* --engine: darknet, xnnpack, xnnpack-int8 */
	double rbc_net_px;      /* the model's trained red-cell size */
};

/* The usage text, on stderr. */
void	evalopts_usage(void);

/* The command line (after the defaults in o) into o; 0, or 2 with the
 * usage printed (unknown option, missing value, out of range). */
int	evalopts_parse(int argc, char **argv, struct eval_opts *o);

#endif /* BV_EVALOPTS_H */
