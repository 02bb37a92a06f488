/* capcli.c: bv-capture's command line and its start-up checks */

#include "tools/capcli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(void)
{
	fprintf(stderr, "usage: bv-capture [--device /dev/videoN | --file "
	    "CLIP.mjpeg|DIR] [--listen HOST:PORT|/path.sock]\n"
	    "       [--size WxH] [--fps N] [--max-frame BYTES] "
	    "[--max-clients N] [--quality Q]\n"
	    "       [--token-file FILE | --no-token]\n");
	exit(2);
}

/*
 * The secret of file path (its first line, 16 to 128 printable bytes)
 * into token; -1 with a sentence in err.
 */
static int
token_load(const char *path, char *token, char *err, size_t errsz)
{
	FILE	*f;
	size_t	 n, i;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "--token-file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fgets(token, CAPCLI_TOKEN_MAX + 1, f) == NULL)
		token[0] = '\0';
	fclose(f);
	token[strcspn(token, "\r\n")] = '\0';
	n = strlen(token);
	for (i = 0; i < n; i++)
		if (token[i] <= ' ' || token[i] > '~')
			break;
	if (n < CAPCLI_TOKEN_MIN || i < n) {
		snprintf(err, errsz, "--token-file %s: its first line must "
		    "be %d to %d printable bytes without spaces", path,
		    CAPCLI_TOKEN_MIN, CAPCLI_TOKEN_MAX);
		return -1;
	}
	return 0;
}

/* A strictly parsed number in [lo, hi]; -1 if not. */
static int
parse_num(const char *s, double lo, double hi, double *v)
{
	char	*end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(*v >= lo && *v <= hi))
		return -1;
	return 0;
}

/* One option; 0, or 2 with a sentence on stderr. */
static int
capcli_option(struct capcli *c, int ch, const char *arg)
{
	char	*x;
	double	 v;

	switch (ch) {
	case 'd': c->device = arg; break;
	case 'f': c->file = arg; break;
	case 'l': c->listen_at = arg; break;
	case 't': c->token_file = arg; break;
	case 'n': c->no_token = 1; break;
	case 's':
		c->o.width = (int)strtol(arg, &x, 10);
		if (*x != 'x' || c->o.width < 16 || c->o.width > 8192 ||
		    (c->o.height = (int)strtol(x + 1, &x, 10)) < 16 ||
		    c->o.height > 8192 || *x != '\0') {
			fprintf(stderr, "bv-capture: --size: WxH "
			    "expected (16..8192), not \"%s\"\n", arg);
			return 2;
		}
		break;
	case 'r':
		if (parse_num(arg, 0.1, 120, &c->o.fps) == -1) {
			fprintf(stderr, "bv-capture: --fps: a number "
			    "from 0.1 to 120 expected\n");
			return 2;
		}
		break;
	case 'm':
		if (parse_num(arg, 1024, 64.0 * 1024 * 1024, &v) == -1) {
			fprintf(stderr, "bv-capture: --max-frame: bytes "
			    "from 1024 to 67108864 expected\n");
			return 2;
		}
		c->o.max_frame = (size_t)v;
		break;
	case 'c':
		if (parse_num(arg, 1, 256, &v) == -1) {
			fprintf(stderr, "bv-capture: --max-clients: 1 "
			    "to 256 expected\n");
			return 2;
		}
		c->maxcl = (size_t)v;
		break;
	case 'q':
		if (parse_num(arg, 1, 100, &v) == -1) {
			fprintf(stderr, "bv-capture: --quality: 1 to "
			    "100 expected\n");
			return 2;
		}
		c->o.quality = (int)v;
		break;
	default:
		usage();
	}
	return 0;
}

int
capcli_parse(int argc, char *argv[], struct capcli *c)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "file", required_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "fps", required_argument, NULL, 'r' },
		{ "max-frame", required_argument, NULL, 'm' },
		{ "max-clients", required_argument, NULL, 'c' },
		{ "quality", required_argument, NULL, 'q' },
		{ "token-file", required_argument, NULL, 't' },
		{ "no-token", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct capture_opts	 o = { 640, 480, 15, 2 * 1024 * 1024, 85 };
	char			 err[512];
	int			 ch;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->listen_at = "127.0.0.1:8091";
	c->maxcl = 8;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (capcli_option(c, ch, optarg) != 0)
			return 2;
	if (optind != argc || (c->device != NULL && c->file != NULL) ||
	    (c->token_file != NULL && c->no_token))
		usage();
	if (c->token_file != NULL && token_load(c->token_file, c->token, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "bv-capture: %s\n", err);
		return 2;
	}
	if (c->listen_at[0] != '/' && c->token_file == NULL && !c->no_token) {
		fprintf(stderr, "bv-capture: on a TCP port every local user "
		    "could watch the camera: give --token-file (the web "
		    "server sends its secret) or --listen /path.sock, or "
		    "--no-token to allow it anyway\n");
		return 2;
	}
	return 0;
}
