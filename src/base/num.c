/* num.c: the rounding the API's JSON shows */

#include "base/num.h"

#include <math.h>

double
num_round1(double v)
{
	return round(v * 10) / 10;
}

double
num_round3(double v)
{
	return round(v * 1000) / 1000;
}
