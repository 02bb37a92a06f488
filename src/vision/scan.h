/* scan.h: detection at the cells' own scale: scale search, tiles, field of view */
#ifndef BV_SCAN_H
#define BV_SCAN_H

#include <stddef.h>

#include "vision/fov.h"
#include "vision/scale.h"

struct det_box;
struct detector;
struct img;

/* What the network was trained on, from the model's JSON (models/<name>.json). */
struct scan_model {
	int	 rbc_cls;	/* class index of red cells */
	int	 wbc_cls;	/* of white cells (the ruler when no red cell) */
	double	 rbc_net_px;	/* median red-cell box at the training scale, network px */
	double	 wbc_net_px;	/* the same for white cells */
	double	 rbc_um;	/* red-cell diameter assumed to turn um/px into a factor */
};

/* BCCD's (models/bccd.json "scale"): RBC 0, WBC 1, 47 and 87 px, 7.5 um. */
void	 scan_model_default(struct scan_model *m);

struct scan_opts {
	float	 thresh;	/* detection floor (the server's min_confidence) */
	float	 nms;
	int	 overlap;	/* tile overlap in network px: >= one WBC diameter */
	double	 max_up;	/* most a photo is enlarged (cells too small beyond) */
	int	 auto_scale;	/* 0: no scale given means the letterbox as it is */
	int	 area;		/* 1: working copy by area average, not bilinear */
};

/* Defaults: overlap 96 px, at most 2.5x enlargement, auto scale on, bilinear. */
void	 scan_opts_default(struct scan_opts *o, float thresh, float nms);

/* A candidate scale the search tried (for the evaluator and the log). */
struct scan_probe {
	double	 factor;	/* network px per image px */
	int	 n;		/* red cells measured */
	double	 median_net;	/* their median size, network px */
};

#define SCAN_MAX_PROBES	8

/*
 * The automatic scale of im: run the detector at trial scales (the whole
 * image letterboxed first, then windows around the field's centre at
 * twice, half, four times ... that factor) and take the one whose red
 * cells come out nearest the network's trained size; re-measure once at
 * the chosen factor if it moved by more than 15 %.  out gets rbc_px (im
 * pixels), factor (network px per im px), status and reason; source is
 * set to SCALE_AUTO.  The letterboxed pass's boxes (im pixels) are handed
 * back in *ov (malloc'd) with its factor in *ov_factor, so a photo that is
 * already at the right scale costs one forward.  0, or -1 on no memory.
 */
int	 scan_estimate(struct detector *, const struct scan_model *,
	    const struct scan_opts *, const struct img *im,
	    const struct fov *fov, struct scale_info *out,
	    struct det_box **ov, size_t *nov, double *ov_factor,
	    struct scan_probe *probes, int *nprobes);

/*
 * Detect over work (an image already resampled to the working scale):
 * network-size tiles overlapping by o->overlap, tiles that miss the field
 * skipped, each keeping the boxes it owns (tiles.h), then the merge.
 * Boxes in work pixels, *out malloc'd; *ntiles how many were run.
 * 0, or -1 on no memory.
 */
int	 scan_tiles(struct detector *, const struct scan_opts *,
	    const struct img *work, const struct fov *fov_work,
	    struct det_box **out, size_t *n, int *ntiles);

/* The whole step, as the server runs it and the evaluator measures it. */
struct scan_result {
	struct det_box		*boxes;	/* original-image pixels, inside the field */
	size_t			 n;
	struct scale_info	 scale;
	struct fov		 fov;	/* original-image pixels */
	int			 tiles;	/* 0: the single letterboxed pass */
	int			 work_w, work_h;
	double			 t_scale;	/* ms spent finding the scale */
	int			 searches;	/* scale searches run (scalemem.h) */
	double			 chosen;	/* the scale step's factor, before
						   the snap to the letterbox */
	char			 probes[160];	/* "factor:n@median,..." for logs */
};

enum scan_err {
	SCAN_OK = 0,
	SCAN_ERR_NOMEM,
	SCAN_ERR_BLANK,		/* blank or featureless photo: not_a_smear */
	SCAN_ERR_NO_CELLS,	/* no red cell at any scale: not_a_smear */
	SCAN_ERR_TOO_SMALL,	/* cells too small even enlarged: cells_too_small */
	SCAN_ERR_DECODE		/* the finer decode failed */
};

/*
 * A finer copy of the photo when the display copy is too coarse: decode
 * it at factor (0, 1] of the original into out.  0, or -1 (decode error;
 * nomem set to 1 when it was memory).
 */
typedef int (*scan_decode_fn)(void *arg, double factor, struct img *out,
    int *nomem);

/*
 * Detect on a photo of W x H pixels, given as disp, its display copy
 * (dfac display px per original px; the photo itself when dfac is 1).
 * um (> 0) is the um/px the upload or the profile gave, src where from;
 * with SCALE_REMEMBERED, um is instead the remembered red-cell diameter in
 * original px (scalemem.h); SCALE_NONE measures it (o->auto_scale, one
 * search: out->searches 1) or takes the photo as it is.
 * Then: the field of view, the working copy (disp resampled, or decode()
 * called for a finer one), tiles.  A photo already within 15 % of the
 * network's scale gets the single letterboxed pass.  On SCAN_OK out->boxes
 * is malloc'd (may be NULL when n is 0); on error out holds no memory.
 */
enum scan_err scan_detect(struct detector *, const struct scan_model *,
	    const struct scan_opts *, const struct img *disp, double dfac,
	    int W, int H, double um, enum scale_source src,
	    scan_decode_fn decode, void *arg, struct scan_result *out);

/* fov in another pixel grid: coordinates times s, areas times s^2. */
void	 scan_fov_scaled(const struct fov *in, double s, struct fov *out);

/*
 * Keep the boxes whose centre is inside f (the one edge rule: a cell cut
 * by the field stop or the image edge counts when its centre is inside).
 * Returns the count kept at the front of v.
 */
size_t	 scan_fov_filter(struct det_box *v, size_t n, const struct fov *f);

#endif /* BV_SCAN_H */
