"""Check a scan's rule areas, restoration and licence audit against an
independent GEOS computation (GDAL's Python bindings) and the generator's
truth tables.

usage: check_rules.py SAMPLE_DIR RUN_DIR T2_DATE NEAR_M PIXEL_AREA

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
        out.append(({k: f.GetField(k) for k in f.keys()}, g))
    return out


def union(geoms):
    u = None
    for g in geoms:
        u = g.Clone() if u is None else u.Union(g)
    return u


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
    pds = ogr.Open(os.path.join(run, "patches.gpkg"))
    plyr = pds.GetLayerByName("patches")
    srs = plyr.GetSpatialRef()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lic = layer_features(layers, "licences", srs)
    control = {k: union(g for _, g in layer_features(layers, k, srs))
               for k in ("redline", "farmland", "urban")}
    valid = union(g for a, g in lic if valid_at(a, t2))

    # -- per patch: GEOS areas agree with the CSV within one pixel --------
    rows = {r["patch_id"]: r for r in read_csv(os.path.join(run, "suspects.csv"))}
    n = 0
    for f in plyr:
        g, r = f.GetGeometryRef(), rows[f.GetField("patch_id")]
        pid = r["patch_id"]
        check(f"{pid} polygon area = area_m2", abs(g.GetArea() - float(r["area_m2"])) < 0.01,
              (g.GetArea(), r["area_m2"]))
        out = g.GetArea() - area_in(g, valid)
        check(f"{pid} outside_licence_m2 agrees with GEOS", abs(out - float(r["outside_licence_m2"])) <= px,
              (out, r["outside_licence_m2"]))
        for k in ("redline", "farmland", "urban"):
            a = area_in(g, control[k])
            check(f"{pid} {k}_m2 agrees with GEOS", abs(a - float(r[k + "_m2"])) <= px, (a, r[k + "_m2"]))
        n += 1
    check("patches layer has every CSV row", n == len(rows), (n, len(rows)))

    # -- licence audit: overlaps and consolidation groups ------------------
    audit = {r["licence_id"]: r for r in read_csv(os.path.join(run, "licences.csv"))}
    check("licences.csv has every licence", len(audit) == len(lic), (len(audit), len(lic)))
    cand = []
    for a, g in lic:
        r = audit[a["licence_id"]]
        exempt = any(w in (a.get("mineral") or "") for w in ("地热", "矿泉水"))
        check(f"{a['licence_id']} exempt", r["exempt"] == str(int(exempt)), r["exempt"])
        for k in ("redline", "farmland", "urban"):
            got = num(r[k + "_overlap_m2"])
            if exempt:  # not audited: no value, not 0
                check(f"{a['licence_id']} {k}_overlap_m2 empty (exempt)", got is None, got)
                continue
            want = area_in(g, control[k])
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
    if os.path.exists(truth_lic):
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
