#!/usr/bin/env python3
# rbc-slide-check.py: classes of labelled and unlabelled detected red cells per group of chula-rbc photos (the elliptocyte slide check)
# usage: python3 src/tools/rbc-slide-check.py OUTDIR [DATASET]   (OUTDIR from rbc-slide-check.sh)
# A detected, classified cell is "labelled" when exactly one chula point lies in its box.
# Prints, per group, the best class of labelled cells by their label, of unlabelled cells, and
# how many unlabelled cells with a near-square box (long/short side < 1.1) are called elliptocyte.
import collections
import json
import os
import sys

NAMES = ['normal', 'macrocyte', 'microcyte', 'spherocyte', 'target', 'stomatocyte', 'ovalocyte',
         'teardrop', 'burr', 'schistocyte', 'uncategorised', 'hypochromia', 'elliptocyte']
GROUPS = [('707-738 (elliptocyte slide)', range(707, 739)),
          ('1-22 (densely labelled)', range(1, 23)),
          ('40-49 (ovalocytes labelled)', range(40, 50))]


def cells(res, pts):
    det = res['detections']
    for c in ((res.get('morphology') or {}).get('classes') or {}).get('cells', []):
        b = det[c['box']]['box']
        x, y, w, h = b['x'], b['y'], b['w'], b['h']
        inside = [p for p in pts if x <= p[0] <= x + w and y <= p[1] <= y + h]
        lab = inside[0][2] if len(inside) == 1 else ('several' if inside else None)
        yield lab, c['best'], max(w, h) / max(1e-6, min(w, h))


def group(out, data, name, nums):
    rows, missing = [], []
    for n in nums:
        p = os.path.join(out, '%d.json' % n)
        if not os.path.exists(os.path.join(data, 'labels', '%d.txt' % n)):
            continue  # the dataset skips some numbers
        if not os.path.exists(p):
            missing.append(n)
            continue
        pts = []
        with open(os.path.join(data, 'labels', '%d.txt' % n)) as f:
            for line in f:
                if line.strip():
                    x, y, c = line.split()[:3]
                    pts.append((float(x), float(y), NAMES[int(c)]))
        with open(p) as f:
            rows += list(cells(json.load(f), pts))
    print('== photos %s: %d cells%s' % (name, len(rows),
          ', no result for %s' % missing if missing else ''))
    for lab in sorted({r[0] or '(no point)' for r in rows}):
        sub = [r for r in rows if (r[0] or '(no point)') == lab]
        best = collections.Counter(r[1] for r in sub)
        print('  %-13s n=%4d elliptocyte %4d; best: %s' % (lab, len(sub), best['elliptocyte'],
              ', '.join('%s %d' % kv for kv in best.most_common(4))))
    sq = [r for r in rows if r[0] is None and r[2] < 1.1]
    e = sum(r[1] == 'elliptocyte' for r in sq)
    print('  no point, box long/short < 1.1: %d, called elliptocyte %d' % (len(sq), e))


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: rbc-slide-check.py OUTDIR [DATASET]')
    data = sys.argv[2] if len(sys.argv) > 2 else '../shared/datasets/chula-rbc'
    for name, nums in GROUPS:
        group(sys.argv[1], data, name, nums)


main()
