"""A scene pair with N x N small bare-ground patches: t1 is the sample's t1,
t2 the same with N x N squares of 5 x 5 px of bare ground every 19 px (N =
104: 10,816 squares of 2,500 m2 on the 2000 x 2000 px sample, some of which
fall where t1 is not vegetation).

usage: make_many.py SAMPLE_T1 OUT_T2 N
"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
src = gdal.Open(sys.argv[1])
n = int(sys.argv[3])
bare = (1200, 1400, 1600, 2000, 2800)  # B G R NIR SWIR1 DN, reflectance x 1e4
out = gdal.GetDriverByName("GTiff").CreateCopy(sys.argv[2], src, options=["TILED=YES"])
for b in range(5):
    a = out.GetRasterBand(b + 1).ReadAsArray()
    for i in range(n):
        for j in range(n):
            a[10 + 19 * i:15 + 19 * i, 10 + 19 * j:15 + 19 * j] = bare[b]
    out.GetRasterBand(b + 1).WriteArray(a)
out = None
