#!/usr/bin/env python3
# rbc-box-sizes.py: red-cell box sizes against the field's typical size in saved /api/analyze results (the clump cut's evidence)
"""Read OUTDIR/N.json (results of src/tools/rbc-slide-check.sh) and print, for the
red-cell boxes, sqrt(w h) / typical (the field's classes.typical_px, as
rbcmorph.c's RBCMORPH_CLUMP_SIDE rule) and the longer side / typical: per
labelled class when --labels gives chula-rbc's labels folder (boxes holding
exactly one labelled point), else over all boxes; and the boxes above --cut,
largest first, to look at.

usage: rbc-box-sizes.py OUTDIR [--labels CHULA/labels] [--cut 1.4] [--top 10]
"""
import argparse
import glob
import json
import os

NAMES = ["normal", "macrocyte", "microcyte", "spherocyte", "target",
         "stomatocyte", "ovalocyte", "teardrop", "burr", "schistocyte",
         "uncategorised", "hypochromia", "elliptocyte"]


def boxes(outdir):
    """(photo, index, box, area-side ratio, longer-side ratio) of RBC boxes."""
    for path in sorted(glob.glob(os.path.join(outdir, "*.json"))):
        with open(path) as f:
            res = json.load(f)
        cls = (res.get("morphology") or {}).get("classes") or {}
        typ = cls.get("typical_px")
        if not typ:
            continue
        photo = os.path.basename(path)[:-5]
        for i, det in enumerate(res.get("detections", [])):
            if det.get("class") != "RBC":
                continue
            b = det["box"]
            yield (photo, i, b, (b["w"] * b["h"]) ** 0.5 / typ,
                   max(b["w"], b["h"]) / typ)


def points(labels, photo):
    path = os.path.join(labels, photo + ".txt")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [tuple(int(v) for v in line.split()[:3]) for line in f
                if len(line.split()) >= 3]


def quantile(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--labels")
    ap.add_argument("--cut", type=float, default=1.4)
    ap.add_argument("--top", type=int, default=10)
    a = ap.parse_args()
    per, rows = {}, list(boxes(a.outdir))
    for photo, i, b, area, longer in rows:
        key = "all"
        if a.labels:
            inside = [p for p in points(a.labels, photo)
                      if b["x"] <= p[0] <= b["x"] + b["w"]
                      and b["y"] <= p[1] <= b["y"] + b["h"]]
            if len(inside) != 1:
                continue
            key = NAMES[inside[0][2]] if 0 <= inside[0][2] < 13 else "?"
        per.setdefault(key, []).append((area, longer))
    print(f"{len(rows)} red-cell boxes in {a.outdir}; sqrt(w h) / typical "
          f"(area) and longer side / typical (long)")
    for key, v in sorted(per.items()):
        ar = [x[0] for x in v]
        lo = [x[1] for x in v]
        print(f"{key:13s} n {len(v):5d}  area p50 {quantile(ar, .5):.2f} "
              f"p99 {quantile(ar, .99):.2f} max {max(ar):.2f} > {a.cut}: "
              f"{sum(x > a.cut for x in ar)}  long max {max(lo):.2f}")
    big = sorted((r for r in rows if r[3] > a.cut), key=lambda r: -r[3])
    print(f"boxes above {a.cut}: {len(big)}")
    for photo, i, b, area, longer in big[:a.top]:
        print(f"  photo {photo} box {i}: area {area:.3f} long {longer:.2f} "
              f"x {b['x']} y {b['y']} w {b['w']} h {b['h']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
