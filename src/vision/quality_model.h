/* quality_model.h: the scene gate's weights (written by bv-quality train; docs/quality.md) */
#ifndef BV_QUALITY_MODEL_H
#define BV_QUALITY_MODEL_H

/* feature order: quality.h enum quality_feature */
static const double quality_model_mean[QF_N] = { 0.659895, 0.0954572, 0.754459, 0.195689, 0.463974, 0.104969, 0.054181, 0.472585, 0.106117, 0.248384, 0.125919, 2.8055, 0.419614, 0.225896, 0.232003, 0.829468, -0.119226, 0.186421, 0.0478911 };
static const double quality_model_sd[QF_N] = { 0.150723, 0.0504931, 0.159799, 0.131883, 0.278564, 0.187213, 0.122983, 0.189395, 0.0388949, 0.0706068, 0.0934596, 1.26484, 0.198171, 0.278474, 0.213436, 0.230022, 0.0829251, 0.299044, 0.104868 };
static const double quality_model_w[QF_N] = { 0.21436, -1.48081, -0.567145, -0.967096, 0.125974, 0.0406736, -0.156844, 1.63759, -1.24752, 0.00383047, 0.305861, 0.46443, 3.11713, -0.0313733, 0.706123, 0.298792, 0.137403, -0.296883, 0.110342 };
static const double quality_model_bias = 5.53488;
static const double quality_model_threshold = 0.257111;

#endif /* BV_QUALITY_MODEL_H */
