#!/usr/bin/env python3
# rbc-offsets.py: per-class decision offsets (log-prior shifts) for the morphology classifier, chosen on val logits
"""Choose "class_offsets" for a classifier's model json on validation logits.

The offsets are added to the calibrated logits (z / T + b, src/vision/wbcood.c)
so that classes the network under-calls are called more often.  Input: the
labelled val crops' raw logits written by
  bv-calib-cls eval ... --split val --model MODEL.json --logits VAL.txt
(one line a crop: label, then one logit a class).  A grid over the offsets of
the named classes (the others stay 0) is searched for the point where every
named class's recall reaches --recall and the macro-F1 (best class, every
labelled class but the reject classes) stays >= --min-f1; among those, the
highest macro-F1 (then the smallest offsets).  Writes MODEL.json with
"class_offsets" to --out (a temporary file renamed: never half-written), or,
when no grid point meets both, prints the best reached and exits 1 writing
nothing.  Never reads test: read test once afterwards with bv-calib-cls eval
--split test --model OUT.

usage: rbc-offsets.py --logits VAL.txt --model MODEL.json --classes a,b
         [--recall 0.75] [--min-f1 0.80] [--max 2.0] [--step 0.05] [--out FILE]
"""
import argparse
import json
import os
import sys


def read_logits(path, k):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            v = line.split()
            if len(v) != k + 1:
                sys.exit(f"rbc-offsets: {path}:{n}: {len(v) - 1} logits, "
                         f"the model has {k} classes")
            lab = int(v[0])
            if lab >= 0:
                rows.append((lab, [float(x) for x in v[1:]]))
    if not rows:
        sys.exit(f"rbc-offsets: {path}: no labelled crops")
    return rows


def prepare(rows, t, tuned):
    """Per crop: label, the best untuned class and its value, the tuned values."""
    out = []
    for lab, z in rows:
        s = [x / t for x in z]
        best = max((i for i in range(len(s)) if i not in tuned),
                   key=lambda i: s[i])
        out.append((lab, best, s[best], [s[i] for i in tuned]))
    return out


def score(prep, tuned, b, k, counted):
    """Recall per class and macro-F1 over counted classes at offsets b."""
    tp, nl, np_ = [0] * k, [0] * k, [0] * k
    for lab, best, v, tv in prep:
        cls, top = best, v
        for j, i in enumerate(tuned):
            if tv[j] + b[j] > top:
                cls, top = i, tv[j] + b[j]
        nl[lab] += 1
        np_[cls] += 1
        tp[cls] += cls == lab
    rec = [tp[i] / nl[i] if nl[i] else 0.0 for i in range(k)]
    f1s = []
    for i in counted:
        if nl[i] == 0:
            continue
        p = tp[i] / np_[i] if np_[i] else 0.0
        f1s.append(2 * rec[i] * p / (rec[i] + p) if rec[i] + p > 0 else 0.0)
    return rec, sum(f1s) / len(f1s)


def grid(lo, hi, step):
    n = int(round((hi - lo) / step))
    return [round(lo + i * step, 6) for i in range(n + 1)]


def search(prep, tuned, k, counted, a):
    """Every grid point (offsets 0 .. --max for each tuned class)."""
    pts = [[]]
    for _ in tuned:
        pts = [p + [x] for p in pts for x in grid(0.0, a.max, a.step)]
    best_ok, best_any = None, None
    for b in pts:
        rec, mf1 = score(prep, tuned, b, k, counted)
        low = min(rec[i] for i in tuned)
        key_any = (low, mf1)
        if best_any is None or key_any > best_any[0]:
            best_any = (key_any, b, rec, mf1)
        if low >= a.recall and mf1 >= a.min_f1:
            key = (round(mf1, 6), -sum(b))
            if best_ok is None or key > best_ok[0]:
                best_ok = (key, b, rec, mf1)
    return best_ok, best_any


def ece(rows, t, off, bins=15):
    """Expected calibration error of the best class's probability of
    softmax(z / t + off), 15 equal bins (as bv-calib-cls)."""
    import math
    acc = [[0, 0.0, 0.0] for _ in range(bins)]
    for lab, z in rows:
        s = [x / t + o for x, o in zip(z, off)]
        big = max(s)
        e = [math.exp(x - big) for x in s]
        k = max(range(len(s)), key=lambda i: s[i])
        p = e[k] / sum(e)
        b = min(bins - 1, int(p * bins))
        acc[b][0] += 1
        acc[b][1] += p
        acc[b][2] += k == lab
    return sum(abs(c - r) for n, c, r in acc if n) / len(rows)


def report(what, names, tuned, b, rec, mf1):
    parts = ", ".join(f"{names[i]} {b[j]:+.2f} (recall {rec[i]:.4f})"
                      for j, i in enumerate(tuned))
    print(f"{what}: {parts}; val macro-F1 {mf1:.4f}")


def write_atomic(path, model):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--logits", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--classes", required=True)
    ap.add_argument("--recall", type=float, default=0.75)
    ap.add_argument("--min-f1", type=float, default=0.80)
    ap.add_argument("--max", type=float, default=2.0)
    ap.add_argument("--step", type=float, default=0.05)
    ap.add_argument("--out")
    a = ap.parse_args()
    with open(a.model) as f:
        model = json.load(f)
    names = model["classes"]
    k, t = len(names), float(model.get("temperature", 1.0))
    try:
        tuned = [names.index(c) for c in a.classes.split(",")]
    except ValueError as e:
        sys.exit(f"rbc-offsets: {e}: not a class of {a.model}")
    rejects = set(model.get("reject", []))
    counted = [i for i in range(k) if names[i] not in rejects]
    rows = read_logits(a.logits, k)
    prep = prepare(rows, t, tuned)
    rec, mf1 = score(prep, tuned, [0.0] * len(tuned), k, counted)
    report(f"no offsets ({len(rows)} crops, T {t:.4f})", names, tuned,
           [0.0] * len(tuned), rec, mf1)
    best_ok, best_any = search(prep, tuned, k, counted, a)
    if best_ok is None:
        report("not reached; best lowest recall", names, tuned,
               *best_any[1:])
        return 1
    _, b, rec, mf1 = best_ok
    report("chosen", names, tuned, b, rec, mf1)
    off = [0.0] * k
    for j, i in enumerate(tuned):
        off[i] = b[j]
    model["class_offsets"] = off
    print(f"val ECE (15 bins) {ece(rows, t, [0.0] * k):.4f} without offsets, "
          f"{ece(rows, t, off):.4f} with")
    fit = model.setdefault("fit", {})
    fit["class_offsets"] = (
        f"rbc-offsets.py on {len(rows)} val crops: recall >= {a.recall} for "
        f"{a.classes}, macro-F1 >= {a.min_f1}; val macro-F1 {mf1:.4f}")
    if a.out:
        write_atomic(a.out, model)
        print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
