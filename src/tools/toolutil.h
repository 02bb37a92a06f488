/* toolutil.h: helpers shared by the command-line model tools */
#ifndef BV_TOOLUTIL_H
#define BV_TOOLUTIL_H

#include <stddef.h>

/* snprintf into a path buffer; -1 (and a message on stderr) if it does not fit. */
int	tool_pathf(char *buf, size_t sz, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Read a whole regular file of 1..max bytes into a malloc'd buffer the
 * caller frees.  0, or -1 (nothing allocated).
 */
int	tool_read_file(const char *path, size_t max, unsigned char **buf,
	    size_t *len);

/*
 * The label file of an image, darknet's convention: .../JPEGImages/X.jpg
 * or .../images/X.jpg (the last "images/" path component) ->
 * .../labels/X.txt.  0, or -1 when the path has neither folder or the
 * result does not fit in sz.
 */
int	tool_label_path(const char *img, char *out, size_t sz);

/* One labelled point of chula-rbc: pixel position and class number. */
struct tool_point {
	int	 x, y, cls;
};

/*
 * The labelled points of chula-rbc's image id (DIR/labels/ID.txt, lines
 * "x y class"), at most max of them, in file order.  Their number; 0
 * when the image has no label file; -1 on a line that is not three
 * integers (a message on stderr).
 */
int	tool_chula_points(const char *dir, int id, struct tool_point *pt,
	    int max);

/*
 * Run argv[0] (argv NULL-ended) and wait: its stdout to file out
 * (truncated), its stderr appended to log, at nice 19 when niced.  The
 * exit status (128 + signal when killed), or -1 when it cannot start.
 */
int	tool_run_logged(char **argv, const char *out, const char *log,
	    int niced);

#endif /* BV_TOOLUTIL_H */
