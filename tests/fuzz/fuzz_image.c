/* fuzz_image.c: libFuzzer harness for upload sniffing, probing and decoding */
/*
 * Input: the raw bytes of an upload.  Runs the request path's image steps
 * (imgcheck_sniff, imgcheck_probe, imgio_decode, imgio_letterbox) and,
 * on decoded images, resize, annotate and encode.  Limits are tighter
 * than the defaults (1024 a side, 1 Mpixel) to keep each run fast.  The
 * decoders also see inputs libmagic refuses (as the type the signature
 * names, or both types when none), since that is what attackers shape.
 *
 * Besides sanitizer reports, abort() flags broken contracts: a decoded
 * image over the limits or of another size than the probe reported, or
 * letterbox values that are not finite and in [0, 1].
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <magic.h>

#include "vision/annotate.h"
#include "image/imgcheck.h"
#include "image/imgio.h"

#define FUZZ_NET	24

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static magic_t	cookie;
static int	cookie_tried;

static void
run_type(const uint8_t *data, size_t size, enum img_type t,
    const struct img_limits *lim)
{
	static float		 net[3 * FUZZ_NET * FUZZ_NET];
	struct letterbox	 lb;
	struct img		 im, th;
	struct annot_box	 b[2];
	enum img_err		 pe, de;
	unsigned char		*jpg;
	size_t			 jn, i;
	int			 pw = -1, ph = -1;

	pe = imgcheck_probe(data, size, t, lim, &pw, &ph);
	de = imgio_decode(data, size, t, lim, &im);
	if (de != IMG_OK) {
		if (im.rgb != NULL || im.w != 0 || im.h != 0)
			abort();
		return;
	}
	if (im.rgb == NULL || im.w < 1 || im.h < 1 ||
	    im.w > lim->max_side || im.h > lim->max_side ||
	    (long)im.w * im.h > lim->max_pixels)
		abort();
	if (pe == IMG_OK && (pw != im.w || ph != im.h))
		abort();

	imgio_letterbox(&im, FUZZ_NET, FUZZ_NET, net, &lb);
	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (!isfinite(net[i]) || net[i] < 0.0f || net[i] > 1.0f)
			abort();
	if (lb.new_w < 1 || lb.new_w > FUZZ_NET || lb.new_h < 1 ||
	    lb.new_h > FUZZ_NET)
		abort();

	if (imgio_resize_fit(&im, 16, 16, &th) == 0) {
		if (th.w > 16 || th.h > 16)
			abort();
		imgio_free(&th);
	}
	/* Boxes from the image itself: some inside, some off the edge. */
	b[0] = (struct annot_box){ im.rgb[0] % 4, im.rgb[1] / 255.0f,
	    (float)(im.rgb[2] % 8) - 4, 1, (float)im.w, (float)im.h / 2 };
	b[1] = (struct annot_box){ 1, 0.5f, (float)im.w / 2,
	    (float)im.h / 2, (float)im.w, (float)im.h };
	annotate_draw(&im, b, 2);
	if (im.w * im.h <= 256 * 256) {
		if (imgio_encode_jpeg(&im, 80, &jpg, &jn) == 0) {
			if (jn < 2 || jpg[0] != 0xff || jpg[1] != 0xd8)
				abort();
			free(jpg);
		}
	}
	imgio_free(&im);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_limits	 lim;
	enum img_type		 t = IMG_NONE, sig = IMG_NONE;
	char			 mime[64];

	if (!cookie_tried) {
		cookie_tried = 1;
		if ((cookie = magic_open(MAGIC_MIME_TYPE)) != NULL &&
		    magic_load(cookie, NULL) != 0) {
			magic_close(cookie);
			cookie = NULL;
		}
	}
	lim.max_side = 1024;
	lim.max_pixels = 1024L * 1024;

	if (imgcheck_sniff(cookie, data, size, &t, mime, sizeof(mime)) ==
	    IMG_OK && t == IMG_NONE)
		abort();
	(void)imgcheck_sniff(NULL, data, size, &sig, NULL, 0);
	if (t != IMG_NONE && t != sig)
		abort();
	if (sig != IMG_NONE)
		run_type(data, size, sig, &lim);
	else {
		run_type(data, size, IMG_JPEG, &lim);
		run_type(data, size, IMG_PNG, &lim);
	}
	return 0;
}
