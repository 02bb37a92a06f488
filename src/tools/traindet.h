/* traindet.h: bv-train's detector commands (training, eval, init-only) */
#ifndef BV_TRAINDET_H
#define BV_TRAINDET_H

#include "tools/trainnet.h"

/* Train a YOLO detector (bv-train --cfg --train --out); exit status. */
int	traindet_train(const struct opts *o);

/* `bv-train eval`: VOC mAP@0.5 of one weights file on lists; exit status. */
int	traindet_eval(const struct opts *o);

/* `bv-train --init-only OUT`: random weights from the seed; exit status. */
int	traindet_init_only(const struct opts *o);

#endif /* BV_TRAINDET_H */
