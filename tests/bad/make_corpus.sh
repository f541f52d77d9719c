#!/bin/sh
# Build the bad-input corpus under tests/bad/generated/ from the generated
# sample: broken rasters and layers made with GDAL's own tools, and one
# configuration per case (configs/sample.ini with one thing changed).
# cases.tsv lists what each must do.
set -eu
cd "$(dirname "$0")"
S=../../samples/generated
G=generated
rm -rf $G
mkdir -p $G

echo "this is not an image" >$G/not_raster.tif
gdal_translate -q -b 1 -b 2 -b 3 $S/t2.tif $G/three_bands.tif
gdal_translate -q -a_ullr 381000 4020000 401000 4000000 $S/t2.tif $G/shifted.tif
ogr2ogr -q -f GPKG $G/licences_no_id.gpkg $S/layers.gpkg -sql "SELECT holder FROM licences" -nln licences
echo "a file, not a folder" >$G/a_file
ogr2ogr -q -f GPKG $G/points.gpkg $S/layers.gpkg -dialect sqlite -nln redline \
  -sql "SELECT ST_Centroid(geom) AS geom, licence_id AS name FROM licences"
head -c 300000 $S/t2.tif >$G/truncated.tif
# georeferenced by a world file only: no CRS anywhere
gdal_translate -q -co PROFILE=BASELINE -co TFW=YES $S/t2.tif $G/no_crs.tif
rm -f $G/no_crs.tif.aux.xml
gdal_translate -q -scale 0 65535 0 0 $S/t2.tif $G/all_nodata.tif
/usr/bin/python3 - $S/t2.tif $G/all_nan.tif <<'PY'
import sys
import numpy as np
from osgeo import gdal
src = gdal.Open(sys.argv[1])
dst = gdal.GetDriverByName("GTiff").Create(sys.argv[2], src.RasterXSize, src.RasterYSize,
                                          src.RasterCount, gdal.GDT_Float32, ["TILED=YES"])
dst.SetGeoTransform(src.GetGeoTransform()); dst.SetProjection(src.GetProjection())
values = np.full((src.RasterYSize, src.RasterXSize), np.nan, np.float32)
values[::2, ::2] = np.inf  # NaN and Inf, no finite value anywhere
for b in range(1, src.RasterCount + 1):
    dst.GetRasterBand(b).WriteArray(values)
PY
# a bow-tie licence (self-intersecting) and one with an empty geometry
ogr2ogr -q -f GPKG $G/odd_licences.gpkg $S/layers.gpkg licences
ogrinfo -q $G/odd_licences.gpkg -sql "INSERT INTO licences (geom, licence_id, holder, status) VALUES \
  (ST_GeomFromText('POLYGON((420000 4010000, 421000 4011000, 421000 4010000, 420000 4011000, 420000 4010000))', 4547), 'BOWTIE', 'x', 'valid')" -dialect sqlite >/dev/null 2>&1 || true
ogrinfo -q $G/odd_licences.gpkg -sql "INSERT INTO licences (geom, licence_id, holder, status) VALUES (NULL, 'EMPTY', 'y', 'valid')" >/dev/null
mkdir -p $G/nocrs
ogr2ogr -q -f "ESRI Shapefile" -lco ENCODING=UTF-8 $G/nocrs/licences.shp $S/layers.gpkg licences
rm -f $G/nocrs/licences.prj

# one tile of t2 with a bit flipped in the middle of its DEFLATE stream, which
# still inflates to a full tile (issue 17.3)
/usr/bin/python3 corrupt_deflate.py $S/t2.tif $G/corrupt_t2.tif >/dev/null
# the same in a band file, which GDAL reads (through the stacking VRT)
mkdir -p $G/bands_deflate
for b in 1 2 3 4 5; do
  gdal_translate -q -b $b -co TILED=YES -co COMPRESS=DEFLATE $S/t1.tif $G/bands_deflate/t1_B$b.tif
  gdal_translate -q -b $b -co TILED=YES -co COMPRESS=DEFLATE $S/t2.tif $G/bands_deflate/t2_B$b.tif
done
/usr/bin/python3 corrupt_deflate.py $G/bands_deflate/t2_B4.tif $G/bands_deflate/bad.tif >/dev/null
mv $G/bands_deflate/bad.tif $G/bands_deflate/t2_B4.tif
# inputs that are not regular files: a device, a FIFO (an open(2) of it for
# reading waits for a writer), a FIFO as a band file, a VRT whose source is
# a FIFO (issue 17.11)
mkfifo $G/fifo.tif
mkdir -p $G/bands
for b in 1 2 3 4 5; do
  gdal_translate -q -of VRT -b $b $S/t1.tif $G/bands/t1_B$b.vrt
  gdal_translate -q -of VRT -b $b $S/t2.tif $G/bands/t2_B$b.vrt
done
sed -i 's#relativeToVRT="0">#relativeToVRT="1">../../#' $G/bands/*.vrt
rm $G/bands/t2_B4.vrt
mkfifo $G/bands/t2_B4.vrt
gdal_translate -q -of VRT $S/t2.tif $G/fifo_source.vrt
sed -i "s#<SourceFilename[^>]*>[^<]*</SourceFilename>#<SourceFilename relativeToVRT=\"1\">fifo.tif</SourceFilename>#" \
  $G/fifo_source.vrt
# declared sizes far beyond [tiles] max_pixels (issue 17.10), tiny on disk:
# VRTs of 10^6 x 10^6 px over the sample, and a sparse 200000^2 GeoTIFF
gdalbuildvrt -q -te 680000 -5980000 10680000 4020000 $G/huge_t1.vrt $S/t1.tif
gdalbuildvrt -q -te 680000 -5980000 10680000 4020000 $G/huge_t2.vrt $S/t2.tif
gdal_create -q -of GTiff -outsize 200000 200000 -bands 5 -ot UInt16 -a_nodata 0 \
  -a_srs EPSG:32649 -a_ullr 680000 4020000 2680000 2020000 -co TILED=YES \
  -co BLOCKXSIZE=1024 -co BLOCKYSIZE=1024 -co SPARSE_OK=YES -co BIGTIFF=YES $G/huge_sparse.tif

# variant NAME SED-EXPRESSION: a config that differs from the sample's by one edit
variant() {
  sed -e "s#\.\./samples/generated/#../../../samples/generated/#" \
    -e "s#^dir *=.*#dir = out#" -e "$2" \
    ../../configs/sample.ini >$G/"$1".ini
}
variant missing_t1     's#^t1 *=.*#t1 = no_such_image.tif#'
variant not_raster     's#^t2 *=.*#t2 = not_raster.tif#'
variant too_few_bands  's#^t2 *=.*#t2 = three_bands.tif#'
variant grid_differs   's#^t2 *=.*#t2 = shifted.tif#'
variant licence_missing 's#^path *=.*#path = no_such_layer.gpkg#'
variant licence_no_id  's#^path *=.*#path = licences_no_id.gpkg#'
variant licence_no_layer 's#^layer *=.*#layer = mining_rights#'
variant unwritable_out 's#^dir *=.*#dir = a_file/out#'
variant unknown_key    's#^open_radius#colour = red\nopen_radius#'
variant wrong_type     's#^min_area_m2 *=.*#min_area_m2 = large#'
variant out_of_range   's#^ndvi_loss *=.*#ndvi_loss = 7#'
variant bad_date       's#^t2_date *=.*#t2_date = 2024-02-30#'
variant missing_key    '/^nir /d'
variant truncated      's#^t2 *=.*#t2 = truncated.tif#'
variant raster_no_crs  's#^t2 *=.*#t2 = no_crs.tif#'
variant all_nodata     's#^t2 *=.*#t2 = all_nodata.tif#'
variant all_nan        's#^t2 *=.*#t2 = all_nan.tif#'
variant odd_polygons   '/^\[licences\]/,/^$/ s#^path .*#path = odd_licences.gpkg#'
variant layer_points   '/^\[redline\]/,/^$/ s#^path .*#path = points.gpkg#'
variant layer_no_crs   's#^path *=.*#path = nocrs/licences.shp#'
variant bad_encoding   's#^near_m#encoding = KLINGON\nnear_m#'
variant redline_no_field '/^\[redline\]/,/^$/ s#^layer .*#layer = redline\nname_field = nom#'
# a path of 70 Chinese characters (210 bytes of UTF-8: a line over inih's
# default 200), an indented key, a line over the limit, a folder as config
LONG=山西省长治市自然资源局卫星遥感监测中心二〇二四年度非煤矿山图斑核查成果数据存档目录山西省长治市自然资源局卫星遥感监测中心二〇二四年度非煤矿山
variant long_path      "s#^t1 *=.*#t1 = $LONG/t1.tif#"
variant indented_key   's#^t2 *=.*#  t2 = no_such_t2.tif#'
variant long_line      "s#^open_radius#; $(printf '%9000s' '' | tr ' ' x)\nopen_radius#"
mkdir -p $G/folder.ini

# corner tables (licences import-corners, commands.tsv)
corners() { printf 'licence_id,ring,point,x,y%s\nX1,1,1,4000000,38500000%s\nX1,1,2,4000000,38500500%s\nX1,1,3,4000400,38500000%s\n' "$2" "$3" "$3" "$3" >$G/"$1".csv; }
corners corners_fid ',fid' ',7'
corners corners_geom ',GEOM' ',7'
corners corners_dup ',holder,holder' ',a,b'
corners corners_unnamed ',holder,' ',a,b'
printf '许可证号,圈号,点号,X坐标,Y坐标,矿山名称\nX1,1,1,4000000,38500000,测试矿\nX1,1,2,4000000,38500500,测试矿\nX1,1,3,4000400,38500000,测试矿\n' |
  iconv -f UTF-8 -t GBK >$G/corners_gbk.csv
# not GBK either: a lone lead byte at the end of line 3
printf 'licence_id,ring,point,x,y,holder\nX1,1,1,4000000,38500000,a\nX1,1,2,4000000,38500500,\201\n' >$G/corners_binary.csv
# evaluate: a five-band image as the reference, one band of reflectance, a change map
gdal_translate -q -b 4 $S/t2.tif $G/one_band.tif
variant deflate_mid_stream 's#^t2 *=.*#t2 = corrupt_t2.tif#'
variant band_deflate   's#^t1 *=.*#t1 = bands_deflate/t1_{band}.tif#;s#^t2 *=.*#t2 = bands_deflate/t2_{band}.tif#;s#^nodata *=.*#nodata = 0\nfiles = B1,B2,B3,B4,B5#'
variant t1_dev_zero    's#^t1 *=.*#t1 = /dev/zero#'
variant t2_fifo        's#^t2 *=.*#t2 = fifo.tif#'
variant band_fifo      's#^t1 *=.*#t1 = bands/t1_{band}.vrt#;s#^t2 *=.*#t2 = bands/t2_{band}.vrt#;s#^nodata *=.*#nodata = 0\nfiles = B1,B2,B3,B4,B5#'
variant vrt_fifo       's#^t2 *=.*#t2 = fifo_source.vrt#'
variant huge_vrt       's#^t1 *=.*#t1 = huge_t1.vrt#;s#^t2 *=.*#t2 = huge_t2.vrt#'
variant huge_sparse    's#^t1 *=.*#t1 = huge_sparse.tif#;s#^t2 *=.*#t2 = huge_sparse.tif#'
variant huge_no_space  's#^t1 *=.*#t1 = huge_t1.vrt#;s#^t2 *=.*#t2 = huge_t2.vrt#;s#^threads *=.*#threads = 0\nmax_pixels = 1e12#'
# an output folder with a published run (runs/, latest)
mkdir -p $G/outdir/runs/20240101T000000Z-1
ln -s runs/20240101T000000Z-1 $G/outdir/latest
# not minewatch ledgers: another program's GeoPackage, a plain SQLite file
cp $S/layers.gpkg $G/layers_copy.gpkg
/usr/bin/python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE t (a)'); c.commit()" $G/plain.sqlite
echo "make_corpus: $(ls $G/*.ini | wc -l) configurations in tests/bad/$G"
