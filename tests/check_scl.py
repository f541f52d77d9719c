"""The masked pixels of a scan of EO Browser exports against the exports' own masks.

usage: check_scl.py CHANGE.tif T1_DIR T2_DIR BAND...

Decodes each date's SCL.tif (Sentinel Hub's scene-classification picture,
r/255 x 65535) into classes by colour, independently of minewatch, and reads
the dataMask (band 2) of each band file.  A pixel is expected masked (class
255 in change.tif) when either date's SCL is no data, saturated, cloud
shadow, water, cloud, cirrus or snow, or either date's dataMask is 0.
Prints the SCL counts of each date and "expected N got M"; exits 1 when they
differ.
"""
import sys

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")  # the exports' ExtraSamples warning

PALETTE = {(0, 0, 0): 0, (255, 0, 0): 1, (47, 47, 47): 2, (100, 50, 0): 3, (0, 160, 0): 4,
           (255, 230, 90): 5, (0, 0, 255): 6, (128, 128, 128): 7, (192, 192, 192): 8,
           (255, 255, 255): 9, (100, 200, 255): 10, (255, 150, 255): 11}
MASKED = (0, 1, 3, 6, 8, 9, 10, 11)


def scl(path):
    a = np.rint(gdal.Open(path).ReadAsArray()[:3] / 257.0).astype(int)
    out = np.full(a.shape[1:], -1)
    for col, c in PALETTE.items():
        out[(a[0] == col[0]) & (a[1] == col[1]) & (a[2] == col[2])] = c
    return out


def main():
    change, dirs, bands = sys.argv[1], sys.argv[2:4], sys.argv[4:]
    cls = gdal.Open(change).ReadAsArray()
    expect = np.zeros(cls.shape, bool)
    for d in dirs:
        s = scl(f"{d}/SCL.tif")
        u, n = np.unique(s, return_counts=True)
        print(f"    {d.rstrip('/').split('/')[-1]} SCL " +
              " ".join(f"{int(k)}:{int(v)}" for k, v in zip(u, n)))
        expect |= np.isin(s, MASKED) | (s < 0)
        for b in bands:
            ds = gdal.Open(f"{d}/{b}.tif")
            if ds.RasterCount > 1:
                expect |= ds.GetRasterBand(2).ReadAsArray() == 0
            expect |= ds.GetRasterBand(1).ReadAsArray() == 0
    got = int((cls == 255).sum())
    same = int(((cls == 255) == expect).sum())
    print(f"expected {int(expect.sum())} got {got} (agree on {same} of {cls.size} px)")
    sys.exit(0 if same == cls.size else 1)


if __name__ == "__main__":
    main()
