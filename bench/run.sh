#!/bin/bash
# bench/run.sh - the minewatch benchmark (make bench; issue 5).
#
# Generates once, cached outside the repo, a Sentinel-2-tile-sized scene pair
# (bench/gen_bench.c), then measures in one run:
#   - STREAM-like memory bandwidth (bench/stream.c) and the per-pixel kernels
#     on in-memory data (bench/kernel_bench.c);
#   - the GDAL read floor: fastest plain GDAL read of both dates, 64 MB block
#     cache, GDAL_NUM_THREADS=ALL_CPUS (bench/read_floor.c, three ways);
#   - build/minewatch scan bench/bench.ini end to end: DEFLATE and
#     uncompressed, 1 thread on 1 core (taskset) and all threads; wall, CPU
#     and peak RSS (and, as information, 1 thread left free on all cores);
#   - the same scan with the evidence package (evidence.ini: chips for
#     500 patches and the map sheet) against it: wall, CPU, peak RSS;
#   - peak RSS on a VRT mosaic of twice the area (two copies side by side),
#     against a VRT of the scene itself (same access path);
#   - province-sized legal layers (bench/layers.sh; BENCH_LAYERS=0 skips):
#     the scan with 2,000 licences, 10^5 red-line and 10^6 farmland polygons
#     against the same with those cut to the scene, and the licence audit;
#   - the peer: the gdal_calc.py chain (NDVI and BSI of both dates, their
#     differences, the mask (dNDVI < -0.2) AND (dBSI > 0.1)) then
#     gdal_polygonize.py, with GDAL's defaults as users run it.
# Writes bench/results.json and prints a table of ratios against the targets.
# A missed target is reported, not fatal (machines are noisy); the exit
# status is non-zero only if something could not be run.
#
# Environment:
#   BENCH_SIZE=10980              scene side in px (2048 for a quick run)
#   BENCH_RUNS=3                  runs per scan / read-floor measurement (median)
#   BENCH_PEER_RUNS=$BENCH_RUNS   runs of the gdal_calc chain (0 skips it)
#   BENCH_RUNS_2X=1               runs of the 1x/2x VRT scans (RSS check)
#   BENCH_THREADS=$(nproc)        the "all threads" count
#   MINEWATCH_BENCH_CACHE=/var/tmp/minewatch-bench   scenes and outputs
#   BUILD=build                   where the binaries are (make passes it)
# All runs are on a warm page cache (the scene is read once before timing):
# the figures are decode + compute, not disk.
set -u
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
SIZE=${BENCH_SIZE:-10980}
RUNS=${BENCH_RUNS:-3}
PEER_RUNS=${BENCH_PEER_RUNS:-$RUNS}
RUNS_2X=${BENCH_RUNS_2X:-1}
THREADS=${BENCH_THREADS:-$(nproc)}
CACHE=${MINEWATCH_BENCH_CACHE:-/var/tmp/minewatch-bench}
DIR=$CACHE/$SIZE          # the scenes of this size
WORK=$CACHE/work          # scan reports, peer intermediates, logs
RESULTS=bench/results.json
PY=/usr/bin/python3       # Debian's python3, the one with GDAL (gdal_calc.py)
TIME=/usr/bin/time        # GNU time: wall, CPU and peak RSS of a child

FAILED=""                 # steps that could not be run
fail() { echo "bench: FAILED: $*" >&2; FAILED="$FAILED; $*"; }
log() { echo "bench: $*" >&2; }

# ---- small helpers -----------------------------------------------------------

# median of the numbers given as arguments ("null" if none)
median() {
    [ $# -eq 0 ] && { echo null; return; }
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# minimum of the arguments, ignoring "null"
minimum() {
    printf '%s\n' "$@" | grep -v null | sort -g | head -1 | grep . || echo null
}
# arithmetic with awk; "null" in, "null" out.  calc FORMAT EXPR [a b ...]:
# the arguments are $1 ... in EXPR, e.g. calc %.2f 'a/b' 3 4 -> 0.75
calc() {
    local fmt=$1 expr=$2
    shift 2
    case " $* " in *" null "*) echo null; return ;; esac
    awk -v args="$*" "BEGIN { n = split(args, v, \" \"); a = v[1]; b = v[2]; c = v[3];
        printf \"$fmt\n\", ($expr) }"
}
# value of key=value in a line of output
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

# timed CMD...: runs CMD under GNU time; sets T_WALL T_CPU (s) T_RSS (MB);
# returns CMD's status.  stdout/stderr of CMD go to $WORK/last.out/.err.
timed() {
    local tf=$WORK/time.txt rc
    "$TIME" -f '%e %U %S %M' -o "$tf" "$@" >"$WORK/last.out" 2>"$WORK/last.err"
    rc=$?
    # on failure GNU time prints "Command exited with non-zero status N" first
    read -r T_WALL u s k < <(tail -1 "$tf") || { T_WALL=null; u=0; s=0; k=0; }
    T_CPU=$(calc %.2f 'a+b' "$u" "$s")
    T_RSS=$(calc %.1f 'a/1024' "$k")
    return $rc
}

# ---- prerequisites -----------------------------------------------------------

mkdir -p "$DIR" "$WORK" || { echo "bench: cannot create $DIR" >&2; exit 1; }
for f in "$TIME" "$PY" /usr/bin/gdal_calc.py /usr/bin/gdal_polygonize.py \
         "$BUILD/minewatch" "$BUILD/bench/gen_bench" "$BUILD/bench/read_floor" \
         "$BUILD/bench/stream" "$BUILD/bench/kernel_bench"; do
    [ -x "$f" ] || fail "missing $f (scripts/setup.sh, make)"
done
[ -z "$FAILED" ] || exit 1
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)   # other users of the machine skew figures
# share of the last 60 s in which some task waited for a CPU (Linux PSI)
cpu_pressure() { sed -n 's/^some.*avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null | grep . || echo null; }
PRESSURE_START=$(cpu_pressure)

# ---- the scenes (generated once) ---------------------------------------------

# The stamp names the generator source, so editing gen_bench.c regenerates.
stamp="size=$SIZE gen=$(sha256sum bench/gen_bench.c | cut -c1-16)"
if [ "$(cat "$DIR/stamp" 2>/dev/null)" != "$stamp" ]; then
    log "generating the $SIZE x $SIZE scene pair in $DIR (once)"
    rm -f "$DIR/stamp"
    if "$BUILD/bench/gen_bench" "$DIR" "$SIZE"; then
        echo "$stamp" >"$DIR/stamp"
    else
        fail "gen_bench"
        exit 1
    fi
fi

# VRT mosaic of N copies of deflate/tD.tif side by side (N=1: the scene as a
# VRT, the like-for-like reference of the 2x scene's RSS).
write_vrt() { # N DATE OUT
    local n=$1 d=$2 out=$3 b k
    {
        echo "<VRTDataset rasterXSize=\"$((n * SIZE))\" rasterYSize=\"$SIZE\">"
        echo "  <SRS>$(gdalsrsinfo -o wkt1 --single-line "$DIR/deflate/t$d.tif")</SRS>"
        gdalinfo "$DIR/deflate/t$d.tif" | awk -F'[(,) ]+' '
            /^Origin/     { ox = $3; oy = $4 }
            /^Pixel Size/ { px = $4; py = $5 }
            END { printf "  <GeoTransform>%s, %s, 0, %s, 0, %s</GeoTransform>\n", ox, px, oy, py }'
        for b in 1 2 3 4; do
            echo "  <VRTRasterBand dataType=\"UInt16\" band=\"$b\" blockXSize=\"512\" blockYSize=\"512\">"
            echo "    <NoDataValue>0</NoDataValue>"
            for k in $(seq 0 $((n - 1))); do
                echo "    <SimpleSource>"
                echo "      <SourceFilename relativeToVRT=\"1\">../deflate/t$d.tif</SourceFilename>"
                echo "      <SourceBand>$b</SourceBand>"
                echo "      <SourceProperties RasterXSize=\"$SIZE\" RasterYSize=\"$SIZE\" DataType=\"UInt16\" BlockXSize=\"512\" BlockYSize=\"512\"/>"
                echo "      <SrcRect xOff=\"0\" yOff=\"0\" xSize=\"$SIZE\" ySize=\"$SIZE\"/>"
                echo "      <DstRect xOff=\"$((k * SIZE))\" yOff=\"0\" xSize=\"$SIZE\" ySize=\"$SIZE\"/>"
                echo "    </SimpleSource>"
            done
            echo "  </VRTRasterBand>"
        done
        echo "</VRTDataset>"
    } >"$out"
}
mkdir -p "$DIR/x1" "$DIR/x2"
for d in 1 2; do
    write_vrt 1 $d "$DIR/x1/t$d.vrt"
    write_vrt 2 $d "$DIR/x2/t$d.vrt"
done

# bench/bench.ini reads cache/deflate/*.tif: bench/cache -> this size's scenes.
# The other variants' configurations are bench.ini with the paths replaced.
ln -sfn "$DIR" bench/cache
variant_ini() { # NAME PATHPREFIX EXT
    sed -e "s#cache/deflate/t\\([12]\\)\\.tif#$DIR/$2/t\\1.$3#" bench/bench.ini >"$DIR/$1.ini"
}
variant_ini raw raw tif
variant_ini x1 x1 vrt
variant_ini x2 x2 vrt
# the same scan with the evidence package (chips for 500 patches, map sheet)
sed -e "s#cache/deflate/t\\([12]\\)\\.tif#$DIR/deflate/t\\1.tif#" \
    -e "s#^evidence = off#evidence = on\nevidence_max = 500#" bench/bench.ini >"$DIR/evidence.ini"

# Warm the page cache: every later figure is decode + compute, not disk.
cat "$DIR"/deflate/t?.tif "$DIR"/raw/t?.tif >/dev/null

# ---- machine: memory bandwidth and kernels -----------------------------------

log "stream"
if out=$("$BUILD/bench/stream"); then
    STREAM_GBPS=$(kv triad "$out")
    STREAM_COPY=$(kv copy "$out")
else
    fail "stream"; STREAM_GBPS=null; STREAM_COPY=null
fi
log "kernel_bench"
if kout=$("$BUILD/bench/kernel_bench"); then
    KERNEL_GBPS=$(kv kernel_gbps "$kout")
    KERNEL_MPX=$(kv kernel_mpx_s "$kout")
    KERNEL_TILED_MPX=$(kv kernel_tiled_mpx_s "$kout")
    KERNEL_DETAIL=$(printf '%s\n' $kout | grep -E '^(scale_u16|ndvi|bsi|diff|classify)_gbps=' |
        sed 's/^\(.*\)=\(.*\)$/"\1": \2/' | paste -sd, -)
else
    fail "kernel_bench"; KERNEL_GBPS=null; KERNEL_MPX=null; KERNEL_TILED_MPX=null
    KERNEL_DETAIL=""
fi

# ---- the GDAL read floor ------------------------------------------------------

# floor VARIANT: median of RUNS per mode; sets FLOOR (fastest mode) FLOOR_MODE
# FLOOR_MODES (json object of the medians) and FLOOR_CPU (median CPU seconds
# of the one-thread "block" mode: the cost of decoding every block once).
floor() {
    local v=$1 m i out t best=null cpus=()
    FLOOR_MODES=""
    FLOOR_MODE=null
    for m in block row omp; do
        local ts=()
        for i in $(seq "$RUNS"); do
            if out=$(GDAL_CACHEMAX=64 GDAL_NUM_THREADS=ALL_CPUS OMP_NUM_THREADS=$THREADS \
                     "$BUILD/bench/read_floor" $m "$DIR/$v/t1.tif" "$DIR/$v/t2.tif"); then
                ts+=("$(kv seconds "$out")")
                [ $m = block ] && cpus+=("$(kv cpu "$out")")
            else
                fail "read_floor $m $v"
            fi
        done
        t=$(median "${ts[@]}")
        FLOOR_MODES="$FLOOR_MODES${FLOOR_MODES:+, }\"$m\": $t"
        if [ "$t" != null ] && { [ "$best" = null ] || awk "BEGIN{exit !($t < $best)}"; }; then
            best=$t
            FLOOR_MODE=$m
        fi
    done
    FLOOR=$best
    FLOOR_CPU=$(median "${cpus[@]}")
}
log "read floor (deflate)"
floor deflate
READ_FLOOR=$FLOOR; READ_FLOOR_MODE=$FLOOR_MODE; READ_FLOOR_MODES=$FLOOR_MODES
READ_FLOOR_CPU=$FLOOR_CPU
log "read floor (uncompressed)"
floor raw
READ_FLOOR_RAW=$FLOOR; READ_FLOOR_RAW_MODE=$FLOOR_MODE; READ_FLOOR_RAW_MODES=$FLOOR_MODES

# ---- minewatch scan -------------------------------------------------------------

# scan CONFIG THREADS NRUNS: medians of wall, CPU, peak RSS; sets S_WALL S_CPU
# S_RSS, and from the last run's manifest.json S_PATCHES and S_STAGES (the
# stage timings, plus "reports_and_exit": wall minus total_before_reports).
scan() {
    local cfg=$1 th=$2 n=$3 cpus=${4:-} i w=() c=() r=() pin=()
    S_PATCHES=null
    S_STAGES=""
    [ -n "$cpus" ] && pin=(taskset -c "$cpus")
    for i in $(seq "$n"); do
        if timed "${pin[@]}" "$BUILD/minewatch" scan "$cfg" -o "$WORK/scan" --threads "$th" -q; then
            w+=("$T_WALL"); c+=("$T_CPU"); r+=("$T_RSS")
            S_PATCHES=$(grep -o '"patches": *[0-9][0-9]*' "$WORK/scan/manifest.json" |
                head -1 | grep -o '[0-9]*$')
            S_STAGES=$(tr -d ' \n' <"$WORK/scan/manifest.json" | grep -o '"timings_s":{[^}]*}' |
                sed 's/^"timings_s": *{//; s/}$//')
            local before
            before=$(printf '%s' "$S_STAGES" | grep -o '"total_before_reports": *[0-9.]*' |
                grep -o '[0-9.]*$')
            [ -n "$before" ] && S_STAGES="$S_STAGES, \"reports_and_exit\": $(calc %.3f 'a-b' "$T_WALL" "$before")"
        else
            fail "minewatch scan $cfg --threads $th: $(tail -1 "$WORK/last.err")"
        fi
    done
    S_WALL=$(median "${w[@]}"); S_CPU=$(median "${c[@]}"); S_RSS=$(median "${r[@]}")
    [ -n "$S_PATCHES" ] || S_PATCHES=null
    log "  $cfg, $th thread(s)${cpus:+ on CPU $cpus}: wall $S_WALL s, cpu $S_CPU s, peak RSS $S_RSS MB"
}
log "minewatch scan (deflate)"
scan bench/bench.ini "$THREADS" "$RUNS"
SCAN_WALL=$S_WALL; SCAN_CPU=$S_CPU; PEAK_RSS=$S_RSS; PATCHES=$S_PATCHES; STAGES=$S_STAGES
# 1 thread on 1 core, as a task given one core gets it (Slurm's
# --cpus-per-task=1): left free on this machine, a 1-thread scan would hash
# its inputs and compress change.tif on the idle core for free (those are
# threads of their own at nice 19 and the COG writer), which no 1-core task
# has, and the speedup would no longer measure what a second core buys.
# The unpinned run is measured too, as information.
scan bench/bench.ini 1 "$RUNS" 0
SCAN_WALL_1T=$S_WALL; SCAN_CPU_1T=$S_CPU; PEAK_RSS_1T=$S_RSS; STAGES_1T=$S_STAGES
scan bench/bench.ini 1 "$RUNS"
SCAN_WALL_1T_FREE=$S_WALL; SCAN_CPU_1T_FREE=$S_CPU

# MPI: the same scan as THREADS ranks of one thread (build/minewatch-mpi),
# compared with the 1-thread scan just above (its reports are in $WORK/scan).
# What the rank machinery costs against threads on one machine (the tiles
# travel to rank 0 through shared memory), and that the reports are the same.
MPI_WALL=null; MPI_RSS=null; MPI_SAME=null
if [ -x build/minewatch-mpi ] && command -v mpirun >/dev/null; then
    log "minewatch-mpi scan (deflate), $THREADS ranks x 1 thread"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    mw=() mr=()
    for i in $(seq "$RUNS"); do
        rm -rf "$WORK/mpi"
        if timed mpirun --oversubscribe -np "$THREADS" build/minewatch-mpi scan bench/bench.ini \
                -o "$WORK/mpi" --threads 1 -q; then
            mw+=("$T_WALL"); mr+=("$T_RSS")
        else
            fail "mpirun minewatch-mpi: $(tail -1 "$WORK/last.err")"
        fi
    done
    MPI_WALL=$(median "${mw[@]}"); MPI_RSS=$(median "${mr[@]}")
    if cmp -s "$WORK/mpi/change.tif" "$WORK/scan/change.tif" &&
       cmp -s "$WORK/mpi/suspects.csv" "$WORK/scan/suspects.csv"; then MPI_SAME=true
    else MPI_SAME=false; fi
    log "  wall $MPI_WALL s (peak RSS of one process $MPI_RSS MB), reports identical: $MPI_SAME"
else
    log "minewatch-mpi: not built (make MPI=1), skipped"
fi

# What the evidence package costs (issue 15): the DEFLATE scan with chips
# and map sheets against the same scan without them (SCAN_* above).
log "minewatch scan (deflate) with the evidence package"
# folders of a scan from before the report set was published as links
# (OUTDIR/latest) are in the way of evidence/ and maps/: the scan refuses
# to replace them
for d in evidence maps; do
    [ -d "$WORK/scan/$d" ] && [ ! -L "$WORK/scan/$d" ] && rm -rf "${WORK:?}/scan/$d"
done
scan "$DIR/evidence.ini" "$THREADS" "$RUNS"
EV_WALL=$S_WALL; EV_CPU=$S_CPU; EV_RSS=$S_RSS
EV_CHIPS=$(ls "$WORK/scan/evidence" 2>/dev/null | grep -c '\.png$')

log "minewatch scan (uncompressed)"
scan "$DIR/raw.ini" "$THREADS" "$RUNS"
SCAN_RAW_WALL=$S_WALL; SCAN_RAW_CPU=$S_CPU; PEAK_RSS_RAW=$S_RSS
scan "$DIR/raw.ini" 1 "$RUNS" 0
SCAN_RAW_WALL_1T=$S_WALL; SCAN_RAW_CPU_1T=$S_CPU; STAGES_RAW_1T=$S_STAGES
log "minewatch scan (VRT of the scene, and of twice its area)"
scan "$DIR/x1.ini" "$THREADS" "$RUNS_2X"
SCAN_X1_WALL=$S_WALL; PEAK_RSS_X1=$S_RSS
scan "$DIR/x2.ini" "$THREADS" "$RUNS_2X"
SCAN_X2_WALL=$S_WALL; PEAK_RSS_X2=$S_RSS

# ---- the peer: gdal_calc.py chain, then gdal_polygonize.py -----------------------

# One run of the chain in $WORK/peer; sums wall and CPU over the steps, max
# of peak RSS; sets P_WALL P_CALC_WALL P_POLY_WALL P_CPU P_RSS P_POLYGONS.
peer_once() {
    local p=$WORK/peer t1=$DIR/deflate/t1.tif t2=$DIR/deflate/t2.tif d
    rm -rf "$p"; mkdir -p "$p"
    P_CALC_WALL=0; P_CPU=0; P_RSS=0
    step() { # runs gdal_calc.py ARGS... under timed, accumulates
        timed "$PY" /usr/bin/gdal_calc.py --quiet --overwrite "$@" || {
            fail "gdal_calc.py $*: $(tail -1 "$WORK/last.err")"; return 1; }
        P_CALC_WALL=$(calc %.2f 'a+b' "$P_CALC_WALL" "$T_WALL")
        P_CPU=$(calc %.2f 'a+b' "$P_CPU" "$T_CPU")
        P_RSS=$(calc %.1f 'a>b?a:b' "$P_RSS" "$T_RSS")
    }
    # bands: 1 blue, 2 red, 3 nir, 4 swir1; nodata 0 in, -9999 out
    for d in 1 2; do
        local t; t=$([ $d = 1 ] && echo "$t1" || echo "$t2")
        step -A "$t" --A_band=2 -B "$t" --B_band=3 --type=Float32 --NoDataValue=-9999 \
            --outfile="$p/ndvi$d.tif" \
            --calc="(B.astype(float32)-A)/(B.astype(float32)+A)" || return 1
        step -A "$t" --A_band=1 -B "$t" --B_band=2 -C "$t" --C_band=3 -D "$t" --D_band=4 \
            --type=Float32 --NoDataValue=-9999 --outfile="$p/bsi$d.tif" \
            --calc="((D.astype(float32)+B)-(C.astype(float32)+A))/((D.astype(float32)+B)+(C.astype(float32)+A))" \
            || return 1
    done
    step -A "$p/ndvi1.tif" -B "$p/ndvi2.tif" --type=Float32 --NoDataValue=-9999 \
        --outfile="$p/dndvi.tif" --calc="B-A" || return 1
    step -A "$p/bsi1.tif" -B "$p/bsi2.tif" --type=Float32 --NoDataValue=-9999 \
        --outfile="$p/dbsi.tif" --calc="B-A" || return 1
    # 0 = no change is also the mask's nodata, so only the 1s get polygons
    step -A "$p/dndvi.tif" -B "$p/dbsi.tif" --type=Byte --NoDataValue=0 \
        --outfile="$p/mask.tif" --calc="logical_and(A<-0.2,B>0.1)" || return 1
    timed "$PY" /usr/bin/gdal_polygonize.py -q "$p/mask.tif" -f GPKG "$p/mask.gpkg" \
        patches DN || { fail "gdal_polygonize.py: $(tail -1 "$WORK/last.err")"; return 1; }
    P_POLY_WALL=$T_WALL
    P_WALL=$(calc %.2f 'a+b' "$P_CALC_WALL" "$T_WALL")
    P_CPU=$(calc %.2f 'a+b' "$P_CPU" "$T_CPU")
    P_RSS=$(calc %.1f 'a>b?a:b' "$P_RSS" "$T_RSS")
    P_POLYGONS=$(ogrinfo -so -ro "$p/mask.gpkg" patches 2>/dev/null |
        sed -n 's/^Feature Count: //p')
}
CALC_WALL=null; CALC_CALC_WALL=null; CALC_POLY_WALL=null; CALC_CPU=null; CALC_RSS=null
POLYGONS=null
if [ "$PEER_RUNS" -gt 0 ]; then
    log "peer: gdal_calc.py chain + gdal_polygonize.py ($PEER_RUNS run(s))"
    pw=(); pc=(); pp=(); pu=(); pr=()
    for i in $(seq "$PEER_RUNS"); do
        if peer_once; then
            pw+=("$P_WALL"); pc+=("$P_CALC_WALL"); pp+=("$P_POLY_WALL")
            pu+=("$P_CPU"); pr+=("$P_RSS"); POLYGONS=${P_POLYGONS:-null}
            log "  run $i: $P_WALL s (calc $P_CALC_WALL s, polygonize $P_POLY_WALL s), peak RSS $P_RSS MB"
        fi
    done
    CALC_WALL=$(median "${pw[@]}"); CALC_CALC_WALL=$(median "${pc[@]}")
    CALC_POLY_WALL=$(median "${pp[@]}"); CALC_CPU=$(median "${pu[@]}")
    CALC_RSS=$(median "${pr[@]}")
    rm -rf "$WORK/peer"
fi

# ---- province-sized legal layers (issue 18): bench/layers.sh ----------------------
LAYERS_JSON=null
if [ "${BENCH_LAYERS:-1}" != 0 ]; then
    log "province layers (bench/layers.sh)"
    if BENCH_FROM_RUN=1 OUT="$WORK/layers.json" BUILD="$BUILD" BENCH_SIZE="$SIZE" \
           BENCH_RUNS="$RUNS" BENCH_THREADS="$THREADS" MINEWATCH_BENCH_CACHE="$CACHE" \
           bench/layers.sh >"$WORK/layers.table"; then
        LAYERS_JSON=$(cat "$WORK/layers.json")
    else
        fail "bench/layers.sh"
        [ -s "$WORK/layers.json" ] && LAYERS_JSON=$(cat "$WORK/layers.json")
    fi
fi

# ---- ratios, targets, results.json, table -----------------------------------------

SCAN_OVER_FLOOR=$(calc %.3f 'a/b' "$SCAN_WALL" "$READ_FLOOR")
SCAN_RAW_OVER_FLOOR=$(calc %.2f 'a/b' "$SCAN_RAW_WALL" "$READ_FLOOR_RAW")
CALC_OVER_SCAN=$(calc %.1f 'a/b' "$CALC_WALL" "$SCAN_WALL")
RSS_GROWTH_2X=$(calc %.3f 'a/b-1' "$PEAK_RSS_X2" "$PEAK_RSS_X1")
RSS_2X_OVER_TIF=$(calc %.3f 'a/b-1' "$PEAK_RSS_X2" "$PEAK_RSS")
KERNEL_OVER_STREAM=$(calc %.2f 'a/b' "$KERNEL_GBPS" "$STREAM_GBPS")
SPEEDUP=$(calc %.3f 'a/b' "$SCAN_WALL_1T" "$SCAN_WALL")
SPEEDUP_FREE=$(calc %.3f 'a/b' "$SCAN_WALL_1T_FREE" "$SCAN_WALL")
SPEEDUP_RAW=$(calc %.2f 'a/b' "$SCAN_RAW_WALL_1T" "$SCAN_RAW_WALL")
EV_OVER_SCAN=$(calc %.3f 'a/b' "$EV_WALL" "$SCAN_WALL")
EV_CPU_OVER_SCAN=$(calc %.3f 'a/b' "$EV_CPU" "$SCAN_CPU")
EV_RSS_OVER_SCAN=$(calc %.3f 'a/b' "$EV_RSS" "$PEAK_RSS")
MPX=$(calc %.2f 'a*a/1e6' "$SIZE")
SCAN_MPX_S=$(calc %.1f 'b/a' "$SCAN_WALL" "$MPX")   # scene pixels (both dates) per s

# verdict VALUE OP LIMIT -> "pass" / "miss" / "n/a".  The ratios against
# a target are kept to 3 decimals, so that rounding does not pass a value
# just over it (5.66 / 3.764 = 1.504 once showed as 1.50 and passed).
verdict() {
    [ "$1" = null ] && { echo n/a; return; }
    awk "BEGIN { exit !($1 $2 $3) }" && echo pass || echo miss
}
V_FLOOR=$(verdict "$SCAN_OVER_FLOOR" '<=' 1.5)
V_CALC=$(verdict "$CALC_OVER_SCAN" '>=' 10)
V_RSS=$(verdict "$PEAK_RSS" '<=' 512)
V_FLAT=$(verdict "$(calc %.3f 'a<0?-a:a' "$RSS_GROWTH_2X")" '<' 0.10)
V_KERNEL=$(verdict "$KERNEL_OVER_STREAM" '>=' 0.5)
V_THREADS=$(verdict "$SPEEDUP" '>=' 1.6)
V_EVIDENCE=$(verdict "$EV_OVER_SCAN" '<=' 1.1)

j() { [ -z "$1" ] && echo null || echo "$1"; } # empty -> null
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
PRESSURE_END=$(cpu_pressure)
cat >"$RESULTS" <<EOF
{
  "scan_wall_s": $(j "$SCAN_WALL"),
  "read_floor_s": $(j "$READ_FLOOR"),
  "gdal_calc_wall_s": $(j "$CALC_WALL"),
  "peak_rss_mb": $(j "$PEAK_RSS"),
  "peak_rss_mb_2x": $(j "$PEAK_RSS_X2"),
  "threads_speedup": $(j "$SPEEDUP"),
  "kernel_gbps": $(j "$KERNEL_GBPS"),
  "stream_gbps": $(j "$STREAM_GBPS"),

  "scan_cpu_s": $(j "$SCAN_CPU"),
  "scan_wall_s_1t": $(j "$SCAN_WALL_1T"),
  "scan_cpu_s_1t": $(j "$SCAN_CPU_1T"),
  "peak_rss_mb_1t": $(j "$PEAK_RSS_1T"),
  "scan_mpx_per_s": $(j "$SCAN_MPX_S"),
  "patches": $(j "$PATCHES"),
  "scan_stage_s": {$STAGES},
  "scan_stage_s_1t": {$STAGES_1T},
  "scan_wall_s_1t_unpinned": $(j "$SCAN_WALL_1T_FREE"),
  "scan_cpu_s_1t_unpinned": $(j "$SCAN_CPU_1T_FREE"),
  "threads_speedup_unpinned": $(j "$SPEEDUP_FREE"),
  "read_floor_mode": "$READ_FLOOR_MODE",
  "read_floor_modes_s": {$READ_FLOOR_MODES},
  "read_floor_cpu_s": $(j "$READ_FLOOR_CPU"),
  "scan_raw_wall_s": $(j "$SCAN_RAW_WALL"),
  "scan_raw_cpu_s": $(j "$SCAN_RAW_CPU"),
  "scan_raw_wall_s_1t": $(j "$SCAN_RAW_WALL_1T"),
  "scan_raw_cpu_s_1t": $(j "$SCAN_RAW_CPU_1T"),
  "peak_rss_mb_raw": $(j "$PEAK_RSS_RAW"),
  "scan_raw_stage_s_1t": {$STAGES_RAW_1T},
  "threads_speedup_raw": $(j "$SPEEDUP_RAW"),
  "read_floor_raw_s": $(j "$READ_FLOOR_RAW"),
  "read_floor_raw_mode": "$READ_FLOOR_RAW_MODE",
  "read_floor_raw_modes_s": {$READ_FLOOR_RAW_MODES},
  "peak_rss_mb_1x_vrt": $(j "$PEAK_RSS_X1"),
  "scan_wall_s_1x_vrt": $(j "$SCAN_X1_WALL"),
  "scan_wall_s_2x": $(j "$SCAN_X2_WALL"),
  "gdal_calc_calc_wall_s": $(j "$CALC_CALC_WALL"),
  "gdal_polygonize_wall_s": $(j "$CALC_POLY_WALL"),
  "gdal_calc_cpu_s": $(j "$CALC_CPU"),
  "gdal_calc_peak_rss_mb": $(j "$CALC_RSS"),
  "gdal_polygonize_polygons": $(j "$POLYGONS"),
  "kernel_mpx_per_s": $(j "$KERNEL_MPX"),
  "kernel_tiled_mpx_per_s": $(j "$KERNEL_TILED_MPX"),
  "kernel_gbps_by_kernel": {$KERNEL_DETAIL},
  "stream_copy_gbps": $(j "$STREAM_COPY"),
  "mpi_ranks_wall_s": $(j "$MPI_WALL"),
  "mpi_peak_rss_mb": $(j "$MPI_RSS"),
  "mpi_reports_identical": $(j "$MPI_SAME"),
  "evidence_wall_s": $(j "$EV_WALL"),
  "evidence_cpu_s": $(j "$EV_CPU"),
  "evidence_peak_rss_mb": $(j "$EV_RSS"),
  "evidence_chips": $(j "$EV_CHIPS"),
  "province_layers": $LAYERS_JSON,

  "ratios": {
    "scan_over_read_floor": $(j "$SCAN_OVER_FLOOR"),
    "scan_raw_over_read_floor_raw": $(j "$SCAN_RAW_OVER_FLOOR"),
    "gdal_calc_over_scan": $(j "$CALC_OVER_SCAN"),
    "rss_growth_2x_vs_1x_vrt": $(j "$RSS_GROWTH_2X"),
    "rss_2x_vs_tif": $(j "$RSS_2X_OVER_TIF"),
    "kernel_over_stream": $(j "$KERNEL_OVER_STREAM"),
    "evidence_wall_over_scan": $(j "$EV_OVER_SCAN"),
    "evidence_cpu_over_scan": $(j "$EV_CPU_OVER_SCAN"),
    "evidence_rss_over_scan": $(j "$EV_RSS_OVER_SCAN")
  },
  "targets": {
    "scan_le_1.5x_read_floor": "$V_FLOOR",
    "ge_10x_faster_than_gdal_calc": "$V_CALC",
    "peak_rss_le_512mb": "$V_RSS",
    "rss_2x_within_10pct": "$V_FLAT",
    "kernel_ge_50pct_stream": "$V_KERNEL",
    "threads_1_to_2_ge_1.6x": "$V_THREADS",
    "evidence_le_10pct_more_wall": "$V_EVIDENCE"
  },
  "setup": {
    "size_px": $SIZE, "runs": $RUNS, "peer_runs": $PEER_RUNS, "runs_2x": $RUNS_2X,
    "threads": $THREADS, "cpu": "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)",
    "cores": $(nproc), "gdal": "$(gdal-config --version)",
    "commit": "$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD 2>/dev/null || echo +dirty)",
    "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "cache": "$DIR",
    "loadavg_start": $LOAD_START, "loadavg_end": $LOAD_END,
    "cpu_pressure_pct_start": $PRESSURE_START, "cpu_pressure_pct_end": $PRESSURE_END,
    "page_cache": "warm", "peer_gdal_cachemax": "GDAL default (5 % of RAM)"
  },
  "failed": "$(printf '%s' "${FAILED#; }" | sed 's/"/\\"/g')"
}
EOF

row() { printf '%-44s %14s %16s  %s\n' "$@"; }
echo
echo "minewatch bench: $SIZE x $SIZE px x 2 dates, 4 bands UInt16; medians of $RUNS" \
     "(peer: $PEER_RUNS); $THREADS threads unless noted; warm page cache;" \
     "load average $LOAD_START at start, $LOAD_END at end"
# busy: others ran before we started, or tasks waited for a CPU in the last
# minute (the bench itself never runs more threads than cores)
if awk "BEGIN { exit !($LOAD_START > 0.5 || \"$PRESSURE_END\" + 0 > 10) }"; then
    echo "WARNING: the machine was busy (load average $LOAD_START at start; CPU pressure" \
         "$PRESSURE_START % / $PRESSURE_END % at start / end): timings are unreliable," \
         "multi-thread ones most"
fi
row "measure" "value" "target" "verdict"
row "--------------------------------------------" "--------------" "----------------" "-------"
row "GDAL read floor, DEFLATE (s) [$READ_FLOOR_MODE]" "$READ_FLOOR" "" ""
row "scan, DEFLATE (s)" "$SCAN_WALL" "" ""
row "  scan / read floor" "$SCAN_OVER_FLOOR" "<= 1.5" "$V_FLOOR"
row "gdal_calc.py chain + polygonize (s)" "$CALC_WALL" "" ""
row "  gdal_calc chain / scan" "$CALC_OVER_SCAN" ">= 10" "$V_CALC"
row "peak RSS, scan DEFLATE (MB)" "$PEAK_RSS" "<= 512" "$V_RSS"
row "peak RSS, 1x VRT / 2x VRT (MB)" "$PEAK_RSS_X1 / $PEAK_RSS_X2" "" ""
row "  RSS growth 2x vs 1x" "$RSS_GROWTH_2X" "< +-0.10" "$V_FLAT"
row "kernels, streaming (GB/s)" "$KERNEL_GBPS" "" ""
row "STREAM triad (GB/s)" "$STREAM_GBPS" "" ""
row "  kernels / STREAM" "$KERNEL_OVER_STREAM" ">= 0.5" "$V_KERNEL"
row "scan DEFLATE 1 thread on 1 core (s)" "$SCAN_WALL_1T" "" ""
row "  speedup 1 -> $THREADS threads" "$SPEEDUP" ">= 1.6" "$V_THREADS"
row "scan with evidence, $EV_CHIPS chips (s)" "$EV_WALL" "" ""
row "  with evidence / without" "$EV_OVER_SCAN" "<= 1.1" "$V_EVIDENCE"
echo "other figures:"
row "  scan CPU (s), $THREADS threads / 1 thread" "$SCAN_CPU / $SCAN_CPU_1T" "" ""
row "  1 thread, not pinned (s) / speedup" "$SCAN_WALL_1T_FREE / $SPEEDUP_FREE" "" ""
row "  scan throughput (Mpx/s of the scene)" "$SCAN_MPX_S" "" ""
row "  read floor, uncompressed (s) [$READ_FLOOR_RAW_MODE]" "$READ_FLOOR_RAW" "" ""
row "  scan, uncompressed (s) / 1 thread on 1 core" "$SCAN_RAW_WALL / $SCAN_RAW_WALL_1T" "" ""
row "  scan / read floor, uncompressed" "$SCAN_RAW_OVER_FLOOR" "" ""
row "  gdal_calc part / polygonize part (s)" "$CALC_CALC_WALL / $CALC_POLY_WALL" "" ""
row "  gdal_calc chain peak RSS (MB)" "$CALC_RSS" "" ""
row "  kernel chain Mpx/s streaming / tiled" "$KERNEL_MPX / $KERNEL_TILED_MPX" "" ""
row "  patches (minewatch) / polygons (peer)" "$PATCHES / $POLYGONS" "" ""
row "  evidence: CPU / peak RSS over the scan" "$EV_CPU_OVER_SCAN / $EV_RSS_OVER_SCAN" "" ""
row "  MPI: $THREADS ranks x 1 thread (s) / same reports" "$MPI_WALL / $MPI_SAME" "" ""
[ -s "$WORK/layers.table" ] && cat "$WORK/layers.table"
echo "results: $RESULTS"
if [ -n "$FAILED" ]; then
    echo "bench: could not run:${FAILED#;}" >&2
    exit 1
fi
exit 0
