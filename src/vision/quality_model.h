/* quality_model.h: the scene gate's weights (written by bv-quality train; docs/quality.md) */
#ifndef BV_QUALITY_MODEL_H
#define BV_QUALITY_MODEL_H

/* feature order: quality.h enum quality_feature */
static const double quality_model_mean[QF_N] = { 0.661778, 0.097391, 0.758313, 0.195325, 0.458473, 0.107987, 0.0529682, 0.479286, 0.107609, 0.250969, 0.130025, 2.80058, 0.421727, 0.223382, 0.230416, 0.832477, -0.121534, 0.184339, 0.0488429 };
static const double quality_model_sd[QF_N] = { 0.143852, 0.0503035, 0.153131, 0.130576, 0.2693, 0.181935, 0.121805, 0.186838, 0.0383133, 0.0687937, 0.0927733, 1.25063, 0.197365, 0.275244, 0.209601, 0.226142, 0.0835737, 0.295962, 0.106486 };
static const double quality_model_w[QF_N] = { 0.27939, -1.47224, -0.53316, -0.964467, 0.0962142, 0.0850709, -0.150975, 1.68409, -1.21708, 0.100596, 0.29143, 0.394193, 3.12231, -0.0822879, 0.641237, 0.231291, 0.157423, -0.310711, 0.142152 };
static const double quality_model_bias = 5.49855;
static const double quality_model_threshold = 0.214763;

#endif /* BV_QUALITY_MODEL_H */
