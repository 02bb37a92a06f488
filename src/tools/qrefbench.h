/* qrefbench.h: time building a microscope's field-quality reference from a store of sampled results */
#ifndef BV_QREFBENCH_H
#define BV_QREFBENCH_H

/*
 * bv-quality refbench [SAMPLES [FIELDS]]: a scratch results store of
 * SAMPLES samples (default 50) of FIELDS results each (default 20), all
 * recorded with one microscope; prints the median time of
 * qualityref_for() when the process has never read the store, when
 * nothing changed since its last call, and after each of a run of
 * attaches.  Returns the exit status.
 */
int	 qrefbench_run(int argc, char **argv);

#endif /* BV_QREFBENCH_H */
