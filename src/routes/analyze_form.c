/* analyze_form.c: the upload form's own fields checked: threshold, um_per_px, file name */

#include "routes/analyze_form.h"

#include <stdlib.h>
#include <string.h>

int
analyze_form_threshold(const struct multipart_part *p, double *out)
{
	char	 buf[32], *end;
	double	 v;

	if (p->len == 0 || p->len >= sizeof(buf))
		return -1;
	memcpy(buf, p->data, p->len);
	buf[p->len] = '\0';
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !(v >= 0.0 && v <= 1.0))
		return -1;
	*out = v;
	return 0;
}

int
analyze_form_um_per_px(const struct multipart_part *p, double *out)
{
	char	 buf[32], *end, *c;
	double	 v;

	if (p->len == 0 || p->len >= sizeof(buf))
		return -1;
	memcpy(buf, p->data, p->len);
	buf[p->len] = '\0';
	if ((c = strchr(buf, ',')) != NULL) {
		if (strchr(buf, '.') != NULL || strchr(c + 1, ',') != NULL)
			return -1;
		*c = '.';
	}
	v = strtod(buf, &end);
	if (end == buf || *end != '\0' || !(v > 0.0 && v <= 100.0))
		return -1;
	*out = v;
	return 0;
}

/* Length of the UTF-8 sequence lead byte c starts (1: ASCII, 0: none). */
static size_t
utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 ? 3 :
	    c >= 0xc0 ? 2 : 0;
}

json_t *
analyze_form_file_name(const char *fn)
{
	char		 buf[ORIGINAL_NAME_MAX + 1];
	const char	*p, *base;
	size_t		 n = 0, k, i;

	if (fn == NULL)
		return json_null();
	for (base = p = fn; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (p = base; *p != '\0'; ) {
		k = utf8_len((unsigned char)*p);
		for (i = 1; i < k && ((unsigned char)p[i] & 0xc0) == 0x80; i++)
			;
		if (k == 0 || i < k) {		/* not a whole character */
			k = 1;
			if (n + 1 > ORIGINAL_NAME_MAX)
				break;
			buf[n++] = '_';
		} else if (k == 1 && ((unsigned char)*p < 0x20 || *p == 0x7f)) {
			;				/* control: dropped */
		} else {
			if (n + k > ORIGINAL_NAME_MAX)
				break;
			memcpy(buf + n, p, k);
			n += k;
		}
		p += k;
	}
	buf[n] = '\0';
	return n > 0 ? json_string(buf) : json_null();
}
