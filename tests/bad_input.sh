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
  (cd tests/bad && "$MW" scan "$cfg" -q >"$TMP/stdout" 2>"$TMP/stderr")
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
# resume journals, read here by the framing of pipeline/journal.h (a record
# the kill cut short is not whole, and is not resumed):
journal_records() {
  $PY - "$1" <<'EOF'
import glob, struct, sys
n = 0
for p in glob.glob(sys.argv[1] + "/tiles-*.journal"):
    b = open(p, "rb").read()
    at = 0
    while at + 40 <= len(b):
        magic, _, key, ln = struct.unpack_from("<IIQQ", b, at)
        if magic != 0x314A574D or at + 40 + ln > len(b):
            break
        tl, tm, _ = struct.unpack_from("<QII", b, at + 24 + ln)
        if tm != 0x244A574D or tl != ln:
            break
        n += 1
        at += 40 + ln
print(n)
EOF
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
$MW scan configs/sample.ini -o "$OUT" -q
t_eq "the next run removes stale work folders" "" "$(ls -A "$OUT" | grep minewatch-work || true)"
t_eq "and gives the same reports" "$(echo "$before" | grep suspects)" "$(cd "$OUT" && md5sum suspects.csv)"

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

# A file system that really fills: GDAL then also fails to save a raster's
# .aux.xml and warns so before the write fails; the failing run still prints
# one line.  2 MB fills in the tile pass's journals, 6 MB in the class raster.
echo "== a full file system (tmpfs of 2 and 6 MB): one line"
mkdir -p "$TMP/tmpfs"
for size in 2m 6m; do
  if ! mount -t tmpfs -o size=$size tmpfs "$TMP/tmpfs" 2>/dev/null; then
    echo "skip  full tmpfs of $size: cannot mount a tmpfs here (needs root)"
    continue
  fi
  $MW scan configs/sample.ini -o "$TMP/tmpfs/out" -q >"$TMP/tmpfs.out" 2>"$TMP/tmpfs.err"
  t_eq "tmpfs of $size: the run fails with exit 6" "6" "$?"
  t_has "tmpfs of $size: the line names the file" "minewatch: error: $TMP/tmpfs/out/" "$(cat "$TMP/tmpfs.err")"
  t_eq "tmpfs of $size: one line on stderr" "1" "$(wc -l <"$TMP/tmpfs.err")"
  t_eq "tmpfs of $size: no work folder left" "" "$(ls -A "$TMP/tmpfs/out" 2>/dev/null | grep minewatch-work || true)"
  umount "$TMP/tmpfs"
done

t_summary
