#!/bin/sh
# The tests themselves: what could let them pass without checking anything.
# t_py must count a checker's failing exit; the integration test's
# determinism comparison must fail when its scans fail; test_simd must say
# "skipped" where AVX2 is not there to compare with; a command-line CFLAGS
# must not drop the project's own flags.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== selftest: tests/lib.sh t_py"
# t_py in a subshell of its own, on a checker given as Python text: the
# counts it leaves ("passed failed")
py_counts() {
  printf '%s\n' "$1" >"$TMP/checker.py"
  (T_PASSED=0 T_FAILED=0; t_py "$TMP/checker.py" >/dev/null; echo "$T_PASSED $T_FAILED")
}
t_eq "t_py: two ok lines, exit 0: 2 passed" "2 0" "$(py_counts 'print("ok a"); print("ok b")')"
t_eq "t_py: a FAIL line, exit 1: that failure once" "1 1" \
  "$(py_counts 'import sys; print("ok a"); print("FAIL b"); sys.exit(1)')"
t_eq "t_py: exit 1 without a FAIL line is a failure" "1 1" \
  "$(py_counts 'import sys; print("ok a"); sys.exit(1)')"
t_eq "t_py: a crash is a failure" "0 1" "$(py_counts 'raise SystemExit(open("/nonexistent/x"))')"
t_eq "t_py: a checker that checks nothing is a failure" "0 1" "$(py_counts 'pass')"

echo "== selftest: the integration test with a minewatch whose every scan fails"
mkdir -p "$TMP/fake/tests"
printf '#!/bin/sh\necho "minewatch: error: this minewatch always fails" >&2\nexit 4\n' >"$TMP/fake/minewatch"
cp "$TMP/fake/minewatch" "$TMP/fake/tests/cog_check"
chmod +x "$TMP/fake/minewatch" "$TMP/fake/tests/cog_check"
BUILD=$TMP/fake tests/integration.sh >"$TMP/integration.log" 2>&1
t_eq "integration.sh fails" "1" "$?"
for th in 1 2; do
  for ts in 256 1024; do
    t_has "determinism with $th thread(s), tiles of $ts: FAIL, not ok" \
      "FAIL  suspects.csv identical with $th thread(s), tiles of $ts" "$(cat "$TMP/integration.log")"
  done
done
t_eq "no determinism check passes" "" \
  "$(grep -E '^ok +(suspects.csv|change.tif) identical with' "$TMP/integration.log")"

echo "== selftest: test_simd without AVX2 (MW_SIMD=scalar) skips, does not pass"
MW_SIMD=scalar "$B/tests/test_simd" >"$TMP/simd.log" 2>&1
t_eq "test_simd exits 0" "0" "$?"
t_has "the AVX2 comparisons are skipped" "[  SKIPPED ] 2 test(s)" "$(cat "$TMP/simd.log")"
t_has "the scalar fused kernel against the chain still runs and passes" "[  PASSED  ] 1 test(s)" \
  "$(cat "$TMP/simd.log")"
if grep -q avx2 /proc/cpuinfo; then
  "$B/tests/test_simd" >"$TMP/simd2.log" 2>&1
  t_has "with AVX2: the three pass" "[  PASSED  ] 3 test(s)" "$(cat "$TMP/simd2.log")"
fi

echo "== selftest: make CFLAGS=... keeps the project's flags"
make -s --no-print-directory BUILD="$TMP/b" CFLAGS=-O0 "$TMP/b/obj/pipeline/core/error.o" >"$TMP/make.log" 2>&1
t_eq "make CFLAGS=-O0 compiles (includes, OpenMP, -Werror kept)" "0" "$?"
cmd=$(make --no-print-directory -n -B BUILD="$TMP/b" CFLAGS=-O0 "$TMP/b/obj/kernels/morph.o" | grep -- ' -c ')
t_has "the compile line has the project's flags" "-Werror -fopenmp -ffp-contract=off" "$cmd"
t_has "and the user's -O0 before the kernels' -O3" "-O0 -O3 -fno-trapping-math" "$cmd"
link=$(make --no-print-directory -n -B BUILD="$TMP/b" LDFLAGS=-Wl,-O1 LDLIBS=-lz "$TMP/b/minewatch" |
  grep -- "-o $TMP/b/minewatch ")
t_has "make LDFLAGS=... LDLIBS=...: the link keeps -fopenmp" "-fopenmp " "$link"
t_has "and takes the user's LDFLAGS" " -Wl,-O1 " "$link"
t_has "and the project's libraries" "-lgdal" "$link"

echo "== selftest: the house rules of issue 14 (scripts/check_size.py, check_deps.py)"
out=$(python3 scripts/check_size.py 2>&1)
t_eq "check_size.py: the tree holds (files <= 800 lines, functions <= 120)" "0" "$?"
t_has "and says how many files it held to that" "files within 800 lines" "$out"
# the checks must fail on a breach: a copy of the tree with one
mkdir -p "$TMP/house"
cp -r pipeline kernels samples "$TMP/house/"
rm -rf "$TMP/house/samples/generated"
{ printf 'int too_long(void)\n{\n    int x = 0;\n'
  i=0; while [ $i -lt 120 ]; do printf '    x++;\n'; i=$((i + 1)); done
  printf '    return x;\n}\n'; } >>"$TMP/house/pipeline/tiles/tile_schedule.c"
out=$(python3 scripts/check_size.py "$TMP/house" 2>&1)
t_eq "check_size.py: a function of 124 lines fails it" "1" "$?"
t_has "naming the function and its length" "function too_long is 124 lines (limit 120)" "$out"
i=0; while [ $i -lt 801 ]; do echo "/* */"; i=$((i + 1)); done >>"$TMP/house/pipeline/tiles/tile_journal.c"
t_has "check_size.py: a file over 800 lines fails it" \
  "pipeline/tiles/tile_journal.c: $(($(wc -l <pipeline/tiles/tile_journal.c) + 801)) lines (limit 800)" \
  "$(python3 scripts/check_size.py "$TMP/house" 2>&1)"
out=$(python3 scripts/check_deps.py 2>&1)
t_eq "check_deps.py: every room includes only its own and the rooms below" "0" "$?"
printf '#include "tiles.h"\n' >>"$TMP/house/pipeline/ingest/decode.c"
out=$(python3 scripts/check_deps.py "$TMP/house" 2>&1)
t_eq "check_deps.py: ingest/ including tiles.h fails it" "1" "$?"
t_has "naming the file and the rooms" "pipeline/ingest/decode.c: includes tiles.h of tiles/, a room above ingest/" "$out"
t_eq "kernels/ read no environment (MW_SIMD is read by pipeline/core/simd.c)" "" \
  "$(grep -l 'getenv' kernels/*.c kernels/*.h)"

t_summary
