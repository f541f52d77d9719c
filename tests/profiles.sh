#!/bin/sh
# Sensor profiles and masks: every profile in configs/sensors runs a real scan
# on a small fixture cut from the generated sample (bands, scale, offset,
# {band} files at 10/20 m as each sensor delivers them); the QA masks
# (Landsat QA_PIXEL bits, Sentinel-2 SCL classes) and the spectral cloud test
# turn planted clouds into class 255 and leave bare ground alone.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$B/minewatch
S=samples/generated
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
echo "== sensor profiles, QA masks, spectral cloud test"

# Fixtures: the sample's 600 x 600 px corner (reflectance = DN * 1e-4; bands
# blue green red nir swir1), re-encoded for each sensor.  Cloud blocks:
# QA/SCL in t2 at rows 100-139, cols 100-139; a white cloud (0.35 0.36 0.37
# 0.40) in the Gaofen t2 at rows 200-239, cols 300-339 and a bright bare-soil
# block (0.12 0.15 0.19 0.23) at rows 300-339, cols 300-339.
$PY - "$S" "$TMP" <<'PYEOF' || t_fail "fixtures written"
import os, sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
S, T = sys.argv[1], sys.argv[2]
N = 600
def write(path, arrays, src, res=1, dtype=gdal.GDT_UInt16, nodata=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h, w = arrays[0].shape
    ds = gdal.GetDriverByName('GTiff').Create(path, w, h, len(arrays), dtype)
    gt = list(src.GetGeoTransform()); gt[1] *= res; gt[5] *= res
    ds.SetGeoTransform(gt); ds.SetProjection(src.GetProjection())
    for i, a in enumerate(arrays):
        ds.GetRasterBand(i + 1).WriteArray(a)
        if nodata is not None:
            ds.GetRasterBand(i + 1).SetNoDataValue(nodata)
    ds = None
for d in ('t1', 't2'):
    src = gdal.Open('%s/%s.tif' % (S, d))
    refl = src.ReadAsArray(0, 0, N, N).astype(np.float64) * 1e-4   # 5 x N x N
    b = [refl[i] for i in range(5)] + [refl[4] * 0.8]               # + swir2
    if d == 't2':   # white cloud and bright bare soil for the spectral test
        for k, v in enumerate((0.35, 0.36, 0.37, 0.40)):
            b[k][200:240, 300:340] = v
        for k, v in enumerate((0.12, 0.15, 0.19, 0.23)):
            b[k][300:340, 300:340] = v
    u16 = lambda r, scale, off: np.clip(np.round((r - off) / scale), 1, 65535).astype(np.uint16)
    # Landsat 5/7 stack of Byte DN (255 = saturated), Gaofen stacks (x 10000)
    write('%s/l57/%s.tif' % (T, d), [np.clip(x * 400, 1, 254).astype(np.uint8) for x in b],
          src, dtype=gdal.GDT_Byte)
    write('%s/gf/%s.tif' % (T, d), [u16(x, 1e-4, 0) for x in b[:4]], src)
    # opengeos 4-band Byte composite: swir1 nir red green
    write('%s/l4b/%s.tif' % (T, d), [np.clip(x * 400, 1, 254).astype(np.uint8)
                                     for x in (b[4], b[3], b[2], b[1])], src, dtype=gdal.GDT_Byte)
    # Landsat 8/9 C2 L2: SR_B2..SR_B7 + QA_PIXEL (21824 = clear; bit 3 = cloud)
    qa = np.full((N, N), 21824, np.uint16)
    if d == 't2':
        qa[100:140, 100:140] |= 1 << 3
    for name, x in zip(('SR_B2', 'SR_B3', 'SR_B4', 'SR_B5', 'SR_B6', 'SR_B7'), b):
        write('%s/l89/%s_%s.TIF' % (T, d, name), [u16(x, 0.0000275, -0.2)], src)
    write('%s/l89/%s_QA_PIXEL.TIF' % (T, d), [qa], src, nodata=1)
    # Sentinel-2: 10 m B02 B03 B04 B08, 20 m B11 B12 SCL (4 = vegetation, 9 = cloud)
    for lvl, off in (('l1c', 0.0), ('l2a', -0.1)):
        for name, x in zip(('B02', 'B03', 'B04', 'B08'), b[:4]):
            write('%s/%s/%s/%s.tif' % (T, lvl, d, name), [u16(x, 1e-4, off)], src)
        for name, x in zip(('B11', 'B12'), b[4:]):
            write('%s/%s/%s/%s.tif' % (T, lvl, d, name), [u16(x[::2, ::2], 1e-4, off)], src, res=2)
    scl = np.full((N // 2, N // 2), 4, np.uint8)
    if d == 't2':
        scl[50:70, 50:70] = 9
    write('%s/l2a/%s/SCL.tif' % (T, d), [scl], src, res=2, dtype=gdal.GDT_Byte)
    # Sentinel-2 L2A as EO Browser exports it: reflectance x 65535 in band 1 and
    # the dataMask in band 2 of each file (0, and the value 0, in columns 0-19:
    # outside the area), no B03, and SCL as the RGB picture of the scene
    # classification (r/255 x 65535): vegetation (0,160,0) but for 40 x 40
    # blocks at cols 100-139 of cloud (255,255,255) rows 100-139 in t2, cloud
    # shadow (100,50,0) rows 200-239 in t2, water (0,0,255) rows 400-439 in
    # t2, snow (255,150,255) rows 500-539 in t1, and not-vegetated
    # (255,230,90, kept) rows 300-339; no data (black) in columns 0-19.
    alpha = np.ones((N, N), np.uint16)
    alpha[:, :20] = 0
    for name, x in zip(('B02', 'B04', 'B08', 'B11', 'B12'), (b[0], b[2], b[3], b[4], b[5])):
        v = np.clip(np.round(x * 65535), 1, 65534).astype(np.uint16) * alpha
        write('%s/eob/%s/%s.tif' % (T, d, name), [v, alpha], src)
    rgb = np.zeros((3, N, N), np.uint16)
    blk = slice(100, 140)
    blocks = [((0, 160, 0), slice(0, N), slice(0, N)), ((255, 230, 90), slice(300, 340), blk)]
    blocks += ([((255, 255, 255), slice(100, 140), blk), ((100, 50, 0), slice(200, 240), blk),
                ((0, 0, 255), slice(400, 440), blk)] if d == 't2' else
               [((255, 150, 255), slice(500, 540), blk)])
    for col, rows, cols in blocks:
        for k in range(3):
            rgb[k][rows, cols] = round(col[k] / 255 * 65535)
    rgb[:, :, :20] = 0
    write('%s/eob/%s/SCL.tif' % (T, d), list(rgb), src)
    if d == 't2':  # the same picture in 8 bits, and a picture that is no SCL
        write('%s/eob/SCL8.tif' % T, list((rgb // 257).astype(np.uint8)), src,
              dtype=gdal.GDT_Byte)
        write('%s/eob/TCI.tif' % T, [np.clip(x * 255 * 3, 0, 255).astype(np.uint8)
                                     for x in (b[2], b[1], b[0])], src, dtype=gdal.GDT_Byte)
PYEOF

# scan_with PROFILE T1 T2 OUT [extra [bands] lines]
scan_with() {
  prof=$1 t1=$2 t2=$3 out=$4; shift 4
  { printf '[scene]\nsensor = %s\nt1 = %s\nt2 = %s\nt1_date = 2024-05-15\nt2_date = 2024-09-20\n' \
      "$(pwd)/configs/sensors/$prof.ini" "$t1" "$t2"
    [ $# -gt 0 ] && printf '[bands]\n' && printf '%s\n' "$@"
    printf '[tiles]\nsize = 256\n'; } >"$TMP/$out.ini"
  $MW scan "$TMP/$out.ini" -o "$TMP/$out" -q 2>"$TMP/$out.err"
}

# every profile has a fixture and scans it
for f in configs/sensors/*.ini; do
  p=$(basename "$f" .ini)
  case $p in
    landsat57-stack) set -- "$TMP/l57/t1.tif" "$TMP/l57/t2.tif" ;;
    landsat-4band-byte) set -- "$TMP/l4b/t1.tif" "$TMP/l4b/t2.tif" ;;
    landsat89-c2l2) set -- "$TMP/l89/t1_{band}.TIF" "$TMP/l89/t2_{band}.TIF" ;;
    sentinel2-l1c) set -- "$TMP/l1c/t1/{band}.tif" "$TMP/l1c/t2/{band}.tif" ;;
    sentinel2-l2a) set -- "$TMP/l2a/t1/{band}.tif" "$TMP/l2a/t2/{band}.tif" ;;
    sentinel2-l2a-eobrowser) set -- "$TMP/eob/t1/{band}.tif" "$TMP/eob/t2/{band}.tif" ;;
    gaofen-wfv|gaofen2-pms) set -- "$TMP/gf/t1.tif" "$TMP/gf/t2.tif" ;;
    *) t_fail "profile $p has a fixture in tests/profiles.sh"; continue ;;
  esac
  t1=$1 t2=$2; shift 2
  if scan_with "$p" "$t1" "$t2" "$p" "$@"; then
    t_pass "profile $p: scan exits 0"
  else
    t_fail "profile $p: scan exits 0" "$(tail -2 "$TMP/$p.err")"
  fi
done

# count_255 CHANGE.TIF ROW0 ROW1 COL0 COL1: pixels of class 255 in the block
count_255() {
  $PY -c "
from osgeo import gdal; import sys
a = gdal.Open(sys.argv[1]).ReadAsArray()
r0, r1, c0, c1 = map(int, sys.argv[2:])
print(int((a[r0:r1, c0:c1] == 255).sum()))" "$@"
}

# -- QA masks ---------------------------------------------------------------
t_eq "landsat89-c2l2: QA_PIXEL cloud bit in t2 masks its 40 x 40 block (255)" 1600 \
  "$(count_255 "$TMP/landsat89-c2l2/change.tif" 100 140 100 140)"
t_eq "landsat89-c2l2: and nothing else" 1600 "$(count_255 "$TMP/landsat89-c2l2/change.tif" 0 600 0 600)"
t_eq "sentinel2-l2a: SCL 9 (20 m) in t2 masks its 40 x 40 block at 10 m" 1600 \
  "$(count_255 "$TMP/sentinel2-l2a/change.tif" 100 140 100 140)"
t_eq "sentinel2-l2a: and nothing else" 1600 "$(count_255 "$TMP/sentinel2-l2a/change.tif" 0 600 0 600)"
# EO Browser export: the SCL picture decoded by colour; cloud, cloud shadow,
# water (t2), snow (t1) and the 20 columns outside the area are masked, the
# not-vegetated block is not
E=$TMP/sentinel2-l2a-eobrowser/change.tif
for blk in "cloud 100 140" "cloud shadow 200 240" "water 400 440" "snow 500 540"; do
  set -- $blk
  [ $# -eq 4 ] && set -- "$1 $2" $3 $4
  t_eq "sentinel2-l2a-eobrowser: SCL $1 block masked" 1600 "$(count_255 "$E" $2 $3 100 140)"
done
t_eq "sentinel2-l2a-eobrowser: the not-vegetated block is not" 0 "$(count_255 "$E" 300 340 100 140)"
t_eq "sentinel2-l2a-eobrowser: no data (dataMask 0, SCL black) masked" 12000 "$(count_255 "$E" 0 600 0 20)"
t_eq "sentinel2-l2a-eobrowser: and nothing else" 18400 "$(count_255 "$E" 0 600 0 600)"
if scan_with sentinel2-l2a-eobrowser "$TMP/eob/t1/{band}.tif" "$TMP/eob/t2/{band}.tif" eob8 \
     "qa = 0" "qa_t1 = $TMP/eob/t1/SCL.tif" "qa_t2 = $TMP/eob/SCL8.tif"; then
  t_ok "sentinel2-l2a-eobrowser: an 8-bit SCL picture masks the same pixels" \
    cmp "$E" "$TMP/eob8/change.tif"
else
  t_fail "sentinel2-l2a-eobrowser: 8-bit SCL picture scan exits 0" "$(tail -2 "$TMP/eob8.err")"
fi
scan_with sentinel2-l2a-eobrowser "$TMP/eob/t1/{band}.tif" "$TMP/eob/t2/{band}.tif" eobtci \
  "qa = 0" "qa_t1 = $TMP/eob/t1/SCL.tif" "qa_t2 = $TMP/eob/TCI.tif"
t_eq "qa_type = scl_rgb on a true-colour picture exits 4" 4 "$?"
t_has "and says it is no SCL picture" "have a colour of no SCL class" "$(cat "$TMP/eobtci.err")"
scan_with sentinel2-l2a-eobrowser "$TMP/eob/t1/{band}.tif" "$TMP/eob/t2/{band}.tif" eob1 \
  "qa = 0" "qa_t1 = $TMP/eob/t1/SCL.tif" "qa_t2 = $TMP/l2a/t2/SCL.tif"
t_eq "qa_type = scl_rgb on a one-band SCL exits 4" 4 "$?"
t_has "and says it needs three colour bands" "needs the red, green and blue" "$(cat "$TMP/eob1.err")"
t_eq "sentinel2-l1c (no QA, cloud test off): the white block is not masked" 0 \
  "$(count_255 "$TMP/sentinel2-l1c/change.tif" 0 600 0 600)"
if [ "$T_SAN" = 1 ]; then
  echo "      (sanitizer build: the thread and tile re-runs are the plain pass's)"
else
  for run in "1 1024" "2 256"; do
    set -- $run
    $MW scan "$TMP/landsat89-c2l2.ini" -o "$TMP/l89_$1_$2" --threads $1 --tile-size $2 -q 2>/dev/null
    t_ok "QA: change.tif identical with $1 thread(s), tiles of $2" \
      cmp "$TMP/landsat89-c2l2/change.tif" "$TMP/l89_$1_$2/change.tif"
  done
fi
# a QA file per date, and t2 on another grid: the QA follows it (nearest)
gdal_translate -q -srcwin 20 0 580 600 "$TMP/gf/t2.tif" "$TMP/gf_t2_cut.tif"
gdal_translate -q -srcwin 20 0 580 600 "$TMP/l89/t2_QA_PIXEL.TIF" "$TMP/qa2_cut.tif"
if scan_with gaofen-wfv "$TMP/gf/t1.tif" "$TMP/gf_t2_cut.tif" qafile "qa_t1 = $TMP/l89/t1_QA_PIXEL.TIF" \
     "qa_t2 = $TMP/qa2_cut.tif" "qa_type = landsat" "cloud_test = off"; then
  t_eq "qa_t1/qa_t2 with t2 warped: the cloud block is masked where it was" 1600 \
    "$(count_255 "$TMP/qafile/change.tif" 100 140 80 120)"
else
  t_fail "qa_t1/qa_t2 scan exits 0" "$(tail -2 "$TMP/qafile.err")"
fi
scan_with gaofen-wfv "$TMP/gf/t1.tif" "$TMP/gf/t2.tif" badqa "qa = 5" "qa_type = landsat"
t_eq "qa beyond the raster's bands exits 4" 4 "$?"
t_has "and says so" "has 4 bands, but [bands] qa = 5" "$(cat "$TMP/badqa.err")"
scan_with gaofen-wfv "$TMP/gf/t1.tif" "$TMP/gf/t2.tif" badtype "qa = 4" "qa_type = fmask"
t_eq "qa_type other than landsat, scl or scl_rgb exits 3" 3 "$?"
scan_with gaofen-wfv "$TMP/gf/t1.tif" "$TMP/gf/t2.tif" noblue "blue = 0"
t_eq "blue = 0 with the cloud test on exits 3" 3 "$?"
t_has "and says the test needs blue" "cloud_test = on needs the blue band" "$(cat "$TMP/noblue.err")"
scan_with gaofen-wfv "$TMP/gf/t1.tif" "$TMP/gf/t2.tif" noblue2 "blue = 0" "cloud_test = off"
t_eq "blue = 0 without the cloud test scans (the bare-soil index without blue)" 0 "$?"
# the sample (restoration plots too) without its blue band: no role read is
# left unallocated (restoration's buffers crashed, exit 139, before)
sed -e "s#= \.\./#= $(pwd)/#" -e "s#^blue   = 1#blue   = 0#" configs/sample.ini >"$TMP/noblue.ini"
$MW scan "$TMP/noblue.ini" -o "$TMP/s_noblue" -q 2>/dev/null
t_eq "sample with blue = 0: scan exits 0" 0 "$?"
t_ok "sample with blue = 0: restoration.csv written" test -s "$TMP/s_noblue/restoration.csv"

# -- spectral cloud test ------------------------------------------------------
t_eq "gaofen-wfv (cloud_test on): the white cloud block is masked" 1600 \
  "$(count_255 "$TMP/gaofen-wfv/change.tif" 200 240 300 340)"
t_eq "gaofen-wfv: the bright bare-soil block is not" 0 \
  "$(count_255 "$TMP/gaofen-wfv/change.tif" 300 340 300 340)"
t_eq "gaofen-wfv: and nothing else is masked" 1600 "$(count_255 "$TMP/gaofen-wfv/change.tif" 0 600 0 600)"

# the sample with cloud_test = on: same change map and suspects (its
# excavations, blue .13 red .22, are not cloud)
sed -e "s#= \.\./#= $(pwd)/#" -e "s#^nodata = 0#nodata = 0\ncloud_test = on#" configs/sample.ini >"$TMP/cloud.ini"
$MW scan configs/sample.ini -o "$TMP/s_off" -q 2>/dev/null
$MW scan "$TMP/cloud.ini" -o "$TMP/s_on" -q 2>/dev/null
t_ok "sample, cloud_test = on: suspects.csv identical" cmp "$TMP/s_off/suspects.csv" "$TMP/s_on/suspects.csv"
t_ok "sample, cloud_test = on: change.tif identical" cmp "$TMP/s_off/change.tif" "$TMP/s_on/change.tif"
t_py tests/check_sample.py $S/truth.csv "$TMP/s_on/suspects.csv" 100

t_summary
