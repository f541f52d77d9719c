#!/bin/sh
# The evidence package (issue 15 items 1, 3): per-patch chips in evidence/,
# map sheets in maps/; counts, sizes, colours, determinism, and the bad
# inputs: a missing font, no SWIR band, a patch at the scene's edge, no
# patch, 10,000 patches (capped at evidence_max).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cfg() { out=$1; shift; $PY tests/mkcfg.py "$out" "$@"; }

echo "== evidence: the sample"
if $MW scan configs/sample.ini -o "$TMP/a" >"$TMP/stdout" 2>"$TMP/stderr"; then
  t_pass "scan exits 0"
else
  t_fail "scan exits 0" "$(tail -3 "$TMP/stderr")"
fi
t_has "the log counts the chips" "evidence: 9 chip(s) in " "$(cat "$TMP/stderr")"
t_has "the log counts the map sheets" ", 3 map sheet(s) in " "$(cat "$TMP/stderr")"
t_py tests/check_evidence.py "$TMP/a" 500
t_eq "one sheet per county, named after it" "壶关县.pdf 壶关县.png 平顺县.pdf 平顺县.png 长治市上党区.pdf 长治市上党区.png" \
  "$(ls "$TMP/a/maps" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
t_eq "no work folder left" "" "$(ls -A "$TMP/a" | grep minewatch-work || true)"

echo "== evidence: byte-identical reruns (1 and 2 threads)"
$MW scan configs/sample.ini -o "$TMP/b" --threads 1 -q 2>"$TMP/stderr"
t_ok "chips identical across runs and thread counts" diff -r "$TMP/a/evidence" "$TMP/b/evidence"
t_ok "map sheets identical across runs and thread counts (PDF and PNG drawn at once on 2 threads, in turn on 1)" diff -r "$TMP/a/maps" "$TMP/b/maps"
# a second run into the same folder replaces the folders
$MW scan configs/sample.ini -o "$TMP/b" -q 2>"$TMP/stderr"
t_eq "a rerun into the same folder exits 0 and keeps 9 chips" "9" "$(ls "$TMP/b/evidence" | grep -c '\.png$')"

echo "== evidence: the chips' store fails part way: the same chips"
# a file size limit of 20 MB stops the writes into the store (43 MB for the
# sample) part way; the chips over the tiles not kept read the scene
# (pipeline/tiles/chipstore.h), the reports themselves fit
(ulimit -f 20000; $MW scan configs/sample.ini -o "$TMP/lim" >/dev/null 2>"$TMP/lim.err")
t_eq "the store's writes fail: exit 0" "0" "$?"
t_has "the store's writes fail: said in the log" \
  ": cannot write (File too large); the chips over the tiles not kept read the scene" "$(cat "$TMP/lim.err")"
t_ok "the store's writes fail: the same 9 chips, byte for byte" diff -r "$TMP/a/evidence" "$TMP/lim/evidence"

echo "== evidence: evidence_max and evidence = off"
cfg "$TMP/max4.ini" report.evidence_max=4
$MW scan "$TMP/max4.ini" -o "$TMP/max4" -q 2>"$TMP/stderr"
t_py tests/check_evidence.py "$TMP/max4" 4
cfg "$TMP/off.ini" report.evidence=off
$MW scan "$TMP/off.ini" -o "$TMP/off" -q 2>"$TMP/stderr"
t_eq "evidence = off: neither evidence/ nor maps/" "no no" \
  "$(test -e "$TMP/off/evidence" && echo yes || echo no) $(test -e "$TMP/off/maps" && echo yes || echo no)"
t_ok "evidence = off: the same suspects.csv" cmp "$TMP/a/suspects.csv" "$TMP/off/suspects.csv"
cfg "$TMP/bad.ini" report.evidence=maybe
$MW scan "$TMP/bad.ini" -o "$TMP/bad" -q 2>"$TMP/stderr"
t_eq "evidence = maybe: exit 3" "3" "$?"
t_has "evidence = maybe: the line names the key" "[report] evidence = 'maybe' is not on or off" "$(cat "$TMP/stderr")"
t_eq "evidence = maybe: one line" "1" "$(wc -l <"$TMP/stderr")"

echo "== evidence: a missing font is a warning"
cfg "$TMP/font.ini" "report.font=No Such Font 123"
$MW scan "$TMP/font.ini" -o "$TMP/font" >/dev/null 2>"$TMP/stderr"
t_eq "missing font: exit 0" "0" "$?"
t_has "missing font: a warning naming it and the substitute" \
  "[report] font 'No Such Font 123' is not installed; the chips and map sheets use '" "$(cat "$TMP/stderr")"
t_eq "missing font: the warning once" "1" "$(grep -c "No Such Font 123" "$TMP/stderr")"
t_eq "missing font: the chips are still written" "9" "$(ls "$TMP/font/evidence" | grep -c '\.png$')"
$MW scan configs/sample.ini -o "$TMP/font2" >/dev/null 2>"$TMP/stderr"
t_eq "installed font: no font warning" "0" "$(grep -c "is not installed" "$TMP/stderr")"

echo "== evidence: no SWIR band (false colour NIR/red/green)"
# without SWIR1 the BSI falls back to visible/NIR, whose gain is smaller
cfg "$TMP/noswir.ini" bands.swir1=0 detect.bsi_gain=0.05 detect.bare_min=-1
$MW scan "$TMP/noswir.ini" -o "$TMP/noswir" -q 2>"$TMP/stderr"
t_eq "no SWIR: exit 0" "0" "$?"
t_py tests/check_evidence.py "$TMP/noswir" 500
# vegetation is green in SWIR1/NIR/red, red in NIR/red/green: the t1
# false-colour panel of P000001 (in a vegetated area) shows which one it is
fc() { $PY -c '
import sys
from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray().astype(float)[:, 438:738, 10:310]
print("red" if a[0].mean() > a[1].mean() else "green")
' "$1" 2>&1; }
t_eq "with SWIR1: vegetation green in the false colour" "green" "$(fc "$TMP/a/evidence/P000001.png")"
t_eq "without SWIR1: vegetation red in the false colour (NIR/red/green)" "red" "$(fc "$TMP/noswir/evidence/P000001.png")"

echo "== evidence: a patch at the scene's edge"
# the sample cut at column 130: P000001 (columns 120-142) is cut by the edge
gdal_translate -q -srcwin 130 0 1000 1000 $S/t1.tif "$TMP/e1.tif"
gdal_translate -q -srcwin 130 0 1000 1000 $S/t2.tif "$TMP/e2.tif"
cfg "$TMP/edge.ini" scene.t1="$TMP/e1.tif" scene.t2="$TMP/e2.tif"
$MW scan "$TMP/edge.ini" -o "$TMP/edge" -q 2>"$TMP/stderr"
t_eq "edge: exit 0" "0" "$?"
edge=$($PY -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    if float(r["min_x"]) <= 681300 + 1:
        print(r["patch_id"])
        break
' "$TMP/edge/suspects.csv")
t_ok "edge: a patch touches the left edge" test -n "$edge"
t_eq "edge: its chip shows the outside of the scene (grey 200) left of the edge" "yes" "$($PY -c '
import sys
import numpy as np
from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray().astype(int)
panel = a[:, 128:428, 10:310]
grey = np.all(panel == 200, axis=0)
# rows 200-270 hold no label, north arrow or scale bar; the edge is at x 130
left, right = grey[200:270, 20:120].mean(), grey[200:270, 200:290].mean()
print("yes" if left > 0.95 and right == 0 else "no %.2f %.2f" % (left, right))
' "$TMP/edge/evidence/$edge.png" 2>&1)"
t_py tests/check_evidence.py "$TMP/edge" 500

echo "== evidence: no patch"
cfg "$TMP/zero.ini" scene.t2="$(pwd)/$S/t1.tif"
$MW scan "$TMP/zero.ini" -o "$TMP/zero" -q 2>"$TMP/stderr"
t_eq "0 patches: exit 0" "0" "$?"
t_eq "0 patches: evidence/ is there and empty" "yes 0" \
  "$(test -d "$TMP/zero/evidence" && echo yes || echo no) $(ls -A "$TMP/zero/evidence" | wc -l)"
t_eq "0 patches: a sheet per county all the same" "6" "$(ls "$TMP/zero/maps" | wc -l)"
# a night with nothing replaces the evidence of the night before
$MW scan "$TMP/zero.ini" -o "$TMP/b" -q 2>"$TMP/stderr"
t_eq "0 patches into a folder with chips: the old chips are gone" "0" "$(ls -A "$TMP/b/evidence" | wc -l)"

echo "== evidence: 10,000 patches, capped at evidence_max"
# t2 = t1 with 100 x 100 squares of 6 x 6 px of bare ground, 20 px apart
$PY -c '
import sys
import numpy as np
from osgeo import gdal
src = gdal.Open(sys.argv[1])
a = src.ReadAsArray()
bare = np.array([1410, 1721, 2397, 2409, 3833], dtype=a.dtype)
for i in range(100):
    for j in range(100):
        a[:, 7 + 20 * i:13 + 20 * i, 7 + 20 * j:13 + 20 * j] = bare[:, None, None]
dst = gdal.GetDriverByName("GTiff").CreateCopy(sys.argv[2], src, options=["TILED=YES", "COMPRESS=DEFLATE"])
for b in range(a.shape[0]):
    dst.GetRasterBand(b + 1).WriteArray(a[b])
dst = None
' $S/t1.tif "$TMP/many.tif"
cfg "$TMP/many.ini" scene.t2="$TMP/many.tif"
cfg "$TMP/many_off.ini" scene.t2="$TMP/many.tif" report.evidence=off
/usr/bin/time -f '%e s wall, %U s user' -o "$TMP/t_off" $MW scan "$TMP/many_off.ini" -o "$TMP/many_off" -q 2>"$TMP/stderr"
/usr/bin/time -f '%e s wall, %U s user' -o "$TMP/t_on" $MW scan "$TMP/many.ini" -o "$TMP/many" -q 2>"$TMP/stderr"
rc=$?
t_eq "10,000 patches: exit 0" "0" "$rc"
# 10,000 squares planted; the few that fall on the sample's own events merge
n=$(grep -o '"patches": *[0-9]*' "$TMP/many/manifest.json" | head -1 | grep -o '[0-9]*$')
t_ok "10,000 patches: more than 9,800 patches ($n)" test "$n" -gt 9800
t_eq "10,000 patches: suspects.csv whole" "$n" "$(($(wc -l <"$TMP/many/suspects.csv") - 1))"
t_eq "10,000 patches: 500 chips (evidence_max)" "500" "$(ls "$TMP/many/evidence" | grep -c '\.png$')"
echo "      scan without evidence: $(tail -1 "$TMP/t_off"); with 500 chips and the sheets: $(tail -1 "$TMP/t_on")"
t_py tests/check_evidence.py "$TMP/many" 500

t_summary
