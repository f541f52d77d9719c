"""Compare a scan of a scene in a geographic CRS with the scan of the same
scene in its projected CRS (the sample in UTM 49N, warped with gdalwarp).

usage: check_geographic.py REF_RUN GEO_RUN LABEL

Patches are matched by their WGS84 centroid (within 30 m).  Each must break
the same rules with the same licence and finding; its areas (area_m2,
inside/outside_licence_m2, after_expiry_m2, exploration_m2, redline_m2,
farmland_m2, urban_m2) agree within 1 % of the patch's area; its polygon in
patches.gpkg (scene CRS, degrees) measured in UTM 49N agrees with its
area_m2 within 0.5 %.  licences.csv: the same licences, validity and
consolidation groups, areas and overlaps within 1 %.  restoration.csv: the
same statuses and overdue flags, areas within 1 %.  Prints "ok ..." /
"FAIL ..." lines.
"""
import csv
import math
import os
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
osr.UseExceptions()
failed = 0
label = sys.argv[3]


def check(name, cond, detail=""):
    global failed
    print(("ok    " if cond else "FAIL  ") + label + ": " + name + ("" if cond else ": " + str(detail)))
    failed += not cond


def read(run, name):
    with open(os.path.join(run, name), newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def num(s):
    return float(s) if s != "" else 0.0


def close(a, b, scale, tol=0.01):
    return abs(num(a) - num(b)) <= tol * scale


def metres(lon1, lat1, lon2, lat2):
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon1 - lon2) * 111320 * k, (lat1 - lat2) * 110940)


def main():
    ref_run, geo_run = sys.argv[1], sys.argv[2]
    ref, geo = read(ref_run, "suspects.csv"), read(geo_run, "suspects.csv")
    check("same number of patches", len(ref) == len(geo), (len(ref), len(geo)))
    for r in ref:
        lon, lat = float(r["lon"]), float(r["lat"])
        g = min(geo, key=lambda x: metres(lon, lat, float(x["lon"]), float(x["lat"])))
        d = metres(lon, lat, float(g["lon"]), float(g["lat"]))
        pid = r["patch_id"]
        check(f"{pid} has a patch within 30 m", d <= 30, f"{d:.1f} m")
        for k in ("rules", "finding", "licence_id", "redline_name", "county"):
            check(f"{pid} {k}", r[k] == g[k], (r[k], g[k]))
        a = float(r["area_m2"])
        for k in ("area_m2", "inside_licence_m2", "outside_licence_m2", "after_expiry_m2",
                  "exploration_m2", "redline_m2", "farmland_m2", "urban_m2"):
            check(f"{pid} {k} within 1 %", close(r[k], g[k], a), (r[k], g[k]))
        check(f"{pid} nearest_licence_m within 20 m",
              (r["nearest_licence_m"] == "") == (g["nearest_licence_m"] == "") and
              abs(num(r["nearest_licence_m"]) - num(g["nearest_licence_m"])) <= 20,
              (r["nearest_licence_m"], g["nearest_licence_m"]))
        check(f"{pid} beyond_boundary_m within 30 m",
              abs(num(r["beyond_boundary_m"]) - num(g["beyond_boundary_m"])) <= 30,
              (r["beyond_boundary_m"], g["beyond_boundary_m"]))

    # the polygons stay in the scene CRS; measured in metres they are area_m2
    ds = ogr.Open(os.path.join(geo_run, "patches.gpkg"))
    lyr = ds.GetLayerByName("patches")
    src = lyr.GetSpatialRef()
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    check("patches.gpkg is in the scene's geographic CRS", src.IsGeographic() == 1)
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32649)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, utm)
    for f in lyr:
        g = f.GetGeometryRef().Clone()
        g.Transform(ct)
        a = f.GetField("area_m2")
        check(f"{f.GetField('patch_id')} polygon in metres = area_m2 within 0.5 %",
              abs(g.GetArea() - a) <= 0.005 * a, (g.GetArea(), a))

    lr, lg = {r["licence_id"]: r for r in read(ref_run, "licences.csv")}, \
        {r["licence_id"]: r for r in read(geo_run, "licences.csv")}
    check("licences.csv has the same licences", sorted(lr) == sorted(lg), (sorted(lr), sorted(lg)))
    for lid, r in lr.items():
        g = lg.get(lid)
        if not g:
            continue
        a = float(r["area_m2"])
        for k in ("valid_at_t2", "exempt", "consolidation_candidate", "consolidation_group"):
            check(f"licence {lid} {k}", r[k] == g[k], (r[k], g[k]))
        for k in ("area_m2", "redline_overlap_m2", "farmland_overlap_m2", "urban_overlap_m2",
                  "disturbed_inside_m2", "disturbed_outside_m2"):
            check(f"licence {lid} {k} within 1 %", close(r[k], g[k], a), (r[k], g[k]))

    pr, pg = {r["plot_id"]: r for r in read(ref_run, "restoration.csv")}, \
        {r["plot_id"]: r for r in read(geo_run, "restoration.csv")}
    check("restoration.csv has the same plots", sorted(pr) == sorted(pg))
    for pid, r in pr.items():
        g = pg.get(pid)
        if not g:
            continue
        for k in ("status", "overdue"):
            check(f"plot {pid} {k}", r[k] == g[k], (r[k], g[k]))
        check(f"plot {pid} area_m2 within 1 %", close(r["area_m2"], g["area_m2"], float(r["area_m2"])),
              (r["area_m2"], g["area_m2"]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
