/* capture.c: camera frames as JPEGs: a V4L2 device (MJPEG, or YUYV encoded here) or a file source */
/*
 * Two sources behind one poll()able descriptor.  A V4L2 device is driven
 * with plain ioctls and memory-mapped streaming I/O (the kernel's "Streaming
 * I/O (Memory Mapping)" chapter): QUERYCAP, S_FMT (MJPEG, which USB
 * microscope cameras send, else YUYV, which this file encodes with
 * libjpeg), REQBUFS, QUERYBUF + mmap, QBUF, STREAMON, then DQBUF when the
 * descriptor is readable.  Every buffer that is ready is dequeued and all
 * but the last handed straight back: the caller only ever sees the newest
 * frame, never a backlog.  A file source (an MJPEG clip or a directory of
 * JPEGs) ticks on a timerfd at the asked rate, for tests and boxes without
 * a camera.  Frames are checked to be one whole JPEG and bounded in size
 * before they are copied out.
 */

#define _DEFAULT_SOURCE

#include "capture/capture.h"
#include "image/imgio.h"

#include <linux/videodev2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define CAPTURE_NBUF		4	/* driver buffers asked for */
#define CAPTURE_MAX_FILES	100000	/* frames in a clip or directory */

enum capture_kind { KIND_V4L2, KIND_CLIP, KIND_DIR };

struct capture_buf {
	void	*start;
	size_t	 len;
};

struct capture {
	enum capture_kind	 kind;
	int			 fd;		/* device or timerfd */
	int			 w, h;
	const char		*format;
	/* V4L2 */
	struct capture_buf	 bufs[CAPTURE_NBUF];
	unsigned		 nbufs;
	unsigned		 pixfmt;
	unsigned		 bytesperline;
	int			 streaming;
	int			 quality;
	/* clip: the mapped file and its frames */
	unsigned char		*map;
	size_t			 maplen;
	size_t			*off, *len;
	size_t			 nframes;
	/* directory: the file names */
	char			*dir;
	struct dirent		**names;
	int			 nnames;
	size_t			 next;
};

const char *
capture_strerror(enum capture_err e)
{
	switch (e) {
	case CAPTURE_OK:		return "ok";
	case CAPTURE_AGAIN:		return "no new frame";
	case CAPTURE_OPEN:		return "cannot open";
	case CAPTURE_NOT_V4L2:		return "not a V4L2 device";
	case CAPTURE_NOT_CAPTURE:	return "not a V4L2 capture device";
	case CAPTURE_FORMAT:		return "no MJPEG or YUYV format";
	case CAPTURE_BUFFERS:		return "cannot set up capture buffers";
	case CAPTURE_STREAM:		return "streaming failed";
	case CAPTURE_NOT_JPEG:		return "not a whole JPEG";
	case CAPTURE_NO_FRAMES:		return "no frames";
	case CAPTURE_TOO_LARGE:		return "frame over the size limit";
	case CAPTURE_IO:		return "I/O error";
	case CAPTURE_NOMEM:		return "out of memory";
	}
	return "unknown error";
}

static enum capture_err
fail(enum capture_err e, char *err, size_t errsz, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return e;
}

size_t
capture_jpeg_length(const unsigned char *p, size_t n, int *w, int *h)
{
	size_t	 i = 2, seg;
	int	 m, sos = 0, sof = 0;

	if (w != NULL)
		*w = 0;
	if (h != NULL)
		*h = 0;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return 0;
	for (;;) {
		if (i >= n || p[i] != 0xFF)
			return 0;
		while (i < n && p[i] == 0xFF)	/* fill bytes (T.81 B.1.1.2) */
			i++;
		if (i >= n)
			return 0;
		m = p[i++];
		if (m == 0xD9)			/* EOI */
			return sos && sof ? i : 0;
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0x00)
			continue;		/* no length field */
		if (i + 2 > n)
			return 0;
		seg = (size_t)p[i] << 8 | p[i + 1];
		if (seg < 2 || seg > n - i)
			return 0;
		/* SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC) */
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 &&
		    m != 0xCC && seg >= 7) {
			sof = 1;
			if (h != NULL)
				*h = p[i + 3] << 8 | p[i + 4];
			if (w != NULL)
				*w = p[i + 5] << 8 | p[i + 6];
		}
		i += seg;
		if (m != 0xDA)
			continue;
		/* entropy-coded data: 0xFF is stuffed (FF 00); RSTn inside */
		sos = 1;
		for (;;) {
			if (i + 1 >= n)
				return 0;
			if (p[i] == 0xFF && p[i + 1] != 0x00 &&
			    p[i + 1] != 0xFF &&
			    !(p[i + 1] >= 0xD0 && p[i + 1] <= 0xD7))
				break;
			i++;
		}
	}
}

static int
xioctl(int fd, unsigned long req, void *arg)
{
	int	 r;

	do
		r = ioctl(fd, req, arg);
	while (r == -1 && errno == EINTR);
	return r;
}

static struct capture *
capture_alloc(enum capture_kind kind)
{
	struct capture	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->kind = kind;
	c->fd = -1;
	return c;
}

/* Ask for one pixel format; 1 when the driver took it. */
static int
try_format(int fd, unsigned pixfmt, const struct capture_opts *o,
    struct v4l2_format *f)
{
	memset(f, 0, sizeof(*f));
	f->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f->fmt.pix.width = (unsigned)o->width;
	f->fmt.pix.height = (unsigned)o->height;
	f->fmt.pix.pixelformat = pixfmt;
	f->fmt.pix.field = V4L2_FIELD_ANY;
	if (xioctl(fd, VIDIOC_S_FMT, f) == -1)
		return 0;
	if (pixfmt == V4L2_PIX_FMT_MJPEG)
		return f->fmt.pix.pixelformat == V4L2_PIX_FMT_MJPEG ||
		    f->fmt.pix.pixelformat == V4L2_PIX_FMT_JPEG;
	return f->fmt.pix.pixelformat == pixfmt;
}

/* MJPEG, else YUYV, at the asked size; the frame rate asked as a wish. */
static enum capture_err
set_format(struct capture *c, const char *path, const struct capture_opts *o,
    char *err, size_t errsz)
{
	struct v4l2_format	 f;
	struct v4l2_streamparm	 parm;

	if (try_format(c->fd, V4L2_PIX_FMT_MJPEG, o, &f))
		c->format = "MJPEG";
	else if (try_format(c->fd, V4L2_PIX_FMT_YUYV, o, &f))
		c->format = "YUYV";
	else
		return fail(CAPTURE_FORMAT, err, errsz, "%s offers neither "
		    "MJPEG nor YUYV (VIDIOC_S_FMT)", path);
	c->pixfmt = f.fmt.pix.pixelformat;
	c->w = (int)f.fmt.pix.width;
	c->h = (int)f.fmt.pix.height;
	c->bytesperline = f.fmt.pix.bytesperline ? f.fmt.pix.bytesperline :
	    f.fmt.pix.width * 2;
	/* the rate is a wish: many UVC cameras ignore it in low light */
	memset(&parm, 0, sizeof(parm));
	parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	parm.parm.capture.timeperframe.numerator = 1000;
	parm.parm.capture.timeperframe.denominator =
	    (unsigned)(o->fps * 1000 + 0.5);
	(void)xioctl(c->fd, VIDIOC_S_PARM, &parm);
	return CAPTURE_OK;
}

/* The driver's buffers mapped and queued (at least 2, all it gave). */
static enum capture_err
map_buffers(struct capture *c, const char *path, char *err, size_t errsz)
{
	struct v4l2_requestbuffers	 rb;
	struct v4l2_buffer		 b;
	unsigned			 i;

	memset(&rb, 0, sizeof(rb));
	rb.count = CAPTURE_NBUF;
	rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	rb.memory = V4L2_MEMORY_MMAP;
	if (xioctl(c->fd, VIDIOC_REQBUFS, &rb) == -1 || rb.count < 2)
		return fail(CAPTURE_BUFFERS, err, errsz, "%s: VIDIOC_REQBUFS "
		    "(mmap) failed: %s", path, strerror(errno));
	for (i = 0; i < rb.count && i < CAPTURE_NBUF; i++) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(c->fd, VIDIOC_QUERYBUF, &b) == -1)
			break;
		c->bufs[i].start = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
		    MAP_SHARED, c->fd, b.m.offset);
		if (c->bufs[i].start == MAP_FAILED) {
			c->bufs[i].start = NULL;
			break;
		}
		c->bufs[i].len = b.length;
		c->nbufs++;
		if (xioctl(c->fd, VIDIOC_QBUF, &b) == -1)
			break;
	}
	if (c->nbufs < 2 || i < c->nbufs)
		return fail(CAPTURE_BUFFERS, err, errsz, "%s: cannot map and "
		    "queue the capture buffers: %s", path, strerror(errno));
	return CAPTURE_OK;
}

enum capture_err
capture_open_device(const char *path, const struct capture_opts *o,
    struct capture **out, char *err, size_t errsz)
{
	struct capture			*c;
	struct v4l2_capability		 cap;
	enum capture_err		 e;
	unsigned			 caps;
	enum v4l2_buf_type		 type = V4L2_BUF_TYPE_VIDEO_CAPTURE;

	*out = NULL;
	if ((c = capture_alloc(KIND_V4L2)) == NULL)
		return fail(CAPTURE_NOMEM, err, errsz, "out of memory");
	c->quality = o->quality;
	if ((c->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		e = fail(CAPTURE_OPEN, err, errsz, "cannot open %s: %s", path,
		    strerror(errno));
		goto bad;
	}
	memset(&cap, 0, sizeof(cap));
	if (xioctl(c->fd, VIDIOC_QUERYCAP, &cap) == -1) {
		e = fail(CAPTURE_NOT_V4L2, err, errsz, "%s is not a V4L2 "
		    "capture device (VIDIOC_QUERYCAP: %s)", path,
		    strerror(errno));
		goto bad;
	}
	caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps :
	    cap.capabilities;
	if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
		e = fail(CAPTURE_NOT_CAPTURE, err, errsz, "%s (%.32s) is not a "
		    "V4L2 capture device with streaming I/O", path,
		    (const char *)cap.card);
		goto bad;
	}
	if ((e = set_format(c, path, o, err, errsz)) != CAPTURE_OK ||
	    (e = map_buffers(c, path, err, errsz)) != CAPTURE_OK)
		goto bad;
	if (xioctl(c->fd, VIDIOC_STREAMON, &type) == -1) {
		e = fail(CAPTURE_STREAM, err, errsz, "%s: VIDIOC_STREAMON: %s",
		    path, strerror(errno));
		goto bad;
	}
	c->streaming = 1;
	*out = c;
	return CAPTURE_OK;
bad:
	capture_free(c);
	return e;
}

static unsigned char
clamp255(int v)
{
	return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)v;
}

/* YUYV (4:2:2, BT.601 studio range) to a JPEG in buf. */
static enum capture_err
yuyv_to_jpeg(const struct capture *c, const unsigned char *src, size_t n,
    unsigned char *buf, size_t cap, size_t *len)
{
	struct img	 im;
	unsigned char	*jpg = NULL, *d;
	const unsigned char *s;
	size_t		 jlen = 0;
	int		 x, y, k, cy, cu, cv;
	enum capture_err e = CAPTURE_OK;

	if (c->w <= 0 || c->h <= 0 || c->w % 2 != 0 ||
	    (size_t)c->bytesperline * (size_t)c->h > n)
		return CAPTURE_NOT_JPEG;
	im.w = c->w;
	im.h = c->h;
	if ((im.rgb = malloc((size_t)c->w * c->h * 3)) == NULL)
		return CAPTURE_NOMEM;
	for (y = 0; y < c->h; y++) {
		s = src + (size_t)y * c->bytesperline;
		d = im.rgb + (size_t)y * c->w * 3;
		for (x = 0; x < c->w; x += 2, s += 4) {
			cu = s[1] - 128;
			cv = s[3] - 128;
			for (k = 0; k < 2; k++) {
				cy = 298 * ((k ? s[2] : s[0]) - 16);
				*d++ = clamp255((cy + 409 * cv + 128) >> 8);
				*d++ = clamp255((cy - 100 * cu - 208 * cv +
				    128) >> 8);
				*d++ = clamp255((cy + 516 * cu + 128) >> 8);
			}
		}
	}
	if (imgio_encode_jpeg(&im, c->quality, &jpg, &jlen) != 0)
		e = CAPTURE_IO;
	else if (jlen > cap)
		e = CAPTURE_TOO_LARGE;
	else {
		memcpy(buf, jpg, jlen);
		*len = jlen;
	}
	free(jpg);
	free(im.rgb);
	return e;
}

static enum capture_err
device_next(struct capture *c, unsigned char *buf, size_t cap, size_t *len)
{
	struct v4l2_buffer	 b, last;
	const unsigned char	*p;
	enum capture_err	 e;
	size_t			 jl;
	int			 have = 0, w, h;

	/* drain: keep the newest, hand the older ones straight back */
	for (;;) {
		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		if (xioctl(c->fd, VIDIOC_DQBUF, &b) == -1) {
			if (errno == EAGAIN)
				break;
			if (have)
				(void)xioctl(c->fd, VIDIOC_QBUF, &last);
			return CAPTURE_STREAM;
		}
		if (have)
			(void)xioctl(c->fd, VIDIOC_QBUF, &last);
		last = b;
		have = 1;
	}
	if (!have)
		return CAPTURE_AGAIN;
	if (last.index >= c->nbufs || last.bytesused > c->bufs[last.index].len ||
	    (last.flags & V4L2_BUF_FLAG_ERROR))
		e = CAPTURE_NOT_JPEG;
	else if (c->pixfmt == V4L2_PIX_FMT_YUYV)
		e = yuyv_to_jpeg(c, c->bufs[last.index].start, last.bytesused,
		    buf, cap, len);
	else {
		p = c->bufs[last.index].start;
		/* drivers may pad bytesused: the JPEG ends at its EOI */
		if ((jl = capture_jpeg_length(p, last.bytesused, &w, &h)) == 0)
			e = CAPTURE_NOT_JPEG;
		else if (jl > cap)
			e = CAPTURE_TOO_LARGE;
		else {
			memcpy(buf, p, jl);
			*len = jl;
			c->w = w;
			c->h = h;
			e = CAPTURE_OK;
		}
	}
	if (xioctl(c->fd, VIDIOC_QBUF, &last) == -1)
		return CAPTURE_STREAM;
	return e;
}

static int
is_jpeg_name(const struct dirent *d)
{
	const char	*dot;

	if (d->d_name[0] == '.' || (dot = strrchr(d->d_name, '.')) == NULL)
		return 0;
	return strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0;
}

static enum capture_err
open_dir(struct capture *c, const char *path, char *err, size_t errsz)
{
	if ((c->dir = strdup(path)) == NULL)
		return fail(CAPTURE_NOMEM, err, errsz, "out of memory");
	c->nnames = scandir(path, &c->names, is_jpeg_name, alphasort);
	if (c->nnames < 0) {
		c->nnames = 0;
		return fail(CAPTURE_OPEN, err, errsz, "cannot read the "
		    "directory %s: %s", path, strerror(errno));
	}
	if (c->nnames == 0)
		return fail(CAPTURE_NO_FRAMES, err, errsz, "%s holds no .jpg "
		    "or .jpeg file", path);
	if (c->nnames > CAPTURE_MAX_FILES)
		return fail(CAPTURE_NO_FRAMES, err, errsz, "%s holds more "
		    "than %d frames", path, CAPTURE_MAX_FILES);
	c->format = "JPEG files";
	return CAPTURE_OK;
}

static enum capture_err
open_clip(struct capture *c, const char *path, int fd, size_t size,
    size_t max_frame, char *err, size_t errsz)
{
	size_t	 pos = 0, l, fit = 0, cap = 0;
	size_t	*no, *nl;

	if (size == 0)
		return fail(CAPTURE_NO_FRAMES, err, errsz, "%s is empty",
		    path);
	c->map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return fail(CAPTURE_IO, err, errsz, "cannot map %s: %s", path,
		    strerror(errno));
	}
	c->maplen = size;
	while (pos < size) {
		if ((l = capture_jpeg_length(c->map + pos, size - pos, NULL,
		    NULL)) == 0)
			return fail(CAPTURE_NOT_JPEG, err, errsz, "%s: no whole "
			    "JPEG at byte %zu (a clip is JPEG frames back to "
			    "back)", path, pos);
		if (c->nframes == cap) {
			if (cap >= CAPTURE_MAX_FILES)
				return fail(CAPTURE_NO_FRAMES, err, errsz, "%s "
				    "holds more than %d frames", path,
				    CAPTURE_MAX_FILES);
			cap = cap ? cap * 2 : 64;
			if ((no = realloc(c->off, cap * sizeof(*no))) == NULL)
				return fail(CAPTURE_NOMEM, err, errsz,
				    "out of memory");
			c->off = no;
			if ((nl = realloc(c->len, cap * sizeof(*nl))) == NULL)
				return fail(CAPTURE_NOMEM, err, errsz,
				    "out of memory");
			c->len = nl;
		}
		c->off[c->nframes] = pos;
		c->len[c->nframes++] = l;
		fit += l <= max_frame;
		pos += l;
	}
	if (fit == 0)
		return fail(CAPTURE_TOO_LARGE, err, errsz, "%s: every frame is "
		    "over the %zu-byte limit", path, max_frame);
	c->format = "MJPEG clip";
	return CAPTURE_OK;
}

enum capture_err
capture_open_file(const char *path, const struct capture_opts *o,
    struct capture **out, char *err, size_t errsz)
{
	struct capture		*c;
	struct itimerspec	 its;
	struct stat		 sb;
	enum capture_err	 e;
	int			 fd;
	long			 ns;

	*out = NULL;
	if (!(o->fps > 0 && o->fps <= 1000))
		return fail(CAPTURE_OPEN, err, errsz, "the file source's rate "
		    "must be above 0 and at most 1000 frames/s");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fail(CAPTURE_OPEN, err, errsz, "cannot open %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return fail(CAPTURE_IO, err, errsz, "cannot stat %s: %s", path,
		    strerror(errno));
	}
	if ((c = capture_alloc(S_ISDIR(sb.st_mode) ? KIND_DIR : KIND_CLIP)) ==
	    NULL) {
		close(fd);
		return fail(CAPTURE_NOMEM, err, errsz, "out of memory");
	}
	if (c->kind == KIND_DIR)
		e = open_dir(c, path, err, errsz);
	else if (!S_ISREG(sb.st_mode))
		e = fail(CAPTURE_OPEN, err, errsz, "%s is neither a file nor "
		    "a directory", path);
	else
		e = open_clip(c, path, fd, (size_t)sb.st_size, o->max_frame,
		    err, errsz);
	close(fd);
	if (e != CAPTURE_OK)
		goto bad;
	if ((c->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1) {
		e = fail(CAPTURE_IO, err, errsz, "timerfd_create: %s",
		    strerror(errno));
		goto bad;
	}
	ns = (long)(1e9 / o->fps);
	its.it_interval.tv_sec = ns / 1000000000L;
	its.it_interval.tv_nsec = ns % 1000000000L;
	its.it_value.tv_sec = 0;
	its.it_value.tv_nsec = 1000000;		/* the first frame at once */
	if (timerfd_settime(c->fd, 0, &its, NULL) == -1) {
		e = fail(CAPTURE_IO, err, errsz, "timerfd_settime: %s",
		    strerror(errno));
		goto bad;
	}
	*out = c;
	return CAPTURE_OK;
bad:
	capture_free(c);
	return e;
}

/* One directory file into buf, bounded before it is read. */
static enum capture_err
dir_frame(struct capture *c, const char *name, unsigned char *buf,
    size_t cap, size_t *len)
{
	char		 path[4096];
	struct stat	 sb;
	size_t		 got = 0;
	ssize_t		 r;
	int		 fd, w, h;
	enum capture_err e = CAPTURE_OK;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", c->dir, name) >=
	    sizeof(path) || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return CAPTURE_IO;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode))
		e = CAPTURE_IO;
	else if ((size_t)sb.st_size > cap)
		e = CAPTURE_TOO_LARGE;
	else
		while (got < (size_t)sb.st_size) {
			r = read(fd, buf + got, (size_t)sb.st_size - got);
			if (r <= 0) {
				if (r == -1 && errno == EINTR)
					continue;
				e = CAPTURE_IO;
				break;
			}
			got += (size_t)r;
		}
	close(fd);
	if (e != CAPTURE_OK)
		return e;
	if ((*len = capture_jpeg_length(buf, got, &w, &h)) == 0)
		return CAPTURE_NOT_JPEG;
	c->w = w;
	c->h = h;
	return CAPTURE_OK;
}

static enum capture_err
file_next(struct capture *c, unsigned char *buf, size_t cap, size_t *len)
{
	uint64_t	 ticks;
	size_t		 i;
	int		 w, h;

	/* missed ticks are not made up: one frame per wake-up */
	if (read(c->fd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks))
		return errno == EAGAIN || errno == EINTR ? CAPTURE_AGAIN :
		    CAPTURE_IO;
	if (c->kind == KIND_DIR) {
		i = c->next++ % (size_t)c->nnames;
		return dir_frame(c, c->names[i]->d_name, buf, cap, len);
	}
	i = c->next++ % c->nframes;
	if (c->len[i] > cap)
		return CAPTURE_TOO_LARGE;
	memcpy(buf, c->map + c->off[i], c->len[i]);
	*len = c->len[i];
	(void)capture_jpeg_length(buf, *len, &w, &h);
	c->w = w;
	c->h = h;
	return CAPTURE_OK;
}

int
capture_fd(const struct capture *c)
{
	return c->fd;
}

enum capture_err
capture_next(struct capture *c, unsigned char *buf, size_t cap, size_t *len)
{
	return c->kind == KIND_V4L2 ? device_next(c, buf, cap, len) :
	    file_next(c, buf, cap, len);
}

void
capture_get_info(const struct capture *c, struct capture_info *info)
{
	info->kind = c->kind == KIND_V4L2 ? "v4l2" : "file";
	info->format = c->format != NULL ? c->format : "";
	info->width = c->w;
	info->height = c->h;
}

void
capture_free(struct capture *c)
{
	enum v4l2_buf_type	 type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_requestbuffers rb;
	unsigned		 i;
	int			 k;

	if (c == NULL)
		return;
	if (c->streaming)
		(void)xioctl(c->fd, VIDIOC_STREAMOFF, &type);
	for (i = 0; i < c->nbufs; i++)
		munmap(c->bufs[i].start, c->bufs[i].len);
	if (c->kind == KIND_V4L2 && c->nbufs > 0) {
		memset(&rb, 0, sizeof(rb));
		rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		rb.memory = V4L2_MEMORY_MMAP;
		(void)xioctl(c->fd, VIDIOC_REQBUFS, &rb);	/* count 0 */
	}
	if (c->fd != -1)
		close(c->fd);
	if (c->map != NULL)
		munmap(c->map, c->maplen);
	free(c->off);
	free(c->len);
	for (k = 0; k < c->nnames; k++)
		free(c->names[k]);
	free(c->names);
	free(c->dir);
	free(c);
}
