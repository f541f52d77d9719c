#!/bin/sh
# MPI: `mpirun -np N build/minewatch-mpi scan` gives the single-process
# reports byte for byte, whatever the rank count; tiles really come from the
# other ranks; an error on any rank ends the job with one error line and the
# documented exit code.  Needs build/minewatch-mpi (make MPI=1).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
MPI_MW=build/minewatch-mpi
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
mpirun --oversubscribe -np 3 $MPI_MW scan "$TMP/bad.ini" -o "$TMP/bad" -q 2>"$TMP/bad.err"
t_eq "bad configuration: exit code 3" 3 $?
t_eq "bad configuration: one error line" 1 "$(grep -c '^minewatch: error:' "$TMP/bad.err")"

# a read error only rank 2 meets (t2's blocks right of x = 1536 destroyed):
# rank 2 forwards it, rank 0 prints it and ends the job with code 4; the
# previous reports in OUTDIR stay as they were.
cp samples/generated/t2.tif "$TMP/t2_damaged.tif"
$PY - "$TMP/t2_damaged.tif" <<'PY'
import sys
from osgeo import gdal
path = sys.argv[1]
ds = gdal.Open(path)
spots = []
for b in range(1, ds.RasterCount + 1):
    band = ds.GetRasterBand(b)
    bx, by = band.GetBlockSize()
    for j in range((ds.RasterYSize + by - 1) // by):
        for i in range(1536 // bx, (ds.RasterXSize + bx - 1) // bx):
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
sed -e "s#^t2 *=.*#t2 = $TMP/t2_damaged.tif#" -e "s#\.\./#$PWD/#g" configs/sample.ini \
  >"$TMP/damaged.ini"
cp -r "$TMP/np3" "$TMP/keep"
mpirun --oversubscribe -np 3 $MPI_MW scan "$TMP/damaged.ini" -o "$TMP/np3" --threads 2 -q \
  2>"$TMP/dmg.err"
t_eq "read error on rank 2: exit code 4" 4 $?
t_eq "read error on rank 2: one error line" 1 "$(grep -c '^minewatch: error:' "$TMP/dmg.err")"
t_has "read error on rank 2: reported by rank 0 as rank 2's" "error: rank 2:" "$(cat "$TMP/dmg.err")"
t_has "read error on rank 2: names the file" "t2_damaged.tif" "$(grep '^minewatch: error:' "$TMP/dmg.err")"
same "$TMP/keep" "$TMP/np3" "after the failed run, the previous reports"
t_eq "after the failed run: no work folder left" "" \
  "$(ls -a "$TMP/np3" | grep minewatch-work || true)"

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
  done
  t_has "oscd-beirut: the co-registration shift was applied" '"applied":true' \
    "$(tr -d ' \n' <"$TMP/r3_oscd-beirut/manifest.json")"
else
  echo "skip: $R is absent (real scenes)"
fi
t_summary
