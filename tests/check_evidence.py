"""Check the evidence chips and map sheets of a scan.

usage: check_evidence.py RUN_DIR EVIDENCE_MAX

Prints one "ok ..." or "FAIL ..." line per check.  Chips are read with
GDAL's PNG driver; the layout constants are those of pipeline/reports/chips.h.
"""
import csv
import glob
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal

PANEL, MARGIN, HEADER, FOOTER = 300, 10, 104, 30
W = 2 * PANEL + 3 * MARGIN
TOP = HEADER + 24
H = TOP + 2 * PANEL + MARGIN + FOOTER + MARGIN
OUTLINE = (255, 255, 0)
PIXEL = 10.0  # the sample's pixel size (m)


def check(name, ok, detail=""):
    print(("ok    " if ok else "FAIL  ") + name + ("" if ok else ": " + detail))


def rgb(path):
    ds = gdal.Open(path)
    return np.dstack([ds.GetRasterBand(i + 1).ReadAsArray() for i in range(3)]).astype(int)


def main():
    run, emax = sys.argv[1], int(sys.argv[2])
    with open(os.path.join(run, "suspects.csv"), encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    want = [r["patch_id"] for r in rows[:emax]]
    rows_by_id = {r["patch_id"]: r for r in rows}
    pngs = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(run, "evidence", "*.png")))
    check("chips = min(patches, evidence_max) = %d" % len(want), len(pngs) == len(want),
          "%d chips" % len(pngs))
    check("chips are the first patches of suspects.csv", sorted(want) == pngs,
          "%s vs %s" % (want[:5], pngs[:5]))
    for j in glob.glob(os.path.join(run, "evidence", "*.jpg")):
        p = j[:-4] + ".png"
        check("%s smaller than its PNG" % os.path.basename(j),
              os.path.getsize(j) < os.path.getsize(p), "%d >= %d" % (os.path.getsize(j), os.path.getsize(p)))
    for pid in want[:20]:
        a = rgb(os.path.join(run, "evidence", pid + ".png"))
        check("%s is %d x %d" % (pid, W, H), a.shape[:2] == (H, W), "shape %s" % (a.shape,))
        if a.shape[:2] != (H, W):
            continue
        yellow = int(np.all(a == OUTLINE, axis=2).sum())
        check("%s has the outline colour (%d px)" % (pid, yellow), yellow > 100, "%d px" % yellow)
        # the patch's box is at the panel's centre, a third of the window
        # (at least 96 px) wide: compare the middle of that box
        r = rows_by_id[pid]
        bw = (float(r["max_x"]) - float(r["min_x"])) / PIXEL
        bh = (float(r["max_y"]) - float(r["min_y"])) / PIXEL
        n = max(96.0, 3 * max(bw, bh) + 16)
        half = max(2, int(PANEL * max(bw, bh) / n / 2 * 0.6))
        c = PANEL // 2
        y0 = TOP + PANEL + MARGIN
        x2 = 2 * MARGIN + PANEL
        t1 = a[y0 + c - half:y0 + c + half, MARGIN + c - half:MARGIN + c + half]
        t2 = a[y0 + c - half:y0 + c + half, x2 + c - half:x2 + c + half]
        d = float(np.abs(t1 - t2).mean())
        check("%s: t1 and t2 differ over the patch (mean |d| %.1f)" % (pid, d), d > 20, "%.1f" % d)
    sheets = sorted(glob.glob(os.path.join(run, "maps", "*.pdf")))
    check("map sheets written", len(sheets) > 0, "none")
    for pdf in sheets:
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        pages = [l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")]
        check("%s has 1 page" % os.path.basename(pdf), pages == ["1"], info[:200])
        size = [l for l in info.splitlines() if l.startswith("Page size:")]
        check("%s is A3 landscape" % os.path.basename(pdf), bool(size) and "1190.55 x 841.89" in size[0],
              str(size))
        a = rgb(pdf[:-4] + ".png")
        ink = int((a.sum(axis=2) < 600).sum())
        check("%s.png is not blank (%d dark px)" % (os.path.basename(pdf)[:-4], ink), ink > 20000,
              "%d" % ink)


main()
