/* adapteval.h: `bv-adapt evaluate`: measure a fine-tuned candidate against the model in use, adopt or refuse it by micadapt_model_decide() */
#ifndef BV_ADAPTEVAL_H
#define BV_ADAPTEVAL_H

/*
 * bv-adapt evaluate --work WORK --results DIR --microscope NAME
 *     --model MODEL --names NAMES --cfg CFG --weights W [--info JSON]
 *     --bv-train PATH [--bv-eval PATH] [--val-lists FILE]
 *     [--figures FIXTURE]
 *
 * argv as main() got it (argv[1] "evaluate").  Exit status: 0 decided
 * and recorded (adopted or refused), 1 failed (nothing recorded), 2 bad
 * arguments.
 */
int	 adapteval_main(int argc, char **argv);

#endif /* BV_ADAPTEVAL_H */
