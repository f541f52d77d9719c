#!/bin/sh
# The command line: every command's -h/--help, and every option of every
# usage against its parser (tests/check_cli.py reads both from the usage
# texts); a command-line error is one line on stderr and exit 2.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== command line: usage, --help, options"
t_py tests/check_cli.py "$MW" "$TMP"

$MW >"$TMP/out" 2>"$TMP/err"
t_eq "minewatch alone exits 2" "2" "$?"
t_has "and prints the usage on stderr" "usage: minewatch scan CONFIG.ini" "$(cat "$TMP/err")"
t_eq "and nothing on stdout" "" "$(cat "$TMP/out")"
$MW frobnicate >"$TMP/out" 2>"$TMP/err"
t_eq "an unknown command exits 2" "2" "$?"
t_eq "with one line on stderr" "minewatch: unknown command 'frobnicate' (see minewatch --help)" "$(cat "$TMP/err")"
for verb in "licences frobnicate" "licences" "ledger frobnicate" "ledger"; do
  $MW $verb >"$TMP/out" 2>"$TMP/err"
  t_eq "minewatch $verb exits 2" "2" "$?"
  t_eq "minewatch $verb: one line on stderr, nothing on stdout" "1 0" \
    "$(wc -l <"$TMP/err") $(wc -c <"$TMP/out")"
done
$MW scan configs/sample.ini --threads 2000 -q >"$TMP/out" 2>"$TMP/err"
t_eq "--threads out of range exits 2" "2" "$?"
t_eq "with one line naming the range" \
  "minewatch: scan: --threads needs an integer in [0, 1024], got '2000' (see minewatch scan --help)" \
  "$(cat "$TMP/err")"
$MW scan configs/sample.ini --tile-size 100 -q >"$TMP/out" 2>"$TMP/err"
t_eq "--tile-size not a multiple of 16 exits 2, one line" "2 1" "$? $(wc -l <"$TMP/err")"
$MW scan configs/sample.ini -o "$TMP/a" -o "$TMP/b" -q >"$TMP/out" 2>"$TMP/err"
t_eq "an option given twice exits 2, one line" "2 1" "$? $(wc -l <"$TMP/err")"
$MW version --json >"$TMP/out" 2>"$TMP/err"
t_eq "version takes no option" "2" "$?"

echo "== README: the command list and the exit codes as the binary has them"
t_eq "README lists the commands as minewatch --help does" \
  "$($MW --help | sed -n 's/^\(usage: \|       \)minewatch /build\/minewatch /p')" \
  "$(sed -n '/^## Running a scan/,/^```$/{/^build\/minewatch /p}' README.md | sed '/^```$/q')"
t_eq "README's exit-code table has the codes of pipeline/core/mw.h" \
  "$(sed -n 's/^ *MW_[A-Z_]* = \([0-9]*\),\{0,1\} *\(\/\*.*\)\{0,1\}$/\1/p' pipeline/core/mw.h | tr '\n' ' ')" \
  "$(sed -n '/^### Exit codes/,/^Every failure/s/^| \([0-9]*\) |.*/\1/p' README.md | tr '\n' ' ')"

t_summary
