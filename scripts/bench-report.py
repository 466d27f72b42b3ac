#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The table of `make bench`, from the boot logs of scripts/bench:
#   bench-report.py RESULTS_DIR BOOTS
# Read side: ns per enter/exit pair per reader (refscale's per-run average),
# median over every run of every boot, with the spread of the per-boot
# medians, and the ratio to the rwsem trylock pair with one reader.
import re
import statistics
import sys

out, boots = sys.argv[1], int(sys.argv[2])
OPS = ["rwsem-try", "rwsem", "srcu", "pcpu-rwsem", "pcpu-ref", "refcnt",
       "child-barrier"]
DRAINS = ["rwsem", "child-barrier", "srcu", "pcpu-rwsem", "pcpu-ref"]

reads = {}   # (op, n) -> [per-boot list of run values]
drains = {}  # (case, method) -> [per-boot medians]
for b in range(1, boots + 1):
    try:
        lines = open("%s/boot%d.log" % (out, b)).read().splitlines()
    except OSError:
        continue
    cur = None
    in_runs = False
    for line in lines:
        m = re.search(r"bench: reader (\S+) nreaders=(\d+)", line)
        if m:
            cur = (m.group(1), int(m.group(2)))
            reads.setdefault(cur, []).append([])
            in_runs = False
            continue
        if cur and "Runs\tTime(ns)" in line:
            in_runs = True
            continue
        if in_runs:
            m = re.match(r"^\s*(\d+)\t([\d.]+)\s*$", line)
            if m:
                reads[cur][-1].append(float(m.group(2)))
                continue
            if line.strip():
                in_runs = False
        m = re.search(r"child_barrier_bench: drain (idle|busy) (\S+) median (\d+)", line)
        if m:
            drains.setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))


def boot_med(b, key):
    runs = reads.get(key, [])
    return statistics.median(runs[b]) if b < len(runs) and runs[b] else None


def med(key):
    per_boot = [statistics.median(r) for r in reads.get(key, []) if r]
    if not per_boot:
        return None, None, None
    return statistics.median(per_boot), min(per_boot), max(per_boot)


def ratio(num, den):
    """Median over boots of num/den, each measured in the same boot."""
    rs = []
    for b in range(boots):
        n, d = boot_med(b, num), boot_med(b, den)
        if n and d:
            rs.append(n / d)
    return statistics.median(rs) if rs else None


insns = {}
try:
    for line in open(out + "/insns.txt"):
        k, v = line.split()
        insns[k] = v
except OSError:
    pass

BASE = ("rwsem-try", 1)
print("Read side: ns per enter/exit pair per reader, median of %d boots"
      " (range of per-boot medians); ratios are taken within each boot, then"
      " the median; ratio to rwsem-try with 1 reader" % boots)
print("%-14s %22s %6s %22s %6s %7s %8s" % ("op", "1 reader ns", "ratio",
      "2 readers ns", "ratio", "2r/1r", "lock+fence"))
fmt = lambda v: "%.2f" % v if v is not None else "-"
for op in OPS:
    m1, lo1, hi1 = med((op, 1))
    m2, lo2, hi2 = med((op, 2))
    if m1 is None:
        print("%-14s %22s" % (op, "no data"))
        continue
    f = lambda m, lo, hi: "%.2f (%.2f-%.2f)" % (m, lo, hi) if m is not None else "-"
    print("%-14s %22s %6s %22s %6s %7s %8s" % (
        op, f(m1, lo1, hi1), fmt(ratio((op, 1), BASE)), f(m2, lo2, hi2),
        fmt(ratio((op, 2), BASE)), fmt(ratio((op, 2), (op, 1))),
        insns.get(op, "-")))

print()
print("Drain side: ns, median of per-boot medians (21 rounds each);"
      " busy = from the last reader's exit to the drain's return")
print("%-14s %14s %7s %14s %7s" % ("method", "idle ns", "ratio", "busy ns", "ratio"))
dbase = {c: statistics.median(drains[(c, "rwsem")]) if (c, "rwsem") in drains else None
         for c in ("idle", "busy")}
for mth in DRAINS:
    row = [mth]
    for c in ("idle", "busy"):
        v = drains.get((c, mth))
        if v:
            m = statistics.median(v)
            row += ["%d" % m, "%.2f" % (m / dbase[c]) if dbase[c] else "-"]
        else:
            row += ["-", "-"]
    print("%-14s %14s %7s %14s %7s" % tuple(row))

print()
di = drains.get(("idle", "child-barrier"))
dr = drains.get(("idle", "rwsem"))


def goal(text, ok, figures):
    print("goal %s: %s (%s)" % (text, "met" if ok else "NOT MET", figures))


print("goal 1 (mdev creations/s >= 0.97x, unregister per child no worse): "
      "NOT MET (not measured: the A/B boots of pristine and converted kernels"
      " are not in make bench yet)")
r = ratio(("child-barrier", 1), ("srcu", 1))
if r:
    goal("2a (pair <= 1.1x SRCU, 1 reader)", r <= 1.1, "%.2fx SRCU" % r)
r = ratio(("child-barrier", 2), ("child-barrier", 1))
if r:
    goal("2b (2 readers within 1.1x of 1)", r <= 1.1, "%.2fx" % r)
if di and dr:
    rs = statistics.median([a / b for a, b in zip(di, dr)])
    goal("2c (idle drain within 2x of down_write/up_write, no grace period)",
         rs <= 2, "%.2fx: %d ns vs %d ns" % (rs, statistics.median(di),
                                             statistics.median(dr)))
if "child-barrier" in insns:
    goal("3 (at most 2 full barriers per pair)",
         int(insns["child-barrier"]) <= 2,
         "%s locked instructions or fences" % insns["child-barrier"])
