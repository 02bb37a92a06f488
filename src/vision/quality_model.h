/* quality_model.h: the scene gate's weights (written by bv-quality train; docs/quality.md) */
#ifndef BV_QUALITY_MODEL_H
#define BV_QUALITY_MODEL_H

/* feature order: quality.h enum quality_feature */
static const double quality_model_mean[QF_N] = { 0.666929, 0.102047, 0.768135, 0.192832, 0.439875, 0.114398, 0.0490187, 0.493156, 0.113253, 0.259325, 0.141509, 3.14564, 0.537113, 0.255793, 0.329976, 0.882841, -0.138607, 0.162459, 0.126248 };
static const double quality_model_sd[QF_N] = { 0.119065, 0.0483736, 0.12935, 0.120405, 0.244858, 0.157129, 0.118315, 0.182018, 0.0375281, 0.0619379, 0.0920877, 1.19132, 0.218915, 0.224075, 0.182184, 0.194256, 0.0851522, 0.266034, 0.182508 };
static const double quality_model_w[QF_N] = { 0.556654, -0.630181, -0.549389, -0.809616, -0.455798, 0.852173, -0.151273, 2.24879, -1.57586, 1.61378, -0.0217463, 0.832791, 0.206046, 0.299375, 1.03881, 2.82087, 0.702172, -1.29499, -0.448749 };
static const double quality_model_bias = 4.00794;
static const double quality_model_threshold = 0.0510885;

#endif /* BV_QUALITY_MODEL_H */
