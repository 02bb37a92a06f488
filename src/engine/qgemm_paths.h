/* qgemm_paths.h: the int8 convolution's types and packed form for its paths */
#ifndef BV_QGEMM_PATHS_H
#define BV_QGEMM_PATHS_H

#include <stddef.h>
#include <stdint.h>

/* qgemm.h says what these are. */
enum qgemm_path { QGEMM_C, QGEMM_AVX2, QGEMM_VNNI };

struct qconv_shape {
	int	 h, w, c;		/* input */
	int	 oh, ow, oc;		/* output */
	int	 k, stride, pad;	/* square kernel; pad on every side */
	size_t	 in_stride, out_stride;	/* elements per pixel */
};


/* Output channels per block of packed weights; pixels per VNNI tile. */
#define QG_NB	32
#define QG_MR	8	/* qg_tile_vnni() is written for 8 */
#define QG_KMAX	7

/*
 * Weights packed per block of QG_NB output channels: [block][K / 4]
 * [QG_NB][4] (4 consecutive K entries of one channel together, vpdpbusd's
 * form), K in (ky, kx, c) order, channels past oc zero.  bias: the
 * caller's minus (zi + 128) times each channel's weight sum, as the paths
 * sum (x + 128) * w (unsigned input bytes); channels past oc zero.
 */
struct qconv {
	struct qconv_shape s;
	enum qgemm_path	 path;
	size_t		 kq;		/* K / 4 */
	size_t		 nblk;
	int8_t		*wp;
	int32_t		*bias;
	float		*mul;
	int		 zo, omin;
	int8_t		*zrow;		/* c bytes of zi: the padding */
	size_t		 off[QG_KMAX * QG_KMAX];	/* (ky, kx) from (0, 0) */
};

/* The input row of output pixel m for each (ky, kx): rows[k * k]. */
void	qg_rows(const struct qconv *, const int8_t *in, size_t m,
	    const int8_t **rows);

/* Sums of one pixel (its rows), block blk, 32 channels: C and AVX2. */
void	qg_sum_c(const struct qconv *, const int8_t *const *rows,
	    size_t blk, int32_t *acc);
void	qg_sum_avx2(const struct qconv *, const int8_t *const *rows,
	    size_t blk, int32_t *acc);
/* Pixels m0..m1-1 (at most QG_MR) of block blk, requantised and stored. */
void	qg_tile_vnni(const struct qconv *, const int8_t *in, int8_t *out,
	    size_t m0, size_t m1, size_t blk);
int	qg_have_avx2(void);
int	qg_have_vnni(void);

#endif /* BV_QGEMM_PATHS_H */
