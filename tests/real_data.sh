#!/bin/sh
# Real-data tests: the sensor profiles on the shared scenes with references,
# scored by `minewatch evaluate`.  Each score is pinned at its target minus
# 0.03 (all targets of issue 3 are reached), so that it cannot silently drop.
# Skips (exit 0) when ../shared/data/real is absent.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
R=../shared/data/real
echo "== real data: change detection scored against the references"
if [ ! -d "$R" ]; then
  echo "skip: $R is absent (the shared real scenes are not on this machine)"
  t_summary
  exit $?
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# score SCENE METRIC MIN [METRIC MIN ...]: scan the scene, evaluate, compare
score() {
  sc=$1; shift
  if ! $MW scan configs/real/$sc.ini -o "$TMP/$sc" -q 2>"$TMP/$sc.err"; then
    t_fail "$sc: scan exits 0" "$(tail -2 "$TMP/$sc.err")"
    return
  fi
  js=$($MW evaluate "$TMP/$sc/change.tif" $R/$sc/reference.tif --json)
  while [ $# -ge 2 ]; do
    metric=$1 min=$2; shift 2
    v=$($PY -c "import json,sys; print(json.loads(sys.argv[1])['$metric'])" "$js")
    if $PY -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$v" "$min"; then
      t_pass "$sc: $metric $v >= $min"
    else
      t_fail "$sc: $metric $v >= $min"
    fi
  done
}

# The targets of issue 16 (one configuration per sensor).  At the time of
# writing: taizhou kappa 0.9652; beirut F1 0.6024, precision 0.5407;
# cupertino F1 0.6626, precision 0.6024 (docs/detection.md, the table).
score taizhou kappa 0.95
score oscd-beirut f1 0.56 precision 0.50
score oscd-cupertino f1 0.60 precision 0.50

# -- a decimated survey (scenes over [survey] max_pixels) ---------------------
# Cupertino surveyed every 4th pixel gives the full survey's result: before,
# GDAL's decimated reads filtered the sources (bilinear stack, Lanczos warp)
# and the 3 x 3 box ran over pixels 4 apart: threshold 5.44, F1 0.18.  At the
# time of writing: threshold 7.88 (8.50 undecimated), F1 0.660, precision 0.579.
sed -e "s#^\[output\]#[survey]\nmax_pixels = 65536\n\n[output]#" \
  -e "s#= \.\./\.\./\.\./shared#= $(pwd)/../shared#" -e "s#= \.\./sensors#= $(pwd)/configs/sensors#" \
  configs/real/oscd-cupertino.ini >"$TMP/cup_dec.ini"
if $MW scan "$TMP/cup_dec.ini" -o "$TMP/cup_dec" -q 2>"$TMP/cup_dec.err"; then
  js=$($MW evaluate "$TMP/cup_dec/change.tif" $R/oscd-cupertino/reference.tif --json)
  t_ok "cupertino surveyed every 4th pixel: F1 >= 0.60, precision >= 0.50, threshold within 10 % ($js)" $PY -c "
import json, sys
e = json.loads(sys.argv[1])
s = json.load(open('$TMP/cup_dec/manifest.json'))['survey']
full = json.load(open('$TMP/oscd-cupertino/manifest.json'))['survey']
assert s['decimation'] == 4, s['decimation']
assert e['f1'] >= 0.60 and e['precision'] >= 0.50, e
t, t0 = s['threshold']['used'], full['threshold']['used']
assert abs(t - t0) <= 0.1 * t0, (t, t0)
assert s['objects']['seed_objects'] >= 30, s['objects']
" "$js"
else
  t_fail "cupertino with max_pixels 65536: scan exits 0" "$(tail -2 "$TMP/cup_dec.err")"
fi

# -- confidence ranks the patches (issue 16) ---------------------------------
# The top third of the patches by confidence is truly changed (mean fraction
# of each patch's labelled pixels that the reference calls changed) at least
# twice as often as the bottom third.  At the time of writing: beirut 2.12
# (0.586 / 0.276, 49 patches a third), cupertino 2.39 (0.811 / 0.340, 7).
# Taizhou cannot reach 2: 65 of its 71 labelled patches are wholly changed,
# so even a perfect ranking gives 1.35; there the share rising with the level
# is the test (below).  The base commit gave beirut 2.84, cupertino 1.47.
for sc in oscd-beirut oscd-cupertino; do
  out=$($PY tests/check_confidence.py "$TMP/$sc" $R/$sc/reference.tif --thirds 2)
  t_eq "$sc: top third by confidence >= 2 x as often truly changed as the bottom third ($out)" \
    0 "$?"
done
echo "      taizhou thirds: $($PY tests/check_confidence.py "$TMP/taizhou" $R/taizhou/reference.tif --thirds 0)"

# -- confidence: the share of truly changed patches rises with the level ------
# Pooled over the three references, and on taizhou (the most labelled
# patches); the other two alone hold too few patches per level to judge (at
# the time of writing cupertino's "highest" held 1).  Per scene (low / high /
# highest): taizhou 0.83 (23) / 0.93 (30) / 1.00 (18); beirut 0.415 (94) /
# 0.62 (45) / 1.00 (9); cupertino 0.64 (14) / 0.75 (8) / 1.00 (1).
for sc in oscd-beirut oscd-cupertino; do
  echo "      $sc confidence shares: $($PY tests/check_confidence.py "$TMP/$sc" $R/$sc/reference.tif | tr '\n' ' ')"
done
shares=$($PY tests/check_confidence.py "$TMP/taizhou" $R/taizhou/reference.tif --rising)
t_eq "taizhou: share truly changed rises low -> high -> highest ($(echo $shares))" "0" "$?"
shares=$($PY tests/check_confidence.py "$TMP/taizhou" $R/taizhou/reference.tif \
  "$TMP/oscd-beirut" $R/oscd-beirut/reference.tif "$TMP/oscd-cupertino" $R/oscd-cupertino/reference.tif --rising)
t_eq "all three pooled: share truly changed rises ($(echo $shares))" "0" "$?"

# -- co-registration (FFTW phase correlation), recorded in the manifest ------
# Beirut's dates are misregistered by about half a pixel in x: above 0.25 px,
# t2 is resampled by the measured shift and what is left is small.
t_ok "coreg: beirut t2 measured at dx -0.52 px, resampled by it, 4 blocks agree" $PY -c "
import json
c = json.load(open('$TMP/oscd-beirut/manifest.json'))['coregistration']
g = c['global']
assert abs(g['dx'] + 0.52) < 0.05 and abs(g['dy'] + 0.08) < 0.05 and g['reliable'], g
assert c['applied'] and abs(c['applied_dx'] - g['dx']) < 1e-9 and abs(c['applied_dy'] - g['dy']) < 1e-9, c
assert len(c['blocks']) == 4 and c['block_spread_px'] < 0.2, c['block_spread_px']
assert abs(c['residual']['dx']) < 0.1 and abs(c['residual']['dy']) < 0.1, c['residual']
"
# Taizhou's t2 georeferenced (2.3, 1.6) and (-4.6, 0.45) px away: GDAL warps
# it bilinearly onto t1's grid, and the phase correlation must find the shift
# on top of the pair's own (-0.164, -0.065) px within 0.1 px.  At the time of
# writing: (2.254, 1.639) and (-4.592, 0.444).
base=$($PY -c "import json; g=json.load(open('$TMP/taizhou/manifest.json'))['coregistration']['global']; print(g['dx'], g['dy'])")
for sh in "2.3 1.6" "-4.6 0.45"; do
  set -- $sh
  ulx=$($PY -c "print(203325 + $1 * 30)"); uly=$($PY -c "print(3604935 - $2 * 30)")
  gdal_translate -q -a_ullr $ulx $uly $($PY -c "print($ulx + 12000, $uly - 12000)") $R/taizhou/t2.tif "$TMP/t2_sub.tif"
  sed -e "s#^t2 *=.*#t2 = $TMP/t2_sub.tif#" -e "s#^sensor *=.*#sensor = $(pwd)/configs/sensors/landsat57-stack.ini#" \
    -e "s#^t1 *=.*#t1 = $(pwd)/$R/taizhou/t1.tif#" configs/real/taizhou.ini >"$TMP/sub.ini"
  $MW scan "$TMP/sub.ini" -o "$TMP/sub" -q 2>/dev/null
  t_ok "coreg: taizhou t2 shifted by ($1, $2) px is recovered within 0.1 px" $PY -c "
import json
c = json.load(open('$TMP/sub/manifest.json'))['coregistration']
bx, by = map(float, '$base'.split())
dx, dy = c['global']['dx'] - bx, c['global']['dy'] - by
print('    recovered (%.3f, %.3f)' % (dx, dy))
assert abs(dx - $1) < 0.1 and abs(dy - $2) < 0.1, (dx, dy)
assert c['applied'] and abs(c['applied_dx'] - c['global']['dx']) < 1e-9, c
"
done

# -- Sentinel-2 L2A as EO Browser exports it (sentinel2-l2a-eobrowser) ------
# aurora-mine0: band files with a dataMask band, SCL as a colour picture;
# korba-coal: the later date lacks B02/B03.  Scenes of 1716 and 29866 px.
A=$R/aurora-mine0
if $MW scan configs/real/aurora-mine0-shadow.ini -o "$TMP/aurora" -q 2>"$TMP/aurora.err"; then
  # 2020-07-06 clear, 2022-08-31 with 218 px of cloud shadow; 709 px outside
  # the mine polygon (dataMask 0, SCL no data): 927 masked
  out=$($PY tests/check_scl.py "$TMP/aurora/change.tif" $A/baseline/060720 $A/monitor/310822 \
        B02 B04 B08 B11 B12)
  t_eq "aurora-mine0: class 255 = the SCL's cloud shadow + no data of either date, pixel for pixel" \
    "expected 927 got 927 (agree on 1716 of 1716 px)" "$(echo "$out" | tail -1)"
  echo "$out" | head -2
else
  t_fail "aurora-mine0-shadow: scan exits 0" "$(tail -2 "$TMP/aurora.err")"
fi
t_ok "aurora-mine0: a clear pair scans" $MW scan configs/real/aurora-mine0.ini -o "$TMP/aurora2" -q
# real dates whose SCL masks nearly all (2023-10-30: cloud and cirrus over
# all 1007 px of the mine), a true-colour picture given as the SCL, a band
# file that is no TIFF (baseline/040119/B04.tif, 691 bytes)
eob() { # eob NAME T1 T2 [bands lines]: a scan of two aurora dates
  n=$1 t1=$2 t2=$3; shift 3
  { printf '[scene]\nsensor = %s\nt1 = %s/{band}.tif\nt2 = %s/{band}.tif\n' \
      "$(pwd)/configs/sensors/sentinel2-l2a-eobrowser.ini" "$(pwd)/$A/$t1" "$(pwd)/$A/$t2"
    printf 't1_date = 2019-01-01\nt2_date = 2023-12-31\n[bands]\n'; printf '%s\n' "$@"; } >"$TMP/$n.ini"
  $MW scan "$TMP/$n.ini" -o "$TMP/$n" -q 2>"$TMP/$n.err"
}
eob cloudy baseline/101219 monitor/301023
t_eq "aurora-mine0: a date clouded over the whole mine exits 4" 4 "$?"
t_has "and says so" "fewer than 100 valid pixels" "$(grep error "$TMP/cloudy.err")"
eob tci baseline/101219 monitor/010123 "qa = 0" "qa_t1 = $(pwd)/$A/monitor/010123/SCL.tif" \
  "qa_t2 = $(pwd)/$A/monitor/010123/TCI.tif"
t_eq "aurora-mine0: TCI.tif given as the SCL exits 4" 4 "$?"
t_has "and names it" "monitor/010123/TCI.tif: " "$(grep error "$TMP/tci.err")"
eob badtif baseline/040119 monitor/091222
t_eq "aurora-mine0: a band file that is no raster exits 4" 4 "$?"
t_has "and names it (not a shifted band stack)" "040119/B04.tif: band file B04 is not a raster" \
  "$(grep error "$TMP/badtif.err")"
# korba-coal: the bands of its first date (B02 B04 B08 B11), which the later
# date lacks: a clear error
K=$R/korba-coal
{ printf '[scene]\nsensor = %s\nt1 = %s\nt2 = %s\nt1_date = 2023-01-10\nt2_date = 2023-01-30\n' \
    "$(pwd)/configs/sensors/sentinel2-l2a-eobrowser.ini" "$(pwd)/$K/2023-01-10/{band}.tif" \
    "$(pwd)/$K/2023-01-30/{band}.tif"
  printf '[bands]\nqa = 0\nfiles = B02,B04,B08,B11\nred = 2\nnir = 3\nswir1 = 4\nswir2 = 0\n'
} >"$TMP/korba_all.ini"
$MW scan "$TMP/korba_all.ini" -o "$TMP/korba_all" -q 2>"$TMP/korba_all.err"
t_eq "korba-coal with the bands of t1: t2 has no B02, exit 4" 4 "$?"
t_has "and says which file, and what files must name" \
  "2023-01-30/B02.tif: cannot read band file B02 of [bands] files" "$(grep error "$TMP/korba_all.err")"
# the same export read as ESA's DN (x 0.0001 - 0.1): NIR up to 1.6, a warning
sed -e "s#^sensor *=.*#sensor = $(pwd)/configs/sensors/sentinel2-l2a.ini#" \
  -e "s#= \.\./\.\./\.\./shared#= $(pwd)/../shared#" -e "s#^qa *= 0#qa = 0\ngreen = 0#" \
  configs/real/korba-coal.ini >"$TMP/korba_dn.ini"
$MW scan "$TMP/korba_dn.ini" -o "$TMP/korba_dn" -q 2>"$TMP/korba_dn.err"
t_has "korba-coal read with the DN scale of sentinel2-l2a: a warning names the scale" \
  "nir reflectance 1.62 at the 99th percentile (DN x 0.0001 -0.1)" "$(cat "$TMP/korba_dn.err")"

# -- false alarms over active mines with no change: korba-coal ---------------
# 20 days apart, no real change: the patches cover less than 1 % of the valid
# pixels (issue 16, item 4; pixel counts, the CRS is geographic)
if $MW scan configs/real/korba-coal.ini -o "$TMP/korba" -q 2>"$TMP/korba.err"; then
  frac=$($PY -c "
import csv, sys
from osgeo import gdal
c = gdal.Open('$TMP/korba/change.tif').ReadAsArray()
px = sum(int(r['pixels']) for r in csv.DictReader(open('$TMP/korba/suspects.csv', encoding='utf-8-sig')))
valid = int((c != 255).sum())
print('%.4f %d %d' % (px / valid, px, valid))")
  set -- $frac
  t_ok "korba-coal: patches cover $1 of the valid pixels ($2 of $3) < 0.01" \
    $PY -c "import sys; sys.exit(0 if $1 < 0.01 else 1)"
else
  t_fail "korba-coal: scan exits 0" "$(tail -2 "$TMP/korba.err")"
fi

# -- evaluate: text output, JSON, grid mismatch -----------------------------
out=$($MW evaluate $R/taizhou/reference.tif $R/taizhou/reference.tif)
t_has "evaluate: the reference against itself has kappa 1" "kappa             1.0000" "$out"
$MW evaluate $R/taizhou/reference.tif $R/oscd-beirut/reference.tif >/dev/null 2>"$TMP/err"
t_eq "evaluate: grids that differ exit 4" "4" "$?"
t_has "evaluate: and say so" "both must share one grid" "$(cat "$TMP/err")"
$MW evaluate $R/taizhou/reference.tif >/dev/null 2>&1
t_eq "evaluate: one file is a usage error (exit 2)" "2" "$?"

# -- the manifest records the survey -----------------------------------------
t_ok "manifest: survey thresholds, normalization, band files, change objects" $PY -c "
import json
m = json.load(open('$TMP/oscd-cupertino/manifest.json'))
s = m['survey']
o = s['objects']
assert o['mode'] == 'test' and o['min_pixels'] == 20 and o['reach_px'] == 24 and o['edge_refined'], o
assert o['seed'] > s['threshold']['used'] and o['seed_objects'] >= 30 and o['halo_px'] == max(19, 24) + 1, o
assert s['engine'] == 'irmad' and s['threshold']['used'] > 0, s
assert s['threshold']['method'].startswith('auto:'), s['threshold']
assert set(s['mad_bands']) == {'blue', 'green', 'red', 'nir', 'swir1', 'swir2'}
assert 'gain' in s['t2_normalization']['nir']
assert sum(1 for i in m['inputs'] if i['role'] == 't1') == 6
"

# -- band files on different grids: stacked on the 10 m grid ----------------
t_has "band files stacked onto the finest grid" "Size is 788, 1015" "$(gdalinfo "$TMP/oscd-cupertino/change.tif")"

# -- determinism: thread count and tile size ---------------------------------
if [ "$T_SAN" = 1 ]; then
  echo "      (sanitizer build: the thread and tile re-runs are the plain pass's)"
else
  for run in "1 256" "2 1024"; do
    set -- $run
    $MW scan configs/real/oscd-cupertino.ini -o "$TMP/d_$1_$2" --threads $1 --tile-size $2 -q 2>/dev/null
    t_ok "change.tif identical with $1 thread(s), tiles of $2" cmp "$TMP/oscd-cupertino/change.tif" "$TMP/d_$1_$2/change.tif"
    t_ok "suspects.csv identical with $1 thread(s), tiles of $2" cmp "$TMP/oscd-cupertino/suspects.csv" "$TMP/d_$1_$2/suspects.csv"
  done
fi

# -- a t2 on another grid is warped onto t1's; no overlap is an error -------
gdal_translate -q -a_ullr 203355 3604905 215355 3592905 $R/taizhou/t2.tif "$TMP/t2_shifted.tif"
sed -e "s#^t2 *=.*#t2 = $TMP/t2_shifted.tif#" -e "s#^sensor *=.*#sensor = $(pwd)/configs/sensors/landsat57-stack.ini#" \
  -e "s#^t1 *=.*#t1 = $(pwd)/$R/taizhou/t1.tif#" configs/real/taizhou.ini >"$TMP/warp.ini"
$MW scan "$TMP/warp.ini" -o "$TMP/warp" -q 2>/dev/null
t_has "t2 shifted by one pixel: warped, overlap 399 x 399 processed" "Size is 399, 399" "$(gdalinfo "$TMP/warp/change.tif" 2>&1)"
gdal_translate -q -a_ullr 303325 3604935 315325 3592935 $R/taizhou/t2.tif "$TMP/t2_far.tif"
sed -e "s#^t2 *=.*#t2 = $TMP/t2_far.tif#" "$TMP/warp.ini" >"$TMP/far.ini"
$MW scan "$TMP/far.ini" -o "$TMP/far" -q 2>"$TMP/far.err"
t_eq "dates without overlap exit 4" "4" "$?"
t_has "and say so" "does not overlap" "$(cat "$TMP/far.err")"

t_summary
