/* annotate.c: draw detection boxes and short labels into an RGB image */
/*
 * Pure pixel work on a decoded struct img: no codec, no fonts on disk.
 * The label font is a 5x7 bitmap covering only what tags need (digits,
 * '%', '.', ' ', '?', and the class initials), scaled by pixel
 * replication.  All drawing goes through fill_rect(), which clips, so
 * boxes partly or wholly outside the image are safe.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vision/annotate.h"
#include "vision/countframe.h"

static const unsigned char class_rgb[ANNOTATE_NCLASSES][3] = {
	{ 0xd5, 0x5e, 0x00 },	/* RBC: vermillion */
	{ 0x00, 0x72, 0xb2 },	/* WBC: blue */
	{ 0xf0, 0xe4, 0x42 },	/* Platelets: yellow */
};
static const char class_initial[ANNOTATE_NCLASSES] = { 'R', 'W', 'P' };

/* Rows top to bottom; bit 4 is the leftmost column. */
struct glyph {
	char		 ch;
	unsigned char	 row[7];
};

static const struct glyph font[] = {
	{ '0', { 0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e } },
	{ '1', { 0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e } },
	{ '2', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f } },
	{ '3', { 0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e } },
	{ '4', { 0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02 } },
	{ '5', { 0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e } },
	{ '6', { 0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e } },
	{ '7', { 0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 } },
	{ '8', { 0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e } },
	{ '9', { 0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c } },
	{ '.', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c } },
	{ '%', { 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 } },
	{ 'R', { 0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11 } },
	{ 'W', { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a } },
	{ 'P', { 0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10 } },
	{ '?', { 0x0e, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04 } },
	{ ' ', { 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 } },
};

#define GLYPH_W		5
#define GLYPH_H		7
#define GLYPH_ADV	6	/* one blank column between glyphs */

int
annotate_class_color(int cls, unsigned char rgb[3])
{
	if (cls < 0 || cls >= ANNOTATE_NCLASSES) {
		rgb[0] = rgb[1] = rgb[2] = 0x80;
		return -1;
	}
	memcpy(rgb, class_rgb[cls], 3);
	return 0;
}

static const unsigned char *
glyph_rows(char ch)
{
	size_t i;

	for (i = 0; i < sizeof(font) / sizeof(font[0]); i++)
		if (font[i].ch == ch)
			return font[i].row;
	return glyph_rows('?');
}

/* Fill [x0, x1) x [y0, y1), clipped to the image. */
static void
fill_rect(struct img *im, int x0, int y0, int x1, int y1,
    const unsigned char rgb[3])
{
	int		 x, y;
	unsigned char	*p;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 > im->w)
		x1 = im->w;
	if (y1 > im->h)
		y1 = im->h;
	for (y = y0; y < y1; y++) {
		p = im->rgb + ((size_t)y * im->w + x0) * 3;
		for (x = x0; x < x1; x++, p += 3)
			memcpy(p, rgb, 3);
	}
}

static void
draw_text(struct img *im, int x, int y, int scale, const char *s,
    const unsigned char rgb[3])
{
	const unsigned char	*g;
	int			 r, c;

	for (; *s != '\0'; s++, x += GLYPH_ADV * scale) {
		g = glyph_rows(*s);
		for (r = 0; r < GLYPH_H; r++)
			for (c = 0; c < GLYPH_W; c++)
				if (g[r] & (0x10 >> c))
					fill_rect(im, x + c * scale,
					    y + r * scale, x + (c + 1) * scale,
					    y + (r + 1) * scale, rgb);
	}
}

/* Float pixel coordinate to int, refusing what a cast would make UB. */
static int
coord(float v, int *out)
{
	if (!isfinite(v) || v < -1e7f || v > 1e7f)
		return -1;
	*out = (int)lroundf(v);
	return 0;
}

static void
draw_box(struct img *im, const struct annot_box *b, int thick, int fs)
{
	static const unsigned char black[3] = { 0, 0, 0 };
	static const unsigned char white[3] = { 255, 255, 255 };
	unsigned char	 col[3];
	char		 label[16];
	int		 x0, y0, x1, y1, pct, known, tw, th, tx, ty;
	float		 conf;

	if (coord(b->x, &x0) == -1 || coord(b->y, &y0) == -1 ||
	    coord(b->x + b->w, &x1) == -1 || coord(b->y + b->h, &y1) == -1)
		return;
	if (x1 <= x0 || y1 <= y0)
		return;
	known = annotate_class_color(b->cls, col) == 0;

	/* Outline drawn inward so it never covers the neighbouring cell. */
	fill_rect(im, x0, y0, x1, y0 + thick, col);
	fill_rect(im, x0, y1 - thick, x1, y1, col);
	fill_rect(im, x0, y0, x0 + thick, y1, col);
	fill_rect(im, x1 - thick, y0, x1, y1, col);

	conf = isfinite(b->conf) ? b->conf : 0.0f;
	conf = conf < 0.0f ? 0.0f : conf > 1.0f ? 1.0f : conf;
	pct = (int)lroundf(conf * 100.0f);
	snprintf(label, sizeof(label), "%c %d%%",
	    known ? class_initial[b->cls] : '?', pct);

	tw = ((int)strlen(label) * GLYPH_ADV - 1) * fs + 2 * fs;
	th = GLYPH_H * fs + 2 * fs;
	/* Above the box when there is room, else just inside its top. */
	tx = x0;
	ty = y0 - th >= 0 ? y0 - th : y0;
	if (tx + tw > im->w)
		tx = im->w - tw;
	if (tx < 0)
		tx = 0;
	fill_rect(im, tx, ty, tx + tw, ty + th, col);
	/* Rec. 601 luma picks the readable text colour on the tag. */
	draw_text(im, tx + fs, ty + fs, fs, label,
	    col[0] * 299 + col[1] * 587 + col[2] * 114 > 140000 ?
	    black : white);
}

void
annotate_draw(struct img *im, const struct annot_box *boxes, size_t n)
{
	int	 m, thick, fs;
	size_t	 i;

	if (im == NULL || im->rgb == NULL || im->w <= 0 || im->h <= 0 ||
	    boxes == NULL)
		return;
	m = im->w < im->h ? im->w : im->h;
	thick = 1 + m / 320;
	fs = 1 + m / 600;
	for (i = 0; i < n; i++)
		draw_box(im, &boxes[i], thick, fs);
}

/* A dashed horizontal (vertical when vert) line from a to b at c. */
static void
dash_line(struct img *im, int vert, int c, int a, int b, int thick,
    const unsigned char rgb[3])
{
	int	 on = 4 * thick, off = 3 * thick, p, e;

	for (p = a; p < b; p += on + off) {
		e = p + on < b ? p + on : b;
		if (vert)
			fill_rect(im, c, p, c + thick, e, rgb);
		else
			fill_rect(im, p, c, e, c + thick, rgb);
	}
}

void
annotate_frame(struct img *im, const struct countframe *cf, double s)
{
	static const unsigned char black[3] = { 0, 0, 0 };
	int	 x0, y0, x1, y1, thick;

	if (im == NULL || im->rgb == NULL || cf == NULL || !cf->valid)
		return;
	if (!(s > 0))
		s = 1;
	if (coord((float)(cf->x0 * s), &x0) == -1 ||
	    coord((float)(cf->y0 * s), &y0) == -1 ||
	    coord((float)(cf->x1 * s), &x1) == -1 ||
	    coord((float)(cf->y1 * s), &y1) == -1 || x1 <= x0 || y1 <= y0)
		return;
	thick = 1 + (im->w < im->h ? im->w : im->h) / 320;
	/* inclusion: the top and left edges, solid, drawn inside the frame */
	fill_rect(im, x0, y0, x1, y0 + thick, black);
	fill_rect(im, x0, y0, x0 + thick, y1, black);
	/* exclusion: right and bottom, dashed, outside the frame, extended */
	dash_line(im, 1, x1, 0, y1 + thick, thick, black);
	dash_line(im, 0, y1, 0, x1, thick, black);
}
