/* test_vocap.c: VOC AP@0.5 on hand-made cases with known answers */
#include <math.h>
#include <stdio.h>

#include "tools/vocap.h"

static int failures;

static void
near(const char *what, double got, double want)
{
	if (!(fabs(got - want) < 1e-9)) {
		fprintf(stderr, "FAIL %s: got %.9f want %.9f\n", what, got, want);
		failures++;
	}
}

int
main(void)
{
	double ap[3], map;

	/* Perfect detections on two images -> AP 1 for every class. */
	{
		struct vocap_gt gt[] = {
			{ 0, 0, 10, 10, 50, 50, 0 }, { 0, 1, 100, 100, 200, 180, 0 },
			{ 1, 0, 0, 0, 30, 30, 0 }, { 1, 2, 60, 60, 75, 75, 0 },
		};
		struct vocap_det det[] = {
			{ 0, 0, 0.9f, 10, 10, 50, 50 }, { 0, 1, 0.8f, 100, 100, 200, 180 },
			{ 1, 0, 0.7f, 0, 0, 30, 30 }, { 1, 2, 0.6f, 60, 60, 75, 75 },
		};
		if (vocap_eval(gt, 4, det, 4, 2, 3, 0.5, ap, &map) != 0)
			return 99;
		near("perfect RBC", ap[0], 1);
		near("perfect WBC", ap[1], 1);
		near("perfect Platelets", ap[2], 1);
		near("perfect mAP", map, 1);
	}

	/*
	 * Two ground truths; ranked detections: FP (0.9), TP (0.8), TP (0.7).
	 * recall 0, .5, 1; precision 0, 1/2, 2/3.  The envelope is 2/3 from
	 * recall 0 to 1, so AP = 2/3.
	 */
	{
		struct vocap_gt gt[] = {
			{ 0, 0, 0, 0, 10, 10, 0 }, { 0, 0, 20, 20, 30, 30, 0 },
		};
		struct vocap_det det[] = {
			{ 0, 0, 0.9f, 50, 50, 60, 60 },     /* hits nothing */
			{ 0, 0, 0.8f, 0, 0, 10, 10 },
			{ 0, 0, 0.7f, 20, 20, 30, 30 },
		};
		if (vocap_eval(gt, 2, det, 3, 1, 1, 0.5, ap, &map) != 0)
			return 99;
		near("FP first", ap[0], 2.0 / 3.0);
	}

	/*
	 * One ground truth; TP (0.9) then a duplicate of it (0.8) then a
	 * miss: precision 1, 1/2, 1/3 at recall 1 -> AP 1 (duplicates after
	 * full recall cost nothing).  Then FP first with one GT: AP 1/2.
	 */
	{
		struct vocap_gt gt[] = { { 0, 0, 0, 0, 10, 10, 0 } };
		struct vocap_det dup[] = {
			{ 0, 0, 0.9f, 0, 0, 10, 10 }, { 0, 0, 0.8f, 1, 1, 10, 10 },
		};
		struct vocap_det fpfirst[] = {
			{ 0, 0, 0.9f, 0, 0, 10, 4 },        /* IoU 0.4 < 0.5: FP */
			{ 0, 0, 0.8f, 0, 0, 10, 10 },
		};
		if (vocap_eval(gt, 1, dup, 2, 1, 1, 0.5, ap, &map) != 0)
			return 99;
		near("duplicate after TP", ap[0], 1);
		if (vocap_eval(gt, 1, fpfirst, 2, 1, 1, 0.5, ap, &map) != 0)
			return 99;
		near("low-IoU FP first", ap[0], 0.5);
	}

	/*
	 * A class with no ground truth (Platelets here) has an undefined AP:
	 * NAN, left out of the mean, even when it has (false) detections.
	 * A class with ground truth but no detections has AP 0.
	 */
	{
		struct vocap_gt gt[] = { { 0, 0, 0, 0, 10, 10, 0 } };
		struct vocap_det det[] = {
			{ 0, 0, 0.9f, 0, 0, 10, 10 }, { 0, 2, 0.5f, 40, 40, 50, 50 },
		};
		struct vocap_gt gt2[] = {
			{ 0, 0, 0, 0, 10, 10, 0 }, { 0, 1, 20, 20, 40, 40, 0 },
		};
		if (vocap_eval(gt, 1, det, 2, 1, 3, 0.5, ap, &map) != 0)
			return 99;
		near("RBC with GT", ap[0], 1);
		if (!isnan(ap[1]) || !isnan(ap[2])) {
			fprintf(stderr, "FAIL classes without GT must be NAN\n");
			failures++;
		}
		near("mAP over classes with GT only", map, 1);
		if (vocap_eval(gt2, 2, det, 2, 1, 3, 0.5, ap, &map) != 0)
			return 99;
		near("class with GT, no detections", ap[1], 0);
		near("mAP (1 + 0) / 2", map, 0.5);
	}

	/* IoU: half-overlapping equal squares -> 1/3. */
	near("iou", vocap_iou(0, 0, 10, 10, 5, 0, 15, 10), 50.0 / 150.0);

	if (failures)
		return 1;
	printf("PASS vocap\n");
	return 0;
}
