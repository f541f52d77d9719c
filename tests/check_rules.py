"""Check a scan's rule areas, restoration and licence audit against an
independent GEOS computation (GDAL's Python bindings) and the generator's
truth tables.

usage: check_rules.py SAMPLE_DIR RUN_DIR T2_DATE NEAR_M PIXEL_AREA [LAYERS]

LAYERS: a GeoPackage whose licences, redline, farmland and urban layers the
scan read instead of SAMPLE_DIR/layers.gpkg's (those it has), e.g. province
layers of bench/gen_layers.  A scan audits the licences that meet its scene
grown by the larger of NEAR_M and 500 m and two pixels; every control-line
area is computed here from the features whose envelope meets the geometry
(so that a layer of 10^4 polygons is checked in seconds), unioned, then
intersected.

Prints "ok ..." / "FAIL ..." lines; exits 1 on any failure.
"""
import csv
import datetime
import os
import re
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
osr.UseExceptions()
failed = 0


def check(name, cond, detail=""):
    global failed
    print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + str(detail)))
    failed += not cond


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def layer_features(path, name, srs):
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(name)
    if lyr is None:
        return []
    ct = osr.CoordinateTransformation(lyr.GetSpatialRef(), srs)
    out = []
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.Transform(ct)
        if not g.IsValid():
            g = g.MakeValid()
        out.append(({k: f.GetField(k) for k in f.keys()}, g, g.GetEnvelope()))
    return out


def union(geoms):
    """One cascaded union (GEOS) of the polygons of geoms; None if none."""
    mp = ogr.Geometry(ogr.wkbMultiPolygon)
    for g in geoms:
        t = ogr.GT_Flatten(g.GetGeometryType())
        parts = [g] if t == ogr.wkbPolygon else [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
        for p in parts:
            if ogr.GT_Flatten(p.GetGeometryType()) == ogr.wkbPolygon:
                mp.AddGeometry(p)
    if mp.GetGeometryCount() == 0:
        return None
    return mp.UnionCascaded() if mp.GetGeometryCount() > 1 else mp


def meets(a, b, d=0.0):
    """OGR envelopes (minx, maxx, miny, maxy) within d of each other."""
    return a[0] - d <= b[1] and b[0] - d <= a[1] and a[2] - d <= b[3] and b[2] - d <= a[3]


def union_near(feats, g, d=0.0):
    """Union of the geometries of feats ((attrs, geom, env) triples) whose
    envelope is within d of g's."""
    e = g.GetEnvelope()
    return union(h for _, h, he in feats if meets(e, he, d))


def area_in(g, u):
    return 0.0 if u is None else g.Intersection(u).GetArea()


def day(text):
    """A date as agencies write it (2024-05-01, 2024/5/1, 20240501, 2024年5月1日,
    an OGR Date) as a datetime.date; None when empty."""
    if text in (None, ""):
        return None
    text = str(text).strip()
    m = (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text) or
         re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text) or
         re.match(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:$|[ T])", text))
    g = [x for x in m.groups() if x not in ("-", "/", ".")]
    return datetime.date(int(g[0]), int(g[1]), int(g[2]))


def valid_at(attrs, date):
    """Valid at date: status valid and date within [valid_from, valid_to],
    compared as dates (an empty one is no limit)."""
    ok = attrs.get("status", "valid") in ("valid", "active", "有效", "正常", "")
    t, a, b = day(date), day(attrs.get("valid_from")), day(attrs.get("valid_to"))
    return ok and (a is None or a <= t) and (b is None or t <= b)


def num(cell):
    """A report cell as a number; an empty cell (no value) is None."""
    return None if cell == "" else float(cell)


def main():
    sample, run, t2, near, px = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    layers = os.path.join(sample, "layers.gpkg")
    big = ogr.Open(sys.argv[6]) if len(sys.argv) > 6 else None

    def source(name):
        return sys.argv[6] if big is not None and big.GetLayerByName(name) else layers
    pds = ogr.Open(os.path.join(run, "patches.gpkg"))
    plyr = pds.GetLayerByName("patches")
    srs = plyr.GetSpatialRef()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    # the licences the scan audits: those that meet its scene, grown
    from osgeo import gdal
    ds = gdal.Open(os.path.join(run, "change.tif"))
    gt, w, h = ds.GetGeoTransform(), ds.RasterXSize, ds.RasterYSize
    grow = max(near, 500.0) + 2 * px ** 0.5
    scene = (gt[0] - grow, gt[0] + w * gt[1] + grow, gt[3] + h * gt[5] - grow, gt[3] + grow)
    everything = layer_features(source("licences"), "licences", srs)
    lic = [(a, g) for a, g, e in everything if meets(e, scene)]
    licf = [(a, g, g.GetEnvelope()) for a, g in lic]
    control = {k: layer_features(source(k), k, srs) for k in ("redline", "farmland", "urban")}
    validf = [t for t in licf if valid_at(t[0], t2)]

    # -- per patch: GEOS areas agree with the CSV within one pixel --------
    rows = {r["patch_id"]: r for r in read_csv(os.path.join(run, "suspects.csv"))}
    n = 0
    for f in plyr:
        g, r = f.GetGeometryRef(), rows[f.GetField("patch_id")]
        pid = r["patch_id"]
        check(f"{pid} polygon area = area_m2", abs(g.GetArea() - float(r["area_m2"])) < 0.01,
              (g.GetArea(), r["area_m2"]))
        out = g.GetArea() - area_in(g, union_near(validf, g))
        check(f"{pid} outside_licence_m2 agrees with GEOS", abs(out - float(r["outside_licence_m2"])) <= px,
              (out, r["outside_licence_m2"]))
        for k in ("redline", "farmland", "urban"):
            a = area_in(g, union_near(control[k], g))
            check(f"{pid} {k}_m2 agrees with GEOS", abs(a - float(r[k + "_m2"])) <= px, (a, r[k + "_m2"]))
        n += 1
    check("patches layer has every CSV row", n == len(rows), (n, len(rows)))

    # -- licence audit: overlaps and consolidation groups ------------------
    audit = {r["licence_id"]: r for r in read_csv(os.path.join(run, "licences.csv"))}
    check("licences.csv has every licence that meets the scene (grown by max(near_m, 500 m) "
          "and 2 px)", sorted(audit) == sorted(a["licence_id"] for a, _ in lic),
          (len(audit), len(lic), len(everything)))
    cand = []
    for a, g in lic:
        r = audit.get(a["licence_id"])
        if r is None:
            continue
        exempt = any(w in (a.get("mineral") or "") for w in ("地热", "矿泉水"))
        check(f"{a['licence_id']} exempt", r["exempt"] == str(int(exempt)), r["exempt"])
        for k in ("redline", "farmland", "urban"):
            got = num(r[k + "_overlap_m2"])
            if exempt:  # not audited: no value, not 0
                check(f"{a['licence_id']} {k}_overlap_m2 empty (exempt)", got is None, got)
                continue
            want = area_in(g, union_near(control[k], g))
            check(f"{a['licence_id']} {k}_overlap_m2 agrees with GEOS",
                  got is not None and abs(want - got) <= 1.0, (want, got))
        res = a.get("reserves_t")
        small = g.GetArea() < 100000 and (res in (None, "") or float(res) < 300000)
        check(f"{a['licence_id']} valid_at_t2 (dates compared as dates)",
              r["valid_at_t2"] == str(int(valid_at(a, t2))), r["valid_at_t2"])
        if small and not exempt:
            cand.append((a["licence_id"], g))
    parent = {i: i for i, _ in cand}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x
    for i, (a, ga) in enumerate(cand):
        for b, gb in cand[i + 1:]:
            if ga.Distance(gb) <= 500:
                parent[find(b)] = find(a)
    groups = {}
    for i, _ in cand:
        groups.setdefault(find(i), set()).add(i)
    want = sorted(sorted(s) for s in groups.values() if len(s) > 1)
    got = {}
    for lid, r in audit.items():
        if r["consolidation_group"]:
            got.setdefault(r["consolidation_group"], set()).add(lid)
    check("consolidation groups agree with GEOS", want == sorted(sorted(s) for s in got.values()),
          (want, got))
    truth_lic = os.path.join(sample, "truth_licences.csv")
    if os.path.exists(truth_lic) and big is None:
        for t in read_csv(truth_lic):
            r = audit.get(t["licence_id"])
            check(f"{t['licence_id']} in truth_licences is audited", r is not None)
            if r:
                grouped = bool(r["consolidation_group"])
                check(f"{t['licence_id']} consolidation as planted",
                      grouped == bool(t["consolidation_group"]), r["consolidation_group"])

    # -- restoration against the truth ------------------------------------
    truth_res = os.path.join(sample, "truth_restoration.csv")
    if os.path.exists(truth_res):
        plots = {r["plot_id"]: r for r in read_csv(os.path.join(run, "restoration.csv"))}
        for t in read_csv(truth_res):
            r = plots.get(t["plot_id"])
            check(f"plot {t['plot_id']} reported", r is not None)
            if not r:
                continue
            check(f"plot {t['plot_id']} status {t['status']}", r["status"] == t["status"], r["status"])
            check(f"plot {t['plot_id']} overdue {t['overdue']}", r["overdue"] == t["overdue"], r["overdue"])
            for k in ("veg_fraction_t1", "veg_fraction_t2"):
                check(f"plot {t['plot_id']} {k}", abs(float(r[k]) - float(t[k])) <= 0.02, (r[k], t[k]))
        counties = read_csv(os.path.join(run, "restoration_by_county.csv"))
        check("county table counts every plot (and ends with the total)",
              sum(int(c["plots"]) for c in counties[:-1]) == len(plots) == int(counties[-1]["plots"]),
              counties)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
