/* analyze_copies.h: an upload's thumbnail and plain JPEG, made on a second thread while its cells are classified */
#ifndef BV_ANALYZE_COPIES_H
#define BV_ANALYZE_COPIES_H

#include <pthread.h>
#include <stddef.h>

struct img;

/*
 * The two copies of the photo that do not show the boxes (thumb.jpg:
 * fitted in thumb_size, quality 75; plain.jpg: the display copy at
 * quality) only read the picture, as the white-cell types and the
 * red-cell classes do; the annotated copy writes it.  So they are made on
 * a thread of their own from the end of the scene gate to the start of
 * the drawing, the same bytes as made in line.  Zero it before use.
 */
struct analyze_copies {
	const struct img *im;
	int		 thumb_size, quality;
	unsigned char	*tjpg, *pjpg;	/* the caller takes them after join */
	size_t		 tjpglen, pjpglen;
	double		 thumb_ms, plain_ms;	/* each one's own time */
	int		 rc;		/* 0, or -1: out of memory */
	int		 running;	/* a thread to join */
	pthread_t	 th;
};

/*
 * Start making both copies of im (which must not change until
 * analyze_copies_join()); without a thread (pthread_create() refused),
 * make them now.
 */
void	analyze_copies_start(struct analyze_copies *, const struct img *im,
	    int thumb_size, int quality);

/* Wait for them (at once when there is no thread): 0, or -1 when one
 * could not be made.  Safe to call again. */
int	analyze_copies_join(struct analyze_copies *);

/* Join, then free what the caller did not take (NULL its pointers to take
 * them). */
void	analyze_copies_free(struct analyze_copies *);

#endif /* BV_ANALYZE_COPIES_H */
