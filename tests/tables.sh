#!/bin/sh
# The evidence package's tables (issue 15 items 2, 4, 5, 6): administrative
# codes, suspects.xlsx, the QGIS styles, report.html in headless Chromium,
# the terminal summary; each with its bad input.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# a county layer written here (not by the sample generator): the sample's
# three counties with the code field given as CODE
counties() { # OUT.gpkg CODE1 CODE2 CODE3
  $PY - "$@" <<'PYEOF'
import sys
from osgeo import gdal, ogr
gdal.UseExceptions()
ds = gdal.OpenEx("samples/generated/counties_gbk.shp", gdal.OF_VECTOR,
                 open_options=["ENCODING=GBK"])
src = ds.GetLayer(0)
drv = ogr.GetDriverByName("GPKG")
out = drv.CreateDataSource(sys.argv[1])
lyr = out.CreateLayer("counties", src.GetSpatialRef(), ogr.wkbMultiPolygon)
lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
lyr.CreateField(ogr.FieldDefn("xzqdm", ogr.OFTString))
for i, f in enumerate(src):
    o = ogr.Feature(lyr.GetLayerDefn())
    o.SetField("name", f.GetField("name"))
    if sys.argv[2 + i] != "NULL":
        o.SetField("xzqdm", sys.argv[2 + i])
    o.SetGeometry(ogr.ForceToMultiPolygon(f.GetGeometryRef()))
    lyr.CreateFeature(o)
PYEOF
  [ $? -eq 0 ] || t_fail "county layer $1 written"
}

echo "== tables: administrative codes ([counties] code_field)"
$MW scan configs/sample.ini -o "$TMP/run" >"$TMP/stdout" 2>"$TMP/stderr"
t_eq "scan on the sample exits 0" "0" "$?"
cell() { # FILE KEYCOL KEY COL: the value of COL in the row where KEYCOL = KEY
  $PY -c "
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding='utf-8-sig')):
    if r[sys.argv[2]] == sys.argv[3]:
        print(r[sys.argv[4]]); break" "$@"
}
t_eq "suspects.csv: every patch's county_code is its county's (长治市上党区 140404, 平顺县 140425, 壶关县 140427)" \
  "0" "$($PY -c "
import csv
want = {'长治市上党区': '140404', '平顺县': '140425', '壶关县': '140427'}
rows = list(csv.DictReader(open('$TMP/run/suspects.csv', encoding='utf-8-sig')))
print(len(rows) == 0 or sum(want[r['county']] != r['county_code'] for r in rows))")"
t_eq "restoration_by_county.csv carries the codes (壶关县 140427, total row none)" "140427|" \
  "$(cell "$TMP/run/restoration_by_county.csv" county 壶关县 county_code)|$(cell "$TMP/run/restoration_by_county.csv" county TOTAL county_code)"
t_eq "patches.gpkg: layer patches has county_code = 140425 for 平顺县" "140425" \
  "$(ogrinfo -q -ro "$TMP/run/patches.gpkg" -sql "SELECT DISTINCT county_code FROM patches WHERE county = '平顺县'" | sed -n 's/.*county_code (String) = //p')"

counties "$TMP/good.gpkg" 140404 140425 140427
$PY tests/mkcfg.py "$TMP/good.ini" counties.path="$TMP/good.gpkg" counties.layer=counties \
  counties.code_field=xzqdm counties.encoding=UTF-8
$MW scan "$TMP/good.ini" -o "$TMP/good" -q 2>"$TMP/err"
t_eq "a county layer written by OGR with code_field = xzqdm: exit 0" "0" "$?"
t_eq "its codes reach suspects.csv" "140427" "$(cell "$TMP/good/suspects.csv" county 壶关县 county_code)"

$PY tests/mkcfg.py "$TMP/bad.ini" counties.path="$TMP/bad.gpkg" counties.layer=counties \
  counties.code_field=xzqdm counties.encoding=UTF-8
for bad in 14042 1404255 14a427 NULL; do
  rm -f "$TMP/bad.gpkg"; counties "$TMP/bad.gpkg" 140404 140425 "$bad"
  $MW scan "$TMP/bad.ini" -o "$TMP/bad" -q 2>"$TMP/err"
  rc=$?
  want=$bad; [ "$bad" = NULL ] && want=
  t_eq "code '$bad': exit 5 (vector), one line naming layer, feature, field and value" \
    "5 1 $TMP/bad.gpkg: layer 'counties' feature 3: field 'xzqdm' = '$want' is not a 6-digit administrative code (行政区划代码) (stage: county_codes)" \
    "$rc $(wc -l <"$TMP/err") $(sed 's/^minewatch: error: //' "$TMP/err")"
done
cp "$TMP/good.gpkg" "$TMP/bad.gpkg"
$PY tests/mkcfg.py "$TMP/nofield.ini" counties.path="$TMP/bad.gpkg" counties.layer=counties \
  counties.code_field=dm counties.encoding=UTF-8
$MW scan "$TMP/nofield.ini" -o "$TMP/bad" -q 2>"$TMP/err"
t_eq "code_field naming no field: exit 5, the field named" \
  "5 minewatch: error: $TMP/bad.gpkg: layer 'counties' has no field 'dm' ([counties] code_field) (stage: county_codes)" \
  "$? $(cat "$TMP/err")"

echo "== tables: suspects.xlsx"
t_py tests/check_xlsx.py "$TMP/run" en
# the sample's layers with a 22-digit all-digit licence number and a holder
# written to break out of HTML (both come from shapefiles in real life)
LONG_ID=1404002012041130124850
HOLDER='<script>alert("x")</script>晋丰&矿业'
cp $S/layers.gpkg "$TMP/layers.gpkg"
ogrinfo -q "$TMP/layers.gpkg" -sql "UPDATE licences SET licence_id = '$LONG_ID', holder = '$HOLDER' WHERE licence_id = 'C1404002012041130124850'" >/dev/null
$PY tests/mkcfg.py "$TMP/zh.ini" report.language=zh licences.path="$TMP/layers.gpkg"
$MW scan "$TMP/zh.ini" -o "$TMP/zh" -q 2>"$TMP/err"
t_eq "language = zh, the long id and the <script> holder: exit 0" "0 " "$? $(cat "$TMP/err")"
t_eq "suspects.csv has the 22-digit id as written" "$LONG_ID" "$(cell "$TMP/zh/suspects.csv" 图斑编号 P000001 许可证号)"
t_py tests/check_xlsx.py "$TMP/zh" zh "$LONG_ID"
t_eq "GDAL's XLSX driver reads 4 sheets, 全省 first" "1: 全省 2: 长治市上党区 3: 平顺县 4: 壶关县" \
  "$(ogrinfo -ro "$TMP/zh/suspects.xlsx" 2>/dev/null | sed -n 's/ (None)//; /^[0-9]*: /p' | tr '\n' ' ' | sed 's/ $//')"

echo "== tables: QGIS styles (layer_styles, change.tif categories and change.qml)"
t_py tests/check_styles.py "$TMP/run"
t_eq "ogrinfo patches.gpkg layer_styles: 3 default styles" "licences patches restoration" \
  "$(ogrinfo -ro -q "$TMP/run/patches.gpkg" layer_styles | sed -n 's/^ *f_table_name (String) = //p' | sort | tr '\n' ' ' | sed 's/ $//')"
t_ok "GDAL's GeoPackage validator accepts patches.gpkg with layer_styles" \
  $PY /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py "$TMP/run/patches.gpkg"
$MW licences audit configs/sample.ini -o "$TMP/audit" -q
t_eq "licences audit: licences.gpkg carries the licences style" "licences" \
  "$(ogrinfo -ro -q "$TMP/audit/licences.gpkg" layer_styles | sed -n 's/^ *f_table_name (String) = //p')"

echo "== tables: report.html in headless Chromium"
CHROME=$(command -v chromium || true)
# render FILE.html: $TMP/chrome/dom (the DOM after the scripts ran),
# $TMP/chrome/shot.png (1400 x 2400), $TMP/chrome/console (every console
# message: there must be none)
render() {
  rm -rf "$TMP/chrome"; mkdir -p "$TMP/chrome"
  flags="--headless --no-sandbox --disable-gpu --user-data-dir=$TMP/chrome/profile --enable-logging=stderr --v=0"
  timeout 120 "$CHROME" $flags --dump-dom "file://$1" >"$TMP/chrome/dom" 2>"$TMP/chrome/err1"
  timeout 120 "$CHROME" $flags --window-size=1400,2400 --screenshot="$TMP/chrome/shot.png" "file://$1" \
    >/dev/null 2>"$TMP/chrome/err2"
  cat "$TMP/chrome/err1" "$TMP/chrome/err2" | grep ':CONSOLE' >"$TMP/chrome/console"
}
# PNG: "W H share-of-non-white-pixels distinct-colours"
blank() {
  $PY -c "
import sys
import numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
a = ds.ReadAsArray()[:3].reshape(3, -1).T
print(ds.RasterXSize, ds.RasterYSize, int((a.min(axis=1) < 240).mean() >= 0.02),
      int(len(np.unique(a[::7], axis=0)) > 50))" "$1"
}
cards() { grep -o '<section class="card"' "$TMP/chrome/dom" | wc -l; }
if [ -z "$CHROME" ]; then
  t_fail "chromium installed (scripts/setup.sh)"
else
  # the harness catches a console error (so that none found means none)
  printf '<!DOCTYPE html><html><body><p>x</p><script>nosuchfn();</script></body></html>' >"$TMP/broken.html"
  render "$TMP/broken.html"
  t_eq "harness: a page with a script error shows its console message (in each of the 2 passes)" "2" \
    "$(grep -c 'Uncaught ReferenceError: nosuchfn' "$TMP/chrome/console")"

  render "$TMP/run/report.html"
  t_eq "sample (en): no console message" "" "$(cat "$TMP/chrome/console")"
  t_eq "sample (en): the screenshot is 1400 x 2400 and not blank" "1400 2400 1 1" "$(blank "$TMP/chrome/shot.png")"
  t_eq "sample (en): 9 cards, one per patch" "9" "$(cards)"
  t_eq "sample (en): 9 rows in the suspects table" "9" \
    "$(sed -n '/id="suspect-table"/,/<\/table>/p' "$TMP/chrome/dom" | grep -c '^<tr')"
  t_has "sample (en): English, the summary counts 9 patches" '<b>9</b>suspect patches' "$(cat "$TMP/chrome/dom")"
  t_has "sample (en): the red-line patch counted under its worst rule" \
    'inside an ecological red line <span class="code">RED_LINE</span></td><td class="n">1</td>' "$(cat "$TMP/chrome/dom")"
  t_has "sample (en): restoration per county against the plan" 'id="restoration-progress"' "$(cat "$TMP/chrome/dom")"
  t_has "sample (en): the licence audit, 9 licences" "9" \
    "$(sed -n '/id="licence-table"/,/<\/table>/p' "$TMP/chrome/dom" | grep -c '^<tr')"
  t_eq "sample (en): every card shows its patch's chip (the evidence stage wrote 9)" "9" \
    "$(grep -o '<img class="chip" src="evidence/P[0-9]*\.png"' "$TMP/chrome/dom" | sort -u | wc -l)"
  t_eq "sample (en): no card says its chip is missing" "0" \
    "$(grep -c 'no image chip for this patch' "$TMP/chrome/dom")"

  # a card without a chip ([report] evidence = off), and chips in a card:
  # tests/unit/test_report_html.c
  # sorting: the page's own script, clicked by a harness script appended to
  # a copy (area_m2 ascending: the smallest patch first)
  sed 's|</body>|<script>document.querySelector("#suspect-table thead th:nth-child(8)").click();document.body.setAttribute("data-first",document.querySelector("#suspect-table tbody td").textContent);</script></body>|' \
    "$TMP/run/report.html" >"$TMP/run/sorted.html"
  render "$TMP/run/sorted.html"
  small=$($PY -c "
import csv
r = list(csv.DictReader(open('$TMP/run/suspects.csv', encoding='utf-8-sig')))
print(min(r, key=lambda x: float(x['area_m2']))['patch_id'])")
  t_eq "clicking area_m2 sorts the table ascending: $small first" "data-first=\"$small\"" \
    "$(grep -o 'data-first="[^"]*"' "$TMP/chrome/dom")"

  render "$TMP/zh/report.html"
  t_eq "zh + <script> holder: no console message" "" "$(cat "$TMP/chrome/console")"
  t_eq "zh: not blank" "1400 2400 1 1" "$(blank "$TMP/chrome/shot.png")"
  t_eq "zh: the page's own script is the only script element" "1" "$(grep -c '<script' "$TMP/chrome/dom")"
  t_has "zh: the holder is shown as text" '&lt;script&gt;alert("x")&lt;/script&gt;晋丰&amp;矿业' "$(cat "$TMP/chrome/dom")"
  t_has "zh: the file escapes it" '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;晋丰&amp;矿业' "$(cat "$TMP/zh/report.html")"
  t_has "zh: Chinese (html lang, 疑似图斑, 生态保护红线)" '<html lang="zh-CN">' "$(cat "$TMP/chrome/dom")"
  t_has "zh: coded values in Chinese with the code" '生态保护红线 <span class="code">RED_LINE</span>' "$(cat "$TMP/chrome/dom")"
  t_eq "zh: 9 cards" "9" "$(cards)"
fi

echo "== tables: the terminal summary"
out=$(cat "$TMP/stdout")
t_has "patches, the total area" "  patches    9 (3 below the minimum mapping unit dropped), 577.2 mu = 38.48 ha" "$out"
t_has "each patch under its worst rule: the red-line patch inside a licence is RED_LINE" \
  "  by rule    1 RED_LINE (52.8 mu), 4 UNLICENSED (210.0 mu), 1 AFTER_EXPIRY (64.8 mu), 1 EXPLORATION_ONLY (78.0 mu), 1 OUT_OF_BOUNDS (108.0 mu), 1 no rule broken (63.6 mu); each patch under its worst rule" "$out"
t_has "field checks" "  field      9 patch(es) of 10 mu or more need a field check" "$out"
t_has "where report.html is" "  report     $TMP/run/report.html" "$out"
t_eq "no 'inside a licence' count left (the red-line patch is inside one)" "0" "$(printf '%s\n' "$out" | grep -c 'inside a licence')"

echo "== tables: 0 patches"
$PY tests/mkcfg.py "$TMP/none.ini" detect.min_area_m2=100000000
$MW scan "$TMP/none.ini" -o "$TMP/none" >"$TMP/stdout" 2>"$TMP/err"
t_eq "a scan finding nothing: exit 0" "0" "$?"
out=$(cat "$TMP/stdout")
t_has "summary: 0 patches" "  patches    0 (" "$out"
t_has "summary: says there is no suspect patch" "  by rule    none: no suspect patch" "$out"
t_has "summary: 0 field checks" "  field      0 patch(es)" "$out"
t_has "report.html says so" 'id="no-patches"' "$(cat "$TMP/none/report.html")"
t_py tests/check_xlsx_empty.py "$TMP/none/suspects.xlsx"
if [ -n "$CHROME" ]; then
  render "$TMP/none/report.html"
  t_eq "0 patches: no card, no console message, not blank" "0||1400 2400 1 1" \
    "$(cards)|$(cat "$TMP/chrome/console")|$(blank "$TMP/chrome/shot.png")"
fi

echo "== tables: 10,000 patches"
$PY tests/make_many.py $S/t1.tif "$TMP/many_t2.tif" 104
$PY tests/mkcfg.py "$TMP/many.ini" scene.t2="$TMP/many_t2.tif"
$MW scan "$TMP/many.ini" -o "$TMP/many" -q 2>"$TMP/err"
t_eq "10,816 planted squares: exit 0" "0 " "$? $(cat "$TMP/err")"
n=$(($(wc -l <"$TMP/many/suspects.csv") - 1))
t_ok "more than 10,000 patches ($n)" test "$n" -gt 10000
if [ -n "$CHROME" ]; then
  render "$TMP/many/report.html"
  t_eq "report.html: the table whole ($n rows)" "$n" \
    "$(sed -n '/id="suspect-table"/,/<\/table>/p' "$TMP/chrome/dom" | grep -c '^<tr')"
  t_eq "report.html: cards for the 500 worst only ([report] evidence_max), no console message" "500|" \
    "$(cards)|$(cat "$TMP/chrome/console")"
fi
size=$(wc -c <"$TMP/many/report.html")
t_ok "report.html stays bounded: $size bytes < 8 MB" test "$size" -lt 8000000
t_eq "suspects.xlsx: every row on the province sheet" "$n" \
  "$(ogrinfo -ro -so "$TMP/many/suspects.xlsx" province 2>/dev/null | sed -n 's/^Feature Count: //p')"
$PY tests/mkcfg.py "$TMP/many50.ini" scene.t2="$TMP/many_t2.tif" report.evidence_max=50
$MW scan "$TMP/many50.ini" -o "$TMP/many50" -q
t_eq "evidence_max = 50: 50 cards, the table still whole" "50 $n" \
  "$(grep -o '<section class="card"' "$TMP/many50/report.html" | wc -l) $(grep -c '^<tr class="sev' "$TMP/many50/report.html" | awk '{print $1 - 8}')"

t_summary
