#!/usr/bin/env python3
# rbc-fuse.py: the measured pallor and relative diameter fused with the morphology classifier's logits (fit on train, chosen on val)
"""Fit per-class geometry terms added to the calibrated logits.

The server adds, per class k, to z / T + class_offsets (src/vision/wbcood.c):

    pallor[k] * (p - pallor_centre) + rel_diameter[k] * (r - 1)

where p is the cell's central pallor ratio and r its area-equivalent
diameter over the field's typical cell (rbcmorph.c; r = diameter_px /
(RBCCLS_BOX_TO_CELL * typical_px), the scale the crops are cut at).

Inputs: the crops' raw logits (bv-calib-cls eval --logits, rows in the
order of the split's rows of DATA/index.csv) and every labelled point's
geometry (bv-morph-check CHULA 52 points; a crop crops/I_X_Y.jpg is point
(I, X, Y); r = diameter_px / 40, the cell size bv-rbc-crops cut at).
A multinomial logistic with the network's calibrated logits as a fixed
offset, per-class intercepts and the geometry slopes, is fitted on TRAIN
crops (L2 on the slopes); the intercepts are dropped (the shipped
class_offsets stay: they were chosen on val).  Then on VAL: the feature
set (pallor; pallor and diameter) and a scale of the slopes (0 .. 4) are
chosen: the highest val macro-F1 (12 cell classes) among the points whose
hypochromia recall beats the model's own and whose macro-F1 does not fall.
None: exit 1, nothing written.  --test-logits reads test once with the
choice and prints it.

usage: rbc-fuse.py --model M.json --data DIR --points P.txt
         --train-logits T --val-logits V [--test-logits X --test-index I]
         [--out FILE]
"""
import argparse
import json
import math
import os
import sys

CENTRE = 0.5            # pallor_centre
CELL_PX = 40.0          # bv-rbc-crops' typical cell
OD_CENTRE = 0.3         # od_centre
FEATURES = ("pallor", "rel_diameter", "od")
SETS = ((0,), (0, 1), (0, 2), (0, 1, 2))


def read_points(path):
    pts = {}
    with open(path) as f:
        for line in f:
            v = line.split()
            if len(v) != 10:
                continue
            key = (int(v[0]), int(v[1]), int(v[2]))
            if v[4] == "ok" and key not in pts:
                pts[key] = (float(v[6]) - CENTRE, float(v[5]) / CELL_PX - 1,
                            float(v[8]) - OD_CENTRE)
    return pts


def read_split(index, split, logits, pts, k):
    """(label, logits, geometry or None) for split's rows of index."""
    files = []
    with open(index) as f:
        for line in f:
            v = line.strip().split(",")
            if len(v) == 3 and v[2] == split:
                files.append(v[0])
    rows = []
    with open(logits) as f:
        for n, line in enumerate(f):
            v = line.split()
            if len(v) != k + 1 or n >= len(files):
                sys.exit(f"rbc-fuse: {logits}:{n + 1}: not {k} logits "
                         f"or more rows than {index}'s {split}")
            name = os.path.basename(files[n])[:-4].split("_")
            g = None
            if len(name) == 3:
                g = pts.get(tuple(int(x) for x in name))
            rows.append((int(v[0]), [float(x) for x in v[1:]], g))
    if len(rows) != len(files):
        sys.exit(f"rbc-fuse: {logits}: {len(rows)} rows, {len(files)} "
                 f"{split} rows in {index}")
    return rows


def softmax(s):
    big = max(s)
    e = [math.exp(x - big) for x in s]
    t = sum(e)
    return [x / t for x in e]


def fit(rows, t, k, fs, l2=1e-3, iters=300, lr=2.0):
    """Intercepts and the slopes of features fs by full-batch gradient
    descent; slopes as w[k][len(FEATURES)] (0 for features not in fs)."""
    data = [(lab, [x / t for x in z], [g[j] for j in fs])
            for lab, z, g in rows if g is not None]
    nf, n = len(fs), len(data)
    b = [0.0] * k
    w = [[0.0] * nf for _ in range(k)]
    for it in range(iters + 1):
        gb = [0.0] * k
        gw = [[0.0] * nf for _ in range(k)]
        nll = 0.0
        for lab, s, g in data:
            p = softmax([s[c] + b[c] + sum(w[c][j] * g[j]
                        for j in range(nf)) for c in range(k)])
            nll -= math.log(max(p[lab], 1e-12))
            for c in range(k):
                d = p[c] - (c == lab)
                gb[c] += d
                for j in range(nf):
                    gw[c][j] += d * g[j]
        if it == 0:
            nll0 = nll / n
        if it == iters:
            break
        for c in range(k):
            b[c] -= lr * gb[c] / n
            for j in range(nf):
                w[c][j] -= lr * (gw[c][j] / n + l2 * w[c][j])
    full = [[0.0] * len(FEATURES) for _ in range(k)]
    for c in range(k):
        for j, f in enumerate(fs):
            full[c][f] = w[c][j]
    return full, nll0, nll / n, n


def score(rows, t, off, w, scale, k, counted):
    """Recall per class and macro-F1 (best class) over counted classes."""
    tp, nl, np_ = [0] * k, [0] * k, [0] * k
    for lab, z, g in rows:
        s = [z[c] / t + off[c] for c in range(k)]
        if g is not None and w is not None:
            for c in range(k):
                s[c] += scale * sum(w[c][j] * g[j] for j in range(len(w[c])))
        cls = max(range(k), key=lambda c: s[c])
        nl[lab] += 1
        np_[cls] += 1
        tp[cls] += cls == lab
    rec = [tp[i] / nl[i] if nl[i] else 0.0 for i in range(k)]
    f1 = []
    for i in counted:
        if nl[i]:
            p = tp[i] / np_[i] if np_[i] else 0.0
            f1.append(2 * rec[i] * p / (rec[i] + p) if rec[i] + p else 0.0)
    return rec, sum(f1) / len(f1)


def show(what, names, rec, mf1):
    sel = ("microcyte", "hypochromia", "normal", "schistocyte")
    parts = ", ".join(f"{c} {rec[names.index(c)]:.3f}" for c in sel
                      if c in names)
    print(f"{what}: macro-F1 {mf1:.4f}; recall {parts}")


def choose(val, t, off, fits, k, counted, names, hypo):
    base_rec, base_f1 = score(val, t, off, None, 0, k, counted)
    show("val, shipped (offsets only)", names, base_rec, base_f1)
    best = None
    for fs, w in fits:
        for i in range(1, 17):
            sc = i * 0.25
            rec, mf1 = score(val, t, off, w, sc, k, counted)
            ok = rec[hypo] > base_rec[hypo] and mf1 >= base_f1
            print(f"  {'+'.join(FEATURES[j] for j in fs)} scale {sc:.2f}: "
                  f"macro-F1 {mf1:.4f} "
                  f"hypochromia {rec[hypo]:.3f}{' *' if ok else ''}")
            if ok and (best is None or (mf1, rec[hypo]) > best[0]):
                best = ((mf1, rec[hypo]), fs, w, sc, rec)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for a in ("--model", "--data", "--points", "--train-logits",
              "--val-logits"):
        ap.add_argument(a, required=True)
    ap.add_argument("--test-logits")
    ap.add_argument("--test-index")
    ap.add_argument("--sets", help="feature sets, e.g. 0+2,0+1+2 "
                    "(0 pallor, 1 rel_diameter, 2 od); default all")
    ap.add_argument("--out")
    a = ap.parse_args()
    with open(a.model) as f:
        model = json.load(f)
    names = model["classes"]
    k, t = len(names), float(model["temperature"])
    off = model.get("class_offsets") or [0.0] * k
    counted = [i for i in range(k) if names[i] not in model.get("reject", [])]
    hypo = names.index("hypochromia")
    pts = read_points(a.points)
    index = os.path.join(a.data, "index.csv")
    train = read_split(index, "train", a.train_logits, pts, k)
    val = read_split(index, "val", a.val_logits, pts, k)
    print(f"{len(pts)} measured points; train {len(train)} crops "
          f"({sum(g is not None for _, _, g in train)} measured), val "
          f"{len(val)} ({sum(g is not None for _, _, g in val)})")
    fits = []
    for fs in SETS if a.sets is None else [tuple(int(x) for x in v.split(
            "+")) for v in a.sets.split(",")]:
        w, nll0, nll, n = fit(train, t, k, fs)
        print(f"fit on {n} train crops, {'+'.join(FEATURES[j] for j in fs)}"
              f": NLL {nll0:.4f} -> {nll:.4f}; hypochromia slopes "
              f"{[round(x, 3) for x in w[hypo]]}")
        fits.append((fs, w))
    best = choose(val, t, off, fits, k, counted, names, hypo)
    if best is None:
        print("no choice improves val hypochromia recall without macro-F1 "
              "falling: nothing written")
        return 1
    _, fs, w, sc, rec = best
    names_fs = "+".join(FEATURES[j] for j in fs)
    print(f"chosen: {names_fs}, scale {sc:.2f}")
    ws = [[round(sc * w[c][j], 4) for j in range(len(FEATURES))]
          for c in range(k)]
    if a.test_logits:
        test = read_split(a.test_index, "test", a.test_logits, pts, k)
        r0, f0 = score(test, t, off, None, 0, k, counted)
        show("TEST (read once), shipped", names, r0, f0)
        r1, f1 = score(test, t, off, ws, 1.0, k, counted)
        show("TEST (read once), with the geometry terms", names, r1, f1)
    model["geometry_offsets"] = {"pallor_centre": CENTRE,
                                 "od_centre": OD_CENTRE}
    for j, f in enumerate(FEATURES):
        model["geometry_offsets"][f] = [ws[c][j] for c in range(k)]
    model.setdefault("fit", {})["geometry_offsets"] = (
        f"rbc-fuse.py: slopes fitted on {len(train)} train crops, "
        f"{names_fs} and scale {sc:.2f} chosen on {len(val)} val "
        f"crops; val macro-F1 {best[0][0]:.4f}, hypochromia recall "
        f"{rec[hypo]:.4f}")
    if a.out:
        tmp = f"{a.out}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(model, f, indent=1)
            f.write("\n")
        os.replace(tmp, a.out)
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
