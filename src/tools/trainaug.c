/* trainaug.c: bv-train's augmentation: mosaic, scale, flips, colour, camera */
/*
 * Works on darknet's plane-major float canvases.  The pixel rules shared
 * with the other tools' perturbations (HSV conversion, JPEG round trip)
 * are perturb.c's; this file adds what is particular to training:
 * random placement with its boxes and ignore regions, mosaic, white
 * balance, vignetting and noise, each draw from trainrng.h.
 */
#include "tools/trainaug.h"
#include "tools/trainrng.h"
#include "tools/perturb.h"
#include "image/imgio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static float
clamp01(float x)
{
	return x < 0 ? 0 : x > 1 ? 1 : x;
}

void
trainaug_rgb8(const float *chw, int w, int h, unsigned char *rgb)
{
	size_t plane = (size_t)w * h;

	for (size_t i = 0; i < plane; i++)
		for (int c = 0; c < 3; c++)
			rgb[i * 3 + c] = (unsigned char)lrintf(clamp01(chw[c * plane + i]) * 255);
}

/* Jitter hue/saturation/exposure and the white balance of canvas pixels
 * inside rect. */
void
trainaug_hsv(float *cv, int S, const int r[4], const struct aug *a)
{
	float dh = trainrng_uniform(-a->hue, a->hue);
	float ds = trainrng_scale(a->sat), dv = trainrng_scale(a->exp);
	size_t plane = (size_t)S * S;

	if (a->wb > 1) {
		/* Draws only when enabled, so v1 runs keep their PRNG stream. */
		float g[3];

		for (int c = 0; c < 3; c++)
			g[c] = trainrng_scale(a->wb);
		for (int c = 0; c < 3; c++)
			for (int y = r[1]; y < r[3]; y++)
				for (int x = r[0]; x < r[2]; x++) {
					float *px = &cv[c * plane + (size_t)y * S + x];

					*px = clamp01(*px * g[c]);
				}
	}

	for (int y = r[1]; y < r[3]; y++)
		for (int x = r[0]; x < r[2]; x++) {
			size_t i = (size_t)y * S + x;
			float h, s, v, R, G, B;

			perturb_rgb2hsv(cv[i], cv[i + plane], cv[i + 2 * plane], &h, &s, &v);
			perturb_hsv2rgb(h + dh, clamp01(s * ds), clamp01(v * dv), &R, &G, &B);
			cv[i] = R;
			cv[i + plane] = G;
			cv[i + 2 * plane] = B;
		}
}

static void
ignore_add(struct ignores *ig, float x0, float y0, float x1, float y1, int S)
{
	if (ig == NULL || ig->n >= ig->max)
		return;
	ig->b[ig->n * 4 + 0] = x0 / S;
	ig->b[ig->n * 4 + 1] = y0 / S;
	ig->b[ig->n * 4 + 2] = x1 / S;
	ig->b[ig->n * 4 + 3] = y1 / S;
	ig->n++;
}

/*
 * Draw sample src into rect r of the SxS canvas at a random scale, offset
 * and orientation; append its visible boxes (relative cx cy w h cls) to
 * y at *nout, up to maxb, and its ignore regions, plus boxes the tile cuts
 * below 35 % of their area, to ig.
 */
static void
aug_place(const struct sample *src, float *cv, int S, const int r[4],
    const struct aug *a, float *y, int *nout, int maxb, struct ignores *ig)
{
	const image *im = &src->im;
	int tr = a->flips ? trainrng_int(2) : 0;
	int fx = a->flips ? trainrng_int(2) : 0, fy = a->flips ? trainrng_int(2) : 0;
	int vw = tr ? im->h : im->w, vh = tr ? im->w : im->h;
	float base = traindata_base_scale(src, S, a->scale_ref);
	float s = base * expf(trainrng_uniform(logf(a->scale_min), logf(a->scale_max)));
	float rw = r[2] - r[0], rh = r[3] - r[1];
	float slackx = rw - vw * s, slacky = rh - vh * s;
	float ox = r[0] + trainrng_uniform(fminf(0, slackx), fmaxf(0, slackx));
	float oy = r[1] + trainrng_uniform(fminf(0, slacky), fmaxf(0, slacky));
	size_t plane = (size_t)S * S, iplane = (size_t)im->w * im->h;

	for (int py = r[1]; py < r[3]; py++) {
		float v = (py + 0.5f - oy) / s - 0.5f;

		if (v < -0.5f || v >= vh - 0.5f)
			continue;
		for (int px = r[0]; px < r[2]; px++) {
			float u = (px + 0.5f - ox) / s - 0.5f, uu, vv, sx, sy, ax, ay;
			int x0, y0, x1, y1;

			if (u < -0.5f || u >= vw - 0.5f)
				continue;
			uu = fx ? vw - 1 - u : u;
			vv = fy ? vh - 1 - v : v;
			sx = tr ? vv : uu;
			sy = tr ? uu : vv;
			sx = sx < 0 ? 0 : sx > im->w - 1 ? im->w - 1 : sx;
			sy = sy < 0 ? 0 : sy > im->h - 1 ? im->h - 1 : sy;
			x0 = (int)sx;
			y0 = (int)sy;
			x1 = x0 + 1 < im->w ? x0 + 1 : x0;
			y1 = y0 + 1 < im->h ? y0 + 1 : y0;
			ax = sx - x0;
			ay = sy - y0;
			for (int c = 0; c < 3; c++) {
				const float *p = im->data + c * iplane;
				float top = p[y0 * im->w + x0] * (1 - ax) + p[y0 * im->w + x1] * ax;
				float bot = p[y1 * im->w + x0] * (1 - ax) + p[y1 * im->w + x1] * ax;

				cv[c * plane + (size_t)py * S + px] = top * (1 - ay) + bot * ay;
			}
		}
	}
	trainaug_hsv(cv, S, r, a);

	for (int i = 0; i < src->nb && *nout < maxb; i++) {
		const float *b = src->b + i * 5;
		float bx0 = tr ? b[2] : b[1], by0 = tr ? b[1] : b[2];
		float bx1 = tr ? b[4] : b[3], by1 = tr ? b[3] : b[4];
		float t, full, cx0, cy0, cx1, cy1;

		if (fx) {
			t = vw - bx1;
			bx1 = vw - bx0;
			bx0 = t;
		}
		if (fy) {
			t = vh - by1;
			by1 = vh - by0;
			by0 = t;
		}
		bx0 = bx0 * s + ox;
		bx1 = bx1 * s + ox;
		by0 = by0 * s + oy;
		by1 = by1 * s + oy;
		full = (bx1 - bx0) * (by1 - by0);
		cx0 = fmaxf(bx0, r[0]);
		cy0 = fmaxf(by0, r[1]);
		cx1 = fminf(bx1, r[2]);
		cy1 = fminf(by1, r[3]);
		if (cx1 - cx0 < 1 || cy1 - cy0 < 1)
			continue;
		/* Cells mostly outside the tile are not truths (BCCD's
		 * annotators boxed cells cut by the border but not slivers);
		 * they are ignore regions, so the net is not taught that a
		 * visible part of a cell is background either. */
		if (b[0] < 0 || cx1 - cx0 < 2 || cy1 - cy0 < 2 ||
		    (cx1 - cx0) * (cy1 - cy0) < 0.35f * full) {
			ignore_add(ig, cx0, cy0, cx1, cy1, S);
			continue;
		}
		y[*nout * 5 + 0] = (cx0 + cx1) / 2 / S;
		y[*nout * 5 + 1] = (cy0 + cy1) / 2 / S;
		y[*nout * 5 + 2] = (cx1 - cx0) / S;
		y[*nout * 5 + 3] = (cy1 - cy0) / S;
		y[*nout * 5 + 4] = b[0];
		(*nout)++;
	}
}

/* Separable Gaussian blur of the SxS planar canvas. */
static void
cam_blur(float *cv, int S, float sigma)
{
	float k[16], sum = 0, *row = malloc((size_t)S * sizeof *row);
	int rad = (int)ceilf(2.5f * sigma);

	if (row == NULL)
		return;
	if (rad > 7)
		rad = 7;
	for (int i = -rad; i <= rad; i++)
		sum += k[i + rad] = expf(-0.5f * i * i / (sigma * sigma));
	for (int i = 0; i <= 2 * rad; i++)
		k[i] /= sum;
	for (int c = 0; c < 3; c++) {
		float *p = cv + (size_t)c * S * S;

		for (int y = 0; y < S; y++) {	/* rows */
			for (int x = 0; x < S; x++) {
				float acc = 0;

				for (int i = -rad; i <= rad; i++) {
					int xx = x + i < 0 ? 0 : x + i >= S ? S - 1 : x + i;
					acc += k[i + rad] * p[(size_t)y * S + xx];
				}
				row[x] = acc;
			}
			memcpy(p + (size_t)y * S, row, (size_t)S * sizeof *row);
		}
		for (int x = 0; x < S; x++) {	/* columns */
			for (int y = 0; y < S; y++) {
				float acc = 0;

				for (int i = -rad; i <= rad; i++) {
					int yy = y + i < 0 ? 0 : y + i >= S ? S - 1 : y + i;
					acc += k[i + rad] * p[(size_t)yy * S + x];
				}
				row[y] = acc;
			}
			for (int y = 0; y < S; y++)
				p[(size_t)y * S + x] = row[y];
		}
	}
	free(row);
}

/* Round trip through libjpeg at quality q (4:2:0), like a phone camera
 * or a re-saved upload: block artefacts and chroma smearing
 * (perturb_jpeg() on the canvas as RGB8). */
static void
cam_jpeg(float *cv, int S, int q)
{
	struct img im = { S, S, malloc((size_t)S * S * 3) };
	size_t plane = (size_t)S * S;

	if (im.rgb == NULL)
		return;
	trainaug_rgb8(cv, S, S, im.rgb);
	if (perturb_jpeg(&im, q) == 0 && im.w == S && im.h == S)
		for (size_t i = 0; i < plane; i++)
			for (int c = 0; c < 3; c++)
				cv[c * plane + i] = im.rgb[i * 3 + c] / 255.0f;
	imgio_free(&im);
}

/*
 * Camera and optics on the whole canvas: defocus blur, vignetting (lamp
 * and objective falloff), sensor noise, JPEG loss; each with probability
 * cam_p.  The PRNG draws happen in a fixed order whatever is applied.
 */
void
trainaug_camera(float *cv, int S, const struct aug *a)
{
	size_t plane = (size_t)S * S;
	float pb = trainrng_uniform(0, 1), sb = trainrng_uniform(0.4f, fmaxf(0.4f, a->blur));
	float pv = trainrng_uniform(0, 1), kv = trainrng_uniform(0, a->vignette);
	float vx = S * trainrng_uniform(0.3f, 0.7f), vy = S * trainrng_uniform(0.3f, 0.7f);
	float pn = trainrng_uniform(0, 1), sn = trainrng_uniform(0, a->noise);
	float pj = trainrng_uniform(0, 1);
	int qj = a->jpeg_min > 0 ? a->jpeg_min + trainrng_int(96 - a->jpeg_min) : 0;

	if (a->blur > 0 && pb < a->cam_p)
		cam_blur(cv, S, sb);
	if (a->vignette > 0 && pv < a->cam_p) {
		float R2 = 0.5f * S * S;

		for (int y = 0; y < S; y++)
			for (int x = 0; x < S; x++) {
				float dx = x - vx, dy = y - vy;
				float g = 1 - kv * fminf(1, (dx * dx + dy * dy) / R2);

				for (int c = 0; c < 3; c++)
					cv[c * plane + (size_t)y * S + x] *= g;
			}
	}
	if (a->noise > 0 && pn < a->cam_p)
		for (size_t i = 0; i < 3 * plane; i++)
			cv[i] = clamp01(cv[i] + sn * trainrng_gauss());
	if (qj > 0 && pj < a->cam_p)
		cam_jpeg(cv, S, qj);
}

int
trainaug_camera_on(const struct aug *a)
{
	return a->cam_p > 0 && (a->blur > 0 || a->vignette > 0 ||
	    a->noise > 0 || a->jpeg_min > 0);
}

/* One training image (plane-major RGB), its truth row and ignore regions. */
void
trainaug_sample(const struct dataset *ds, int idx, float *cv, int S,
    const struct aug *a, float *y, int maxb, struct ignores *ig)
{
	int n = 0;

	for (size_t i = 0; i < (size_t)3 * S * S; i++)
		cv[i] = 0.5f;
	memset(y, 0, (size_t)maxb * 5 * sizeof *y);
	if (ig != NULL)
		ig->n = 0;
	if (trainrng_uniform(0, 1) < a->mosaic) {
		int mx = (int)(S * trainrng_uniform(0.3f, 0.7f));
		int my = (int)(S * trainrng_uniform(0.3f, 0.7f));
		int rects[4][4] = {
			{ 0, 0, mx, my }, { mx, 0, S, my },
			{ 0, my, mx, S }, { mx, my, S, S },
		};

		for (int k = 0; k < 4; k++) {
			int j = k == 0 ? idx : trainrng_int(ds->n);

			aug_place(&ds->s[j], cv, S, rects[k], a, y, &n, maxb, ig);
		}
	} else {
		int r[4] = { 0, 0, S, S };

		aug_place(&ds->s[idx], cv, S, r, a, y, &n, maxb, ig);
	}
	if (trainaug_camera_on(a))
		trainaug_camera(cv, S, a);
}

/* One of the 8 flips/turns of an N x N planar image, in place. */
void
trainaug_orient(float *cv, int N, float *tmp)
{
	int tr = trainrng_int(2), fx = trainrng_int(2), fy = trainrng_int(2);
	size_t plane = (size_t)N * N;

	memcpy(tmp, cv, 3 * plane * sizeof *cv);
	for (int c = 0; c < 3; c++)
		for (int y = 0; y < N; y++)
			for (int x = 0; x < N; x++) {
				int sx = fx ? N - 1 - x : x, sy = fy ? N - 1 - y : y;

				if (tr) {
					int t = sx;
					sx = sy;
					sy = t;
				}
				cv[c * plane + (size_t)y * N + x] =
				    tmp[c * plane + (size_t)sy * N + sx];
			}
}

/* Outline a box (relative corners) into the planar canvas. */
static void
dump_rect(float *cv, int S, float x0, float y0, float x1, float y1,
    const float rgb[3])
{
	int a = (int)(x0 * S), b = (int)(y0 * S), c = (int)(x1 * S), d = (int)(y1 * S);
	size_t plane = (size_t)S * S;

	a = a < 0 ? 0 : a; b = b < 0 ? 0 : b;
	c = c > S - 1 ? S - 1 : c; d = d > S - 1 ? S - 1 : d;
	for (int k = 0; k < 3; k++)
		for (int x = a; x <= c; x++) {
			cv[k * plane + (size_t)b * S + x] = rgb[k];
			cv[k * plane + (size_t)d * S + x] = rgb[k];
		}
	for (int k = 0; k < 3; k++)
		for (int y = b; y <= d; y++) {
			cv[k * plane + (size_t)y * S + a] = rgb[k];
			cv[k * plane + (size_t)y * S + c] = rgb[k];
		}
}

/* --dump-aug: write one augmented input as PATH.png (libdarknet's
 * writer) with its truths (RBC green, WBC blue, platelets yellow) and
 * ignore regions (red) drawn. */
void
trainaug_dump(const char *path, float *cv, int S, const float *y, int maxb,
    const struct ignores *ig)
{
	static const float col[4][3] = {
		{ 0, 1, 0 }, { 0, 0, 1 }, { 1, 1, 0 }, { 1, 0, 0 },
	};
	image im = { S, S, 3, cv };

	for (int i = 0; i < maxb && y[i * 5 + 2] > 0; i++) {
		const float *t = y + i * 5;
		int c = (int)t[4];

		dump_rect(cv, S, t[0] - t[2] / 2, t[1] - t[3] / 2, t[0] + t[2] / 2,
		    t[1] + t[3] / 2, col[c >= 0 && c < 3 ? c : 3]);
	}
	for (int i = 0; i < ig->n; i++)
		dump_rect(cv, S, ig->b[i * 4], ig->b[i * 4 + 1], ig->b[i * 4 + 2],
		    ig->b[i * 4 + 3], col[3]);
	save_image_options(im, path, PNG, 0);
}
