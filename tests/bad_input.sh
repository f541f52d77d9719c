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
trap 'umount "$TMP/tmpfs" 2>/dev/null; rm -rf "$TMP"' EXIT

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

echo "== bad input to the other commands: tests/bad/commands.tsv"
while IFS="$tab" read -r args code text; do
  case "$args" in '#'*|'') continue ;; esac
  rm -f tests/bad/generated/out.gpkg
  (cd tests/bad && eval "set -- $args" && "$MW" "$@" >"$TMP/stdout" 2>"$TMP/stderr")
  rc=$?
  t_eq "$args: exit code" "$code" "$rc"
  t_has "$args: message" "$text" "$(cat "$TMP/stderr")"
  t_eq "$args: one line on stderr" "1" "$(wc -l <"$TMP/stderr")"
  t_eq "$args: nothing on stdout" "" "$(cat "$TMP/stdout")"
  t_ok "$args: nothing written" test ! -e tests/bad/generated/out.gpkg
done <tests/bad/commands.tsv

# a GBK corner table (as agencies' Excel saves it): its Chinese header and
# text decoded, found without being told, and when told with --encoding
for enc in "" GBK; do
  rm -f "$TMP/gbk.gpkg"
  $MW licences import-corners tests/bad/generated/corners_gbk.csv --epsg 4526 -o "$TMP/gbk.gpkg" \
    ${enc:+--encoding $enc} 2>"$TMP/gbk.err"
  t_eq "GBK corner table${enc:+ with --encoding $enc}: exit 0" "0" "$?"
  t_has "GBK corner table${enc:+ with --encoding $enc}: read as GBK" "the table read as GBK" "$(cat "$TMP/gbk.err")"
  t_eq "GBK corner table${enc:+ with --encoding $enc}: the licence, its text decoded" "X1 测试矿" \
    "$(ogrinfo -q "$TMP/gbk.gpkg" -sql 'SELECT licence_id, "矿山名称" FROM licences' 2>&1 |
       sed -n 's/^ *licence_id (String) = //p; s/^ *矿山名称 (String) = //p' | tr '\n' ' ' | sed 's/ $//')"
done

# the mid-stream DEFLATE tile through the other readers: libtiff
# (MW_ISAL=off) and GDAL (MW_LIBTIFF=off: checked with the inputs' hashes)
for env in MW_ISAL=off MW_LIBTIFF=off; do
  rm -rf tests/bad/generated/out
  (cd tests/bad && env $env timeout 120 "$MW" scan generated/deflate_mid_stream.ini -q \
    >"$TMP/stdout" 2>"$TMP/stderr")
  t_eq "deflate_mid_stream ($env): exit 4" "4" "$?"
  t_has "deflate_mid_stream ($env): the file and the tile" \
    "corrupt_t2.tif: " "$(cat "$TMP/stderr")"
  t_has "deflate_mid_stream ($env): the tile" \
    "tile 27 (row 3, column 3): corrupt DEFLATE data (wrong checksum)" "$(cat "$TMP/stderr")"
  t_eq "deflate_mid_stream ($env): one line" "1" "$(wc -l <"$TMP/stderr")"
  t_eq "deflate_mid_stream ($env): no reports" "" "$(ls -A tests/bad/generated/out 2>/dev/null)"
done

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
cp -rL "$OUT/evidence" "$TMP/good_evidence"
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
# resume journals are counted by the framing of pipeline/tiles/journal.h (a record
# the kill cut short is not whole, and is not resumed):
journal_records() {
  $PY tests/resume_journal.py count "$1"
}
# The tiles are trusted once the run's key is written, when its inputs are
# hashed (pipeline/tiles/resume.h): the kill waits for both.
$MW scan configs/sample.ini -o "$OUT" --tile-size 256 -q 2>/dev/null &
pid=$!
k=0
while [ $k -lt 200 ] && { [ ! -e "$OUT/.minewatch-resume/key" ] ||
  [ "$(journal_records "$OUT/.minewatch-resume")" -lt 3 ]; }; do
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
# the chips of resumed tiles read the scene (they are not in the chips'
# store, pipeline/tiles/chipstore.h); the others come from the store
t_ok "resume: and its 9 chips are byte-identical" diff -r "$OUT/evidence" "$TMP/good_evidence"
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

echo "== resume keys on content: changed inputs are never resumed into stale tiles"
# The pair in a folder of its own, t2 uncompressed (a block rewritten in
# place keeps the file's size), t2 also behind a VRT, QA rasters for both
# dates (all clear); each case is killed at its end (all tiles journaled),
# then one input is rewritten in place with its size and modification time
# kept, and the next run must give what a fresh run of the new inputs gives.
ST=$TMP/stale
mkdir -p "$ST"
cp samples/generated/t1.tif "$ST/t1.tif"
gdal_translate -q -co TILED=YES samples/generated/t2.tif "$ST/t2.tif"
gdal_translate -q -co TILED=YES samples/generated/t2.tif "$ST/t2src.tif"
cp samples/generated/t2.tif "$ST/t2qa.tif"
gdalbuildvrt -q "$ST/t2.vrt" "$ST/t2src.tif"
for d in 1 2; do
  gdal_create -q -of GTiff -outsize 2000 2000 -bands 1 -ot UInt16 -burn 0 -co TILED=YES \
    -a_srs EPSG:32649 -a_ullr 680000 4020000 700000 4000000 "$ST/qa$d.tif"
done
stale_config() { # NAME T2 [QA]: the sample's configuration on the copies
  sed -e "s#^t1 *=.*#t1 = $ST/t1.tif#" -e "s#^t2 *=.*#t2 = $2#" \
    -e "s#\.\./samples/generated/#$PWD/samples/generated/#" configs/sample.ini >"$ST/$1.ini"
  if [ -n "${3:-}" ]; then
    sed -i "s#^nodata *=.*#nodata = 0\nqa_type = landsat\nqa_t1 = $ST/qa1.tif\nqa_t2 = $ST/qa2.tif#" "$ST/$1.ini"
  fi
}
# rewrite FILE FROM|VALUE: the west half of every band set to the same
# pixels of FROM (the other date: the changes there vanish) or to VALUE, in
# place; the size and the modification time (ns) are kept
rewrite() {
  $PY - "$@" <<'EOF'
import os, sys
from osgeo import gdal
path, source = sys.argv[1], sys.argv[2]
st = os.stat(path)
ds = gdal.Open(path, gdal.GA_Update)
src = gdal.Open(source) if not source.isdigit() else None
for b in range(1, ds.RasterCount + 1):
    band = ds.GetRasterBand(b)
    if src is not None:
        band.WriteArray(src.GetRasterBand(b).ReadAsArray(0, 0, 1000, 2000))
    else:
        a = band.ReadAsArray(0, 0, 1000, 2000)
        a[:] = int(source)
        band.WriteArray(a)
ds = None
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
st2 = os.stat(path)
assert (st2.st_size, st2.st_mtime_ns) == (st.st_size, st.st_mtime_ns), "size or mtime changed"
EOF
}
stale_config rewritten "$ST/t2.tif"
stale_config vrt_source "$ST/t2.vrt"
stale_config qa "$ST/t2qa.tif" qa
for case in "rewritten $ST/t2.tif $ST/t1.tif" "vrt_source $ST/t2src.tif $ST/t1.tif" "qa $ST/qa2.tif 8"; do
  set -- $case
  killed_at_end "$ST/$1.ini" "$ST/out_$1"
  t_ok "stale ($1): the killed run left its tiles and key" test -s "$ST/out_$1/.minewatch-resume/key"
  st_before=$(md5sum <"$ST/out_$1/suspects.csv")
  t_ok "stale ($1): $2 rewritten in place, size and mtime kept" rewrite "$2" "$3"
  $MW scan "$ST/$1.ini" -o "$ST/fresh_$1" -q --threads 2
  t_eq "stale ($1): the rewrite changes the reports (the test can fail)" "changed" \
    "$([ "$(md5sum <"$ST/fresh_$1/suspects.csv")" != "$st_before" ] && echo changed)"
  $MW scan "$ST/$1.ini" -o "$ST/out_$1" --threads 2 >/dev/null 2>"$TMP/stale.err"
  t_eq "stale ($1): the next run exits 0" "0" "$?"
  t_eq "stale ($1): no tile resumed" "" "$(grep 'resumed' "$TMP/stale.err")"
  same=ok
  for f in change.tif suspects.csv licences.csv restoration.csv restoration_by_county.csv; do
    cmp -s "$ST/out_$1/$f" "$ST/fresh_$1/$f" || same="$f differs"
  done
  t_eq "stale ($1): the reports of the new inputs" "ok" "$same"
done
# the same inputs again: the tiles are resumed (the content key matches)
killed_at_end "$ST/qa.ini" "$ST/out_again"
$MW scan "$ST/qa.ini" -o "$ST/out_again" --threads 2 >/dev/null 2>"$TMP/stale.err"
t_has "unchanged inputs: every tile resumed" "resumed 16 of 16 tiles" "$(cat "$TMP/stale.err")"
t_ok "unchanged inputs: the same reports" cmp "$ST/out_again/suspects.csv" "$ST/fresh_qa/suspects.csv"

$MW scan configs/sample.ini -o "$OUT" -q
t_eq "the next run removes stale work folders" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
t_eq "and gives the same reports" "$(echo "$before" | grep suspects)" "$(cd "$OUT" && md5sum suspects.csv)"

echo "== GDAL virtual paths stay allowed (not regular files to the OS)"
VZ=$TMP/vsi
mkdir -p "$VZ"
$PY -c "import zipfile; zipfile.ZipFile('$VZ/t2.zip', 'w', zipfile.ZIP_STORED).write('samples/generated/t2.tif', 't2.tif')"
sed -e "s#^t2 *=.*#t2 = /vsizip/$VZ/t2.zip/t2.tif#" -e "s#\.\./samples/generated/#$PWD/samples/generated/#" \
  configs/sample.ini >"$VZ/vsizip.ini"
$MW scan "$VZ/vsizip.ini" -o "$VZ/out" -q
t_eq "t2 in a zip (/vsizip/): exit 0" "0" "$?"
t_ok "t2 in a zip (/vsizip/): the sample's reports" cmp "$VZ/out/suspects.csv" "$TMP/good_suspects.csv"
t_eq "t2 in a zip (/vsizip/): the manifest hashes it as GDAL reads it" \
  "$(sha256sum <samples/generated/t2.tif | cut -d' ' -f1)" \
  "$($PY -c "import json; print([i['sha256'] for i in json.load(open('$VZ/out/manifest.json'))['inputs'] if i['role'] == 't2'][0])")"

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
t_has "full disk: one clear line naming the file" "minewatch: error: $TMP/" "$(cat "$TMP/full.err")"
t_eq "full disk: and nothing else on stderr" "1" "$(wc -l <"$TMP/full.err")"
t_eq "full disk: previous reports untouched" "$before" \
  "$(cd "$OUT" && md5sum change.tif suspects.csv patches.gpkg manifest.json)"
t_eq "full disk: no work folder left" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
$MW scan configs/.full_disk.ini -o "$OUT" -q --ledger "$TMP/ledger.gpkg"
t_eq "space back: the next run succeeds" "0" "$?"
ledger_after=$(ogrinfo -q -sql "SELECT count(*) AS n FROM observations" "$TMP/ledger.gpkg" | sed -n 's/.*n (Integer) = //p')
t_eq "space back: the ledger holds both nights, nothing of the failed run twice" "$((ledger_before * 2))" "$ledger_after"
rm -f configs/.full_disk.ini

# A small file system: the free-space check before the tile pass refuses it
# (the sample needs about 10 MB of work files and journal) in one line naming
# the folder.  Before that check, a run filled it, GDAL warned that it could
# not save a raster's .aux.xml, then the write failed: two lines.  Writes
# that really fail mid-run are the ulimit -f case above.
echo "== a full file system (tmpfs of 2 and 6 MB): one line"
mkdir -p "$TMP/tmpfs"
for size in 2m 6m; do
  if ! mount -t tmpfs -o size=$size tmpfs "$TMP/tmpfs" 2>/dev/null; then
    echo "skip  full tmpfs of $size: cannot mount a tmpfs here (needs root)"
    continue
  fi
  $MW scan configs/sample.ini -o "$TMP/tmpfs/out" -q >"$TMP/tmpfs.out" 2>"$TMP/tmpfs.err"
  t_eq "tmpfs of $size: the run fails with exit 6" "6" "$?"
  t_has "tmpfs of $size: the line names the folder or a file in it" "minewatch: error: $TMP/tmpfs/out" "$(cat "$TMP/tmpfs.err")"
  t_eq "tmpfs of $size: one line on stderr" "1" "$(wc -l <"$TMP/tmpfs.err")"
  t_eq "tmpfs of $size: no work folder left" "" "$(ls -A "$TMP/tmpfs/out" 2>/dev/null | grep minewatch-work || true)"
  umount "$TMP/tmpfs"
done

t_summary
