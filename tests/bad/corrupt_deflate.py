"""corrupt_deflate.py SRC DST: DST is SRC (a DEFLATE tiled GeoTIFF) with one
bit flipped in the middle of the compressed data of tile (3, 3), the first
such bit (from the middle on) after which the stream still inflates to a
full tile without an error: an inflater that stops when the tile is full,
without reading the stream's end and its Adler-32, takes it for a tile.
Prints the tile and the bit found."""
import sys
import zlib
from osgeo import gdal
src, dst = sys.argv[1], sys.argv[2]
ds = gdal.Open(src)
b = ds.GetRasterBand(1)
tw, th = b.GetBlockSize()
nb = ds.RasterCount
want = tw * th * nb * 2
data = bytearray(open(src, "rb").read())
tx, ty = 3, 3
off = int(b.GetMetadataItem("BLOCK_OFFSET_%d_%d" % (tx, ty), "TIFF"))
ln = int(b.GetMetadataItem("BLOCK_SIZE_%d_%d" % (tx, ty), "TIFF"))
raw = bytes(data[off:off + ln])
good = zlib.decompress(raw)
assert len(good) == want
for p in range(ln // 2, ln - 8):
    for x in (0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80):
        m = bytearray(raw); m[p] ^= x
        d = zlib.decompressobj()
        try:
            out = d.decompress(bytes(m), want)
        except zlib.error:
            continue
        if len(out) == want and out != good:
            try:
                rest = d.decompress(d.unconsumed_tail) + d.flush(); full_ok = True
            except zlib.error:
                full_ok = False
            data[off + p] ^= x
            open(dst, "wb").write(data)
            ndiff = sum(1 for i in range(0, want, 2) if out[i:i+2] != good[i:i+2])
            print("tile", ty * ((ds.RasterXSize + tw - 1) // tw) + tx, "row", ty, "col", tx,
                  "offset", off + p, "xor", x, "values differing", ndiff, "stream ok to end", full_ok)
            sys.exit(0)
sys.exit("no such corruption found")
