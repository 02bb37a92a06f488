/* trainanchors.h: `bv-train anchors`: YOLO anchors by k-means on the label boxes */
#ifndef BV_TRAINANCHORS_H
#define BV_TRAINANCHORS_H

/* argv after "anchors": --list L (repeatable) [--size 256] [--k 6];
 * prints the anchors; exit status. */
int	trainanchors_main(int argc, char **argv);

#endif /* BV_TRAINANCHORS_H */
