#!/bin/sh
# minewatch nightly: catalog, pairing, state (pairs done once), the lock.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$PWD/$B/minewatch
S=$PWD/samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The catalog: the sample's two dates and a third (the unlicensed pit grown),
# dated by their ACQUISITION_DATE metadata; plus a file that is not an image.
mkdir -p "$TMP/catalog"
ln -s "$S/t1.tif" "$TMP/catalog/scene_a.tif"
ln -s "$S/t2.tif" "$TMP/catalog/scene_b.tif"
gdal_translate -q -mo ACQUISITION_DATE=2024-10-20 "$S/t2.tif" "$TMP/catalog/scene_c.tif"
echo "not an image" >"$TMP/catalog/readme.tif"
$PY - "$S" "$TMP/catalog/scene_c.tif" <<'PY'
import csv, sys
from osgeo import gdal
s, path = sys.argv[1], sys.argv[2]
ev = {r["kind"]: r for r in csv.DictReader(open(f"{s}/truth.csv", encoding="utf-8"))}["unlicensed_pit"]
ds = gdal.Open(path, gdal.GA_Update)
gt = ds.GetGeoTransform()
x1 = int((float(ev["max_x"]) - gt[0]) / gt[1])
y0 = int((float(ev["max_y"]) - gt[3]) / gt[5]); y1 = int((float(ev["min_y"]) - gt[3]) / gt[5])
for b in range(1, 6):
    band = ds.GetRasterBand(b)
    col = band.ReadAsArray(x1 - 1, y0, 1, y1 - y0)
    for dx in range(10):
        band.WriteArray(col, x1 + dx, y0)
PY
# the nightly configuration: the sample's, without [scene] t1/t2
sed -e "s#\.\./samples/generated#$S#" -e '/^t1 *=/d' -e '/^t2 *=/d' -e '/^t1_date/d' -e '/^t2_date/d' \
  configs/sample.ini >"$TMP/nightly.ini"
cat >>"$TMP/nightly.ini" <<EOF2

[nightly]
catalog = catalog
state   = state
out     = reports

[ledger]
path = ledger.gpkg
EOF2

echo "== nightly: first night"
$MW nightly "$TMP/nightly.ini" -q 2>"$TMP/err1"
t_eq "first night exits 0" "0" "$?"
t_has "the file that is not an image is left out, with a warning" "readme.tif: not a raster" "$(cat "$TMP/err1")"
t_eq "two pairs scanned" "2" "$(ls "$TMP/state/done" | wc -l)"
A=2024-05-15_scene_a__2024-09-20_scene_b
C=2024-09-20_scene_b__2024-10-20_scene_c
t_ok "pair a->b reported" test -s "$TMP/reports/$A/suspects.csv"
t_ok "pair b->c reported (each scene with the most recent earlier one)" test -s "$TMP/reports/$C/suspects.csv"
t_ok "pair a->b equals a plain scan of the sample" sh -c \
  "$MW scan configs/sample.ini -o '$TMP/plain' -q --ledger '$TMP/plain.gpkg' && cmp '$TMP/plain/suspects.csv' '$TMP/reports/$A/suspects.csv'"
t_eq "pair b->c: only the grown part of the pit, a known place" "KNOWN" \
  "$($PY -c "import csv; print(' '.join(r['ledger_state'] for r in csv.DictReader(open('$TMP/reports/$C/suspects.csv', encoding='utf-8-sig'))))")"

echo "== nightly: second night, nothing new"
before=$(ls -l --time-style=+%s.%N "$TMP/reports/$A/suspects.csv")
$MW nightly "$TMP/nightly.ini" -q
t_eq "second night exits 0" "0" "$?"
t_eq "pairs done are not scanned again" "$before" "$(ls -l --time-style=+%s.%N "$TMP/reports/$A/suspects.csv")"

echo "== nightly: one run at a time"
flock "$TMP/state/lock" sleep 3 &
sleep 0.5
$MW nightly "$TMP/nightly.ini" -q 2>"$TMP/err2"
t_eq "a second run while the lock is held exits 8" "8" "$?"
t_has "and says so in one line" "state/lock: another minewatch nightly" "$(cat "$TMP/err2")"
wait
rm -rf "$TMP/state/done"/* "$TMP/reports"
$MW nightly "$TMP/nightly.ini" -q &
pid=$!
# Kill the night while a pair's scan runs, the scan held stopped so that it
# cannot end on its own first: the night's death is signalled to it
# (SIGTERM pending, PR_SET_PDEATHSIG), and once resumed it is gone, so no
# scan of a killed night runs on into a folder the next night will write.
child=""
for _ in $(seq 200); do
  child=$(pgrep -f "scan $TMP/state/configs/" | head -1)
  [ -n "$child" ] && break
  sleep 0.05
done
t_ok "a pair's scan runs under the night" test -n "$child"
kill -STOP "$child" 2>/dev/null
# stopped before the night dies (SIGSTOP is delivered asynchronously: a scan
# still running when the SIGTERM comes would just end, leaving nothing to see)
for _ in $(seq 100); do
  [ "$(awk '/^State:/ { print $2 }' "/proc/$child/status" 2>/dev/null)" = T ] && break
  sleep 0.02
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
sleep 0.2
pending=$(awk '/^(SigPnd|ShdPnd):/ { print $2 }' "/proc/$child/status" 2>/dev/null | paste -sd' ')
t_eq "the killed night's scan is sent SIGTERM" "yes" \
  "$(for m in $pending; do [ $((0x$m & 0x4000)) -ne 0 ] && echo yes; done | head -1)"
kill -CONT "$child" 2>/dev/null
for _ in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.05; done
t_eq "and does not run on" "" "$(pgrep -f "scan $TMP/state/configs/" || true)"
echo "99999" >"$TMP/state/lock" # a stale pid in the lock file
$MW nightly "$TMP/nightly.ini" -q
t_eq "after a killed run (stale lock file) the next run goes ahead" "0" "$?"
t_eq "and finishes both pairs" "2" "$(ls "$TMP/state/done" | wc -l)"
t_ok "with the same reports" cmp "$TMP/plain/suspects.csv" "$TMP/reports/$A/suspects.csv"

echo "== nightly: a pair's folder held by another run is waited for"
rm -f "$TMP/state/done/$A"
flock "$TMP/reports/$A" sleep 2 &
holder=$!
sleep 0.3
$MW nightly "$TMP/nightly.ini" 2>"$TMP/err3" >/dev/null
t_eq "the night exits 0" "0" "$?"
t_has "and says it waits" "is being written by another run; waiting" "$(cat "$TMP/err3")"
t_eq "the pair is done once the folder is free" "2" "$(ls "$TMP/state/done" | wc -l)"
wait $holder

echo "== nightly: a catalog list file (CSV)"
# a quoted path with a comma, an empty date (the image's own), and a scene
# whose file name holds an impossible date (no date in its metadata)
mkdir -p "$TMP/list"
ln -s "$S/t1.tif" "$TMP/list/scene, a.tif"
ln -s "$S/t2.tif" "$TMP/list/scene_b.tif"
$PY - "$S/t2.tif" "$TMP/list/scene_20240230.tif" <<'PY'
import sys
from osgeo import gdal
ds = gdal.GetDriverByName("GTiff").CreateCopy(sys.argv[2], gdal.Open(sys.argv[1]))
ds.SetMetadata({})
PY
printf '%s\n' '# path,date,cloud' '"scene, a.tif",2024-05-15,' 'scene_b.tif,,0' 'scene_20240230.tif,,' >"$TMP/list/list.csv"
sed -e "s#^catalog *=.*#catalog = list/list.csv#" -e "s#^state *=.*#state = list/state#" \
  -e "s#^out *=.*#out = list/reports#" -e "s#^path *= *ledger.gpkg#path = list/ledger.gpkg#" \
  "$TMP/nightly.ini" >"$TMP/list.ini"
$MW nightly "$TMP/list.ini" -q 2>"$TMP/list.err"
t_eq "the night over the list file exits 0" "0" "$?"
t_eq "the quoted path with a comma is one field; the empty date the image's own" \
  "2024-05-15_scene, a__2024-09-20_scene_b" "$(ls "$TMP/list/state/done" | paste -sd' ')"
t_eq "no warning for the empty fields" "" "$(grep "not a date\|scene, a.tif: not" "$TMP/list.err" || true)"
t_has "the impossible date in a file name is refused in the catalog, naming it" \
  "list/list.csv: $TMP/list/scene_20240230.tif: the date 2024-02-30 in its file name is not a day of the calendar; left out of the catalog" \
  "$(cat "$TMP/list.err")"

echo "== nightly: one corrupt scene"
# four scenes, the third cut short (its header reads, its pixels do not)
mkdir -p "$TMP/bad/catalog"
ln -s "$S/t1.tif" "$TMP/bad/catalog/scene_a.tif"
ln -s "$S/t2.tif" "$TMP/bad/catalog/scene_b.tif"
gdal_translate -q -mo ACQUISITION_DATE=2024-10-05 "$S/t2.tif" "$TMP/bad/full.tif"
head -c 300000 "$TMP/bad/full.tif" >"$TMP/bad/catalog/scene_20241005.tif"
cp "$TMP/catalog/scene_c.tif" "$TMP/bad/catalog/scene_c.tif"
sed -e "s#^catalog *=.*#catalog = bad/catalog#" -e "s#^state *=.*#state = bad/state#" \
  -e "s#^out *=.*#out = bad/reports#" -e "s#^path *= *ledger.gpkg#path = bad/ledger.gpkg#" \
  "$TMP/nightly.ini" >"$TMP/bad.ini"
$MW nightly "$TMP/bad.ini" >"$TMP/bad1.out" 2>"$TMP/bad1.err"
t_eq "the night with the corrupt scene exits 4" "4" "$?"
t_has "the night's log names the bad scene" "scene scene_20241005 (2024-10-05) is bad: " "$(cat "$TMP/bad1.err")"
t_has "the summary counts it" "1 bad scene left out (scene_20241005) (1 found tonight)" "$(cat "$TMP/bad1.err")"
t_eq "it is remembered in the state" "1" "$(ls "$TMP/bad/state/bad" | grep -c '^scene_20241005$')"
t_eq "the scene after it is paired with the last good one" \
  "2024-05-15_scene_a__2024-09-20_scene_b 2024-09-20_scene_b__2024-10-20_scene_c" \
  "$(ls "$TMP/bad/state/done" | paste -sd' ')"
t_has "one pair failed (the bad scene as t2), not two" "2 pairs scanned, 0 already done, 1 failed" "$(cat "$TMP/bad1.err")"
t_eq "the bad scene reported once" "1" "$(grep -c 'is bad: ' "$TMP/bad1.err")"
$MW nightly "$TMP/bad.ini" >"$TMP/bad2.out" 2>"$TMP/bad2.err"
t_eq "the next night exits 0: the bad scene is not tried again" "0" "$?"
t_has "and its summary still names it" "1 bad scene left out (scene_20241005) (0 found tonight)" "$(cat "$TMP/bad2.err")"
t_eq "and no scan ran" "" "$(grep 'pair .*: ' "$TMP/bad2.err" | grep -v 'nightly:' || true)"

echo "== publish: the report set flips in one step"
# Night 1 published; night 2 (the grown pit) killed at its 1st, 2nd, ...
# rename (strace's fault injection) until a run gets through.  After every
# kill each report read through OUTDIR must be of one night: all night 1's,
# or all night 2's (its manifest's t2_date, the same bytes as a clean run).
P=$TMP/pub
pubcfg() { # NAME T2 T2_DATE
  sed -e "s#\.\./samples/generated#$S#" -e "s#^t2 *=.*#t2 = $2#" -e "s#^t2_date *=.*#t2_date = $3#" \
    configs/sample.ini >"$TMP/$1.ini"
}
pubcfg pub1 "$S/t2.tif" 2024-09-20
pubcfg pub2 "$TMP/catalog/scene_c.tif" 2024-10-20
names="change.tif suspects.csv restoration.csv restoration_by_county.csv licences.csv"
set_of() { for x in $names; do md5sum <"$1/$x" 2>/dev/null || echo missing; done | paste -sd' '; }
t2_of() { $PY -c "import json,sys; print(json.load(open(sys.argv[1]))['config']['scene']['t2_date'])" "$1/manifest.json" 2>/dev/null; }
$MW scan "$TMP/pub2.ini" -o "$TMP/pub_clean" -q
night2=$(set_of "$TMP/pub_clean")
$MW scan "$TMP/pub1.ini" -o "$P" -q
night1=$(set_of "$P")
t_eq "night 1 published through OUTDIR/latest" "2024-09-20" "$(t2_of "$P")"
t_ok "night 1: OUTDIR/suspects.csv is a link through latest" test "$(readlink "$P/suspects.csv")" = latest/suspects.csv
mixed="" kills=0 n=1 finished=""
while [ $n -le 30 ]; do
  rm -rf "$P/.minewatch-resume" # every attempt renames the same files in the same order
  # (LeakSanitizer cannot run under ptrace: SAN=1 builds go without it here)
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
    strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=SIGKILL:when=$n \
    $MW scan "$TMP/pub2.ini" -o "$P" -q >/dev/null 2>&1
  rc=$?
  now=$(set_of "$P") date=$(t2_of "$P")
  if ! { [ "$now" = "$night1" ] && [ "$date" = 2024-09-20 ]; } &&
     ! { [ "$now" = "$night2" ] && [ "$date" = 2024-10-20 ]; }; then
    mixed="$mixed n=$n"
  fi
  if [ $rc -eq 0 ]; then finished=$n; break; fi
  kills=$((kills + 1)) n=$((n + 1))
done
t_ok "the scan was killed at some renames ($kills) before one got through" test "$kills" -ge 2 -a -n "$finished"
t_eq "after every kill OUTDIR held one night's whole set" "" "$mixed"
t_eq "the run that got through published night 2" "$night2 2024-10-20" "$(set_of "$P") $(t2_of "$P")"
t_eq "two run folders kept (tonight's and the one it replaced)" "2" "$(ls "$P/runs" | wc -l)"
t_eq "no work folder left behind by the killed runs" "" "$(ls -A "$P" | grep minewatch-work || true)"
$MW scan "$TMP/pub1.ini" -o "$P" -q
t_eq "a re-run publishes again" "$night1 2024-09-20" "$(set_of "$P") $(t2_of "$P")"

t_summary
