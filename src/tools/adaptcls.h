/* adaptcls.h: `bv-adapt cls-prepare` and `cls-evaluate`: fine-tune the white-cell classifier on one microscope's reviewed types */
#ifndef BV_ADAPTCLS_H
#define BV_ADAPTCLS_H

/*
 * bv-adapt cls-prepare --results DIR --microscope NAME --names NAMES
 *     --pbc PBC_CELLS --out WORK [--repeat 3] [--replay-n 300] [--seed 26]
 *   collects the white cells typed by reviews (wbcdata.h: the newest
 *   wbc-types-V.json of each result whose microscope is NAME; types not
 *   in NAMES skipped), writes each crop as WORK/cells/KEY.jpg resampled
 *   so its box is the pbc-cells evaluation box (135 px, margin 0.2:
 *   189 px), splits them by micadapt_split() on "RESULT/CROP" keys (the
 *   detector's split) and writes WORK/index.csv (pbc-cells' format,
 *   through the link WORK/pbc): split train = the fit crops --repeat
 *   times and --replay-n pbc-cells train rows drawn (seeded), so the
 *   model keeps what it knew; val = the fit crops (bv-train's log only);
 *   held = the held-out crops; pbcval = pbc-cells val.  Written beside
 *   and renamed.  Exit 0, 1 failed, 2 too few crops (fewer than
 *   MICADAPT_MIN_CELLS on either side).
 *
 * bv-adapt cls-evaluate --work WORK --bv-calib-cls PATH --cfg CFG
 *     --weights W --model JSON --names NAMES --pbc PBC_CELLS
 *     [--candidate WORK/run/final.weights]
 *   fits the candidate's calibration as the shipped one was (bv-calib-cls
 *   fit on pbc-cells train and val, --normalise 1), then measures the
 *   candidate and the classifier in use as the server types (bv-calib-cls
 *   eval: accuracy, confidently wrong among typed) on the held-out crops
 *   and pbc-cells val, decides by micadapt_cls_decide() and writes
 *   WORK/cls-evaluation.json.  Evaluated only: no microscope serves a
 *   fine-tuned classifier yet ("served": false).  Exit 0 decided, 1 failed.
 *
 * argv as main() got it.  64 for bad arguments (bv-adapt prints usage).
 */
int	 adaptcls_prepare_main(int argc, char **argv);
int	 adaptcls_evaluate_main(int argc, char **argv);

#endif /* BV_ADAPTCLS_H */
