/* evalcount.h: `bv-eval --count` (count bias, spread and interval coverage per source) */
#ifndef BV_EVALCOUNT_H
#define BV_EVALCOUNT_H

/* The whole command; argv as bv-eval's. Exit status. */
int	evalcount_main(int argc, char **argv);

#endif /* BV_EVALCOUNT_H */
