/* quality_model.h: the scene gate's weights (written by bv-quality train; docs/quality.md) */
/* Placeholder before training: accepts every picture. */
#ifndef BV_QUALITY_MODEL_H
#define BV_QUALITY_MODEL_H

static const double quality_model_mean[QF_N] = { 0 };
static const double quality_model_sd[QF_N] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1 };
static const double quality_model_w[QF_N] = { 0 };
static const double quality_model_bias = 10;
static const double quality_model_threshold = 0.5;

#endif /* BV_QUALITY_MODEL_H */
