"""Compare a scan's suspects.csv with the sample generator's truth.csv.

usage: check_sample.py TRUTH.csv SUSPECTS.csv PIXEL_AREA_M2

Every flagged truth event must be found exactly once (a patch whose centroid
lies in the event's bounding box) with the expected rules and licence, an
area within one pixel of the truth and a centroid within one pixel; nothing
else may be flagged; rows must be sorted by severity, then area.  Prints one
line per check ("ok ..." / "FAIL ...") and exits 1 on any failure.
"""
import csv
import sys


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def main():
    truth, rows, px = read(sys.argv[1]), read(sys.argv[2]), float(sys.argv[3])
    side = px ** 0.5
    failed = 0

    def check(name, cond, detail=""):
        nonlocal failed
        print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + detail))
        failed += not cond

    flagged = [t for t in truth if t["flagged"] == "1"]
    check("truth has events", len(flagged) >= 3, f"{len(flagged)} flagged events")
    for t in truth:
        minx, miny = float(t["min_x"]) - side, float(t["min_y"]) - side
        maxx, maxy = float(t["max_x"]) + side, float(t["max_y"]) + side
        hits = [r for r in rows
                if minx <= float(r["centroid_x"]) <= maxx and miny <= float(r["centroid_y"]) <= maxy]
        ev = f"{t['event']} ({t['kind']})"
        if t["flagged"] != "1":
            if t["kind"] != "nodata_stripes":  # stripes span the scene
                check(f"{ev} not flagged", not hits, f"{len(hits)} patch(es) there")
            continue
        check(f"{ev} found once", len(hits) == 1, f"{len(hits)} patches")
        if len(hits) != 1:
            continue
        r = hits[0]
        check(f"{ev} rules", r["rules"] == t["expected_rules"],
              f"expected '{t['expected_rules']}', got '{r['rules']}'")
        check(f"{ev} licence", r["licence_id"] == t["licence_id"],
              f"expected '{t['licence_id']}', got '{r['licence_id']}'")
        da = abs(float(r["area_m2"]) - float(t["area_m2"]))
        check(f"{ev} area within one pixel", da <= px,
              f"truth {t['area_m2']} m2, got {r['area_m2']} m2")
        dx = float(r["centroid_x"]) - float(t["centroid_x"])
        dy = float(r["centroid_y"]) - float(t["centroid_y"])
        check(f"{ev} centroid within one pixel", (dx * dx + dy * dy) ** 0.5 <= side,
              f"off by {dx:.1f}, {dy:.1f} m")
        if "county" in t:
            check(f"{ev} county", r["county"] == t["county"],
                  f"expected '{t['county']}', got '{r['county']}'")
        mu = float(r["area_m2"]) / (10000 / 15)
        check(f"{ev} area_mu", abs(float(r["area_mu"]) - mu) < 0.006, r["area_mu"])
    check("nothing else flagged", len(rows) == len(flagged),
          f"{len(rows)} rows for {len(flagged)} flagged events")
    keys = [(-int(r["severity"]), -float(r["area_m2"]), r["patch_id"]) for r in rows]
    check("rows sorted by severity then area", keys == sorted(keys))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
