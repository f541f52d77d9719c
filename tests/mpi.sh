#!/bin/sh
# MPI: `mpirun -np N build/minewatch-mpi scan` gives the single-process
# reports byte for byte, whatever the rank count; tiles really come from the
# other ranks; an error on any rank ends the job with one error line and the
# documented exit code.  Needs build/minewatch-mpi (make MPI=1).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
# A failed run ends in order (dist.h), never by MPI_Abort, which Open MPI
# 4.1 answers now and then with a crashed or hung mpirun: each failing run
# below is repeated, three times (once in the sanitizer build), under a
# timeout (124: it hung).
if [ "$T_SAN" = 1 ]; then REPS=1; else REPS="1 2 3"; fi
# failing_runs ERR ARGS...: `mpirun -np 3 minewatch-mpi scan ARGS -q` once
# per run, stderr to ERR (the last run's kept); prints the exit codes
failing_runs() {
  err=$1; shift; codes=""
  for k in $REPS; do
    timeout 120 mpirun --oversubscribe -np 3 $MPI_MW scan "$@" -q 2>"$err"
    codes="$codes $?"
  done
  printf '%s' "$codes"
}
# codes_of C: what failing_runs prints when every run exits C
codes_of() { for k in $REPS; do printf ' %s' "$1"; done; }
B=${BUILD:-build}
MW=$B/minewatch
MPI_MW=$B/minewatch-mpi
# under the sanitizers: OpenMPI keeps its allocations to the end by design
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
R=../shared/data/real
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# CI machines run as root; OpenMPI refuses that unless told
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# one machine, no interconnect: shared memory between the ranks
export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
echo "== MPI: mpirun --oversubscribe -np N $MPI_MW scan"
if [ ! -x "$MPI_MW" ]; then
  t_fail "$MPI_MW is built (make MPI=1)"
  t_summary
  exit 1
fi

# same DIR_A DIR_B LABEL: every report identical (the GeoPackage compared as
# OGR reads it: its header holds a creation time)
same() {
  for f in change.tif suspects.csv restoration.csv restoration_by_county.csv licences.csv; do
    if cmp -s "$1/$f" "$2/$f"; then t_pass "$3: $f byte-identical"
    else t_fail "$3: $f byte-identical"; fi
  done
  ogrinfo -ro -al -q "$1/patches.gpkg" | grep -v '^INFO' >"$TMP/a.txt"
  ogrinfo -ro -al -q "$2/patches.gpkg" | grep -v '^INFO' >"$TMP/b.txt"
  if [ -s "$TMP/a.txt" ] && cmp -s "$TMP/a.txt" "$TMP/b.txt"; then t_pass "$3: patches.gpkg features identical"
  else t_fail "$3: patches.gpkg features identical"; fi
  same_chips "$1" "$2" "$3"
}

# same_chips DIR_A DIR_B LABEL: the same evidence chips, byte for byte.  A
# single process reads them from the chips' store the tile pass filled
# (pipeline/tiles/chipstore.h); under MPI there is none and every chip reads
# its window through the reader: the two ways give the same bytes.
same_chips() {
  local n
  n=$(ls "$1/evidence" 2>/dev/null | grep -c '\.png$')
  if [ "$n" -gt 0 ] && diff -r "$1/evidence" "$2/evidence" >/dev/null; then
    t_pass "$3: the $n evidence chips byte-identical"
  else t_fail "$3: the evidence chips ($n) byte-identical"; fi
}

# manifest DIR KEY: a value of the manifest's "tiles" object
manifest() {
  $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["tiles"][sys.argv[2]])' \
    "$1/manifest.json" "$2"
}

$MW scan configs/sample.ini -o "$TMP/one" --threads 2 -q 2>/dev/null
t_eq "single process: 16 tiles" 16 "$(manifest "$TMP/one" count)"

# 3 ranks x 2 threads on 4 x 4 tiles of 512 px: 4 stripes of one tile
# column; rank 0 takes column 0, rank 1 column 1, rank 2 columns 2-3.
mpirun --oversubscribe -np 3 $MPI_MW scan configs/sample.ini -o "$TMP/np3" --threads 2 -q \
  2>"$TMP/np3.err"
t_eq "np 3: exits 0" 0 $?
same "$TMP/one" "$TMP/np3" "np 3"
t_eq "np 3: manifest records 3 ranks" 3 "$(manifest "$TMP/np3" ranks)"
t_eq "np 3: 12 of 16 tiles computed by ranks 1-2" 12 "$(manifest "$TMP/np3" from_other_ranks)"
t_eq "np 3: no error output" "" "$(grep -v '^$' "$TMP/np3.err")"

# 2 ranks x 1 thread, tiles of 256 px (8 x 8): stripes of 4 columns, 32 remote
mpirun --oversubscribe -np 2 $MPI_MW scan configs/sample.ini -o "$TMP/np2" --threads 1 \
  --tile-size 256 -q 2>/dev/null
t_eq "np 2, 256 px tiles: exits 0" 0 $?
same "$TMP/one" "$TMP/np2" "np 2, 256 px tiles"
t_eq "np 2: 32 of 64 tiles computed by rank 1" 32 "$(manifest "$TMP/np2" from_other_ranks)"

# more ranks than stripes: ranks without a stripe send nothing
mpirun --oversubscribe -np 5 $MPI_MW scan configs/sample.ini -o "$TMP/np5" --threads 1 \
  --tile-size 1024 -q 2>/dev/null
t_eq "np 5 on 2 x 2 tiles: exits 0" 0 $?
same "$TMP/one" "$TMP/np5" "np 5, 1024 px tiles"

# errors: a bad configuration fails on rank 0 before anything is shared
printf '[scene]\nt1 = nothere.tif\n' >"$TMP/bad.ini"
t_eq "bad configuration: exit code 3, every run" "$(codes_of 3)" \
  "$(failing_runs "$TMP/bad.err" "$TMP/bad.ini" -o "$TMP/bad")"
t_eq "bad configuration: one error line" 1 "$(grep -c '^minewatch: error:' "$TMP/bad.err")"

# damage SRC DST X0 X1: DST is SRC with the blocks of every band between
# columns X0 and X1 overwritten (a read there fails: corrupt DEFLATE data)
damage() {
  cp "$1" "$2"
  $PY - "$2" "$3" "$4" <<'PY'
import sys
from osgeo import gdal
path, x0, x1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ds = gdal.Open(path)
spots = []
for b in range(1, ds.RasterCount + 1):
    band = ds.GetRasterBand(b)
    bx, by = band.GetBlockSize()
    for j in range((ds.RasterYSize + by - 1) // by):
        for i in range(x0 // bx, (min(x1, ds.RasterXSize) + bx - 1) // bx):
            off = band.GetMetadataItem(f"BLOCK_OFFSET_{i}_{j}", "TIFF")
            size = band.GetMetadataItem(f"BLOCK_SIZE_{i}_{j}", "TIFF")
            if off and size:
                spots.append((int(off), int(size)))
ds = None
with open(path, "r+b") as f:
    for off, size in spots:
        f.seek(off)
        f.write(b"\xff" * size)
PY
  sed -e "s#^t2 *=.*#t2 = $2#" -e "s#\.\./#$PWD/#g" configs/sample.ini >"${2%.tif}.ini"
}

# A read error only rank 2 meets (t2's blocks right of x = 1536 destroyed):
# rank 2 forwards it, rank 0 prints it and ends the job with code 4; the
# previous reports in OUTDIR stay as they were.
damage samples/generated/t2.tif "$TMP/t2_damaged.tif" 1536 2048
cp -r "$TMP/np3" "$TMP/keep"
t_eq "read error on rank 2: exit code 4, every run" "$(codes_of 4)" \
  "$(failing_runs "$TMP/dmg.err" "$TMP/t2_damaged.ini" -o "$TMP/np3" --threads 2)"
t_eq "read error on rank 2: one error line" 1 "$(grep -c '^minewatch: error:' "$TMP/dmg.err")"
t_has "read error on rank 2: reported by rank 0 as rank 2's" "error: rank 2:" "$(cat "$TMP/dmg.err")"
t_has "read error on rank 2: names the file" "t2_damaged.tif" "$(grep '^minewatch: error:' "$TMP/dmg.err")"
t_eq "read error on rank 2: no MPI_Abort" 0 "$(grep -c MPI_ABORT "$TMP/dmg.err")"
same "$TMP/keep" "$TMP/np3" "after the failed run, the previous reports"
t_eq "after the failed run: no work folder left" "" \
  "$(ls -a "$TMP/np3" | grep minewatch-work || true)"

# A read error on rank 0's own stripe (x < 256, out of reach of the halo of
# rank 1's tiles at x = 512): it asks ranks 1 and 2 to stop, collects their
# last messages, and ends with code 4.
damage samples/generated/t2.tif "$TMP/t2_left.tif" 0 256
t_eq "read error on rank 0: exit code 4, every run" "$(codes_of 4)" \
  "$(failing_runs "$TMP/left.err" "$TMP/t2_left.ini" -o "$TMP/np3" --threads 2)"
t_eq "read error on rank 0: one error line" 1 "$(grep -c '^minewatch: error:' "$TMP/left.err")"
t_has "read error on rank 0: names the file" "t2_left.tif" "$(grep '^minewatch: error:' "$TMP/left.err")"
t_eq "read error on rank 0: not another rank's" 0 "$(grep -c 'error: rank' "$TMP/left.err")"
same "$TMP/keep" "$TMP/np3" "after rank 0's failed run, the previous reports"

# nightly over ranks: a catalog of two areas.  Area 1 is the sample's
# (a -> b, then b -> c with the pit grown), area 2 the same pair moved 100 km
# east (d -> e).  The two pairs of area 1 must run on one rank in date order
# (b -> c finds a -> b's pit in the ledger: KNOWN); area 2 runs on the other.
# The scans are single processes (MW_NO_MPI) started by the ranks.
S=$PWD/samples/generated
mkdir -p "$TMP/catalog"
ln -s "$S/t1.tif" "$TMP/catalog/scene_a.tif"
ln -s "$S/t2.tif" "$TMP/catalog/scene_b.tif"
gdal_translate -q -mo ACQUISITION_DATE=2024-10-20 "$S/t2.tif" "$TMP/catalog/scene_c.tif"
$PY - "$S" "$TMP/catalog" <<'PY'
import csv, sys
from osgeo import gdal
s, cat = sys.argv[1], sys.argv[2]
ev = {r["kind"]: r for r in csv.DictReader(open(f"{s}/truth.csv", encoding="utf-8"))}["unlicensed_pit"]
ds = gdal.Open(f"{cat}/scene_c.tif", gdal.GA_Update)
gt = ds.GetGeoTransform()
x1 = int((float(ev["max_x"]) - gt[0]) / gt[1])
y0 = int((float(ev["max_y"]) - gt[3]) / gt[5]); y1 = int((float(ev["min_y"]) - gt[3]) / gt[5])
for b in range(1, ds.RasterCount + 1):
    band = ds.GetRasterBand(b)
    col = band.ReadAsArray(x1 - 1, y0, 1, y1 - y0)
    for dx in range(10):
        band.WriteArray(col, x1 + dx, y0)
ds = None
for src, dst, date in (("t1", "scene_d", "2024-06-01"), ("t2", "scene_e", "2024-08-01")):
    d = gdal.Translate(f"{cat}/{dst}.tif", f"{s}/{src}.tif",
                       metadataOptions=[f"ACQUISITION_DATE={date}"])
    g = list(d.GetGeoTransform()); g[0] += 100000
    d.SetGeoTransform(g); d = None
PY
sed -e "s#\.\./samples/generated#$S#" -e '/^t1 *=/d' -e '/^t2 *=/d' -e '/^t1_date/d' \
  -e '/^t2_date/d' configs/sample.ini >"$TMP/nightly.ini"
printf '\n[nightly]\ncatalog = catalog\nstate = state\nout = reports\n\n[ledger]\npath = ledger.gpkg\n' \
  >>"$TMP/nightly.ini"
mpirun --oversubscribe -np 2 $MPI_MW nightly "$TMP/nightly.ini" >/dev/null 2>"$TMP/night.err"
t_eq "nightly np 2: exits 0" 0 $?
t_eq "nightly np 2: three pairs done" 3 "$(ls "$TMP/state/done" | wc -l)"
A=2024-05-15_scene_a__2024-09-20_scene_b
C=2024-09-20_scene_b__2024-10-20_scene_c
E=2024-06-01_scene_d__2024-08-01_scene_e
# areas are dealt out in the order of their first pair (by date): d -> e first
t_has "nightly np 2: area 2 (first pair in date order) on rank 0" "pair $E on rank 0" \
  "$(cat "$TMP/night.err")"
t_has "nightly np 2: area 1 on rank 1" "pair $A on rank 1" "$(cat "$TMP/night.err")"
t_has "nightly np 2: its second pair on rank 1 too" "pair $C on rank 1" "$(cat "$TMP/night.err")"
$MW scan configs/sample.ini -o "$TMP/plain" -q --ledger "$TMP/plain.gpkg" 2>/dev/null
# ledger ids (MW000001...) are numbered in the order the areas reach the
# ledger, which two ranks do not fix; every other column must be the same
nold() {
  $PY -c 'import csv,sys; [print([v for k, v in r.items() if k != "ledger_id"]) for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))]' "$1"
}
t_eq "nightly np 2: pair a -> b equals a plain scan (but for ledger ids)" \
  "$(nold "$TMP/plain/suspects.csv")" "$(nold "$TMP/reports/$A/suspects.csv")"
t_eq "nightly np 2: pair b -> c finds the pit of a -> b in the ledger" "KNOWN" \
  "$($PY -c "import csv; print(' '.join(r['ledger_state'] for r in csv.DictReader(open('$TMP/reports/$C/suspects.csv', encoding='utf-8-sig'))))")"
t_eq "nightly np 2: area 2 finds the sample's 9 patches" 9 \
  "$($PY -c "import csv; print(len(list(csv.DictReader(open('$TMP/reports/$E/suspects.csv', encoding='utf-8-sig')))))")"
t_eq "nightly np 2: the ledger holds both areas' places (9 + 9)" 18 \
  "$(ogrinfo -ro -q -sql 'SELECT COUNT(*) AS n FROM ledger' "$TMP/ledger.gpkg" | sed -n 's/.*n (Integer) = //p')"
mpirun --oversubscribe -np 2 $MPI_MW nightly "$TMP/nightly.ini" >/dev/null 2>"$TMP/night2.err"
t_eq "nightly np 2, second night: exits 0" 0 $?
t_has "nightly np 2, second night: nothing left to scan" "0 pairs scanned, 3 already done" \
  "$(cat "$TMP/night2.err")"

# a resume journal written by another build is never loaded: the tiles of a
# scan by build/minewatch killed (strace) at its very end, with every tile
# journaled and its key written, are not taken by the MPI build (another
# build id) run as one process (which journals), nor by itself
RS=$TMP/other_build
(strace -f -qq -o /dev/null -e trace=unlink,unlinkat \
  -e inject=unlink,unlinkat:signal=SIGKILL:when=1 -P "$RS/.minewatch-resume/key" \
  $MW scan configs/sample.ini -o "$RS" -q --threads 1 >/dev/null 2>&1; true) 2>/dev/null
t_ok "another build: the killed run left its key" test -s "$RS/.minewatch-resume/key"
t_eq "another build: its build id differs" "different" \
  "$([ "$($MW version | sed 's/.*build \([^,]*\),.*/\1/')" != \
       "$(mpirun -np 1 $MPI_MW version | sed 's/.*build \([^,]*\),.*/\1/')" ] && echo different)"
mpirun -np 1 $MPI_MW scan configs/sample.ini -o "$RS" --threads 1 >/dev/null 2>"$TMP/other.err"
t_eq "another build: exits 0" 0 $?
t_eq "another build: no tile resumed" "" "$(grep resumed "$TMP/other.err")"
t_has "another build: the saved tiles are not used" "its tiles are not used" "$(cat "$TMP/other.err")"
$MW scan configs/sample.ini -o "$TMP/this_build" -q --threads 1
t_ok "another build: the same reports" cmp "$RS/suspects.csv" "$TMP/this_build/suspects.csv"
t_eq "another build: its manifest names its build" \
  "$(mpirun -np 1 $MPI_MW version | sed 's/.*build \([^,]*\),.*/\1/')" \
  "$($PY -c "import json; print(json.load(open('$RS/manifest.json'))['build'])")"

# real scenes: engine irmad (survey broadcast), and Beirut with t2 resampled
# by the co-registration (shift broadcast)
if [ -d "$R" ]; then
  for sc in taizhou oscd-beirut; do
    $MW scan configs/real/$sc.ini -o "$TMP/r1_$sc" --tile-size 256 -q 2>/dev/null
    mpirun --oversubscribe -np 3 $MPI_MW scan configs/real/$sc.ini -o "$TMP/r3_$sc" \
      --tile-size 256 -q 2>/dev/null
    for f in change.tif suspects.csv; do
      if cmp -s "$TMP/r1_$sc/$f" "$TMP/r3_$sc/$f"; then t_pass "$sc np 3: $f byte-identical"
      else t_fail "$sc np 3: $f byte-identical"; fi
    done
    same_chips "$TMP/r1_$sc" "$TMP/r3_$sc" "$sc np 3"
  done
  t_has "oscd-beirut: the co-registration shift was applied" '"applied":true' \
    "$(tr -d ' \n' <"$TMP/r3_oscd-beirut/manifest.json")"
else
  echo "skip: $R is absent (real scenes)"
fi
t_summary
