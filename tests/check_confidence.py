"""Share of truly changed patches per confidence level, against a reference.

usage: check_confidence.py RUN_DIR REFERENCE.tif [RUN_DIR REFERENCE.tif ...] [--rising]
       check_confidence.py RUN_DIR REFERENCE.tif --thirds [MIN_RATIO]

A patch is truly changed when most of its labelled pixels (reference 0/1) are
1; patches with no labelled pixel are left out.  With several runs the
patches are pooled.  Prints one line per level ("low N share", ...); with
--rising, exits 1 unless the shares do not decrease from low to high to
highest (levels without patches are skipped).

--thirds (issue 16): the patches with labelled pixels sorted by confidence
(ties by patch id); the mean fraction of truly changed pixels of each patch
in the top third and in the bottom third.  Prints "top N F bottom N F ratio
R (perfect ranking B)", B the ratio if the patches were sorted by their
fraction itself; exits 1 unless R >= MIN_RATIO (default 2).
"""
import csv
import sys

from osgeo import gdal, ogr

gdal.UseExceptions()


def patches(run, ref_path, share, fracs=None):
    ref = gdal.Open(ref_path).ReadAsArray()
    rows = {r["patch_id"]: r for r in csv.DictReader(open(f"{run}/suspects.csv", encoding="utf-8-sig"))}
    ids = sorted(rows)
    src = gdal.Open(f"{run}/change.tif")
    lab = gdal.GetDriverByName("MEM").Create("", src.RasterXSize, src.RasterYSize, 1, gdal.GDT_Int32)
    lab.SetGeoTransform(src.GetGeoTransform())
    lab.SetProjection(src.GetProjection())
    mem = ogr.GetDriverByName("Memory").CreateDataSource("m")
    gpkg = ogr.Open(f"{run}/patches.gpkg")  # keep: the layer lives in it
    patches = gpkg.GetLayerByName("patches")
    lyr = mem.CreateLayer("p", patches.GetSpatialRef())
    lyr.CreateField(ogr.FieldDefn("k", ogr.OFTInteger))
    for f in patches:
        g = ogr.Feature(lyr.GetLayerDefn())
        g.SetGeometry(f.GetGeometryRef())
        g.SetField("k", ids.index(f.GetField("patch_id")) + 1)
        lyr.CreateFeature(g)
    gdal.RasterizeLayer(lab, [1], lyr, options=["ATTRIBUTE=k"])
    k = lab.ReadAsArray()
    for i, pid in enumerate(ids):
        m = (k == i + 1) & (ref <= 1)
        if m.any():
            share.setdefault(rows[pid]["confidence_level"], []).append(ref[m].mean() > 0.5)
            if fracs is not None:
                fracs.append((float(rows[pid]["confidence"]), pid, float(ref[m].mean())))


def thirds(run, ref_path, min_ratio):
    fracs = []
    patches(run, ref_path, {}, fracs)
    fracs.sort(key=lambda t: (-t[0], t[1]))
    k = len(fracs) // 3
    if k == 0:
        print(f"top 0 - bottom 0 - ratio - ({len(fracs)} patches with labels)")
        sys.exit(1)
    top = sum(f for _, _, f in fracs[:k]) / k
    bottom = sum(f for _, _, f in fracs[-k:]) / k
    ratio = top / bottom if bottom > 0 else float("inf")
    ideal = sorted(f for _, _, f in fracs)  # the ratio of a perfect ranking
    low = sum(ideal[:k])
    best = f"{sum(ideal[-k:]) / low:.2f}" if low > 0 else "inf"
    print(f"top {k} {top:.3f} bottom {k} {bottom:.3f} ratio {ratio:.2f} (perfect ranking {best})")
    sys.exit(0 if ratio >= min_ratio else 1)


def main():
    if "--thirds" in sys.argv:
        i = sys.argv.index("--thirds")
        ratio = float(sys.argv[i + 1]) if len(sys.argv) > i + 1 else 2.0
        thirds(sys.argv[1], sys.argv[2], ratio)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    share = {}
    for run, ref_path in zip(args[::2], args[1::2]):
        patches(run, ref_path, share)
    seen = []
    for level in ("low", "high", "highest"):
        v = share.get(level, [])
        print(f"{level} {len(v)} {sum(v) / len(v):.3f}" if v else f"{level} 0 -")
        if v:
            seen.append(sum(v) / len(v))
    if "--rising" in sys.argv and any(b < a for a, b in zip(seen, seen[1:])):
        sys.exit(1)


if __name__ == "__main__":
    main()
