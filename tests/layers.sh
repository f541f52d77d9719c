#!/bin/sh
# Province-sized legal layers (issue 18): a scan reads only what its scene
# touches, through the layer's own spatial index, and judges exactly as with
# layers cut to the scene; the licence audit reads what meets a licence.
# The layers: bench/gen_layers over a 100 x 100 km "province" around the
# sample (EPSG:4547, the sample layers' CRS): 500 licences, 10,000 red-line
# polygons of 100 vertices, 20,000 farmland polygons; ~4 % in the scene.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
GEN=$B/bench/gen_layers
S=samples/generated
TMP=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
cfg() { $PY tests/mkcfg.py "$@"; }

BOX="370000 3960000 470000 4060000"            # the province, EPSG:4547 metres
CLIP=clip=404000:3994000:437000:4026000          # the sample's extent + 6 km
KINDS="licences=500 redline=10000:100:150 farmland=20000:100"
t_ok "gen_layers: the province" $GEN "$TMP/prov.gpkg" 4547 $BOX $KINDS
t_ok "gen_layers: the same cut to the scene" $GEN "$TMP/cut.gpkg" 4547 $BOX $KINDS $CLIP
# a geographic copy (CGCS2000 lon/lat) of each, and a shapefile without .qix
for f in prov cut; do
  ogr2ogr -q -t_srs EPSG:4490 "$TMP/${f}_geo.gpkg" "$TMP/$f.gpkg"
done
ogr2ogr -q -lco ENCODING=UTF-8 "$TMP/red.shp" "$TMP/prov.gpkg" redline
t_eq "the shapefile has no .qix" "" "$(ls "$TMP"/red.qix 2>/dev/null)"

layers_cfg() { # OUT.ini GPKG [redline shapefile]
  if [ -n "${3:-}" ]; then
    cfg "$1" licences.path="$2" redline.path="$3" redline.layer="$(basename "$3" .shp)" \
      farmland.path="$2"
  else
    cfg "$1" licences.path="$2" redline.path="$2" farmland.path="$2"
  fi
}
scan() { # NAME GPKG [redline path]: a verbose scan into $TMP/NAME
  layers_cfg "$TMP/$1.ini" "$2" "${3:-}"
  $MW scan "$TMP/$1.ini" -o "$TMP/$1" >"$TMP/$1.out" 2>"$TMP/$1.err"
}
# "layer 'redline' ([redline]): N of M features meet the region read" -> N M
read_of() { # RUN LAYER [SECTION]
  sed -n "s/.*layer '$2' (\[${3:-$2}\]): \([0-9]*\) of \([0-9-]*\) features.*/\1 \2/p" \
    "$TMP/$1.err"
}
same() { # NAME A B: the reports of runs A and B are the same
  for f in suspects.csv licences.csv restoration.csv; do
    t_ok "$1: $f identical" cmp "$TMP/$2/$f" "$TMP/$3/$f"
  done
}

# -- projected layers (EPSG:4547, another CRS than the scene's UTM 49N) -------
t_ok "scan with the province layers exits 0" scan prov "$TMP/prov.gpkg"
t_ok "scan with the layers cut to the scene exits 0" scan cut "$TMP/cut.gpkg"
set -- $(read_of prov redline)
t_eq "red line: 10,000 features in the file" 10000 "${2:-}"
t_ok "red line: only the scene's share read (${1:-?} of 10000, 1-1000)" \
  test "${1:-0}" -ge 1 -a "${1:-0}" -le 1000
set -- $(read_of prov farmland)
t_ok "farmland: only the scene's share read (${1:-?} of ${2:-?}, 1-2000)" \
  test "${1:-0}" -ge 1 -a "${1:-0}" -le 2000
set -- $(read_of prov licences)
t_ok "licences: only those near the scene read (${1:-?} of ${2:-?}, 1-100)" \
  test "${1:-0}" -ge 1 -a "${1:-0}" -le 100
t_eq "licences.csv has a row per licence read" "${1:-?}" \
  "$(($(wc -l <"$TMP/prov/licences.csv") - 1))"
same "province vs cut" prov cut
t_py tests/check_rules.py $S "$TMP/prov" 2024-09-20 300 100 "$TMP/prov.gpkg"

# -- geographic layers (EPSG:4490): the region is taken to lon/lat --------------
t_ok "scan with geographic province layers exits 0" scan geo "$TMP/prov_geo.gpkg"
t_ok "scan with geographic cut layers exits 0" scan geocut "$TMP/cut_geo.gpkg"
set -- $(read_of geo redline)
t_ok "geographic red line: only the scene's share read (${1:-?} of 10000)" \
  test "${1:-0}" -ge 1 -a "${1:-0}" -le 1000
same "geographic province vs cut" geo geocut
t_py tests/check_rules.py $S "$TMP/geo" 2024-09-20 300 100 "$TMP/prov_geo.gpkg"

# -- a shapefile without a spatial index: read once, the same verdicts -----------
t_ok "scan with the red line as a shapefile without .qix exits 0" \
  scan shp "$TMP/prov.gpkg" "$TMP/red.shp"
set -- $(read_of shp red redline)
t_ok "shapefile red line: only the scene's share kept (${1:-?} of 10000)" \
  test "${1:-0}" -ge 1 -a "${1:-0}" -le 1000
same "shapefile vs GeoPackage red line" shp prov

# -- the licence audit without imagery: every licence, what meets one -----------
layers_cfg "$TMP/audit.ini" "$TMP/prov.gpkg"
t_ok "licences audit with the province layers exits 0" \
  $MW licences audit "$TMP/audit.ini" -o "$TMP/audit"
t_eq "licences audit: a row per licence of the province" 500 \
  "$(($(wc -l <"$TMP/audit/licences.csv") - 1))"
# the audit's overlaps of the scene's licences are the scan's (measured in
# the layers' own CRS, not the scene's: within 0.1 %)
cat >"$TMP/cmp_audit.py" <<'EOF'
import csv, sys
rows = [{r["licence_id"]: r for r in csv.DictReader(open(p, newline="", encoding="utf-8-sig"))}
        for p in sys.argv[1:3]]
for lid, r in sorted(rows[0].items()):
    a = rows[1].get(lid)
    for k in ("redline_overlap_m2", "farmland_overlap_m2", "area_m2"):
        x, y = float(r[k] or "nan"), float(a[k] or "nan") if a else None
        same = a is not None and (r[k] == a[k] or abs(x - y) <= 1 + 1e-3 * max(x, y))
        print(("ok    " if same else "FAIL  ") +
              f"audit {lid} {k} = scan's within 0.1 % ({r[k]} / {a[k] if a else None})")
EOF
t_py "$TMP/cmp_audit.py" "$TMP/prov/licences.csv" "$TMP/audit/licences.csv"

t_summary
