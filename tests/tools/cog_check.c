/* cog_check.c - describe a GeoTIFF's structure with libtiff alone.
 *
 * An independent reader for the integration tests: it does not go through
 * GDAL, so what GDAL wrote is checked by another implementation.  Prints one
 * line per image file directory (the full-resolution image, then overviews):
 *
 *   ifd=N width=W height=H tiled=0|1 tile=TWxTH compression=C photometric=P
 *         bits=B subfiletype=S colormap=0|1
 *
 * and exits 1 if the file cannot be read.
 */
#include <stdint.h>
#include <stdio.h>
#include <tiffio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cog_check FILE.tif\n");
        return 2;
    }
    TIFFSetWarningHandler(NULL); /* GeoTIFF tags are unknown to libtiff */
    TIFF *tif = TIFFOpen(argv[1], "r");
    if (!tif)
        return 1;
    int n = 0;
    do {
        uint32_t w = 0, h = 0, tw = 0, th = 0, sub = 0;
        uint16_t comp = 0, photo = 0, bits = 0;
        uint16_t *r, *g, *b;
        TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
        TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp);
        TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo);
        TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bits);
        TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &sub);
        int tiled = TIFFIsTiled(tif);
        if (tiled) {
            TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
            TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        }
        int cmap = TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b) == 1;
        /* decode the first tile too: a header can be fine over broken data */
        if (tiled) {
            tmsize_t size = TIFFTileSize(tif);
            void *buf = _TIFFmalloc(size);
            if (!buf || TIFFReadEncodedTile(tif, 0, buf, size) < 0) {
                fprintf(stderr, "cog_check: %s: cannot decode tile 0 of IFD %d\n", argv[1], n);
                _TIFFfree(buf);
                TIFFClose(tif);
                return 1;
            }
            _TIFFfree(buf);
        }
        printf("ifd=%d width=%u height=%u tiled=%d tile=%ux%u compression=%u "
               "photometric=%u bits=%u subfiletype=%u colormap=%d\n",
               n, w, h, tiled, tw, th, comp, photo, bits, sub, cmap);
        n++;
    } while (TIFFReadDirectory(tif));
    TIFFClose(tif);
    return 0;
}
