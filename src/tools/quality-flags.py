#!/usr/bin/env python3
# quality-flags.py: measure the field-quality flags on clean and degraded smear fields (bv-quality features CSVs)
"""
usage: quality-flags.py [--split val|test] [--set flag=limit ...]
                        [--refs TRAINCSV [--write-refs FILE]] CSV...

Reads bv-quality features output.  Clean fields: smears (label 1) of the
split with spec "none"; degraded fields: split "f<split>", one
degradation each, and the flag it should raise:

  blur:*  focus      gain:<1 dark      gain:>1 bright    thick:* thick
  sparse  sparse     mag:*  magnification
  od:R;G;B with R > G: stain_blue, with G the largest: stain_pink,
  all below 1: stain_faded

Limits and sides come from the table in src/vision/quality.c (the one
place they live); --set tries another limit.  Prints, per flag, the
clean fields' value percentiles, the share of clean fields it flags, and
the share of its degraded fields it catches; then the totals the issue
asks for: degraded fields caught by their flag, clean fields with any
flag.  Pictures the scan refused (no value) count as missed.

--refs: the focus and stain flags judged per source against a reference,
as a calibration profile's would be: the medians of the focus and stain
values of the source's clean training fields (split train, spec none) in
TRAINCSV, the limit moved from it by the table's rel column (quality.c:
blue and pink reference + rel, focus and faded reference x rel);
--set rel_FLAG=X tries another rel; --write-refs saves them for
bv-quality --ref.
"""
import csv
import math
import os
import re
import sys

FLAGS = ["focus", "dark", "bright", "thick", "sparse", "magnification",
         "stain_blue", "stain_pink", "stain_faded"]


STAIN = ["stain_blue", "stain_pink", "stain_faded"]
REFD = ["focus"] + STAIN
DATASETS = ("bccd", "pbc-detect", "raabin-detect", "chula-rbc")


def table():
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vision", "quality.c")
    text = open(src).read()
    out = {}
    for m in re.finditer(r'\[QFLAG_\w+\] = \{ "(\w+)", ([0-9.]+), ([01]), [0-9], ([0-9.]+),', text):
        out[m.group(1)] = (float(m.group(2)), int(m.group(3)), float(m.group(4)))
    return out


def blur_joins():
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vision", "quality.c")
    return float(re.search(r"#define BLUR_JOINS\s+([0-9.]+)", open(src).read()).group(1))


def limits():
    return {k: (v[0], v[1]) for k, v in table().items()}


def stain_refs(path):
    """Per source: the medians of the stain values of its clean training fields."""
    vals = {}
    for r in csv.DictReader(open(path)):
        if r["label"] != "1" or r["split"] != "train" or r["spec"] != "none" or \
                r["scan"] != "ok" or r["source"] not in DATASETS:
            continue
        for fl in REFD:
            try:
                v = float(r["v_" + fl])
            except ValueError:
                continue
            if not math.isnan(v):
                vals.setdefault(r["source"], {}).setdefault(fl, []).append(v)
    return {s: {fl: pct(v[fl], 0.5) for fl in REFD} for s, v in vals.items()}


def limit_for(row, flag, lim, refs, rel):
    """The limit a row's flag is judged by: the source's reference moved by rel, or the table's."""
    ref = refs.get(row["source"]) if refs else None
    if ref is None or flag not in REFD:
        return lim[flag]
    if flag in ("focus", "stain_faded"):
        return (ref[flag] * rel[flag], 1)
    return (ref[flag] + rel[flag], 0)


def expected(spec):
    kind = spec.split(":")[0]
    if kind == "blur":
        return "focus"
    if kind == "gain":
        return "dark" if float(spec.split(":")[1]) < 1 else "bright"
    if kind == "thick":
        return "thick"
    if kind == "sparse":
        return "sparse"
    if kind == "mag":
        return "magnification"
    if kind == "od":
        r, g, b = (float(x) for x in spec.split(":")[1].split(";"))
        if r < 1 and g < 1 and b < 1:
            return "stain_faded"
        return "stain_blue" if r > g else "stain_pink"
    return None


REFS = {}
REL = {}


def raised(row, flag, lim):
    v = row.get("v_" + flag, "nan")
    try:
        v = float(v)
    except ValueError:
        return False
    if math.isnan(v):
        return False
    # an exposure flag alone: focus and stain are not judged (quality.c)
    if flag in ("focus",) + tuple(STAIN) and (raised(row, "dark", lim) or raised(row, "bright", lim)):
        return False
    # nor thickness on a clearly blurred field (quality.c BLUR_JOINS)
    if flag == "thick" and raised(row, "focus", lim) and \
            float(row["v_focus"]) < blur_joins() * limit_for(row, "focus", lim, REFS, REL)[0]:
        return False
    limit, below = limit_for(row, flag, lim, REFS, REL)
    return v < limit if below else v > limit


def pct(vals, q):
    vals = sorted(vals)
    return vals[min(len(vals) - 1, int(q * len(vals)))] if vals else float("nan")


def main(argv):
    split = "val"
    lim = limits()
    files = []
    refs_csv = write_refs = None
    rel_set = {}
    i = 0
    while i < len(argv):
        if argv[i] == "--split":
            split = argv[i + 1]
            i += 2
        elif argv[i] == "--refs":
            refs_csv = argv[i + 1]
            i += 2
        elif argv[i] == "--write-refs":
            write_refs = argv[i + 1]
            i += 2
        elif argv[i] == "--set":
            k, v = argv[i + 1].split("=")
            if k.startswith("rel_"):
                rel_set[k[4:]] = float(v)
            else:
                lim[k] = (float(v), lim[k][1])
            i += 2
        else:
            files.append(argv[i])
            i += 1
    if refs_csv:
        REFS.update(stain_refs(refs_csv))
        REL.update({k: v[2] for k, v in table().items()})
        REL.update(rel_set)
        for k in sorted(REFS):
            print("reference %-14s " % k + " ".join("%s %.3f" % (f, REFS[k][f]) for f in REFD))
        if write_refs:
            with open(write_refs, "w") as out:
                for k in sorted(REFS):
                    out.write(k + "".join(" %.4f" % REFS[k][f] for f in REFD) + "\n")
    rows = [r for f in files for r in csv.DictReader(open(f))]
    clean = [r for r in rows if r["label"] == "1" and r["split"] == split and r["spec"] == "none"
             and r["scan"] == "ok" and r["source"] not in ("drawn", "eyepiece", "mosaic")]
    deg = [r for r in rows if r["split"] == "f" + split]
    print("split %s: %d clean fields, %d degraded" % (split, len(clean), len(deg)))
    caught = total = 0
    for fl in FLAGS:
        vals = []
        for r in clean:
            try:
                v = float(r["v_" + fl])
            except ValueError:
                continue
            if not math.isnan(v):
                vals.append(v)
        nclean = sum(raised(r, fl, lim) for r in clean)
        mine = [r for r in deg if expected(r["spec"]) == fl]
        hit = sum(raised(r, fl, lim) for r in mine)
        caught += hit
        total += len(mine)
        dv = [float(r["v_" + fl]) for r in mine if r["v_" + fl] not in ("nan", "")]
        print("%-14s limit %-5g %s  clean p1 %.3f p5 %.3f p50 %.3f p95 %.3f p99 %.3f  "
              "clean flagged %3d/%d (%.1f %%)  degraded p50 %.3f caught %3d/%d (%.1f %%)" % (
                  fl, lim[fl][0], "below" if lim[fl][1] else "above", pct(vals, .01), pct(vals, .05),
                  pct(vals, .5), pct(vals, .95), pct(vals, .99), nclean, len(clean),
                  100.0 * nclean / max(1, len(clean)), pct(dv, .5), hit, len(mine),
                  100.0 * hit / max(1, len(mine))))
    anyf = sum(any(raised(r, fl, lim) for fl in FLAGS) for r in clean)
    print("degraded fields caught by their flag: %d/%d (%.1f %%)" % (caught, total, 100.0 * caught / max(1, total)))
    print("clean fields with any flag: %d/%d (%.1f %%)" % (anyf, len(clean), 100.0 * anyf / max(1, len(clean))))
    by_src = {}
    for r in clean:
        s = by_src.setdefault(r["source"], [0, 0])
        s[0] += any(raised(r, fl, lim) for fl in FLAGS)
        s[1] += 1
    for k, (a, b) in sorted(by_src.items()):
        print("  clean %-14s flagged %d/%d (%.1f %%)" % (k, a, b, 100.0 * a / b))


if __name__ == "__main__":
    main(sys.argv[1:])
