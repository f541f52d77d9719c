#!/bin/sh
# Integration tests: the real binary on the generated sample, outputs checked
# with GDAL's own tools, an independent libtiff reader and the truth table.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== integration: scan on the sample"
if $MW scan configs/sample.ini -o "$TMP/run" >"$TMP/stdout" 2>"$TMP/stderr"; then
  t_pass "scan exits 0"
else
  t_fail "scan exits 0" "$(tail -3 "$TMP/stderr")"
fi
t_has "summary names the reports" "$TMP/run/{change.tif,change.tif.aux.xml,change.qml,suspects.csv" "$(cat "$TMP/stdout")"
for f in change.tif suspects.csv patches.gpkg manifest.json licences.csv; do
  t_ok "$f written" test -s "$TMP/run/$f"
done
t_eq "no work folder left" "" "$(ls -A "$TMP/run" | grep minewatch-work || true)"

# -- the planted events --------------------------------------------------
t_py tests/check_sample.py $S/truth.csv "$TMP/run/suspects.csv" 100

# -- rule areas, restoration and licence audit against GEOS and the truth --
t_py tests/check_rules.py $S "$TMP/run" 2024-09-20 300 100

# -- suspects.csv columns ------------------------------------------------
hdr=$(head -1 "$TMP/run/suspects.csv" | sed "s/^\xEF\xBB\xBF//")
for c in patch_id rules severity licence_id holder area_m2 area_mu centroid_x centroid_y lon lat t1_date t2_date; do
  t_has "suspects.csv has column $c" ",$c," ",$hdr,"
done
t_eq "suspects.csv starts with a UTF-8 BOM (Excel, WPS)" "efbbbf" "$(head -c 3 "$TMP/run/suspects.csv" | od -An -tx1 | tr -d ' ')"

# -- change.tif through GDAL -----------------------------------------------
info=$(gdalinfo "$TMP/run/change.tif")
t_has "change.tif is a COG" "LAYOUT=COG" "$info"
t_has "change.tif has a colour table" "Color Table (RGB with 256 entries)" "$info"
t_has "change.tif nodata is 255" "NoData Value=255" "$info"
t_has "change.tif is 2000x2000" "Size is 2000, 2000" "$info"
t_has "change.tif is in UTM 49N" 'ID["EPSG",32649]' "$info"
t_ok "GDAL's COG validator accepts change.tif" \
  $PY /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py -q "$TMP/run/change.tif"
# class 3 pixels = the disturbance patches before the minimum mapping unit
hist=$(gdalinfo -hist "$TMP/run/change.tif" 2>/dev/null | sed -n '/buckets from/{n;p;q}')
t_eq "change.tif classes are 0..5 and 255 only" "0" \
  "$(echo "$hist" | awk '{s=0; for(i=7;i<=255;i++) s+=$i; print s}')"

# the overviews are filled by the tile pass: nearest, base pixel (2X, 2Y)
# and (4X, 4Y), the pixels GDAL's own NEAREST takes
t_eq "change.tif overviews are the nearest classes (both levels, every pixel)" "0 0" \
  "$($PY -c '
import sys
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(1)
a = b.ReadAsArray()
print(*[int((b.GetOverview(i).ReadAsArray() != a[::f, ::f]).sum()) for i, f in ((0, 2), (1, 4))])
' "$TMP/run/change.tif")"

# -- change.tif through libtiff alone --------------------------------------
tiff=$($B/tests/cog_check "$TMP/run/change.tif")
t_has "libtiff: full resolution tiled 512, DEFLATE, palette" \
  "ifd=0 width=2000 height=2000 tiled=1 tile=512x512 compression=8 photometric=3 bits=8 subfiletype=0 colormap=1" "$tiff"
t_has "libtiff: 1000 px overview" "width=1000 height=1000 tiled=1 tile=512x512 compression=8" "$tiff"
t_has "libtiff: 500 px overview" "width=500 height=500 tiled=1 tile=512x512 compression=8" "$tiff"

# -- patches.gpkg through OGR ----------------------------------------------
og=$(ogrinfo -so "$TMP/run/patches.gpkg" patches)
rows=$(($(wc -l <"$TMP/run/suspects.csv") - 1))
t_has "patches.gpkg layer is polygons" "Geometry: Multi Polygon" "$og"
t_has "patches.gpkg has one feature per CSV row" "Feature Count: $rows" "$og"
for c in patch_id rules licence_id holder area_m2 area_mu lon lat; do
  t_has "patches.gpkg has field $c" "$c:" "$og"
done
bad=$(ogrinfo -q -dialect SQLite -sql "SELECT count(*) AS n FROM patches WHERE abs(ST_Area(geom) - area_m2) > 0.01" \
  "$TMP/run/patches.gpkg" | sed -n 's/.*n (Integer) = //p')
t_eq "polygon areas equal area_m2" "0" "$bad"

# -- manifest.json -------------------------------------------------------
t_ok "manifest has both inputs' SHA-256" $PY -c "
import json, hashlib, sys
m = json.load(open('$TMP/run/manifest.json'))
ins = {i['role']: i for i in m['inputs']}
for role, path in (('t1', '$S/t1.tif'), ('t2', '$S/t2.tif')):
    assert ins[role]['sha256'] == hashlib.sha256(open(path, 'rb').read()).hexdigest(), role
assert m['counts']['patches'] == $rows, m['counts']
assert m['minewatch_version'] and m['config']['detect']['min_area_m2']
assert all(k in m['timings_s'] for k in ('tiles', 'patches', 'rules'))
"

# -- licence commands ----------------------------------------------------
for epsg in 4526 4547; do
  t_ok "import-corners --epsg $epsg" $MW licences import-corners $S/licence_corners.csv --epsg $epsg -o "$TMP/corners_$epsg.gpkg"
done
t_ok "corner polygons match the licence layer (both zone conventions)" $PY -c "
from osgeo import ogr, osr
osr.UseExceptions()
def load(path, name):
    ds = ogr.Open(path); lyr = ds.GetLayerByName(name)
    to = osr.SpatialReference(); to.ImportFromEPSG(32649)
    to.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    src = lyr.GetSpatialRef(); src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, to); out = {}
    for f in lyr:
        g = f.GetGeometryRef().Clone(); g.Transform(ct); out[f.GetField('licence_id')] = g
    return out
ref = load('$S/layers.gpkg', 'licences')
for epsg in (4526, 4547):
    got = load('$TMP/corners_%d.gpkg' % epsg, 'licences')
    assert sorted(got) == sorted(ref), (sorted(got), sorted(ref))
    for k, g in ref.items():
        d = g.SymDifference(got[k]).GetArea()
        assert d < 0.01 * g.Boundary().Length(), (epsg, k, d)  # the table rounds to 1 cm
"
printf 'licence_id,ring,point,x,y\nX1,1,1,4000000,38500000\nX1,1,2,4000000,38500500\nX1,1,4,4000400,38500000\n' >"$TMP/gap.csv"
$MW licences import-corners "$TMP/gap.csv" --epsg 4526 -o "$TMP/gap.gpkg" 2>"$TMP/gap.err"
t_eq "corner table with a missing point exits 5" "5" "$?"
t_has "and names the line and the point" "gap.csv:4: licence 'X1' ring 1 misses point 3" "$(cat "$TMP/gap.err")"
t_ok "no half-written licence layer" test ! -e "$TMP/gap.gpkg"
$MW licences audit configs/sample.ini -o "$TMP/audit" -q
t_eq "licences audit without imagery writes one row per licence" \
  "$(ogrinfo -q -sql 'SELECT count(*) AS n FROM licences' $S/layers.gpkg | sed -n 's/.*n (Integer) = //p')" \
  "$(($(wc -l <"$TMP/audit/licences.csv") - 1))"
t_has "and finds the consolidation group" ",G1," "$(cat "$TMP/audit/licences.csv")"
# without -o the audit has its own folder, [output] dir/audit: the scan's
# licences.csv (with the disturbed areas) is not replaced
sed "s#^dir = .*#dir = $TMP/scan_out#" configs/sample.ini >configs/.audit_test.ini
$MW scan configs/.audit_test.ini -q
scan_lic=$(md5sum <"$TMP/scan_out/licences.csv")
$MW licences audit configs/.audit_test.ini -q
t_eq "licences audit without -o: the scan's licences.csv is left as it was" "$scan_lic" "$(md5sum <"$TMP/scan_out/licences.csv")"
t_ok "and the audit is in [output] dir/audit/" cmp "$TMP/audit/licences.csv" "$TMP/scan_out/audit/licences.csv"
rm -f configs/.audit_test.ini
sed 's/^language = en/language = zh/' configs/sample.ini >configs/.zh_test.ini
$MW scan configs/.zh_test.ini -o "$TMP/zh" -q
rm -f configs/.zh_test.ini
t_has "[report] language = zh gives Chinese headers" "图斑编号,违法类型,严重程度" "$(head -1 "$TMP/zh/suspects.csv")"

# -- restoration against Changzhi's plan (shared/ beside the repo) ---------
if [ -f ../shared/data/plans/changzhi_restoration_2021_2025.csv ]; then
  $MW scan configs/changzhi_restoration.ini -o "$TMP/cz" -q
  t_ok "Changzhi plan: 10 counties, 392 plots, 447.80 ha in the total row" $PY -c "
import csv
rows = list(csv.DictReader(open('$TMP/cz/restoration_by_county.csv', encoding='utf-8-sig')))
body, total = rows[:-1], rows[-1]
assert len([r for r in body if r['规划图斑数']]) == 10, body
assert total['县(区)'] == '合计' and total['规划图斑数'] == '392' and total['规划面积(公顷)'] == '447.80', total
"
else
  echo "skip  Changzhi plan: ../shared/data/plans not found"
fi

# -- determinism: thread count and tile size -----------------------------
# each run against the first scan's reports (default threads and tiles of
# 512); a run that fails, or a missing report, fails the comparison (cmp of
# a missing file fails)
for th in 1 2; do
  for ts in 256 1024; do
    $MW scan configs/sample.ini -o "$TMP/d_${th}_$ts" --threads $th --tile-size $ts -q 2>/dev/null
    t_eq "scan with $th thread(s), tiles of $ts exits 0" "0" "$?"
    t_ok "suspects.csv identical with $th thread(s), tiles of $ts" cmp "$TMP/run/suspects.csv" "$TMP/d_${th}_$ts/suspects.csv"
    t_ok "change.tif identical with $th thread(s), tiles of $ts" cmp "$TMP/run/change.tif" "$TMP/d_${th}_$ts/change.tif"
  done
done

# -- SIMD forced off gives the same bits ----------------------------------
MW_SIMD=scalar $MW scan configs/sample.ini -o "$TMP/scalar" -q 2>/dev/null
t_ok "MW_SIMD=scalar: suspects.csv identical" cmp "$TMP/run/suspects.csv" "$TMP/scalar/suspects.csv"
t_ok "MW_SIMD=scalar: change.tif identical" cmp "$TMP/run/change.tif" "$TMP/scalar/change.tif"
t_eq "the manifest names the SIMD variant used" "scalar" \
  "$($PY -c "import json; print(json.load(open('$TMP/scalar/manifest.json'))['simd'])")"

# -- the libtiff path against GDAL, its reference (pipeline/ingest/tiffdirect.h) ----
t_eq "the sample's dates are read through libtiff" "libtiff libtiff" \
  "$($PY -c "import json; r = json.load(open('$TMP/run/manifest.json'))['reader']; print(r['t1'], r['t2'])")"
MW_LIBTIFF=off $MW scan configs/sample.ini -o "$TMP/gdal" -q 2>/dev/null
t_eq "MW_LIBTIFF=off reads both dates through GDAL" "gdal gdal" \
  "$($PY -c "import json; r = json.load(open('$TMP/gdal/manifest.json'))['reader']; print(r['t1'], r['t2'])")"
t_ok "MW_LIBTIFF=off: suspects.csv identical" cmp "$TMP/run/suspects.csv" "$TMP/gdal/suspects.csv"
t_ok "MW_LIBTIFF=off: change.tif identical" cmp "$TMP/run/change.tif" "$TMP/gdal/change.tif"

# -- a re-run replaces the reports whole -----------------------------------
$MW scan configs/sample.ini -o "$TMP/run" -q 2>/dev/null
t_ok "re-run into the same folder gives the same suspects.csv" cmp "$TMP/run/suspects.csv" "$TMP/d_1_256/suspects.csv"

t_summary
