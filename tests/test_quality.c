/* test_quality.c: each field-quality flag on synthetic fields, and the flags' JSON */
/*
 * A field is drawn here as a microscope shows one: a pale background and
 * red cells as discs that absorb light (Beer-Lambert: each channel is the
 * background times exp(-optical density)), with a darker rim, light noise
 * and the boxes a detector would give.  The clean field raises no flag;
 * each degradation raises its own flag (blur: focus, gain: exposure,
 * optical-density shifts: stain, crowded discs: thick, also when the
 * boxes do not overlap, two cells: sparse, a um/px half the cells' size:
 * magnification); against a profile's reference (struct quality_ref)
 * a milder defocus, blue shift or fading is flagged too.  The two pixel
 * measures are checked against their geometry: the sharpness of a
 * straight edge blurred by a known Gaussian, the share of a field that
 * discs of known size and spacing cover.
 */

#include "check.h"
#include "vision/detector.h"
#include "vision/quality.h"
#include "vision/quality_px.h"
#include "clinical/qualityref.h"
#include "image/imgio.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define W	640
#define H	480
#define D	64		/* red-cell diameter, px (the fine copy: 2:1) */
#define MAXC	400

struct field {
	struct img	 im;
	struct det_box	 box[MAXC];
	size_t		 n;
	double		 od[3];		/* a cell's optical density per channel */
	double		 bg[3];
	double		 gain;		/* exposure */
	int		 spacing;	/* between cell centres */
	int		 ncells;	/* 0: fill the frame */
};

static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Draw f: cells on a jittered grid (noise() adds the camera's noise). */
static int
draw(struct field *f)
{
	double		*od;
	uint32_t	 s = 12345;
	int		 x, y, c, cx, cy, i, j;
	double		 r = D / 2.0, d, rim;

	if ((od = calloc((size_t)W * H, sizeof(*od))) == NULL ||
	    (f->im.rgb = malloc((size_t)W * H * 3)) == NULL)
		return -1;
	f->im.w = W;
	f->im.h = H;
	f->n = 0;
	for (cy = D / 2 + 2; cy < H - D / 2 && f->n < MAXC; cy += f->spacing)
		for (cx = D / 2 + 2; cx < W - D / 2 && f->n < MAXC;
		    cx += f->spacing) {
			if (f->ncells > 0 && (int)f->n >= f->ncells)
				break;
			i = cx + (int)(rnd(&s) % 5) - 2;
			j = cy + (int)(rnd(&s) % 5) - 2;
			f->box[f->n++] = (struct det_box){ 0, 0.9f,
			    (float)(i - r), (float)(j - r), D, D };
			for (y = j - D / 2; y <= j + D / 2; y++)
				for (x = i - D / 2; x <= i + D / 2; x++) {
					d = hypot(x - i, y - j);
					if (d > r || x < 0 || y < 0 || x >= W ||
					    y >= H)
						continue;
					rim = d > r - 7 ? 1.6 : 1.0;
					od[(size_t)y * W + x] += rim;
				}
		}
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			for (c = 0; c < 3; c++) {
				d = f->bg[c] * f->gain * exp(-f->od[c] *
				    od[(size_t)y * W + x]);
				f->im.rgb[((size_t)y * W + x) * 3 + c] =
				    (unsigned char)(d < 0 ? 0 : d > 255 ? 255 :
				    lrint(d));
			}
	free(od);
	return 0;
}

/* The camera's noise, after the optics' blur: +-1 level (a JPEG camera's). */
static void
noise(struct img *im)
{
	uint32_t	 s = 777;
	size_t		 i, n = (size_t)im->w * im->h * 3;
	int		 v;

	for (i = 0; i < n; i++) {
		v = im->rgb[i] + (int)(rnd(&s) % 3) - 1;
		im->rgb[i] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/* A box blur of radius rad, in place (defocus). */
static void
blur(struct img *im, int rad)
{
	unsigned char	*t = malloc((size_t)im->w * im->h * 3);
	int		 x, y, c, k, n;
	long		 s;

	if (t == NULL)
		return;
	for (int pass = 0; pass < 2; pass++) {
		memcpy(t, im->rgb, (size_t)im->w * im->h * 3);
		for (y = 0; y < im->h; y++)
			for (x = 0; x < im->w; x++)
				for (c = 0; c < 3; c++) {
					for (k = -rad, s = 0, n = 0; k <= rad; k++) {
						int xx = pass ? x : x + k;
						int yy = pass ? y + k : y;

						if (xx < 0 || yy < 0 || xx >= im->w ||
						    yy >= im->h)
							continue;
						s += t[((size_t)yy * im->w + xx) * 3 + c];
						n++;
					}
					im->rgb[((size_t)y * im->w + x) * 3 + c] =
					    (unsigned char)((s + n / 2) / n);
				}
	}
	free(t);
}

static void
field_default(struct field *f)
{
	memset(f, 0, sizeof(*f));
	/* a typical field's cells (docs/quality.md): OD shares .22 .43 .35 */
	f->od[0] = 0.11;
	f->od[1] = 0.21;
	f->od[2] = 0.17;
	f->bg[0] = 236;
	f->bg[1] = 226;
	f->bg[2] = 220;
	f->gain = 1;
	f->spacing = 77;
}

/* Measure f (um_per_px > 0: the scale a profile gives; ref: a profile's). */
static void
measure_ref(struct field *f, double um_per_px, const struct quality_ref *ref,
    struct quality *q)
{
	struct fov		 fov;
	struct scale_info	 sc;
	struct quality_input	 in;
	static const double	 thr[3] = { 0.5, 0.5, 0.5 };

	memset(&fov, 0, sizeof(fov));
	fov.shape = FOV_RECT;
	fov.w = W;
	fov.h = H;
	fov.area_px = (double)W * H;
	fov.img_w = W;
	fov.img_h = H;
	fov.bright_frac = 1;
	memset(&sc, 0, sizeof(sc));
	sc.source = um_per_px > 0 ? SCALE_PROFILE : SCALE_AUTO;
	sc.rbc_px = D;
	sc.um_per_px = um_per_px;
	sc.factor = 47.0 / D;
	in = (struct quality_input){ &f->im, 1.0, &fov, f->box, f->n, thr, 0,
	    &sc, 7.5, ref };
	CHECK(quality_measure(&in, q) == 0);
}

static void
measure(struct field *f, double um_per_px, struct quality *q)
{
	measure_ref(f, um_per_px, NULL, q);
}

/*
 * Keep only the boxes that meet no kept box: a detector that boxes one
 * cell of each overlapping pair, so the boxes alone show no clump.
 */
static void
apart(struct field *f)
{
	size_t	 i, j, k = 0;
	int	 meet;

	for (i = 0; i < f->n; i++) {
		for (j = 0, meet = 0; j < k && !meet; j++)
			meet = fabs(f->box[i].x - f->box[j].x) < D &&
			    fabs(f->box[i].y - f->box[j].y) < D;
		if (!meet)
			f->box[k++] = f->box[i];
	}
	f->n = k;
}

static int
only(const struct quality *q, enum quality_flag fl)
{
	return q->flags == (1u << fl);
}

/* One degradation: change f, redraw, measure, expect flag fl alone. */
static void
expect_ref(const char *what, struct field *f, int blur_rad, double um,
    const struct quality_ref *ref, int thin, enum quality_flag fl)
{
	struct quality	 q;

	CHECK(draw(f) == 0);
	if (thin)
		apart(f);
	/* three box blurs: near a Gaussian, as a defocused lens */
	for (int k = 0; blur_rad > 0 && k < 3; k++)
		blur(&f->im, blur_rad);
	noise(&f->im);
	measure_ref(f, um, ref, &q);
	if (!only(&q, fl)) {
		fprintf(stderr, "%s: flags 0x%x, want %s; values:", what,
		    q.flags, quality_flag_name(fl));
		for (int i = 0; i < QFLAG_N; i++)
			fprintf(stderr, " %s=%.3f", quality_flag_name(i),
			    q.value[i]);
		fprintf(stderr, "\n");
	}
	CHECK(only(&q, fl));
	imgio_free(&f->im);
}

static void
expect(const char *what, struct field *f, int blur_rad, double um,
    enum quality_flag fl)
{
	expect_ref(what, f, blur_rad, um, NULL, 0, fl);
}

/* f (blurred by blur_rad) raises no flag against ref (NULL: the defaults). */
static void
expect_none(const char *what, struct field *f, int blur_rad,
    const struct quality_ref *ref)
{
	struct quality	 q;

	CHECK(draw(f) == 0);
	for (int k = 0; blur_rad > 0 && k < 3; k++)
		blur(&f->im, blur_rad);
	noise(&f->im);
	measure_ref(f, 0, ref, &q);
	if (q.flags != 0)
		fprintf(stderr, "%s: flags 0x%x, want none\n", what, q.flags);
	CHECK(q.flags == 0);
	imgio_free(&f->im);
}

/* One stored field's "quality": poor or not, and its measures. */
static json_t *
stored_field(int poor, double focus, double blue, double pink, double faded)
{
	json_t	*q = json_pack("{s:b,s:[],s:{s:f,s:f,s:f,s:f,s:f}}", "poor",
	    poor, "flags", "measures", "edge_sharpness", focus, "stain_blue_rg", blue,
	    "stain_pink", pink, "stain_faded", faded, "dark", 0.8);

	if (faded < 0)		/* not measured: left out, as quality_json() */
		json_object_del(json_object_get(q, "measures"), "stain_faded");
	return q;
}

/*
 * A profile's reference from its stored fields, worked by hand: the
 * medians of the clean fields' values; a poor field and one missing a
 * value do not count.
 */
static void
test_reference(void)
{
	double			 odd[3] = { 3, 1, 2 }, even[4] = { 4, 1, 3, 2 };
	struct quality_ref	 ref = { 0, 0, 0, 0 };
	json_t			*fields;
	char			 buf[96];

	CHECK(qualityref_median(odd, 3) == 2);
	CHECK(qualityref_median(even, 4) == 2.5);
	CHECK(isnan(qualityref_median(even, 0)));
	fields = json_pack("[o,o,o,o,o]",
	    stored_field(0, 0.30, 0.20, 0.40, 0.60),
	    stored_field(0, 0.50, 0.10, 0.60, 0.80),
	    stored_field(0, 0.40, 0.30, 0.50, 0.70),
	    stored_field(1, 0.01, 0.90, 0.90, 0.05),	/* poor */
	    stored_field(0, 0.90, 0.90, 0.90, -1));	/* faded not measured */
	CHECK(qualityref_build(fields, &ref) == 3);
	CHECK(fabs(ref.focus - 0.40) < 1e-12 && fabs(ref.blue - 0.20) < 1e-12 &&
	    fabs(ref.pink - 0.50) < 1e-12 && fabs(ref.faded - 0.70) < 1e-12);
	/* a fourth clean field: even count, the mean of the middle two */
	json_array_append_new(fields, stored_field(0, 0.60, 0.25, 0.45, 0.65));
	CHECK(qualityref_build(fields, &ref) == 4);
	CHECK(fabs(ref.focus - 0.45) < 1e-12 && fabs(ref.blue - 0.225) < 1e-12 &&
	    fabs(ref.pink - 0.475) < 1e-12 && fabs(ref.faded - 0.675) < 1e-12);
	/* a field stored before the edge measure changed (its old "focus"
	 * only): not counted, the scales never mix */
	json_array_append_new(fields, json_pack("{s:b,s:[],s:{s:f,s:f,s:f,"
	    "s:f}}", "poor", 0, "flags", "measures", "focus", 0.3,
	    "stain_blue", 0.2, "stain_pink", 0.45, "stain_faded", 0.6));
	CHECK(qualityref_build(fields, &ref) == 4);
	CHECK(fabs(ref.focus - 0.45) < 1e-12);
	/* nor one stored before stain_blue became red against red and green
	 * (its old "stain_blue", red's share of all three) */
	json_array_append_new(fields, json_pack("{s:b,s:[],s:{s:f,s:f,s:f,"
	    "s:f}}", "poor", 0, "flags", "measures", "edge_sharpness", 0.9,
	    "stain_blue", 0.9, "stain_pink", 0.9, "stain_faded", 0.9));
	CHECK(qualityref_build(fields, &ref) == 4);
	CHECK(fabs(ref.blue - 0.225) < 1e-12 && fabs(ref.focus - 0.45) < 1e-12);
	json_decref(fields);
	fields = json_array();
	CHECK(qualityref_build(fields, &ref) == 0);
	json_decref(fields);
	CHECK_STR(qualityref_label("lab-1", 1, 12, buf, sizeof(buf)),
	    "profile:lab-1, 12 fields");
	CHECK_STR(qualityref_label("lab-1", 0, 9, buf, sizeof(buf)), "default");
}

/*
 * A plane w x h: grey 0.8 left of x = w / 2, 0.4 right of it, the edge
 * blurred by a Gaussian of sigma s px (erf); green the same.
 */
static void
edge_plane(float *l, unsigned char *m, int w, int h, double s)
{
	int	 x, y;
	double	 v;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			v = 0.6 - 0.2 * erf((x + 0.5 - w / 2.0) /
			    (s * sqrt(2)));
			l[(size_t)y * w + x] = (float)v;
			m[(size_t)y * w + x] = 1;
		}
}

/*
 * The sharpness of an edge blurred by sigma s is sqrt(1 + 4 / s^2) - 1
 * (quality_px.h), whatever its contrast; the cover of discs of diameter
 * 2r on a square grid of step a is pi r^2 / a^2.
 */
static void
test_pixel_measures(void)
{
	enum { PW = 96, PH = 72 };
	static float		 l[PW * PH], g[PW * PH];
	static unsigned char	 m[PW * PH], ring[PW * PH];
	struct qpx_plane	 p = { PW, PH, l, l, m };
	const double		 sig[3] = { 1.5, 2.5, 4 };
	double			 v, want, last = 1e9;
	int			 i, x, y;

	/* the border judged: 6 px either side of the edge (a cell's ring) */
	for (x = 0; x < PW * PH; x++)
		ring[x] = abs(x % PW - PW / 2) <= 6;
	for (i = 0; i < 3; i++) {
		edge_plane(l, m, PW, PH, sig[i]);
		v = qpx_edge_sharpness(&p, ring);
		want = sqrt(1 + 4 / (sig[i] * sig[i])) - 1;
		if (!(fabs(v - want) < 0.2 * want))
			fprintf(stderr, "edge sigma %.1f: sharpness %.3f, "
			    "want %.3f\n", sig[i], v, want);
		CHECK(fabs(v - want) < 0.2 * want && v < last);
		last = v;
		/* the contrast halved: the same sharpness */
		for (x = 0; x < PW * PH; x++)
			l[x] = 0.6f + (l[x] - 0.6f) / 2;
		CHECK(fabs(qpx_edge_sharpness(&p, ring) - v) < 0.05 * want);
	}
	/* a flat plane: nothing to judge */
	for (x = 0; x < PW * PH; x++)
		l[x] = 0.7f;
	CHECK(isnan(qpx_edge_sharpness(&p, ring)));
	/* discs of radius 8 every 24 px: pi 64 / 576 = 0.349 of the field */
	p.g = g;
	for (y = 0; y < PH; y++)
		for (x = 0; x < PW; x++)
			g[y * PW + x] = hypot(x % 24 + 0.5 - 12, y % 24 +
			    0.5 - 12) < 8 ? 0.5f : 0.9f;
	v = qpx_cover(&p, 0.2);
	if (!(fabs(v - M_PI * 64 / 576) < 0.02))
		fprintf(stderr, "cover %.3f, want %.3f\n", v, M_PI * 64 / 576);
	CHECK(fabs(v - M_PI * 64 / 576) < 0.02);
	/* a cut above the discs' density (-ln(0.5 / 0.9) = 0.59): none */
	CHECK(qpx_cover(&p, 0.7) == 0);
}

/*
 * The edge sharpness worked tap by tap, as the measure was first written:
 * each binomial pass [1 4 6 4 1] / 16 with its neighbours clamped to the
 * plane, x then y, QPX_REBLUR_PASSES times; Sobel at every judged pixel
 * (inside the field with its diagonal neighbours, on the ring).
 */
static double
ref_sharpness(const struct qpx_plane *p, const unsigned char *ring,
    float *b, float *t, float *g1, float *g2, unsigned char *mm)
{
	static const float k5[5] = { 1, 4, 6, 4, 1 };
	const float	*im[2] = { p->l, b };
	float		*g[2] = { g1, g2 }, top = 0, sx, sy;
	int		 w = p->w, h = p->h, x, y, i, c, n, e, k = 0;
	size_t		 o;

	memcpy(b, p->l, (size_t)w * h * sizeof(*b));
	for (n = 0; n < QPX_REBLUR_PASSES; n++) {
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				for (t[y * w + x] = 0, i = -2; i <= 2; i++) {
					c = x + i < 0 ? 0 : x + i >= w ? w - 1 :
					    x + i;
					t[y * w + x] += k5[i + 2] / 16 *
					    b[y * w + c];
				}
			}
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++) {
				for (b[y * w + x] = 0, i = -2; i <= 2; i++) {
					c = y + i < 0 ? 0 : y + i >= h ? h - 1 :
					    y + i;
					b[y * w + x] += k5[i + 2] / 16 *
					    t[c * w + x];
				}
			}
	}
	memset(mm, 0, (size_t)w * h);
	for (y = 1; y < h - 1; y++)
		for (x = 1; x < w - 1; x++) {
			o = (size_t)y * w + x;
			if (!p->m[o] || !p->m[o - 1 - w] || !p->m[o + 1 + w] ||
			    (ring != NULL && !ring[o]))
				continue;
			for (e = 0; e < 2; e++) {
				const float *v = im[e];

				sx = v[o + 1 - w] + 2 * v[o + 1] + v[o + 1 + w] -
				    v[o - 1 - w] - 2 * v[o - 1] - v[o - 1 + w];
				sy = v[o - 1 + w] + 2 * v[o + w] + v[o + 1 + w] -
				    v[o - 1 - w] - 2 * v[o - w] - v[o + 1 - w];
				g[e][o] = sqrtf(sx * sx + sy * sy) / 8;
				top = fmaxf(top, g[e][o]);
			}
			mm[o] = 1;
			k++;
		}
	if (k < 50 || top <= 0.002)
		return NAN;
	return qpx_percentile(g1, mm, (size_t)w * h, 0.97, top) /
	    qpx_percentile(g2, mm, (size_t)w * h, 0.97, top) - 1;
}

/*
 * The row-wise re-blur (quality_px.c) against the tap-by-tap one: the
 * same sharpness within 0.002 (float rounding moving a gradient across
 * one of the percentile's 256 bins), on textured planes with a mask and
 * a ring, one wide and one narrow enough that every pixel is near a
 * border the blur clamps at.
 */
static void
test_sharpness_reference(void)
{
	enum { N = 97 * 61 };
	static float		 l[N], b[N], t[N], g1[N], g2[N];
	static unsigned char	 m[N], ring[N], mm[N];
	const int		 dims[2][2] = { { 97, 61 }, { 6, 90 } };
	uint32_t		 seed = 12345;
	double			 a, r;
	int			 d, i, x, y, w, h;

	for (d = 0; d < 2; d++) {
		struct qpx_plane p = { dims[d][0], dims[d][1], l, l, m };

		w = p.w;
		h = p.h;
		for (i = 0; i < w * h; i++) {
			x = i % w;
			y = i / w;
			l[i] = (float)(0.5 + 0.3 * sin(x * 0.7) * cos(y *
			    0.45) + (rnd(&seed) % 1000) * 1e-4);
			m[i] = hypot(x - w / 2.0, y - h / 2.0) < 0.6 * (w +
			    h) || d == 1;
			ring[i] = (x + y) % 5 != 0;
		}
		a = qpx_edge_sharpness(&p, d == 0 ? ring : NULL);
		r = ref_sharpness(&p, d == 0 ? ring : NULL, b, t, g1, g2, mm);
		if (!(fabs(a - r) < 0.002))
			fprintf(stderr, "plane %dx%d: sharpness %.6f, tap by "
			    "tap %.6f\n", w, h, a, r);
		CHECK(isfinite(a) && fabs(a - r) < 0.002);
	}
}

int
main(void)
{
	struct field	 f;
	struct quality	 q;
	json_t		*j, *fl;

	test_pixel_measures();
	test_sharpness_reference();
	/* clean: no flag, and the JSON says so */
	field_default(&f);
	CHECK(draw(&f) == 0);
	noise(&f.im);
	measure(&f, 0, &q);
	if (q.flags != 0)
		for (int i = 0; i < QFLAG_N; i++)
			fprintf(stderr, "clean %s=%.3f\n", quality_flag_name(i),
			    q.value[i]);
	CHECK(q.flags == 0 && !quality_poor(&q));
	CHECK(q.nrbc == (int)f.n && f.n > 30);
	j = quality_json(&q);
	CHECK(j != NULL && json_is_false(json_object_get(j, "poor")) &&
	    json_array_size(json_object_get(j, "flags")) == 0);
	/* every flag's value is stored, raised or not (the references') */
	CHECK(fabs(json_real_value(json_object_get(json_object_get(j,
	    "measures"), "stain_blue_rg")) - q.value[QFLAG_STAIN_BLUE]) < 1e-4);
	CHECK(fabs(json_real_value(json_object_get(json_object_get(j,
	    "measures"), "edge_sharpness")) - q.value[QFLAG_FOCUS]) < 1e-4);
	json_decref(j);
	/* the scale the cells agree with is no flag either */
	measure(&f, 7.5 / D, &q);
	CHECK(q.flags == 0);
	imgio_free(&f.im);

	field_default(&f);
	expect("blur", &f, 7, 0, QFLAG_FOCUS);
	field_default(&f);
	f.gain = 0.3;
	expect("dark", &f, 0, 0, QFLAG_DARK);
	field_default(&f);
	f.gain = 1.6;
	expect("bright", &f, 0, 0, QFLAG_BRIGHT);
	field_default(&f);
	f.spacing = 35;
	expect("thick", &f, 0, 0, QFLAG_THICK);
	/* thickness is read from the pixels: boxes that do not overlap */
	field_default(&f);
	f.spacing = 35;
	expect_ref("thick, boxes apart", &f, 0, 0, NULL, 1, QFLAG_THICK);
	/* cells with gaps of a sixth of their size are no thick field */
	field_default(&f);
	f.spacing = D + D / 6;
	expect_none("near", &f, 0, NULL);
	field_default(&f);
	f.ncells = 2;
	expect("sparse", &f, 0, 0, QFLAG_SPARSE);
	field_default(&f);
	expect("magnification", &f, 0, 2 * 7.5 / D, QFLAG_MAGNIFICATION);
	field_default(&f);
	f.od[0] = 0.30;
	expect("blue", &f, 0, 0, QFLAG_STAIN_BLUE);
	field_default(&f);
	f.od[0] = 0.03;
	f.od[2] = 0.06;
	expect("pink", &f, 0, 0, QFLAG_STAIN_PINK);
	field_default(&f);
	f.od[0] *= 0.3;
	f.od[1] *= 0.3;
	f.od[2] *= 0.3;
	expect("faded", &f, 0, 0, QFLAG_STAIN_FADED);

	/*
	 * Against a profile's reference (its clean fields' values): a mild
	 * defocus and a mild shift to blue pass the defaults but not the
	 * profile's own ranges; the limit shown is the profile's.
	 */
	field_default(&f);
	CHECK(draw(&f) == 0);
	noise(&f.im);
	measure(&f, 0, &q);
	imgio_free(&f.im);
	{
		struct quality_ref ref = { q.value[QFLAG_FOCUS],
		    q.value[QFLAG_STAIN_BLUE], q.value[QFLAG_STAIN_PINK],
		    q.value[QFLAG_STAIN_FADED] };

		field_default(&f);
		expect_none("clean, own reference", &f, 0, &ref);
		field_default(&f);
		expect_none("mild blur, defaults", &f, 3, NULL);
		field_default(&f);
		expect_ref("mild blur, reference", &f, 3, 0, &ref, 0,
		    QFLAG_FOCUS);
		field_default(&f);
		f.od[0] *= 0.35;
		f.od[1] *= 0.35;
		f.od[2] *= 0.35;
		expect_ref("fading, reference", &f, 0, 0, &ref, 0,
		    QFLAG_STAIN_FADED);
		/*
		 * A profile whose stain is pinker (red cells absorbing red
		 * light at 0.045 instead of 0.11): the default field, clean by
		 * the defaults (above), is too blue for it, at its limit.
		 */
		field_default(&f);
		f.od[0] = 0.045;
		CHECK(draw(&f) == 0);
		noise(&f.im);
		measure(&f, 0, &q);
		imgio_free(&f.im);
		ref.blue = q.value[QFLAG_STAIN_BLUE];
		field_default(&f);
		expect_ref("mild blue, reference", &f, 0, 0, &ref, 0,
		    QFLAG_STAIN_BLUE);
		field_default(&f);
		CHECK(draw(&f) == 0);
		noise(&f.im);
		measure_ref(&f, 0, &ref, &q);
		j = quality_json(&q);
		fl = json_array_get(json_object_get(j, "flags"), 0);
		CHECK(fabs(json_real_value(json_object_get(fl, "limit")) -
		    round((ref.blue + 0.14) * 100) / 100) < 1e-9);
		json_decref(j);
		imgio_free(&f.im);
	}

	/* a poor field's JSON: the flag, its value and limit, a message code */
	field_default(&f);
	f.gain = 0.3;
	CHECK(draw(&f) == 0);
	noise(&f.im);
	measure(&f, 0, &q);
	j = quality_json(&q);
	fl = json_array_get(json_object_get(j, "flags"), 0);
	CHECK(json_is_true(json_object_get(j, "poor")));
	CHECK_STR(json_string_value(json_object_get(fl, "flag")), "dark");
	CHECK(json_real_value(json_object_get(fl, "value")) < 0.30);
	CHECK(fabs(json_real_value(json_object_get(fl, "limit")) - 0.30) <
	    1e-9);
	CHECK_STR(json_string_value(json_object_get(json_array_get(
	    json_object_get(fl, "text_i18n"), 0), "code")), "quality_dark");
	CHECK(strstr(json_string_value(json_object_get(fl, "text")),
	    "Under-exposed") != NULL);
	json_decref(j);
	imgio_free(&f.im);

	/* no picture: never a refusal on our own failure */
	memset(&q, 0, sizeof(q));
	{
		struct quality_input in = { 0 };
		struct img empty = { 0, 0, NULL };

		in.im = &empty;
		CHECK(quality_measure(&in, &q) == -1 && q.smear == 1 &&
		    q.flags == 0);
	}
	CHECK(quality_threshold() > 0 && quality_threshold() < 1);
	test_reference();
	return check_done("test_quality");
}
