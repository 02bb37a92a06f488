/* capture.h: camera frames as JPEGs: a V4L2 device (MJPEG, or YUYV encoded here) or a file source */
#ifndef BV_CAPTURE_H
#define BV_CAPTURE_H

#include <stddef.h>

enum capture_err {
	CAPTURE_OK = 0,
	CAPTURE_AGAIN,		/* no new frame yet: poll again */
	CAPTURE_OPEN,		/* the device or file cannot be opened */
	CAPTURE_NOT_V4L2,	/* VIDIOC_QUERYCAP refused: not a V4L2 device */
	CAPTURE_NOT_CAPTURE,	/* V4L2, but no video capture with streaming */
	CAPTURE_FORMAT,		/* neither MJPEG nor YUYV at any size */
	CAPTURE_BUFFERS,	/* REQBUFS/QUERYBUF/mmap/QBUF failed */
	CAPTURE_STREAM,		/* STREAMON or DQBUF failed */
	CAPTURE_NOT_JPEG,	/* a file, or a frame, is not a whole JPEG */
	CAPTURE_NO_FRAMES,	/* a clip or directory without one frame */
	CAPTURE_TOO_LARGE,	/* a frame over the size limit (skipped) */
	CAPTURE_IO,		/* read, timer or encode error */
	CAPTURE_NOMEM
};

/* What the source was asked for; the device may choose another size. */
struct capture_opts {
	int	width, height;	/* wanted frame size (V4L2) */
	double	fps;		/* V4L2: wanted rate; files: the playback rate */
	size_t	max_frame;	/* bytes: a bigger frame is refused */
	int	quality;	/* JPEG quality when YUYV is encoded here */
};

struct capture_info {
	const char	*kind;		/* "v4l2" or "file" */
	const char	*format;	/* "MJPEG", "YUYV" or "JPEG files" */
	int		 width, height;	/* of the last frame (0 before one) */
};

struct capture;

/*
 * Open a V4L2 capture device (path, e.g. /dev/video0): QUERYCAP, S_FMT
 * MJPEG (else YUYV), S_PARM, REQBUFS + mmap, QBUF, STREAMON.  On success
 * *out is the source (capture_free() it).  On error *out is NULL and err
 * holds a sentence naming the path and the step.
 */
enum capture_err capture_open_device(const char *path,
	    const struct capture_opts *o, struct capture **out, char *err,
	    size_t errsz);

/*
 * Open a file source: an MJPEG clip (JPEGs back to back; one JPEG is a
 * clip of one frame) or a directory of *.jpg / *.jpeg files (name order),
 * played in a loop at o->fps.  Errors as capture_open_device().
 */
enum capture_err capture_open_file(const char *path,
	    const struct capture_opts *o, struct capture **out, char *err,
	    size_t errsz);

/* The descriptor to poll for POLLIN: a frame (or a file tick) is due. */
int	capture_fd(const struct capture *c);

/*
 * After POLLIN: the newest frame, a whole JPEG of at most cap bytes, into
 * buf, its size in *len.  Older frames waiting in the device are dropped.
 * CAPTURE_AGAIN: nothing new; CAPTURE_TOO_LARGE / CAPTURE_NOT_JPEG: this
 * frame was refused (buf unchanged in meaning), the source goes on; other
 * errors: the source is broken.
 */
enum capture_err capture_next(struct capture *c, unsigned char *buf,
	    size_t cap, size_t *len);

void	capture_get_info(const struct capture *c, struct capture_info *info);

/* Stop streaming, unmap, close; NULL is a no-op. */
void	capture_free(struct capture *c);

const char *capture_strerror(enum capture_err e);

/*
 * The length of the JPEG starting at p (SOI .. EOI, markers walked, the
 * entropy-coded data scanned for the next marker), or 0 when p[0..n) does
 * not start with a whole JPEG.  *w, *h (may be NULL) get its SOF size.
 */
size_t	capture_jpeg_length(const unsigned char *p, size_t n, int *w, int *h);

#endif /* BV_CAPTURE_H */
