/* scene_qa.c - the QA band of each date: opened, checked (an SCL picture's
 * colours), and put on the scene grid. */
#include "ingest_internal.h"

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

/* qa_type = scl_rgb: bands band..band+2 of ds must be an SCL rendering (its
 * colours those of mw_scl_rgb_class), 8-bit (div 1) or 16-bit (div 257,
 * r/255 scaled to 0-65535).  Checked on a decimated read of at most 256 x 256
 * px: more than 1 % of them of no class's colour is an error. */
static int check_scl_rgb(GDALDatasetH ds, const char *file, int band, unsigned *div)
{
    GDALRasterBandH b = GDALGetRasterBand(ds, band);
    GDALDataType t = GDALGetRasterDataType(b);
    if (t != GDT_Byte && t != GDT_UInt16) {
        mw_error(MW_EXIT_RASTER, "%s: qa_type = scl_rgb needs a Byte or UInt16 RGB "
                 "rendering, not %s", file, GDALGetDataTypeName(t));
        return -1;
    }
    *div = t == GDT_Byte ? 1 : 257;
    int w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
    int bw = w < 256 ? w : 256, bh = h < 256 ? h : 256;
    size_t n = (size_t)bw * (size_t)bh;
    uint16_t *v = malloc(3 * n * sizeof *v);
    int bands[3] = {band, band + 1, band + 2};
    if (!v) {
        mw_error(MW_EXIT_INTERNAL, "out of memory");
        return -1;
    }
    if (GDALDatasetRasterIO(ds, GF_Read, 0, 0, w, h, v, bw, bh, GDT_UInt16, 3, bands, 0, 0,
                            0) != CE_None) {
        mw_error(MW_EXIT_RASTER, "%s: cannot read the SCL rendering (%s)", file,
                 mw_gdal_message());
        free(v);
        return -1;
    }
    size_t bad = 0, first = n;
    for (size_t i = 0; i < n; i++)
        if (mw_scl_rgb_class((v[i] + *div / 2) / *div, (v[n + i] + *div / 2) / *div,
                             (v[2 * n + i] + *div / 2) / *div) < 0) {
            if (!bad++)
                first = i;
        }
    if (bad * 100 > n) {
        mw_error(MW_EXIT_RASTER, "%s: %zu of %zu pixels sampled have a colour of no SCL class "
                 "(the first %u,%u,%u): not Sentinel Hub's scene-classification rendering, "
                 "which qa_type = scl_rgb reads", file, bad, n, v[first], v[n + first],
                 v[2 * n + first]);
        free(v);
        return -1;
    }
    free(v);
    return 0;
}

/* [bands] qa / qa_t1, qa_t2: each date's QA band alone (a band-subset VRT of
 * the QA file, of the date's band file when the date is a {band} stack, or
 * of the date's raster), then onto the scene grid. */
int mw_open_qa(const mw_config *cfg, mw_scene *s, GDALDatasetH t1, const int win[4])
{
    for (int d = 0; d < 2; d++) {
        const char *file = d ? cfg->qa_t2 : cfg->qa_t1;
        int band = 1;
        if (!file[0] && s->files[d]) {
            int n = CSLCount(s->files[d]);
            if (cfg->qa > n) {
                mw_error(MW_EXIT_CONFIG, "%s: [bands] qa = %d, but [bands] files names %d "
                         "band%s", s->path[d], cfg->qa, n, n == 1 ? "" : "s");
                return -1;
            }
            file = s->files[d][cfg->qa - 1];
        } else if (!file[0]) {
            file = s->base[d];
            band = cfg->qa;
        }
        if (mw_require_regular(file, "the QA raster"))
            return -1;
        GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
        if (!ds) {
            mw_error(MW_EXIT_RASTER, "%s: cannot open the QA raster (%s)", file,
                     mw_gdal_message());
            return -1;
        }
        if (mw_add_inputs(s, file, ds, "the QA raster")) {
            GDALClose(ds);
            return -1;
        }
        int nb = GDALGetRasterCount(ds), rgb = s->qa_type == MW_QA_SCL_RGB;
        if (band + 2 * rgb > nb) {
            if (rgb)
                mw_error(MW_EXIT_RASTER, "%s: has %d band%s, but qa_type = scl_rgb needs the "
                         "red, green and blue of an SCL rendering from band %d on", file, nb,
                         nb == 1 ? "" : "s", band);
            else
                mw_error(MW_EXIT_RASTER, "%s: has %d band%s, but [bands] qa = %d", s->path[d],
                         nb, nb == 1 ? "" : "s", band);
            GDALClose(ds);
            return -1;
        }
        if (rgb && check_scl_rgb(ds, file, band, &s->qa_rgb_div[d])) {
            GDALClose(ds);
            return -1;
        }
        double gt[6];
        if (GDALGetGeoTransform(ds, gt) != CE_None || !GDALGetProjectionRef(ds)[0]) {
            mw_error(MW_EXIT_RASTER, "%s: the QA raster has no georeferencing", file);
            GDALClose(ds);
            return -1;
        }
        char b[3][16], path[MW_PATH_MAX];
        for (int k = 0; k < 3; k++)
            snprintf(b[k], sizeof b[k], "%d", band + k);
        char *argv[] = {"-of", "VRT", "-b", b[0], rgb ? "-b" : NULL, b[1], "-b", b[2], NULL};
        GDALTranslateOptions *opt = GDALTranslateOptionsNew(argv, NULL);
        mw_vsimem_name(path, sizeof path, d, "qaband");
        GDALDatasetH vrt = opt ? GDALTranslate(path, ds, opt, NULL) : NULL;
        GDALTranslateOptionsFree(opt);
        if (!vrt) {
            mw_error(MW_EXIT_RASTER, "%s: cannot read QA band %d (%s)", file, band,
                     mw_gdal_message());
            GDALClose(ds);
            return -1;
        }
        GDALClose(vrt); /* before its source */
        GDALClose(ds);
        if (!(s->qa_base[d] = strdup(path))) {
            VSIUnlink(path);
            mw_error(MW_EXIT_INTERNAL, "out of memory");
            return -1;
        }
        if (mw_warp_qa(s, d, t1, win))
            return -1;
    }
    return 0;
}
