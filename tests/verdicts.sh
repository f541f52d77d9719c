#!/bin/sh
# Verdicts that are never silently wrong (issue 13): scenes in a geographic
# CRS, dates as agencies write them, NULL where there is no value, MakeValid
# that keeps only polygons, quoted restoration plans, CSV formula injection,
# text cut on a character boundary.  Fixtures: tests/make_fixtures.py.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FX=$TMP/fx.gpkg
P3=C1404002010121130089263 # the valid licence that P000003 lies in

$PY tests/make_fixtures.py $S "$TMP" || { t_fail "fixtures"; t_summary; exit 1; }
cfg() { $PY tests/mkcfg.py "$@"; }
# cell CSV KEYCOL KEY COL: column COL of the row whose KEYCOL is KEY
cell() {
  $PY -c '
import csv, sys
path, k, v, c = sys.argv[1:5]
for r in csv.DictReader(open(path, newline="", encoding="utf-8-sig")):
    if r[k] == v:
        print(r[c])
        break
else:
    print("(no row)")
' "$@"
}
# sql GPKG QUERY: the single value the query gives
sql() { $PY -c '
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"; }

echo "== verdicts: the sample's reference run"
$MW scan configs/sample.ini -o "$TMP/ref" -q 2>"$TMP/ref.err" || t_fail "sample scan" "$(tail -2 "$TMP/ref.err")"
$MW licences audit configs/sample.ini -o "$TMP/ref_audit" -q 2>/dev/null || t_fail "sample audit"

# -- 4. NULL, not 0 --------------------------------------------------------
echo "== verdicts: no value is NULL / an empty cell"
R=$TMP/ref
t_eq "nearest_licence_m is empty for the 6 patches with no valid licence near (no -1)" "6 0" \
  "$($PY -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
print(sum(r["nearest_licence_m"] == "" for r in rows if r["finding"] == "UNLICENSED"),
      sum(r["nearest_licence_m"] in ("", "-1.0") for r in rows if r["finding"] != "UNLICENSED"))' "$R/suspects.csv")"
t_eq "patches.gpkg: nearest_licence_m IS NULL where the CSV is empty" "6" \
  "$(sql "$R/patches.gpkg" "SELECT count(*) FROM patches WHERE nearest_licence_m IS NULL")"
t_eq "patches.gpkg: no -1 sentinel left" "0" \
  "$(sql "$R/patches.gpkg" "SELECT count(*) FROM patches WHERE nearest_licence_m < 0")"
t_eq "patches.gpkg: confidence and change_margin are NULL (threshold engine), not 0" "9 9" \
  "$(sql "$R/patches.gpkg" "SELECT count(*) FROM patches WHERE confidence IS NULL") $(sql "$R/patches.gpkg" "SELECT count(*) FROM patches WHERE change_margin IS NULL")"
t_eq "beyond_boundary_m is empty without a valid licence near, 0.0 inside one" " 0.0 120.0" \
  "$(cell "$R/suspects.csv" patch_id P000007 beyond_boundary_m) $(cell "$R/suspects.csv" patch_id P000003 beyond_boundary_m) $(cell "$R/suspects.csv" patch_id P000006 beyond_boundary_m)"
t_eq "licences.csv: an exempt (geothermal) licence has no control-line overlaps" ",," \
  "$(cell "$R/licences.csv" licence_id C1404002020111110150327 redline_overlap_m2),$(cell "$R/licences.csv" licence_id C1404002020111110150327 farmland_overlap_m2),$(cell "$R/licences.csv" licence_id C1404002020111110150327 urban_overlap_m2)"
t_eq "patches.gpkg licences: and NULL there" "1" \
  "$(sql "$R/patches.gpkg" "SELECT count(*) FROM licences WHERE exempt = 1 AND redline_overlap_m2 IS NULL AND farmland_overlap_m2 IS NULL AND urban_overlap_m2 IS NULL")"
t_eq "licences audit without imagery: no disturbed area (empty), not 0.0" "," \
  "$(cell "$TMP/ref_audit/licences.csv" licence_id $P3 disturbed_inside_m2),$(cell "$TMP/ref_audit/licences.csv" licence_id $P3 disturbed_outside_m2)"
cfg "$TMP/nored.ini" redline.=- farmland.=-
$MW scan "$TMP/nored.ini" -o "$TMP/nored" -q 2>/dev/null
t_eq "without a red-line / farmland layer: redline_m2, farmland_m2 are empty" "|" \
  "$(cell "$TMP/nored/suspects.csv" patch_id P000001 redline_m2)|$(cell "$TMP/nored/suspects.csv" patch_id P000008 farmland_m2)"
t_eq "and so are the licence overlaps with them" "|" \
  "$(cell "$TMP/nored/licences.csv" licence_id C1404002012041130124850 redline_overlap_m2)|$(cell "$TMP/nored/licences.csv" licence_id C1404002011031130117745 farmland_overlap_m2)"

cfg "$TMP/nolic.ini" licences.=-
$MW scan "$TMP/nolic.ini" -o "$TMP/nolic" -q 2>/dev/null
t_eq "without a licence layer: NOT_JUDGED, licence areas empty" "NOT_JUDGED||" \
  "$(cell "$TMP/nolic/suspects.csv" patch_id P000001 finding)|$(cell "$TMP/nolic/suspects.csv" patch_id P000001 inside_licence_m2)|$(cell "$TMP/nolic/suspects.csv" patch_id P000001 nearest_licence_m)"
t_eq "but the control lines still judged: RED_LINE 35200.0, FARMLAND, URBAN_BOUNDARY" "RED_LINE 7 35200.0|FARMLAND|URBAN_BOUNDARY" \
  "$(cell "$TMP/nolic/suspects.csv" patch_id P000001 rules) $(cell "$TMP/nolic/suspects.csv" patch_id P000001 severity) $(cell "$TMP/nolic/suspects.csv" patch_id P000001 redline_m2)|$(cell "$TMP/nolic/suspects.csv" patch_id P000008 rules)|$(cell "$TMP/nolic/suspects.csv" patch_id P000009 rules)"

# -- 2. dates as agencies write them ------------------------------------------
echo "== verdicts: dates"
cfg "$TMP/dates.ini" licences.path="$FX" licences.layer=lic_dates
$MW licences audit "$TMP/dates.ini" -o "$TMP/dates_audit" -q 2>"$TMP/dates.err"
t_eq "audit with dates in every form exits 0" "0" "$?"
for lv in "$P3:0:2024年5月1日" C1404002015091130139972:0:2024/5/1 C1404002011031130117745:0:2024-5-1 \
          C1404002020111110150327:0:20240501 C1404272017081130145530:1:2030/1/1 \
          C1404272016051130142118:0:"valid_from 2024/10/1" C1404002008061120004517:1:2028-03-14; do
  lid=${lv%%:*}; rest=${lv#*:}; want=${rest%%:*}; form=${rest#*:}
  t_eq "valid_at_t2 (2024-09-20) of $lid, $form" "$want" "$(cell "$TMP/dates_audit/licences.csv" licence_id "$lid" valid_at_t2)"
done
$MW scan "$TMP/dates.ini" -o "$TMP/dates" -q 2>/dev/null
t_eq "a patch in a licence that expired on 2024年5月1日 is AFTER_EXPIRY" "AFTER_EXPIRY $P3" \
  "$(cell "$TMP/dates/suspects.csv" patch_id P000003 rules) $(cell "$TMP/dates/suspects.csv" patch_id P000003 licence_id)"
cfg "$TMP/datefield.ini" licences.path="$FX" licences.layer=lic_datefield
$MW scan "$TMP/datefield.ini" -o "$TMP/datefield" -q 2>/dev/null
t_eq "OGR Date fields: the licence that ended 2024-05-01 is not valid, the others are" \
  "0 1 AFTER_EXPIRY" \
  "$(cell "$TMP/datefield/licences.csv" licence_id $P3 valid_at_t2) $(cell "$TMP/datefield/licences.csv" licence_id C1404002015091130139972 valid_at_t2) $(cell "$TMP/datefield/suspects.csv" patch_id P000003 rules)"
for bad in garbage:soon badday:2024-02-30; do
  l=lic_${bad%%:*}; v=${bad#*:}
  cfg "$TMP/$l.ini" licences.path="$FX" licences.layer=$l
  fid=$(ogrinfo -q -sql "SELECT fid FROM $l WHERE licence_id = 'C1404002015091130139972'" "$FX" | sed -n 's/.*fid (Integer) = //p; s/^OGRFeature([^)]*):\([0-9]*\)$/\1/p' | head -1)
  $MW scan "$TMP/$l.ini" -o "$TMP/$l" -q 2>"$TMP/$l.err"
  t_eq "valid_to '$v' exits 5" "5" "$?"
  t_eq "with one error line" "1" "$(wc -l <"$TMP/$l.err")"
  t_has "naming the file, layer, feature and field" "$FX: layer '$l' feature $fid field 'valid_to'" "$(cat "$TMP/$l.err")"
  t_has "and the value" "'$v'" "$(cat "$TMP/$l.err")"
  t_ok "no reports written" test ! -e "$TMP/$l/suspects.csv"
  $MW licences audit "$TMP/$l.ini" -o "$TMP/${l}_audit" -q 2>/dev/null
  t_eq "licences audit with valid_to '$v' exits 5" "5" "$?"
done
cfg "$TMP/deadline.ini" restoration.path="$FX" restoration.layer=res_dates
$MW scan "$TMP/deadline.ini" -o "$TMP/deadline" -q 2>/dev/null
t_eq "restoration deadlines 20240501, 2024/5/1, 2024-5-1, 2024年5月1日 before t2: overdue" "1 1 1 1" \
  "$(for p in R2 R3 R5 R6; do cell "$TMP/deadline/restoration.csv" plot_id $p overdue; done | tr '\n' ' ' | sed 's/ $//')"
t_eq "and the others as before (R1 completed, R4 overdue)" "0 1" \
  "$(cell "$TMP/deadline/restoration.csv" plot_id R1 overdue) $(cell "$TMP/deadline/restoration.csv" plot_id R4 overdue)"

# -- 5. MakeValid keeps only polygons ------------------------------------------
echo "== verdicts: a bow-tie licence"
cfg "$TMP/bowtie.ini" licences.path="$FX" licences.layer=lic_bowtie
$MW scan "$TMP/bowtie.ini" -o "$TMP/bowtie" -q 2>"$TMP/bowtie.err"
t_eq "scan with a bow-tie licence exits 0" "0" "$?"
t_has "the repair is logged" "repaired" "$(cat "$TMP/bowtie.err")"
t_eq "the repaired licence is a MultiPolygon of two triangles of 1e6 m2 (within 0.1 %)" "MULTIPOLYGON 2 triangle 100 triangle 100" \
  "$($PY -c '
import sys
from osgeo import ogr
ds = ogr.Open(sys.argv[1]); lyr = ds.GetLayerByName("licences")
lyr.SetAttributeFilter("licence_id = %r" % sys.argv[2])
f = lyr.GetNextFeature(); g = f.GetGeometryRef()
out = [g.GetGeometryName(), g.GetGeometryCount()]
for i in range(g.GetGeometryCount()):
    p = g.GetGeometryRef(i)
    if p.GetGeometryName() != "POLYGON":
        out += [p.GetGeometryName(), ""]; continue
    hull = p.ConvexHull().Simplify(0.05)  # a collinear vertex is no corner
    tri = hull.GetGeometryRef(0).GetPointCount() == 4 and abs(hull.GetArea() - p.GetArea()) < 1
    out += ["triangle" if tri else "not a triangle", round(p.GetArea() / 1e4, 1) if abs(p.GetArea() - 1e6) > 1000 else 100]
print(*out)
' "$TMP/bowtie/patches.gpkg" $P3)"
t_ok "of 2,000,000 m2 (two lobes of 1e6 m2; within 0.1 %)" $PY -c "
import csv, sys
a = [float(r['area_m2']) for r in csv.DictReader(open('$TMP/bowtie/licences.csv', encoding='utf-8-sig')) if r['licence_id'] == '$P3'][0]
assert abs(a - 2e6) <= 2000, a
"
t_eq "a patch inside one lobe is INSIDE the licence" "INSIDE $P3 " \
  "$(cell "$TMP/bowtie/suspects.csv" patch_id P000003 finding) $(cell "$TMP/bowtie/suspects.csv" patch_id P000003 licence_id) $(cell "$TMP/bowtie/suspects.csv" patch_id P000003 rules)"

# -- 7. the restoration plan through GDAL's CSV tokenizer -------------------------
echo "== verdicts: restoration plan CSV"
cfg "$TMP/plan.ini" restoration.plan="$TMP/plan.csv"
$MW scan "$TMP/plan.ini" -o "$TMP/plan" -q 2>"$TMP/plan.err"
t_eq "a plan with a quoted comma and an empty cell is read (exit 0)" "0" "$?"
t_eq "plan rows: 上党区 46 / 49.55, 壶关县 (empty county_en) 12 / 30.50, \"平顺县\" 42 / 63.53" \
  "46 49.55 12 30.50 42 63.53" \
  "$(for c in 长治市上党区 壶关县 平顺县; do printf '%s %s ' "$(cell "$TMP/plan/restoration_by_county.csv" county $c plan_plots)" "$(cell "$TMP/plan/restoration_by_county.csv" county $c plan_ha)"; done | sed 's/ $//')"

# -- 11. CSV formula injection --------------------------------------------------
echo "== verdicts: CSV formula injection"
cfg "$TMP/inject.ini" licences.path="$FX" licences.layer=lic_inject
$MW scan "$TMP/inject.ini" -o "$TMP/inject" -q 2>/dev/null
I=$TMP/inject
t_eq "holders starting with = + - @ get a leading ' in suspects.csv" \
  "'=HYPERLINK(\"http://x\",\"y\")|'+1|'-cmd|'@SUM(A1)" \
  "$(cell $I/suspects.csv patch_id P000003 holder)|$(cell $I/suspects.csv patch_id P000001 holder)|$(cell $I/suspects.csv patch_id P000006 holder)|$(cell $I/suspects.csv patch_id P000004 holder)"
t_eq "and in licences.csv" "'=HYPERLINK(\"http://x\",\"y\")|'-cmd" \
  "$(cell $I/licences.csv licence_id $P3 holder)|$(cell $I/licences.csv licence_id C1404002008061120004517 holder)"
# numeric columns are numbers: a negative mean_dndvi must stay one (text
# columns only get the quote)
t_eq "numeric columns keep their sign: mean_dndvi -0.7148, min_dndvi -0.7750" "-0.7148 -0.7750" \
  "$(cell $I/suspects.csv patch_id P000001 mean_dndvi) $(cell $I/suspects.csv patch_id P000001 min_dndvi)"
t_eq "patches.gpkg (no spreadsheet) keeps the holder as it is" "=HYPERLINK(\"http://x\",\"y\")" \
  "$(sql $I/patches.gpkg "SELECT holder FROM patches WHERE patch_id = 'P000003'")"

# -- 16. text cut on a character boundary -------------------------------------------
echo "== verdicts: long text"
cfg "$TMP/long.ini" licences.path="$FX" licences.layer=lic_long exploration.path="$FX" \
  exploration.layer=expl_long redline.path="$FX" redline.layer=redline_long
$MW scan "$TMP/long.ini" -o "$TMP/long" -q 2>/dev/null
t_ok "every CSV is valid UTF-8; long holder / red-line name cut on a character boundary" $PY -c "
import csv, glob
for p in glob.glob('$TMP/long/*.csv'):
    open(p, encoding='utf-8', errors='strict').read()
rows = {r['patch_id']: r for r in csv.DictReader(open('$TMP/long/suspects.csv', encoding='utf-8-sig'))}
h, n = rows['P000002']['holder'], rows['P000001']['redline_name']
assert ('A' + '矿' * 100).startswith(h) and len(h.encode()) >= 253, (h, len(h.encode()))
assert ('BB' + '线' * 60).startswith(n) and len(n.encode()) >= 125, (n, len(n.encode()))
lic = {r['licence_id']: r for r in csv.DictReader(open('$TMP/long/licences.csv', encoding='utf-8-sig'))}
h = lic['C1404002015091130139972']['holder']
assert ('A' + '矿' * 110).startswith(h) and len(h.encode()) >= 300, (h, len(h.encode()))
"
t_ok "and patches.gpkg's text is valid UTF-8" $PY -c "
import sqlite3
db = sqlite3.connect('$TMP/long/patches.gpkg'); db.text_factory = bytes
for t, c in (('patches', 'holder'), ('patches', 'redline_name'), ('licences', 'holder')):
    for (v,) in db.execute('SELECT %s FROM %s' % (c, t)):
        (v or b'').decode('utf-8')
"

# -- 1. scenes in a geographic CRS ------------------------------------------------
echo "== verdicts: the sample in EPSG:4326 and EPSG:4490"
for e in 4326 4490; do
  for d in t1 t2; do
    # near resampling, pixels of about 10 x 10 m at 36.2 N
    gdalwarp -q -t_srs EPSG:$e -r near -tr 0.0001112 0.0000901 -co TILED=YES \
      $S/$d.tif "$TMP/${d}_$e.tif" || t_fail "gdalwarp $d to EPSG:$e"
  done
  cfg "$TMP/g$e.ini" scene.t1="$TMP/t1_$e.tif" scene.t2="$TMP/t2_$e.tif"
  $MW scan "$TMP/g$e.ini" -o "$TMP/g$e" -q 2>"$TMP/g$e.err"
  t_eq "scan of the sample in EPSG:$e exits 0" "0" "$?"
  t_py tests/check_geographic.py "$TMP/ref" "$TMP/g$e" "EPSG:$e"
  $MW scan "$TMP/g$e.ini" -o "$TMP/g${e}_1" --threads 1 --tile-size 256 -q 2>/dev/null
  t_ok "EPSG:$e: suspects.csv identical with 1 thread and tiles of 256" cmp "$TMP/g$e/suspects.csv" "$TMP/g${e}_1/suspects.csv"
  t_ok "EPSG:$e: the manifest names the CRS measured in (metres)" $PY -c "
import json
from osgeo import osr
m = json.load(open('$TMP/g$e/manifest.json'))['scene']
s = osr.SpatialReference(); s.ImportFromWkt(m['measure_crs_wkt'])
assert s.IsProjected() and s.GetLinearUnits() == 1.0, m['measure_crs_wkt']
assert 99 < m['pixel_area_m2'] < 101, m['pixel_area_m2']
"
done
t_eq "a projected scene is measured in its own CRS" "1" "$($PY -c "
import json
m = json.load(open('$TMP/ref/manifest.json'))['scene']
print(int(m['measure_crs_wkt'] == m['crs_wkt'] and m['pixel_area_m2'] == 100.0))")"

echo "== verdicts: licences audit of a licence layer in EPSG:4490"
ogr2ogr -t_srs EPSG:4490 "$TMP/lic4490.gpkg" $S/layers.gpkg licences
for l in redline farmland urban; do ogr2ogr -update -t_srs EPSG:4490 "$TMP/lic4490.gpkg" $S/layers.gpkg $l; done
cfg "$TMP/a4490.ini" licences.path="$TMP/lic4490.gpkg" redline.path="$TMP/lic4490.gpkg" \
  farmland.path="$TMP/lic4490.gpkg" urban.path="$TMP/lic4490.gpkg"
$MW licences audit "$TMP/a4490.ini" -o "$TMP/a4490" -q 2>"$TMP/a4490.err"
t_eq "audit of a geographic licence layer exits 0 (measured, not refused)" "0" "$?"
t_ok "its areas, overlaps and groups agree with the projected layer's within 1 %" $PY -c "
import csv
def rows(p): return {r['licence_id']: r for r in csv.DictReader(open(p, encoding='utf-8-sig'))}
a, b = rows('$TMP/ref_audit/licences.csv'), rows('$TMP/a4490/licences.csv')
assert sorted(a) == sorted(b)
for k, r in a.items():
    s = float(r['area_m2'])
    for c in ('area_m2', 'redline_overlap_m2', 'farmland_overlap_m2', 'urban_overlap_m2'):
        x, y = float(r[c] or 0), float(b[k][c] or 0)
        assert abs(x - y) <= 0.01 * s, (k, c, x, y)
    assert r['consolidation_group'] == b[k]['consolidation_group'], k
"
t_ok "licences.gpkg stays in the layer's CRS (EPSG:4490)" $PY -c "
from osgeo import ogr
ds = ogr.Open('$TMP/a4490/licences.gpkg'); s = ds.GetLayer(0).GetSpatialRef()
assert s.IsGeographic() and s.GetAuthorityCode(None) == '4490', s.ExportToWkt()
"

# the real geographic scenes of ../shared (EPSG:4326): pixels in m2
REAL=../shared/data/real
if [ -d $REAL/korba-coal ] && [ -d $REAL/aurora-mine0 ]; then
  echo "== verdicts: real scenes in EPSG:4326"
  here=$(pwd)
  for sc in "korba:$REAL/korba-coal/2023-01-10/{band}.tif:$REAL/korba-coal/2023-01-30/{band}.tif:B04,B08,B11:1:1:2:3:2023-01-10:2023-01-30" \
            "aurora:$REAL/aurora-mine0/baseline/010919/{band}.tif:$REAL/aurora-mine0/monitor/$(ls $REAL/aurora-mine0/monitor | head -1)/{band}.tif:B02,B04,B08,B11:1:2:3:4:2019-09-01:2023-06-01"; do
    IFS=: read -r name t1 t2 files blue red nir swir d1 d2 <<EOF
$sc
EOF
    cat >"$TMP/$name.ini" <<EOF
[scene]
t1 = $here/$t1
t2 = $here/$t2
t1_date = $d1
t2_date = $d2
[bands]
files = $files
blue = $blue
red = $red
nir = $nir
swir1 = $swir
scale = 0.0001
nodata = 0
[detect]
min_area_m2 = 0
EOF
    $MW scan "$TMP/$name.ini" -o "$TMP/$name" -q 2>"$TMP/$name.err"
    t_eq "$name scan exits 0" "0" "$?"
    t_ok "$name: pixel_area_m2 is the pixel's area in m2 (spherical check within 0.5 %), patch areas = pixels x it" $PY -c "
import csv, json, math
m = json.load(open('$TMP/$name/manifest.json'))['scene']
gt, h = m['geotransform'], m['height']
lat = math.radians(gt[3] + gt[5] * h / 2)
R = 6371007.2
want = R * R * math.radians(gt[1]) * abs(math.sin(lat + math.radians(gt[5]) / 2) - math.sin(lat - math.radians(gt[5]) / 2))
assert abs(m['pixel_area_m2'] - want) <= 0.005 * want, (m['pixel_area_m2'], want)
print('pixel', m['pixel_area_m2'], 'm2, side', math.sqrt(m['pixel_area_m2']))
for r in csv.DictReader(open('$TMP/$name/suspects.csv', encoding='utf-8-sig')):
    a = float(r['area_m2']) / int(r['pixels'])
    assert abs(a - want) <= 0.005 * want, (r['patch_id'], a, want)
"
  done
else
  echo "skip  real geographic scenes: ../shared/data/real not found"
fi

t_summary
