/* scan.c: detection at the cells' own scale: scale search, tiles, field of view */
/*
 * The network was trained on cells of one apparent size (a red cell about
 * rbc_net_px pixels at its input).  A photo of another magnification is
 * first measured (scan_estimate: the detector run at trial scales, its
 * red cells as the ruler), then resampled so that its cells come out at
 * that size (the caller decodes to the working scale), and covered with
 * network-size tiles (scan_tiles).  Boxes are kept by the one tile that
 * owns their centre, merged across tiles, and kept when their centre is
 * inside the field of view.  The detector and the image code do the
 * work; this file only decides where and at which scale they look.
 */

#include "vision/scan.h"
#include "vision/detector.h"
#include "image/imgio.h"
#include "vision/tiles.h"
#include "base/timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Red cells used as the ruler need at least this confidence. */
#define RULER_CONF	0.4f

void
scan_model_default(struct scan_model *m)
{
	m->rbc_cls = 0;
	m->wbc_cls = 1;
	m->rbc_net_px = 47;
	m->wbc_net_px = 87;
	m->rbc_um = 7.5;
}

void
scan_opts_default(struct scan_opts *o, float thresh, float nms)
{
	o->thresh = thresh;
	o->nms = nms;
	o->overlap = 96;
	o->max_up = 2.5;
	o->auto_scale = 1;
	o->area = 0;
}

/* The working copy's resampling (scan_opts.area picks the area average). */
static int
resize(const struct scan_opts *o, const struct img *src, double f,
    struct img *dst)
{
	return o->area ? imgio_resize_factor(src, f, dst) :
	    imgio_resize_bilinear(src, f, dst);
}

/* The rectangle (x, y, w, h) of src, clamped to it, as a new image. */
static int
crop(const struct img *src, int x, int y, int w, int h, struct img *dst)
{
	int	 j;

	if (x < 0)
		x = 0;
	if (y < 0)
		y = 0;
	if (x + w > src->w)
		w = src->w - x;
	if (y + h > src->h)
		h = src->h - y;
	dst->w = w;
	dst->h = h;
	dst->rgb = NULL;
	if (w < 1 || h < 1)
		return -1;
	if ((dst->rgb = malloc((size_t)w * h * 3)) == NULL)
		return -1;
	for (j = 0; j < h; j++)
		memcpy(dst->rgb + (size_t)j * w * 3,
		    src->rgb + ((size_t)(y + j) * src->w + x) * 3,
		    (size_t)w * 3);
	return 0;
}

/*
 * One trial at factor f (network px per im px) on the window of im
 * around (cx, cy) that fills the network input; the red cells measured
 * in network px.  -1 on no memory.
 */
static int
probe(struct detector *d, const struct scan_model *m,
    const struct scan_opts *o, const struct img *im, double cx, double cy,
    double f, struct scale_meas *meas, struct scale_meas *wmeas)
{
	struct img	 win = { 0, 0, NULL }, patch = { 0, 0, NULL };
	struct det_box	*v = NULL;
	size_t		 n = 0, i;
	int		 netw, neth, ww, wh, x0, y0, offx, offy, rc = -1;

	detector_input_size(d, &netw, &neth);
	ww = (int)floor(netw / f);
	wh = (int)floor(neth / f);
	x0 = (int)lround(cx - ww / 2.0);
	y0 = (int)lround(cy - wh / 2.0);
	if (x0 + ww > im->w)
		x0 = im->w - ww;
	if (y0 + wh > im->h)
		y0 = im->h - wh;
	if (crop(im, x0, y0, ww, wh, &win) == -1 ||
	    imgio_resize_bilinear(&win, f, &patch) == -1)
		goto out;
	if (patch.w > netw || patch.h > neth) {
		/* rounding: never more than the input holds */
		struct img c2;

		if (crop(&patch, 0, 0, netw, neth, &c2) == -1)
			goto out;
		imgio_free(&patch);
		patch = c2;
	}
	offx = (netw - patch.w) / 2;
	offy = (neth - patch.h) / 2;
	detector_load_tile(d, &patch, -offx, -offy);
	if (detector_run_input(d, o->thresh, o->nms, &v, &n) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		v[i].x -= offx;
		v[i].y -= offy;
	}
	if ((rc = scale_measure(v, n, m->rbc_cls, RULER_CONF, patch.w, patch.h,
	    meas)) == 0)
		rc = scale_measure(v, n, m->wbc_cls, RULER_CONF, patch.w,
		    patch.h, wmeas);
out:
	free(v);
	imgio_free(&win);
	imgio_free(&patch);
	return rc;
}

/* The search's best trials so far: red cells, and white cells as a spare. */
struct search {
	struct scale_meas	 best, bestw;
	double			 bestf, bestscore, bestwf, bestwscore;
};

/* The trial at f weighed against the best so far; its red-cell score. */
static double
search_note(struct search *st, const struct scan_model *m, double f,
    const struct scale_meas *meas, const struct scale_meas *wm)
{
	double	 score, wscore;

	wscore = wm->n * scale_fit(wm->median, m->wbc_net_px);
	if (wscore > st->bestwscore) {
		st->bestwscore = wscore;
		st->bestw = *wm;
		st->bestwf = f;
	}
	score = meas->n * scale_fit(meas->median, m->rbc_net_px);
	if (score > st->bestscore) {
		st->bestscore = score;
		st->best = *meas;
		st->bestf = f;
	}
	return score;
}

/*
 * The search's answer from its best trials: the red cells' size, checked
 * by one more trial at the factor they ask for when that is more than
 * 15 % off; the white cells' when no red cell was found.
 */
static int
search_settle(struct detector *d, const struct scan_model *m,
    const struct scan_opts *o, const struct img *im, double cx, double cy,
    struct search *st, struct scale_info *out, struct scan_probe *probes,
    int *nprobes)
{
	struct scale_meas	 re, wm;
	double			 fstar;

	if (st->bestscore <= 0 && st->bestwscore > 0) {
		/*
		 * No red cell: a close-up of a white cell.  White cells are a
		 * poor ruler (7-20 um by type), but better than refusing a
		 * field that shows one; the result says so.
		 */
		out->rbc_px = st->bestw.median / st->bestwf * m->rbc_net_px /
		    m->wbc_net_px;
		out->factor = m->rbc_net_px / out->rbc_px;
		out->status = SCALE_UNSURE;
		out->reason = SCALE_R_WBC_RULER;
		return 0;
	}
	if (st->bestscore <= 0) {
		out->status = SCALE_UNSURE;
		out->reason = SCALE_R_NO_RBC;
		return 0;
	}
	/* best.median is in network px at bestf: the cells in im px */
	out->rbc_px = st->best.median / st->bestf;
	fstar = m->rbc_net_px / out->rbc_px;
	if (fabs(fstar / st->bestf - 1) > 0.15 && fstar <= o->max_up) {
		if (probe(d, m, o, im, cx, cy, fstar, &re, &wm) == -1)
			return -1;
		if (*nprobes < SCAN_MAX_PROBES)
			probes[(*nprobes)++] = (struct scan_probe){ fstar,
			    re.n, re.median };
		if (re.n >= 3 && re.n >= st->best.n / 2) {
			st->best = re;
			out->rbc_px = re.median / fstar;
		}
	}
	out->nrbc = st->best.n;
	out->factor = m->rbc_net_px / out->rbc_px;
	scale_judge(&st->best, &out->status, &out->reason);
	return 0;
}

int
scan_estimate(struct detector *d, const struct scan_model *m,
    const struct scan_opts *o, const struct img *im, const struct fov *fov,
    struct scale_info *out, struct det_box **ov, size_t *nov,
    double *ov_factor, struct scan_probe *probes, int *nprobes)
{
	/* trial factors as powers of two of the letterbox's */
	static const int	 up[] = { 0, 1, 2, 3, 4, 5, 6 };
	static const int	 down[] = { 0, -1, -2, -3, -4, -5, -6 };
	static const int	 both[] = { 0, -1, 1, 2, 3, 4, 5 };
	const int		*ks = up;
	struct search		 st;
	struct scale_meas	 meas, wm;
	double			 f0, f, score, prev, cx, cy;
	int			 netw, neth;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	out->source = SCALE_AUTO;
	*ov = NULL;
	*nov = 0;
	*nprobes = 0;
	detector_input_size(d, &netw, &neth);
	f0 = fmin((double)netw / im->w, (double)neth / im->h);
	*ov_factor = f0;
	cx = fov->shape == FOV_CIRCLE ? fov->cx : fov->x + fov->w / 2;
	cy = fov->shape == FOV_CIRCLE ? fov->cy : fov->y + fov->h / 2;
	/*
	 * The letterboxed photo first; then up by powers of two (cells too
	 * small to see), or down when it found cells larger than trained,
	 * until the cells come out at the trained size or stop being found.
	 */
	for (i = 0; i < 7; i++) {
		f = ldexp(f0, ks[i]);
		if (f > o->max_up)
			break;
		if (ks[i] == 0) {
			/* the whole photo letterboxed: today's single pass */
			if (detector_run(d, im, o->thresh, o->nms, ov,
			    nov) == -1 ||
			    scale_measure(*ov, *nov, m->rbc_cls, RULER_CONF,
			    im->w, im->h, &meas) == -1 ||
			    scale_measure(*ov, *nov, m->wbc_cls, RULER_CONF,
			    im->w, im->h, &wm) == -1)
				return -1;
			meas.median *= f0;
			wm.median *= f0;
		} else if (probe(d, m, o, im, cx, cy, f, &meas, &wm) == -1)
			return -1;
		if (*nprobes < SCAN_MAX_PROBES)
			probes[(*nprobes)++] = (struct scan_probe){ f, meas.n,
			    meas.median };
		prev = st.bestscore;
		score = search_note(&st, m, f, &meas, &wm);
		if (prev > 0 && score < prev / 2 &&
		    !(ks == both && (ks[i] < 0 || (meas.n >= 10 &&
		    meas.median < m->rbc_net_px))))
			break;		/* past the peak (not in a search the
					   letterbox left undecided: its half
					   size, or many cells still smaller
					   than trained, is no peak) */
		if (meas.n >= 3 && scale_fit(meas.median, m->rbc_net_px) >= 1)
			break;		/* a clear answer */
		/*
		 * The letterboxed pass says which way to go when its red
		 * cells are plausibly sized; a few odd boxes in a photo of
		 * tiny cells (or of one huge one) say nothing: then half
		 * size first, then up.  Many cells (10 or more) say which way
		 * even when they are far off the trained size (a wide photo
		 * of small cells, letterboxed to a fifth of their size).
		 */
		if (ks[i] == 0 && ((meas.n >= 3 &&
		    scale_fit(meas.median, m->rbc_net_px) > 0) || meas.n >= 10))
			ks = meas.median > m->rbc_net_px ? down : up;
		else if (ks[i] == 0)
			ks = both;
	}
	return search_settle(d, m, o, im, cx, cy, &st, out, probes, nprobes);
}

/* 1 if the tile (in work px) meets the field. */
static int
tile_meets(const struct tile *t, const struct fov *f)
{
	double	 nx, ny;

	if (f->shape != FOV_CIRCLE)
		return t->x < f->x + f->w && t->x + t->w > f->x &&
		    t->y < f->y + f->h && t->y + t->h > f->y;
	nx = fmax(t->x, fmin(f->cx, t->x + t->w));
	ny = fmax(t->y, fmin(f->cy, t->y + t->h));
	return (nx - f->cx) * (nx - f->cx) + (ny - f->cy) * (ny - f->cy) <=
	    f->r * f->r;
}

int
scan_tiles(struct detector *d, const struct scan_opts *o,
    const struct img *work, const struct fov *fov_work, struct det_box **out,
    size_t *nout, int *ntiles)
{
	struct tile	*t = NULL;
	struct det_box	*all = NULL, *v, *tmp;
	int		*tid = NULL, *tmpi;
	size_t		 nt, k, i, n, nall = 0, cap = 0;
	int		 netw, neth, run = 0;

	*out = NULL;
	*nout = 0;
	*ntiles = 0;
	detector_input_size(d, &netw, &neth);
	if (tiles_layout(work->w, work->h, netw, neth, o->overlap, &t,
	    &nt) == -1)
		return -1;
	for (k = 0; k < nt; k++) {
		if (fov_work != NULL && !tile_meets(&t[k], fov_work))
			continue;
		detector_load_tile(d, work, t[k].x, t[k].y);
		if (detector_run_input(d, o->thresh, o->nms, &v, &n) == -1)
			goto fail;
		run++;
		if (nall + n > cap) {
			cap = (nall + n) * 2;
			if ((tmp = realloc(all, cap * sizeof(*all))) == NULL) {
				free(v);
				goto fail;
			}
			all = tmp;
			if ((tmpi = realloc(tid, cap * sizeof(*tid))) ==
			    NULL) {
				free(v);
				goto fail;
			}
			tid = tmpi;
		}
		n = tiles_keep(&t[k], v, n, work->w, work->h);
		for (i = 0; i < n; i++) {
			tid[nall] = (int)k;
			all[nall++] = v[i];
		}
		free(v);
	}
	free(t);
	nall = tiles_merge(all, tid, nall, o->nms, 0.8f);
	free(tid);
	if (nall == 0) {
		free(all);
		all = NULL;
	}
	*out = all;
	*nout = nall;
	*ntiles = run;
	return 0;
fail:
	free(t);
	free(tid);
	free(all);
	return -1;
}

/* Luma standard deviation below which a photo is taken as blank. */
#define BLANK_TEXTURE	4.0
/* Luma at or below which a pixel is the field stop's black. */
#define STOP_DARK	40

/*
 * The factor to work at (network px per photo px, f) as the request says
 * or as the search finds it; the search's letterboxed pass stays in *ov.
 */
static enum scan_err
detect_factor(struct detector *d, const struct scan_model *m,
    const struct scan_opts *so, const struct img *disp, const struct fov *fd,
    double dfac, double um, enum scale_source src, double f0,
    struct det_box **ov, size_t *nov, struct scan_result *out, double *f)
{
	struct scan_probe	 probes[SCAN_MAX_PROBES];
	double			 ovf = 0;
	size_t			 i, len;
	int			 np = 0;

	out->scale.source = src;
	if (src == SCALE_REQUEST || src == SCALE_PROFILE) {
		out->scale.um_per_px = um;
		*f = um * m->rbc_net_px / m->rbc_um;
		out->scale.rbc_px = m->rbc_um / um;
		return SCAN_OK;
	}
	if (src == SCALE_REMEMBERED) {
		out->scale.rbc_px = um;
		*f = m->rbc_net_px / um;
		return SCAN_OK;
	}
	if (!so->auto_scale) {
		out->scale.source = SCALE_NONE;
		*f = f0;
		return SCAN_OK;
	}
	out->searches = 1;
	if (scan_estimate(d, m, so, disp, fd, &out->scale, ov, nov, &ovf,
	    probes, &np) == -1)
		return SCAN_ERR_NOMEM;
	for (i = 0, len = 0; i < (size_t)np &&
	    len < sizeof(out->probes) - 1; i++)
		len += (size_t)snprintf(out->probes + len,
		    sizeof(out->probes) - len, "%s%.3f:%d@%.0f",
		    i ? "," : "", probes[i].factor * dfac, probes[i].n,
		    probes[i].median_net);
	if (out->scale.reason == SCALE_R_NO_RBC)
		return SCAN_ERR_NO_CELLS;
	out->scale.rbc_px /= dfac;
	*f = m->rbc_net_px / out->scale.rbc_px;
	return SCAN_OK;
}

/*
 * The working copy at factor f: the display copy (dfac photo px each)
 * resampled, or the photo decoded again when that copy is too coarse.
 */
static enum scan_err
work_copy(const struct scan_opts *so, const struct img *disp, double dfac,
    double f, scan_decode_fn decode, void *arg, struct img *work)
{
	struct img	 up;
	int		 nomem = 0;

	if (f <= dfac)
		return resize(so, disp, f / dfac, work) == -1 ?
		    SCAN_ERR_NOMEM : SCAN_OK;
	if (dfac >= 1)
		return resize(so, disp, f, work) == -1 ?
		    SCAN_ERR_NOMEM : SCAN_OK;
	if (decode == NULL || decode(arg, fmin(f, 1.0), work, &nomem) == -1)
		return nomem || decode == NULL ? SCAN_ERR_NOMEM :
		    SCAN_ERR_DECODE;
	if (f <= 1)
		return SCAN_OK;
	if (resize(so, work, f, &up) == -1)
		return SCAN_ERR_NOMEM;
	imgio_free(work);
	*work = up;
	return SCAN_OK;
}

/*
 * The boxes (s photo px per working px) back in the photo, inside it and
 * its field; the red-cell ruler measured again on all of them.
 */
static int
detect_finish(const struct scan_model *m, double s, int W, int H,
    struct scan_result *out)
{
	struct scale_meas	 meas;
	double			 est;
	size_t			 i;

	for (i = 0; i < out->n; i++) {
		struct det_box *b = &out->boxes[i];

		/* rounded sizes stay inside the photo */
		b->x *= s;
		b->y *= s;
		b->w = (float)fmin(b->w * s, W - b->x);
		b->h = (float)fmin(b->h * s, H - b->y);
	}
	out->n = scan_fov_filter(out->boxes, out->n, &out->fov);
	if (scale_measure(out->boxes, out->n, m->rbc_cls, RULER_CONF, W, H,
	    &meas) == -1)
		return -1;
	if (meas.n == 0 && (out->scale.source == SCALE_NONE ||
	    out->scale.reason == SCALE_R_WBC_RULER))
		return 0;
	est = out->scale.rbc_px;
	out->scale.rbc_px = meas.median;
	out->scale.nrbc = meas.n;
	scale_judge(&meas, &out->scale.status, &out->scale.reason);
	if (out->scale.status == SCALE_OK && est > 0 &&
	    fabs(log(meas.median / est)) > log(1.3)) {
		out->scale.status = SCALE_UNSURE;
		out->scale.reason = out->scale.source == SCALE_AUTO ?
		    SCALE_R_SPREAD : SCALE_R_MISMATCH;
	}
	out->scale.checked = out->scale.status == SCALE_OK;
	return 0;
}

enum scan_err
scan_detect(struct detector *d, const struct scan_model *m,
    const struct scan_opts *so, const struct img *disp, double dfac, int W,
    int H, double um, enum scale_source src, scan_decode_fn decode, void *arg,
    struct scan_result *out)
{
	struct fov		 fd, fw;
	struct img		 work = { 0, 0, NULL };
	struct det_box		*ov = NULL;
	size_t			 nov = 0;
	double			 f, f0, t0 = timing_ms(), s;
	int			 netw, neth;
	enum scan_err		 rc;

	memset(out, 0, sizeof(*out));
	detector_input_size(d, &netw, &neth);
	if (fov_detect(disp, &fd) == -1)
		return SCAN_ERR_NOMEM;
	scan_fov_scaled(&fd, 1 / dfac, &out->fov);
	out->fov.img_w = W;
	out->fov.img_h = H;
	if (scale_texture(disp, STOP_DARK) < BLANK_TEXTURE)
		return SCAN_ERR_BLANK;
	/* the network px per original px of the single letterboxed pass */
	f0 = fmin((double)netw / W, (double)neth / H);
	if ((rc = detect_factor(d, m, so, disp, &fd, dfac, um, src, f0, &ov,
	    &nov, out, &f)) != SCAN_OK)
		goto out;
	out->t_scale = timing_ms() - t0;
	out->chosen = f;
	rc = SCAN_ERR_NOMEM;
	if (f > so->max_up) {
		rc = SCAN_ERR_TOO_SMALL;
		goto out;
	}
	if (fabs(f / f0 - 1) <= 0.15 || out->scale.source == SCALE_NONE) {
		/* already at the network's scale: one letterboxed pass */
		if (ov == NULL && detector_run(d, disp, so->thresh, so->nms,
		    &ov, &nov) == -1)
			goto out;
		out->boxes = ov;
		out->n = nov;
		ov = NULL;
		s = 1 / dfac;
		out->scale.factor = f0;
		out->work_w = (int)lround(W * f0);
		out->work_h = (int)lround(H * f0);
	} else {
		if ((rc = work_copy(so, disp, dfac, f, decode, arg,
		    &work)) != SCAN_OK)
			goto out;
		rc = SCAN_ERR_NOMEM;
		scan_fov_scaled(&out->fov, f, &fw);
		if (scan_tiles(d, so, &work, &fw, &out->boxes, &out->n,
		    &out->tiles) == -1)
			goto out;
		out->scale.factor = f;
		out->work_w = work.w;
		out->work_h = work.h;
		s = 1 / f;
	}
	if (detect_finish(m, s, W, H, out) == 0)
		rc = SCAN_OK;
out:
	free(ov);
	imgio_free(&work);
	if (rc != SCAN_OK) {
		free(out->boxes);
		out->boxes = NULL;
		out->n = 0;
	}
	return rc;
}


void
scan_fov_scaled(const struct fov *in, double s, struct fov *out)
{
	*out = *in;
	out->cx = in->cx * s;
	out->cy = in->cy * s;
	out->r = in->r * s;
	out->x = in->x * s;
	out->y = in->y * s;
	out->w = in->w * s;
	out->h = in->h * s;
	out->area_px = in->area_px * s * s;
	out->img_w = (int)lround(in->img_w * s);
	out->img_h = (int)lround(in->img_h * s);
}

size_t
scan_fov_filter(struct det_box *v, size_t n, const struct fov *f)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		if (fov_contains(f, v[i].x + v[i].w / 2, v[i].y + v[i].h / 2))
			v[k++] = v[i];
	return k;
}
