/* count.c: the counting rule, in one place (count.h) */

#include "base/count.h"
#include "base/num.h"

int
count_counted(double conf, double thr)
{
	return num_round3(conf) >= thr;
}
