#!/bin/bash
# bench/layers.sh - the province-layers case of the bench (issue 18).
#
# Over a 400 x 400 km "province" around the bench scene (UTM 49N, as
# bench/gen_bench.c writes it), bench/gen_layers writes once, cached beside
# the scene: 2,000 licences, a red-line layer of 100,000 polygons of 100
# vertices (10^7 vertices) and a farmland layer of 1,000,000 polygons (most of
# them outside the scene), and the "small layers": the same features cut to
# the scene and 6 km around it.  Then, in one run:
#   - the scan of the bench pair with the small layers and with the province
#     layers, interleaved (small, big, small, big ...): medians of the wall
#     times, their ratio (target <= 1.15), the province scan's peak RSS
#     (target <= 512 MB), and whether both give the same reports;
#   - `minewatch licences audit` with the province layers (2,000 licences)
#     alone on one core, OMP_NUM_THREADS=1 (target <= 60 s).
# Writes the figures as a JSON object to $OUT (default
# $MINEWATCH_BENCH_CACHE/work/layers.json); bench/run.sh puts it into
# bench/results.json as "province_layers".  Run alone (bench/layers.sh), it
# replaces that key in an existing bench/results.json.
#
# Environment: BENCH_SIZE, BENCH_RUNS, BENCH_THREADS, MINEWATCH_BENCH_CACHE,
# BUILD as bench/run.sh (the scene of this size must exist: bench/run.sh
# makes it; alone, this script makes it with gen_bench when it is missing).
set -u
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
SIZE=${BENCH_SIZE:-10980}
RUNS=${BENCH_RUNS:-3}
THREADS=${BENCH_THREADS:-$(nproc)}
CACHE=${MINEWATCH_BENCH_CACHE:-/var/tmp/minewatch-bench}
DIR=$CACHE/$SIZE
WORK=$CACHE/work
LDIR=$CACHE/layers-$SIZE
OUT=${OUT:-$WORK/layers.json}
TIME=/usr/bin/time
log() { echo "bench layers: $*" >&2; }
FAILED=""
fail() { echo "bench layers: FAILED: $*" >&2; FAILED="$FAILED; $*"; }
mkdir -p "$WORK" "$LDIR" || exit 1

median() {
    [ $# -eq 0 ] && { echo null; return; }
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() {
    local fmt=$1 expr=$2
    shift 2
    case " $* " in *" null "*|*"  "*) echo null; return ;; esac
    awk -v args="$*" "BEGIN { n = split(args, v, \" \"); a = v[1]; b = v[2];
        printf \"$fmt\n\", ($expr) }"
}
verdict() {
    [ "$1" = null ] && { echo n/a; return; }
    awk "BEGIN { exit !($1 $2 $3) }" && echo pass || echo miss
}
# timed CMD...: T_WALL T_CPU (s), T_RSS (MB); CMD's status
timed() {
    local tf=$WORK/layers-time.txt rc
    "$TIME" -f '%e %U %S %M' -o "$tf" "$@" >"$WORK/layers-last.out" 2>"$WORK/layers-last.err"
    rc=$?
    read -r T_WALL u s k <"$tf"
    T_CPU=$(calc %.2f 'a+b' "$u" "$s")
    T_RSS=$(calc %.1f 'a/1024' "$k")
    return $rc
}

# ---- the scene and the layers (made once) ------------------------------------
if [ ! -f "$DIR/deflate/t1.tif" ]; then
    log "generating the $SIZE x $SIZE scene pair in $DIR (once)"
    "$BUILD/bench/gen_bench" "$DIR" "$SIZE" || { fail "gen_bench"; exit 1; }
fi
# the scene: bench/gen_bench.c's corner, 10 m pixels
X0=699960; Y1=4100040
X1=$((X0 + SIZE * 10)); Y0=$((Y1 - SIZE * 10))
CX=$(((X0 + X1) / 2)); CY=$(((Y0 + Y1) / 2))
BOX="$((CX - 200000)) $((CY - 200000)) $((CX + 200000)) $((CY + 200000))"
CLIP="clip=$((X0 - 6000)):$((Y0 - 6000)):$((X1 + 6000)):$((Y1 + 6000))"
KINDS="licences=2000 redline=100000:100:300 farmland=1000000:150"
stamp="box=$BOX $KINDS gen=$(sha256sum bench/gen_layers.c | cut -c1-16)"
if [ "$(cat "$LDIR/stamp" 2>/dev/null)" != "$stamp" ]; then
    log "generating the province layers in $LDIR (once)"
    rm -f "$LDIR/stamp"
    if "$BUILD/bench/gen_layers" "$LDIR/province.gpkg" 32649 $BOX $KINDS >&2 &&
       "$BUILD/bench/gen_layers" "$LDIR/small.gpkg" 32649 $BOX $KINDS "$CLIP" >&2; then
        echo "$stamp" >"$LDIR/stamp"
    else
        fail "gen_layers"
        exit 1
    fi
fi
with_layers() { # GPKG OUT.ini: bench.ini (this size's scene) with the layers
    sed -e "s#cache/deflate/t\\([12]\\)\\.tif#$DIR/deflate/t\\1.tif#" \
        -e '/^; no \[licences\]/d' bench/bench.ini >"$2"
    cat >>"$2" <<EOF

[licences]
path           = $1
layer          = licences
reserves_field = reserves_t
near_m         = 300

[redline]
path  = $1
layer = redline

[farmland]
path  = $1
layer = farmland
EOF
}
with_layers "$LDIR/small.gpkg" "$LDIR/small.ini"
with_layers "$LDIR/province.gpkg" "$LDIR/province.ini"
PROV_MB=$(du -m "$LDIR/province.gpkg" | cut -f1)
cat "$DIR"/deflate/t?.tif "$LDIR"/*.gpkg >/dev/null   # warm page cache

# ---- the scans, interleaved ----------------------------------------------------
ws=(); wb=(); rb=(); rs=()
for i in $(seq "$RUNS"); do
    for kind in small province; do
        if timed "$BUILD/minewatch" scan "$LDIR/$kind.ini" -o "$WORK/layers-$kind" \
                 --threads "$THREADS" -q; then
            if [ $kind = small ]; then ws+=("$T_WALL"); rs+=("$T_RSS")
            else wb+=("$T_WALL"); rb+=("$T_RSS"); fi
        else
            fail "scan with the $kind layers: $(tail -1 "$WORK/layers-last.err")"
        fi
    done
done
SMALL=$(median "${ws[@]}"); BIG=$(median "${wb[@]}")
RSS_BIG=$(median "${rb[@]}"); RSS_SMALL=$(median "${rs[@]}")
RATIO=$(calc %.3f 'b/a' "$SMALL" "$BIG")
stages() { tr -d ' \n' <"$WORK/layers-$1/manifest.json" 2>/dev/null |
           grep -o '"timings_s":{[^}]*}' | sed 's/^"timings_s"://'; }
ST_SMALL=$(stages small); ST_BIG=$(stages province)
SAME=true
for f in suspects.csv licences.csv; do
    cmp -s "$WORK/layers-small/$f" "$WORK/layers-province/$f" || SAME=false
done
PATCHES=$(grep -o '"patches": *[0-9]*' "$WORK/layers-province/manifest.json" | head -1 | grep -o '[0-9]*$')
LICS=$(($(wc -l <"$WORK/layers-province/licences.csv") - 1))
log "scan: small layers $SMALL s, province layers $BIG s (x $RATIO), peak RSS $RSS_BIG MB;" \
    "same reports: $SAME"

# ---- the licence audit alone, one core ----------------------------------------
AUDIT=null; AUDIT_RSS=null; AUDIT_ROWS=null
if OMP_NUM_THREADS=1 timed taskset -c 0 "$BUILD/minewatch" licences audit \
       "$LDIR/province.ini" -o "$WORK/layers-audit" -q; then
    AUDIT=$T_WALL; AUDIT_RSS=$T_RSS
    AUDIT_ROWS=$(($(wc -l <"$WORK/layers-audit/licences.csv") - 1))
else
    fail "licences audit: $(tail -1 "$WORK/layers-last.err")"
fi
log "licences audit, 1 core: $AUDIT s for $AUDIT_ROWS licences, peak RSS $AUDIT_RSS MB"

V_RATIO=$(verdict "$RATIO" '<=' 1.15)
V_RSS=$(verdict "$RSS_BIG" '<=' 512)
V_AUDIT=$(verdict "$AUDIT" '<=' 60)
j() { [ -z "$1" ] && echo null || echo "$1"; }
cat >"$OUT" <<EOF
{
    "scan_wall_s_small_layers": $(j "$SMALL"),
    "scan_wall_s_province_layers": $(j "$BIG"),
    "province_over_small": $(j "$RATIO"),
    "peak_rss_mb_province": $(j "$RSS_BIG"),
    "peak_rss_mb_small": $(j "$RSS_SMALL"),
    "same_reports": $SAME,
    "scan_stage_s_small": $(j "$ST_SMALL"),
    "scan_stage_s_province": $(j "$ST_BIG"),
    "patches": $(j "$PATCHES"),
    "licences_in_scan": $(j "$LICS"),
    "audit_wall_s_1core": $(j "$AUDIT"),
    "audit_peak_rss_mb": $(j "$AUDIT_RSS"),
    "audit_licences": $(j "$AUDIT_ROWS"),
    "targets": {
        "province_scan_le_1.15x_small": "$V_RATIO",
        "province_peak_rss_le_512mb": "$V_RSS",
        "audit_2000_licences_le_60s_1core": "$V_AUDIT"
    },
    "setup": {
        "size_px": $SIZE, "runs": $RUNS, "threads": $THREADS,
        "province_box_utm49n": "$BOX", "layers": "$KINDS", "small_layers": "$CLIP",
        "province_gpkg_mb": $(j "$PROV_MB"),
        "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
        "loadavg": $(cut -d' ' -f1 /proc/loadavg)
    },
    "failed": "$(printf '%s' "${FAILED#; }" | sed 's/"/\\"/g')"
}
EOF
printf '%-52s %12s %10s  %s\n' "province layers" "value" "target" "verdict"
printf '%-52s %12s %10s  %s\n' "scan, small layers (s)" "$SMALL" "" ""
printf '%-52s %12s %10s  %s\n' "scan, province layers (s)" "$BIG" "" ""
printf '%-52s %12s %10s  %s\n' "  province / small" "$RATIO" "<= 1.15" "$V_RATIO"
printf '%-52s %12s %10s  %s\n' "  peak RSS, province (MB)" "$RSS_BIG" "<= 512" "$V_RSS"
printf '%-52s %12s %10s  %s\n' "  same reports" "$SAME" "" ""
printf '%-52s %12s %10s  %s\n' "licences audit, $AUDIT_ROWS licences, 1 core (s)" "$AUDIT" "<= 60" "$V_AUDIT"
# alone: into bench/results.json
if [ -z "${BENCH_FROM_RUN:-}" ] && [ -f bench/results.json ]; then
    /usr/bin/python3 - "$OUT" <<'EOF' || fail "bench/results.json"
import json, sys
r = json.load(open("bench/results.json"))
r["province_layers"] = json.load(open(sys.argv[1]))
with open("bench/results.json", "w") as f:
    json.dump(r, f, indent=2)
    f.write("\n")
EOF
fi
[ -z "$FAILED" ]
