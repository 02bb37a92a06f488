/* pixq8.h: a [0,1] pixel value as the int8 engine's input level */
#ifndef BV_BASE_PIXQ8_H
#define BV_BASE_PIXQ8_H

#include <stdint.h>

/*
 * The int8 detector's input is quantized with scale 1/255 and zero point
 * -128, so 8-bit pixels pass exactly: v in [0,1] -> round(v * 255) - 128,
 * clamped.  The one rule both the engine (from planar floats) and the
 * image code (straight from the photo, imgio_letterbox_s8) apply, so the
 * two routes give the same bytes.
 */
static inline int8_t
pixq8(float v)
{
	v = v * 255.0f + .5f;
	v = v < 0 ? 0 : v > 255 ? 255 : v;
	return (int8_t)((int)v - 128);
}

#endif
