/* analyze_copies.c: an upload's thumbnail and plain JPEG, made on a second thread while its cells are classified */

#include "routes/analyze_copies.h"
#include "base/timing.h"
#include "image/imgio.h"

#include <stdlib.h>
#include <string.h>

/* Both copies, each timed on this thread. */
static void *
copies_make(void *arg)
{
	struct analyze_copies	*cp = arg;
	struct img		 thumb;
	double			 t0 = timing_ms(), t1;

	memset(&thumb, 0, sizeof(thumb));
	cp->rc = imgio_resize_fit(cp->im, cp->thumb_size, cp->thumb_size,
	    &thumb) == -1 || imgio_encode_jpeg(&thumb, 75, &cp->tjpg,
	    &cp->tjpglen) == -1 ? -1 : 0;
	imgio_free(&thumb);
	t1 = timing_ms();
	cp->thumb_ms = t1 - t0;
	if (cp->rc == 0 && imgio_encode_jpeg(cp->im, cp->quality, &cp->pjpg,
	    &cp->pjpglen) == -1)
		cp->rc = -1;
	cp->plain_ms = timing_ms() - t1;
	return NULL;
}

void
analyze_copies_start(struct analyze_copies *cp, const struct img *im,
    int thumb_size, int quality)
{
	cp->im = im;
	cp->thumb_size = thumb_size;
	cp->quality = quality;
	cp->running = pthread_create(&cp->th, NULL, copies_make, cp) == 0;
	if (!cp->running)
		copies_make(cp);
}

int
analyze_copies_join(struct analyze_copies *cp)
{
	if (cp->running) {
		pthread_join(cp->th, NULL);
		cp->running = 0;
	}
	return cp->rc;
}

void
analyze_copies_free(struct analyze_copies *cp)
{
	analyze_copies_join(cp);
	free(cp->tjpg);
	free(cp->pjpg);
	cp->tjpg = cp->pjpg = NULL;
}
