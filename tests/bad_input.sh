#!/bin/sh
# Bad input: every case of tests/bad/cases.tsv gives exactly one error line on
# stderr containing the expected text, the documented exit code, and no
# output; a failed or killed run never touches the previous reports.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$PWD/$B/minewatch
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== bad input: tests/bad/cases.tsv"
tests/bad/make_corpus.sh >/dev/null
tab=$(printf '\t')
while IFS="$tab" read -r cfg code text; do
  case "$cfg" in '#'*|'') continue ;; esac
  rm -rf tests/bad/generated/out
  # a run that hangs (a FIFO) fails at the timeout instead of blocking the
  # suite; one that would fill the disk (a huge scene) stops at 1 GB
  (cd tests/bad && ulimit -f 2000000 && timeout 120 "$MW" scan "$cfg" -q >"$TMP/stdout" 2>"$TMP/stderr")
  rc=$?
  t_eq "$cfg: exit code" "$code" "$rc"
  t_has "$cfg: message" "$text" "$(cat "$TMP/stderr")"
  if [ "$code" = 0 ]; then # repaired or skipped with a warning: reports written
    t_ok "$cfg: reports written" test -s tests/bad/generated/out/suspects.csv
    continue
  fi
  t_eq "$cfg: one line on stderr" "1" "$(wc -l <"$TMP/stderr")"
  t_eq "$cfg: nothing on stdout" "" "$(cat "$TMP/stdout")"
  t_eq "$cfg: no reports" "" "$(ls -A tests/bad/generated/out 2>/dev/null)"
done <tests/bad/cases.tsv

t_eq "usage error exits 2" "2" "$($MW scan >/dev/null 2>&1; echo $?)"
t_eq "unknown command exits 2" "2" "$($MW frobnicate >/dev/null 2>&1; echo $?)"

echo "== previous reports survive a failed or killed run"
OUT=$TMP/keep
$MW scan configs/sample.ini -o "$OUT" -q
before=$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)
cp "$OUT/suspects.csv" "$TMP/good_suspects.csv"
(cd tests/bad && "$MW" scan generated/licence_missing.ini -o "$OUT" -q 2>/dev/null)
t_eq "a failed run leaves the reports as they were" "$before" \
  "$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)"
t_eq "a failed run leaves no work folder" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
# A second run into a folder another run holds (here flock(1) holds it, as
# a running scan does): exit 8, one line naming the folder, the reports and
# the folder as they were; once released, the folder takes a run again.
busy_err=$(flock "$OUT" $MW scan configs/sample.ini -o "$OUT" -q 2>&1 >/dev/null; echo "rc=$?")
t_eq "a run into a folder another run holds exits 8" "rc=8" "$(echo "$busy_err" | tail -1)"
t_eq "busy folder: one line" "1" "$(echo "$busy_err" | head -n -1 | wc -l)"
t_has "busy folder: the line names the folder and the problem" \
  "$OUT: another minewatch run is writing into this output folder" "$busy_err"
t_eq "busy folder: the reports as they were" "$before" \
  "$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)"
t_eq "busy folder: no work folder left" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
t_eq "the folder released, a run into it succeeds" "0" \
  "$($MW scan configs/sample.ini -o "$OUT" -q >/dev/null 2>&1; echo $?)"
# SIGKILL at 20 moments spread over a run (fixed seed): every time the
# folder holds the previous reports whole, and the run after the kill gives
# byte-identical reports.
for f in change.tif suspects.csv licences.csv restoration.csv restoration_by_county.csv; do
  cp "$OUT/$f" "$TMP/good_$f"
done
delays=$(awk 'BEGIN { srand(20261123); for (i = 0; i < 20; i++) printf "%.2f ", 0.05 + rand() * 1.5 }')
k=0
for delay in $delays; do
  k=$((k + 1))
  $MW scan configs/sample.ini -o "$OUT" -q 2>/dev/null &
  pid=$!
  sleep "$delay"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  whole=ok
  for f in change.tif suspects.csv licences.csv restoration.csv restoration_by_county.csv; do
    cmp -s "$OUT/$f" "$TMP/good_$f" || whole="$f differs"
  done
  t_eq "kill $k at ${delay}s: the reports are whole" "ok" "$whole"
  $MW scan configs/sample.ini -o "$OUT" -q 2>/dev/null
  again=ok
  for f in change.tif suspects.csv licences.csv restoration.csv restoration_by_county.csv; do
    cmp -s "$OUT/$f" "$TMP/good_$f" || again="$f differs"
  done
  t_eq "kill $k at ${delay}s: the next run gives byte-identical reports" "ok" "$again"
done
# a run killed during the tile pass leaves its finished tiles, and the next
# run takes them instead of computing them again.  The whole records in the
# resume journals are counted by the framing of pipeline/journal.h (a record
# the kill cut short is not whole, and is not resumed):
journal_records() {
  $PY tests/resume_journal.py count "$1"
}
$MW scan configs/sample.ini -o "$OUT" --tile-size 256 -q 2>/dev/null &
pid=$!
k=0
while [ $k -lt 200 ] && [ "$(journal_records "$OUT/.minewatch-resume")" -lt 3 ]; do
  sleep 0.02; k=$((k + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
t_eq "resume: the kill left no file per tile, only journals" "" \
  "$(ls "$OUT/.minewatch-resume" 2>/dev/null | grep -v -e '^tiles-[0-9]*\.journal$' -e '^key$' || true)"
saved=$(journal_records "$OUT/.minewatch-resume")
$MW scan configs/sample.ini -o "$OUT" --tile-size 256 2>"$TMP/resume.err" >/dev/null
if [ "$saved" -gt 0 ]; then
  t_has "resume: the run after a kill reuses the $saved finished tiles" "resumed $saved of 64 tiles" "$(cat "$TMP/resume.err")"
else # the machine was fast enough to finish before the kill
  t_eq "resume: nothing saved, nothing resumed" "" "$(grep resumed "$TMP/resume.err")"
fi
t_ok "resume: and its reports are byte-identical" cmp "$OUT/suspects.csv" "$TMP/good_suspects.csv"
t_ok "resume: the resume folder is gone after a finished run" test ! -e "$OUT/.minewatch-resume"

# killed_at_end CONFIG OUT ARGS...: a run into OUT (absolute) killed by
# SIGKILL (strace) as it starts to remove its resume folder at the very end:
# every tile journaled and the resume key written, as a kill after the tile
# pass leaves them.  Two threads: journals tiles-0 and tiles-1.
killed_at_end() {
  ka_cfg=$1; ka_out=$2; shift 2
  rm -rf "$ka_out"
  ka_r=$ka_out/.minewatch-resume
  (strace -f -qq -o /dev/null -e trace=unlink,unlinkat \
    -e inject=unlink,unlinkat:signal=SIGKILL:when=1 \
    -P "$ka_r/key" -P "$ka_r/tiles-0.journal" -P "$ka_r/tiles-1.journal" \
    $MW scan "$ka_cfg" -o "$ka_out" -q --threads 2 "$@" >/dev/null 2>&1; true) 2>/dev/null
}
t_ok "strace is installed (scripts/setup.sh)" command -v strace

echo "== a damaged resume journal: the damaged record is done again, never loaded"
DMG=$TMP/damaged
killed_at_end configs/sample.ini "$DMG" --tile-size 256
t_eq "damaged journal: the killed run left all 64 tiles journaled" "64" \
  "$(journal_records "$DMG/.minewatch-resume")"
rm -rf "$TMP/journals"
cp -r "$DMG/.minewatch-resume" "$TMP/journals"
for mode in payload header truncate label sums; do
  rm -rf "$DMG/.minewatch-resume"
  cp -r "$TMP/journals" "$DMG/.minewatch-resume"
  left=$($PY tests/resume_journal.py damage "$DMG/.minewatch-resume" $mode)
  rm -f "$DMG"/*.tif "$DMG"/*.csv "$DMG"/*.gpkg "$DMG"/*.json # the killed run's reports
  $MW scan configs/sample.ini -o "$DMG" --tile-size 256 --threads 2 >/dev/null 2>"$TMP/damaged.err"
  t_eq "damaged journal ($mode): the re-run exits 0" "0" "$?"
  t_has "damaged journal ($mode): the $left records that check are resumed, the damaged one is not" \
    "resumed $left of 64 tiles" "$(cat "$TMP/damaged.err")"
  same=ok
  for f in change.tif suspects.csv licences.csv restoration.csv restoration_by_county.csv; do
    cmp -s "$DMG/$f" "$TMP/good_$f" || same="$f differs"
  done
  t_eq "damaged journal ($mode): byte-identical reports" "ok" "$same"
done

$MW scan configs/sample.ini -o "$OUT" -q
t_eq "the next run removes stale work folders" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
t_eq "and gives the same reports" "$(echo "$before" | grep suspects)" "$(cd "$OUT" && md5sum suspects.csv)"

echo "== tall and narrow scenes: overviews from both sides"
# 3 x 100000 and 10 x 4000 px pairs (10 m, vegetation on t1, bare ground on
# t2: one patch of the whole scene): exit 0, a valid COG whose overviews
# are the nearest classes, the one patch
TN=$TMP/narrow
mkdir -p "$TN"
for size in "3 100000" "10 4000"; do
  set -- $size
  for d in 1 2; do
    if [ $d = 1 ]; then burn="500 800 600 4000 2000"; else burn="1300 1600 2200 2500 3500"; fi
    gdal_create -q -of GTiff -outsize "$1" "$2" -bands 5 -ot UInt16 -co TILED=YES \
      -co COMPRESS=DEFLATE $(for v in $burn; do printf -- '-burn %s ' "$v"; done) \
      -a_srs EPSG:32649 -a_ullr 680000 4020000 $((680000 + $1 * 10)) $((4020000 - $2 * 10)) \
      "$TN/t${d}_$1.tif"
  done
  sed -e "s#^t1 *=.*#t1 = $TN/t1_$1.tif#" -e "s#^t2 *=.*#t2 = $TN/t2_$1.tif#" \
    -e "/^\[licences\]/,\$d" configs/sample.ini >"$TN/n$1.ini"
  $MW scan "$TN/n$1.ini" -o "$TN/out$1" -q 2>"$TMP/narrow.err"
  t_eq "$1 x $2 px: exit 0" "0" "$?"
  t_eq "$1 x $2 px: nothing on stderr" "" "$(cat "$TMP/narrow.err")"
  t_ok "$1 x $2 px: change.tif is a valid COG" $PY \
    /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_cloud_optimized_geotiff.py -q \
    "$TN/out$1/change.tif"
  t_eq "$1 x $2 px: every overview is the nearest classes" "ok" "$($PY - "$TN/out$1/change.tif" <<'EOF'
import sys
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(1)
a = b.ReadAsArray()
bad = [i for i in range(b.GetOverviewCount())
       if not (b.GetOverview(i).ReadAsArray() == a[::2 ** (i + 1), ::2 ** (i + 1)]).all()]
print("ok" if b.GetOverviewCount() and not bad else "levels %d, wrong %s" % (b.GetOverviewCount(), bad))
EOF
)"
  t_eq "$1 x $2 px: one patch, the whole scene" "1 $(($1 * $2))" "$($PY -c "
import csv, sys
r = list(csv.DictReader(open('$TN/out$1/suspects.csv', encoding='utf-8-sig')))
print(len(r), ' '.join(x['pixels'] for x in r))")"
done

echo "== a full disk (a 50 kB file-size limit) keeps the previous night whole"
$MW scan configs/sample.ini -o "$OUT" -q --ledger "$TMP/ledger.gpkg"
before=$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)
ledger_before=$(ogrinfo -q -sql "SELECT count(*) AS n FROM observations" "$TMP/ledger.gpkg" | sed -n 's/.*n (Integer) = //p')
sed 's/^t2_date *=.*/t2_date = 2024-10-01/' configs/sample.ini >"configs/.full_disk.ini"
(ulimit -f 100; $MW scan configs/.full_disk.ini -o "$OUT" -q --ledger "$TMP/ledger.gpkg" 2>"$TMP/full.err")
rc=$?
t_ok "full disk: the run fails with exit 6 or 7" test "$rc" -eq 6 -o "$rc" -eq 7
t_has "full disk: one clear line naming the file" "minewatch: error: " "$(cat "$TMP/full.err")"
t_eq "full disk: previous reports untouched" "$before" \
  "$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)"
t_eq "full disk: no work folder left" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
$MW scan configs/.full_disk.ini -o "$OUT" -q --ledger "$TMP/ledger.gpkg"
t_eq "space back: the next run succeeds" "0" "$?"
ledger_after=$(ogrinfo -q -sql "SELECT count(*) AS n FROM observations" "$TMP/ledger.gpkg" | sed -n 's/.*n (Integer) = //p')
t_eq "space back: the ledger holds both nights, nothing of the failed run twice" "$((ledger_before * 2))" "$ledger_after"
rm -f configs/.full_disk.ini

t_summary
