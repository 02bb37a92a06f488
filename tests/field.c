/* field.c: test photos from smear images: load a JPEG, change the magnification */

#include "field.h"
#include "image/imgcheck.h"

#include <png.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
field_load(const char *path, struct img *im)
{
	FILE		*f;
	unsigned char	*buf;
	long		 len;
	enum img_err	 e;
	struct img_limits lim;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)len)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	img_limits_default(&lim);
	e = imgio_decode(buf, (size_t)len, IMG_JPEG, &lim, im);
	free(buf);
	return e == IMG_OK ? 0 : -1;
}

int
field_zoom(const struct img *im, double f, struct img *out, int *pox,
    int *poy)
{
	struct img	 s;
	double		 bg[3] = { 0, 0, 0 };
	long		 nb = 0;
	int		 x, y, c, ox, oy;

	if (!(f >= 0.1 && f <= 4))
		return -1;
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x += (y == 0 || y == im->h - 1) ? 1 :
		    (im->w > 1 ? im->w - 1 : 1)) {
			for (c = 0; c < 3; c++)
				bg[c] += im->rgb[((size_t)y * im->w + x) * 3 + c];
			nb++;
		}
	if (imgio_resize_factor(im, f, &s) == -1)
		return -1;
	out->w = im->w;
	out->h = im->h;
	if ((out->rgb = malloc((size_t)im->w * im->h * 3)) == NULL) {
		imgio_free(&s);
		return -1;
	}
	ox = (s.w - im->w) / 2;
	oy = (s.h - im->h) / 2;
	for (y = 0; y < im->h; y++)
		for (x = 0; x < im->w; x++) {
			unsigned char *d = out->rgb + ((size_t)y * im->w + x) * 3;
			int sx = x + ox, sy = y + oy;

			if (sx >= 0 && sx < s.w && sy >= 0 && sy < s.h)
				memcpy(d, s.rgb + ((size_t)sy * s.w + sx) * 3, 3);
			else
				for (c = 0; c < 3; c++)
					d[c] = (unsigned char)lrint(bg[c] / nb);
		}
	imgio_free(&s);
	if (pox != NULL)
		*pox = ox;
	if (poy != NULL)
		*poy = oy;
	return 0;
}

int
field_save_jpeg(const char *path, const struct img *im)
{
	unsigned char	*jpg;
	size_t		 len;
	FILE		*f;
	int		 rc = -1;

	if (imgio_encode_jpeg(im, 92, &jpg, &len) == -1)
		return -1;
	if ((f = fopen(path, "wb")) != NULL) {
		if (fwrite(jpg, 1, len, f) == len)
			rc = 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	free(jpg);
	return rc;
}

int
field_save_png(const char *path, const struct img *im)
{
	png_structp	 png;
	png_infop	 info;
	FILE		*f;
	int		 y;
	volatile int	 rc = -1;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	info = png ? png_create_info_struct(png) : NULL;
	if (png != NULL && info != NULL && setjmp(png_jmpbuf(png)) == 0) {
		png_init_io(png, f);
		png_set_IHDR(png, info, (png_uint_32)im->w, (png_uint_32)im->h,
		    8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
		png_write_info(png, info);
		for (y = 0; y < im->h; y++)
			png_write_row(png, im->rgb + (size_t)y * im->w * 3);
		png_write_end(png, NULL);
		rc = 0;
	}
	png_destroy_write_struct(&png, &info);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}
