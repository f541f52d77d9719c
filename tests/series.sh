#!/bin/sh
# A series (issue 16): `[scene] t2 = a;b;c` with t2_date a list alike.  A
# change is confirmed when it holds on at least [detect] confirm clear looks
# in a row up to the last clear one (a cloud between looks neither breaks
# nor counts); patches carry confirmations, first_seen and last_seen.  On
# the sample: the pair's t2 twice (every patch confirmed), an unchanged look
# then t2 (nothing confirmed), a look clouded over one patch, a flicker; on
# real data: aurora-mine0 (a stable open-pit mine, seven looks of one dry
# season) and pucallpa (Landsat 1985 -> 2000; 2020).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=$PWD/samples/generated
R=../shared/data/real
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "== series: $MW scan with [scene] t2 = a;b;c"

# series NAME T2_LIST DATE_LIST [confirm]: NAME.ini, the sample with t2 a list
series() {
  sed -e "s#^t2 *=.*#t2 = $2#" -e "s#^t2_date *=.*#t2_date = $3#" -e "s#\.\./#$PWD/#g" \
    configs/sample.ini >"$TMP/$1.ini"
  if [ -n "${4:-}" ]; then printf '\n[detect]\nconfirm = %s\n' "$4" >>"$TMP/$1.ini"; fi
}
# col DIR NAME: the values of one column of DIR/suspects.csv, sorted, unique
col() {
  $PY -c 'import csv,sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
print(" ".join(sorted({r[sys.argv[2]] for r in rows})))' "$1/suspects.csv" "$2"
}
rows() { echo $(($(wc -l <"$1/suspects.csv") - 1)); }

$MW scan configs/sample.ini -o "$TMP/pair" -q
t_eq "the pair: 9 patches" 9 "$(rows "$TMP/pair")"
t_eq "the pair: no series columns" 0 "$(head -1 "$TMP/pair/suspects.csv" | grep -c confirmations)"

# the pair's t2 on two dates: every change holds on both looks
series twice "$S/t2.tif;$S/t2.tif" "2024-08-20;2024-09-20"
$MW scan "$TMP/twice.ini" -o "$TMP/twice" -q
t_eq "t2 twice: exits 0" 0 $?
t_eq "t2 twice: the pair's 9 patches" 9 "$(rows "$TMP/twice")"
t_eq "t2 twice: change.tif the pair's, byte for byte" 0 \
  "$(cmp -s "$TMP/pair/change.tif" "$TMP/twice/change.tif"; echo $?)"
t_eq "t2 twice: every patch confirmed on 2 looks" 2 "$(col "$TMP/twice" confirmations)"
t_eq "t2 twice: first seen on the first look" 2024-08-20 "$(col "$TMP/twice" first_seen)"
t_eq "t2 twice: last seen on the last look" 2024-09-20 "$(col "$TMP/twice" last_seen)"
t_eq "t2 twice: the pair's patches otherwise" \
  "$(cut -d, -f1-11 "$TMP/pair/suspects.csv")" "$(cut -d, -f1-11 "$TMP/twice/suspects.csv")"
t_has "t2 twice: report.html says it is a series" \
  "a series of 2 later looks (2024-08-20 &hellip; 2024-09-20)" "$(cat "$TMP/twice/report.html")"
t_eq "t2 twice: report.html shows first_seen on every card" 9 \
  "$(grep -o '<th>first_seen</th><td>2024-08-20</td>' "$TMP/twice/report.html" | wc -l)"
t_eq "t2 twice: suspects.xlsx types first_seen and last_seen as dates, confirmations as a number" \
  "confirmations: Integer first_seen: Date last_seen: Date" \
  "$(ogrinfo -ro -so "$TMP/twice/suspects.xlsx" province 2>/dev/null |
     sed -n 's/^\(confirmations\|first_seen\|last_seen\): \([A-Za-z]*\).*/\1: \2/p' | tr '\n' ' ' | sed 's/ $//')"
t_eq "t2 twice: patches.gpkg carries confirmations" 2 \
  "$(ogrinfo -ro -q "$TMP/twice/patches.gpkg" patches -fid 1 | sed -n 's/ *confirmations (Integer64) = //p')"

# an unchanged look (t1 again), then t2: the change is seen once only
cp "$S/t1.tif" "$TMP/unchanged.tif"
series once "$TMP/unchanged.tif;$S/t2.tif" "2024-08-20;2024-09-20"
$MW scan "$TMP/once.ini" -o "$TMP/once" -q
t_eq "seen on the last look only: exits 0" 0 $?
t_eq "seen on the last look only: nothing confirmed" 0 "$(rows "$TMP/once")"
t_eq "seen on the last look only: no disturbance pixel in change.tif" 0 \
  "$($PY -c 'import sys
from osgeo import gdal
print(int((gdal.Open(sys.argv[1]).ReadAsArray() == 3).sum()))' "$TMP/once/change.tif")"
series once1 "$TMP/unchanged.tif;$S/t2.tif" "2024-08-20;2024-09-20" 1
$MW scan "$TMP/once1.ini" -o "$TMP/once1" -q
t_eq "confirm = 1: the pair's 9 patches" 9 "$(rows "$TMP/once1")"
t_eq "confirm = 1: first seen on the last look" 2024-09-20 "$(col "$TMP/once1" first_seen)"
t_eq "confirm = 1: one confirmation each" 1 "$(col "$TMP/once1" confirmations)"

# a flicker: t2, unchanged, t2 -> the run on the last look is one look long
series flicker "$S/t2.tif;$TMP/unchanged.tif;$S/t2.tif" "2024-07-20;2024-08-20;2024-09-20"
$MW scan "$TMP/flicker.ini" -o "$TMP/flicker" -q
t_eq "changed, not, changed again: nothing confirmed" 0 "$(rows "$TMP/flicker")"

# a cloud (no data) over the unlicensed pit on the second of three looks:
# it neither breaks the run nor counts: confirmed on looks 1 and 3
$PY - "$S" "$TMP/cloudy.tif" <<'PY'
import csv, sys
from osgeo import gdal
s, out = sys.argv[1], sys.argv[2]
ev = {r["kind"]: r for r in csv.DictReader(open(f"{s}/truth.csv", encoding="utf-8"))}["unlicensed_pit"]
src = gdal.Open(f"{s}/t2.tif")
ds = gdal.GetDriverByName("GTiff").CreateCopy(out, src)
gt = ds.GetGeoTransform()
x0 = int((float(ev["min_x"]) - gt[0]) / gt[1]) - 20; x1 = int((float(ev["max_x"]) - gt[0]) / gt[1]) + 20
y0 = int((float(ev["max_y"]) - gt[3]) / gt[5]) - 20; y1 = int((float(ev["min_y"]) - gt[3]) / gt[5]) + 20
for b in range(1, ds.RasterCount + 1):
    band = ds.GetRasterBand(b)
    a = band.ReadAsArray(x0, y0, x1 - x0, y1 - y0)
    a[:] = 0  # the sample's nodata
    band.WriteArray(a, x0, y0)
ds = None
PY
series cloud "$S/t2.tif;$TMP/cloudy.tif;$S/t2.tif" "2024-07-20;2024-08-20;2024-09-20"
$MW scan "$TMP/cloud.ini" -o "$TMP/cloud" -q 2>/dev/null
t_eq "a cloud on the middle look: exits 0" 0 $?
t_eq "a cloud on the middle look: the pair's 9 patches" 9 "$(rows "$TMP/cloud")"
t_eq "a cloud on the middle look: confirmations 2 (under the cloud) and 3" "2 3" \
  "$(col "$TMP/cloud" confirmations)"
t_eq "a cloud on the middle look: first seen on the first look" 2024-07-20 \
  "$(col "$TMP/cloud" first_seen)"

# a look clouded over (every pixel no data; the sample's threshold engine
# masks it all): it neither breaks nor counts
$PY - "$S/t2.tif" "$TMP/overcast.tif" <<'PY'
import sys
from osgeo import gdal
ds = gdal.GetDriverByName("GTiff").CreateCopy(sys.argv[2], gdal.Open(sys.argv[1]))
for b in range(1, ds.RasterCount + 1):
    ds.GetRasterBand(b).Fill(0)  # the sample's nodata
ds = None
PY
series overcast "$S/t2.tif;$TMP/overcast.tif;$S/t2.tif" "2024-07-20;2024-08-20;2024-09-20"
$MW scan "$TMP/overcast.ini" -o "$TMP/overcast" 2>"$TMP/err" >/dev/null
t_eq "a look clouded over: exits 0" 0 $?
t_eq "a look clouded over: the 9 patches, on 2 looks from the first" "9 2 2024-07-20" \
  "$(rows "$TMP/overcast") $(col "$TMP/overcast" confirmations) $(col "$TMP/overcast" first_seen)"

# the lists must agree: one error line naming the file, exit 3
series badn "$S/t2.tif;$S/t2.tif" "2024-08-20;2024-09-01;2024-09-20"
$MW scan "$TMP/badn.ini" -o "$TMP/badn" -q 2>"$TMP/err"
t_eq "3 dates for 2 looks: exit 3" 3 $?
t_has "3 dates for 2 looks: names the file and the keys" \
  "badn.ini: [scene] t2 lists 2 look(s) but t2_date 3 date(s)" "$(cat "$TMP/err")"
t_eq "3 dates for 2 looks: one line" 1 "$(wc -l <"$TMP/err")"
series order "$S/t2.tif;$S/t2.tif" "2024-09-20;2024-08-20"
$MW scan "$TMP/order.ini" -o "$TMP/order" -q 2>"$TMP/err"
t_eq "dates out of order: exit 3" 3 $?
t_has "dates out of order: says so" "t2_date 2024-08-20 is not after 2024-09-20" "$(cat "$TMP/err")"
series early "$S/t2.tif;$S/t2.tif" "2024-05-01;2024-09-20"
$MW scan "$TMP/early.ini" -o "$TMP/early" -q 2>"$TMP/err"
t_eq "a look before t1: exit 3" 3 $?
series many "$S/t2.tif;$S/t2.tif" "2024-08-20;2024-09-20" 3
$MW scan "$TMP/many.ini" -o "$TMP/many" -q 2>"$TMP/err"
t_eq "confirm = 3 with 2 looks: exit 3" 3 $?
t_has "confirm = 3 with 2 looks: says so" "[detect] confirm = 3 needs at least 3 later looks" \
  "$(cat "$TMP/err")"
series missing "$S/t2.tif;$TMP/nothere.tif" "2024-08-20;2024-09-20"
$MW scan "$TMP/missing.ini" -o "$TMP/missing" -q 2>"$TMP/err"
t_eq "a look that does not exist: exit 4" 4 $?
t_has "a look that does not exist: names it" "nothere.tif" "$(cat "$TMP/err")"
t_eq "a look that does not exist: no work folder left" "" \
  "$(ls -a "$TMP/missing" 2>/dev/null | grep minewatch-work || true)"

# real data: aurora-mine0, an active but stable mine.  The single pair
# 2019-12-10 -> 2022-12-09 flags disturbance on 46 px; the seven looks of
# the 2022/23 dry season confirm none of it.
frac() { # frac CHANGE.TIF: disturbance px, valid px
  $PY -c 'import sys
from osgeo import gdal
a = gdal.Open(sys.argv[1]).ReadAsArray()
print(int((a == 3).sum()), int((a != 255).sum()))' "$1"
}
if [ -d "$R/aurora-mine0" ]; then
  $MW scan configs/real/aurora-mine0.ini -o "$TMP/aur-pair" -q 2>/dev/null
  t_eq "aurora-mine0, the pair 2019-12-10 -> 2022-12-09: disturbance px, valid px" \
    "46 1007" "$(frac "$TMP/aur-pair/change.tif")"
  $MW scan configs/real/aurora-mine0-series.ini -o "$TMP/aur-series" -q 2>/dev/null
  t_eq "aurora-mine0, 7 looks: exits 0" 0 $?
  t_eq "aurora-mine0, 7 looks: disturbance px, valid px (0 %, nothing new)" \
    "0 1007" "$(frac "$TMP/aur-series/change.tif")"
  t_eq "aurora-mine0, 7 looks: no patch" 0 "$(rows "$TMP/aur-series")"
  # qa_t2 as a list (the SCL a file of its own per look): the same classes
  # as the SCL read as each look's sixth band
  AB=$PWD/$R/aurora-mine0
  printf '[scene]\nsensor = %s\nt1 = %s/baseline/101219/{band}.tif\nt2 = %s/monitor/091222/{band}.tif;%s/monitor/291222/{band}.tif\nt1_date = 2019-12-10\nt2_date = 2022-12-09;2022-12-29\n' \
    "$PWD/configs/sensors/sentinel2-l2a-eobrowser.ini" "$AB" "$AB" "$AB" >"$TMP/qband.ini"
  { cat "$TMP/qband.ini"
    printf '[bands]\nfiles = B02,B04,B08,B11,B12\nqa = 0\nqa_t1 = %s/baseline/101219/SCL.tif\n' "$AB"
    printf 'qa_t2 = %s/monitor/091222/SCL.tif;%s/monitor/291222/SCL.tif\n' "$AB" "$AB"; } >"$TMP/qfile.ini"
  $MW scan "$TMP/qband.ini" -o "$TMP/qband" -q 2>/dev/null
  $MW scan "$TMP/qfile.ini" -o "$TMP/qfile" -q 2>/dev/null
  t_eq "aurora-mine0, qa_t2 a list: exits 0" 0 $?
  t_eq "aurora-mine0, qa_t2 a list: change.tif as with the SCL band" 0 \
    "$(cmp -s "$TMP/qband/change.tif" "$TMP/qfile/change.tif"; echo $?)"
  sed -e 's#^\(qa_t2 = [^;]*\);.*#\1#' "$TMP/qfile.ini" >"$TMP/qone.ini"
  $MW scan "$TMP/qone.ini" -o "$TMP/qone" -q 2>"$TMP/err"
  t_eq "aurora-mine0, one qa_t2 for two looks: exit 3" 3 $?
  t_has "aurora-mine0, one qa_t2 for two looks: says so" "[bands] qa_t2 lists 1 raster(s) for 2 looks of t2" \
    "$(cat "$TMP/err")"
  # a look the SCL clouds over the whole mine (2023-10-30): the survey finds
  # fewer than 100 valid pixels; the look is left out, with a warning
  M=$PWD/$R/aurora-mine0/monitor
  printf '[scene]\nsensor = %s\nt1 = %s/{band}.tif\nt2 = %s;%s;%s\nt1_date = 2019-12-10\nt2_date = 2023-02-27;2023-10-30;2023-11-29\n' \
    "$PWD/configs/sensors/sentinel2-l2a-eobrowser.ini" "$PWD/$R/aurora-mine0/baseline/101219" \
    "$M/270223/{band}.tif" "$M/301023/{band}.tif" "$M/291123/{band}.tif" >"$TMP/aurc.ini"
  $MW scan "$TMP/aurc.ini" -o "$TMP/aurc" >/dev/null 2>"$TMP/err"
  t_eq "aurora-mine0, a look clouded over: exits 0" 0 $?
  t_has "aurora-mine0, a look clouded over: left out, with a warning naming its date" \
    "look 2 of the series (2023-10-30) left out" "$(grep 'left out' "$TMP/err")"
else
  t_fail "aurora-mine0 is in $R"
fi

# pucallpa (Landsat): 1985 -> 2000 finds 425 patches, 10 734 ha; with 2020
# as a second look only the clearing that is still bare in 2020 remains
if [ -d "$R/pucallpa" ]; then
  $MW scan configs/real/pucallpa-series.ini -o "$TMP/puc" -q 2>/dev/null
  t_eq "pucallpa 1985 -> 2000;2020: exits 0" 0 $?
  t_eq "pucallpa 1985 -> 2000;2020: 278 patches (425 for 1985 -> 2000 alone)" 278 \
    "$(rows "$TMP/puc")"
  t_eq "pucallpa 1985 -> 2000;2020: 3626 ha (10734 for the pair)" 3626 \
    "$($PY -c 'import csv,sys
print(round(sum(float(r["area_m2"]) for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))) / 1e4))' "$TMP/puc/suspects.csv")"
  t_eq "pucallpa: first seen 2000, last seen 2020" "2000-07-01 2020-07-01" \
    "$(col "$TMP/puc" first_seen) $(col "$TMP/puc" last_seen)"
else
  t_fail "pucallpa is in $R"
fi

# nightly with [nightly] confirm = 2: each new scene with the clear scene
# before it as the looks, t1 the one before those.  Catalog: the sample's t1
# (2024-05-15), t2 (2024-09-20) and t2 again as 2024-10-20: one series,
# a -> b;c, every patch confirmed from b; a and b have too few scenes before
# them.  With t1 again as c (the change gone): nothing confirmed.
night() { # night NAME C_SOURCE: a catalog a, b, c and its first night
  mkdir -p "$TMP/$1/catalog"
  ln -s "$S/t1.tif" "$TMP/$1/catalog/scene_a.tif"
  ln -s "$S/t2.tif" "$TMP/$1/catalog/scene_b.tif"
  gdal_translate -q -mo ACQUISITION_DATE=2024-10-20 "$2" "$TMP/$1/catalog/scene_c.tif"
  sed -e "s#\.\./samples/generated#$S#" -e '/^t1 *=/d' -e '/^t2 *=/d' -e '/^t1_date/d' \
    -e '/^t2_date/d' configs/sample.ini >"$TMP/$1/nightly.ini"
  printf '\n[nightly]\ncatalog = catalog\nstate = state\nout = reports\nconfirm = 2\n' \
    >>"$TMP/$1/nightly.ini"
  $MW nightly "$TMP/$1/nightly.ini" -q 2>"$TMP/$1/err"
}
KEY=2024-05-15_scene_a__2024-10-20_scene_c__confirm2
night nightly "$S/t2.tif"
t_eq "nightly, confirm = 2: exits 0" 0 $?
t_eq "nightly, confirm = 2: one series scanned, a -> b;c" "$KEY" "$(ls "$TMP/nightly/state/done")"
t_eq "nightly, confirm = 2: its configuration lists the looks" \
  "t2_date = 2024-09-20;2024-10-20" "$(grep '^t2_date' "$TMP/nightly/state/configs/$KEY.ini")"
t_eq "nightly, confirm = 2: the 9 patches, first seen on b, 2 confirmations" \
  "9 2024-09-20 2" "$(rows "$TMP/nightly/reports/$KEY") $(col "$TMP/nightly/reports/$KEY" first_seen) $(col "$TMP/nightly/reports/$KEY" confirmations)"
$MW nightly "$TMP/nightly/nightly.ini" -q 2>"$TMP/nightly/err2"
t_eq "nightly, confirm = 2, second night: exits 0, nothing scanned" "0 $KEY" \
  "$? $(ls "$TMP/nightly/state/done")"
night flicker "$S/t1.tif"
t_eq "nightly, confirm = 2, the change gone on c: exits 0" 0 $?
t_eq "nightly, confirm = 2, the change gone on c: nothing confirmed" 0 \
  "$(rows "$TMP/flicker/reports/$KEY")"

# under MPI a series is refused (it runs as one process)
if [ -x "$B/minewatch-mpi" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
  timeout 120 mpirun --oversubscribe -np 2 "$B/minewatch-mpi" scan "$TMP/twice.ini" \
    -o "$TMP/mpi" -q 2>"$TMP/err"
  t_eq "a series over 2 MPI ranks: exit 3" 3 $?
  t_has "a series over 2 MPI ranks: says why" "runs as one process" "$(cat "$TMP/err")"
fi
t_summary
