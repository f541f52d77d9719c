#!/bin/bash
# bench/profile.sh - where a minewatch scan spends its time (perf, sampling).
#
#   bench/profile.sh [THREADS...]        (default: 1 2)
#
# Profiles build/minewatch scan of the bench scene of BENCH_SIZE (default
# 2048: small, profile runs are slow) from the bench cache, which
# `BENCH_SIZE=2048 make bench` fills.  For each thread count prints the
# CPU time, the share per shared object (libdeflate = DEFLATE decoding,
# libtiff = predictor / tile handling, kernel = syscalls and page faults)
# and the hottest minewatch functions.  perf samples cpu-clock (no hardware
# counters in a VM).  Needs perf (Debian: linux-perf); not part of make bench.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZE=${BENCH_SIZE:-2048}
DIR=${MINEWATCH_BENCH_CACHE:-/var/tmp/minewatch-bench}/$SIZE
OUT=${MINEWATCH_BENCH_CACHE:-/var/tmp/minewatch-bench}/work/profile
[ -f "$DIR/deflate/t1.tif" ] || {
    echo "profile: no $SIZE px scene in $DIR; run BENCH_SIZE=$SIZE make bench first" >&2
    exit 1
}
command -v perf >/dev/null || { echo "profile: perf not installed (linux-perf)" >&2; exit 1; }
mkdir -p "$OUT"
# the DEFLATE configuration pointing at this size's scene
sed "s#cache/deflate/#$DIR/deflate/#" bench/bench.ini >"$OUT/profile.ini"

for th in "${@:-1 2}"; do
    for t in $th; do
        data=$OUT/perf-$t.data
        perf record -q -e cpu-clock -F 4000 -g -o "$data" \
            "$BUILD/minewatch" scan "$OUT/profile.ini" -o "$OUT/scan" --threads "$t" -q \
            >/dev/null 2>"$OUT/perf-$t.err"
        echo "== $t thread(s): $(perf report -i "$data" --stdio 2>/dev/null |
            sed -n 's/^# Samples: \([0-9.Kk]*\).*/\1 samples/p' | head -1) at 4 kHz"
        echo "-- share of CPU by object"
        perf report -i "$data" --stdio --no-children -g none --sort dso 2>/dev/null |
            grep '%' | grep -v '^#' | head -10 | awk '{ printf "   %7s  %s\n", $1, $2 }'
        echo "-- hottest minewatch functions (self)"
        perf report -i "$data" --stdio --no-children -g none --sort sym --dsos minewatch \
            2>/dev/null | grep '%' | grep -v '^#' | head -10 |
            awk '{ printf "   %7s  %s\n", $1, $3 }'
        echo "-- who calls the DEFLATE decoder (callers, % of all samples)"
        perf report -i "$data" --stdio --children -g none --sort sym 2>/dev/null |
            grep -E 'mw_reader_read|GDALRasterIO|process_tile|polygonize_patch|mw_patches_build|mw_reports_write|EVP_Digest|sha256' |
            head -8 | awk '{ printf "   %7s children  %s\n", $1, $NF }'
    done
done
