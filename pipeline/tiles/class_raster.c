/* class_raster.c - the work class raster of the tile pass (the future
 * change.tif): created tiled with empty overviews, written tile by tile with
 * its overviews filled as it goes, and the colour table of change classes. */
#include "tiles_internal.h"

#include <cpl_string.h>
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

void mw_set_class_colors(GDALRasterBandH band)
{
    static const struct { int code; short r, g, b; const char *name; } C[] = {
        {MW_CLASS_NONE, 0, 0, 0, "no change"},
        {MW_CLASS_VEG_LOSS, 255, 200, 0, "vegetation loss"},
        {MW_CLASS_BARE_GAIN, 160, 82, 45, "bare-ground gain"},
        {MW_CLASS_DISTURBANCE, 230, 0, 0, "disturbance"},
        {MW_CLASS_REVEG, 0, 170, 0, "revegetation"},
        {MW_CLASS_OTHER, 0, 120, 255, "other change"},
    };
    GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
    GDALColorEntry none = {0, 0, 0, 0};
    for (int i = 0; i < 256; i++)
        GDALSetColorEntry(ct, i, &none);
    char **names = NULL;
    for (int i = 0; i < MW_CLASS_COUNT; i++) {
        GDALColorEntry e = {C[i].r, C[i].g, C[i].b, 255};
        GDALSetColorEntry(ct, C[i].code, &e);
    }
    for (int i = 0; i < 256; i++)
        names = CSLAddString(names, i < MW_CLASS_COUNT ? C[i].name
                                    : i == MW_CLASS_MASKED ? "masked" : "");
    GDALSetRasterColorTable(band, ct);
    GDALSetRasterCategoryNames(band, names);
    GDALSetRasterNoDataValue(band, MW_CLASS_MASKED);
    GDALSetDescription(band, "change class");
    GDALDestroyColorTable(ct);
    CSLDestroy(names);
}

/* The nearest-neighbour overviews of the class raster, filled tile by tile
 * so that the COG copy (reports.c) only copies them.  Pixel X of the
 * overview of factor f is base pixel X f, as GDAL's NEAREST takes it, so
 * each overview pixel comes from exactly one tile, whatever the grid. */
static int write_overviews(GDALRasterBandH out, const mw_tile *t, const uint8_t *core)
{
    int bw = GDALGetRasterBandXSize(out), bh = GDALGetRasterBandYSize(out);
    int nov = GDALGetOverviewCount(out);
    uint8_t *buf = NULL;
    int rc = 0;
    for (int i = 0, f = 1; i < nov && !rc; i++) {
        GDALRasterBandH ov = GDALGetOverview(out, i);
        int ow = GDALGetRasterBandXSize(ov), oh = GDALGetRasterBandYSize(ov);
        /* the factor: the next power of two whose sizes, DIV_ROUND_UP(size,
         * f) as GTiff makes them, are the overview's on both sides (one
         * side alone is ambiguous where it is a pixel or two: 3 px give 1
         * px for every f >= 3) */
        do
            f *= 2;
        while (f < (1 << 30) && ((bw + f - 1) / f != ow || (bh + f - 1) / f != oh));
        if ((bw + f - 1) / f != ow || (bh + f - 1) / f != oh) {
            mw_error(MW_EXIT_INTERNAL, "class overview %d is %d x %d px: no power of two "
                     "gives that from %d x %d px", i, ow, oh, bw, bh);
            rc = -1;
            break;
        }
        /* the overview pixels whose base pixel X f lies in the tile */
        int xa = (t->x0 + f - 1) / f, xb = (t->x0 + t->w + f - 1) / f;
        int ya = (t->y0 + f - 1) / f, yb = (t->y0 + t->h + f - 1) / f;
        int xn = xb - xa, yn = yb - ya;
        if (xn <= 0 || yn <= 0)
            continue;
        if (!buf && !(buf = malloc((size_t)xn * (size_t)yn))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for the class overviews");
            return -1;
        }
        for (int y = 0; y < yn; y++) {
            const uint8_t *row = core + (size_t)((ya + y) * f - t->y0) * (size_t)t->w;
            for (int x = 0; x < xn; x++)
                buf[(size_t)y * xn + x] = row[(xa + x) * f - t->x0];
        }
        if (GDALRasterIO(ov, GF_Write, xa, ya, xn, yn, buf, xn, yn, GDT_Byte, 0, 0) !=
            CE_None) {
            mw_error(MW_EXIT_OUTPUT, "cannot write the class overviews (%s)",
                     mw_gdal_message());
            rc = -1;
        }
    }
    free(buf);
    return rc;
}

int mw_class_write(GDALRasterBandH out, const mw_tile *t, const uint8_t *core)
{
    CPLErr err;
    int rc = 0;
#pragma omp critical(mw_class_write)
    {
        err = GDALRasterIO(out, GF_Write, t->x0, t->y0, t->w, t->h, (void *)core, t->w, t->h,
                           GDT_Byte, 0, 0);
        if (err == CE_None)
            rc = write_overviews(out, t, core);
    }
    if (err != CE_None) {
        mw_error(MW_EXIT_OUTPUT, "cannot write change classes (%s)", mw_gdal_message());
        return -1;
    }
    return rc;
}

GDALDatasetH mw_class_raster_create(const char *path, const mw_scene *s, int block)
{
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    char bs[32];
    snprintf(bs, sizeof bs, "%d", block);
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", bs);
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", bs);
    opt = CSLSetNameValue(opt, "SPARSE_OK", "YES");
    GDALDatasetH ds = GDALCreate(drv, path, s->width, s->height, 1, GDT_Byte, opt);
    CSLDestroy(opt);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", path, mw_gdal_message());
        return NULL;
    }
    GDALSetGeoTransform(ds, (double *)s->gt);
    GDALSetProjection(ds, s->wkt);
    mw_set_class_colors(GDALGetRasterBand(ds, 1));
    /* the levels the COG driver would make (factors 2, 4, ... until the
     * last is within one 512 block), left empty here: write_overviews fills them */
    int levels[32], nlev = 0;
    for (int f = 2; nlev < 32; f *= 2) {
        levels[nlev++] = f;
        if ((s->width + f - 1) / f <= 512 && (s->height + f - 1) / f <= 512)
            break;
    }
    if (s->width > 512 || s->height > 512) {
        CPLErr err = GDALBuildOverviews(ds, "NONE", nlev, levels, 0, NULL, NULL, NULL);
        if (err != CE_None) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot create overviews (%s)", path,
                     mw_gdal_message());
            mw_gdal_close(ds, path);
            return NULL;
        }
    }
    return ds;
}
