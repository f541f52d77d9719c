/* ingest.c - the two dates through GDAL. */
#include "ingest.h"

#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels.h"
#include "mw.h"

static const char *ROLE_NAMES[MW_NROLES] = {"blue", "green", "red", "nir", "swir1"};

static GDALDatasetH open_raster(const char *path)
{
    if (access(path, R_OK) != 0) {
        mw_error(MW_EXIT_RASTER, "%s: cannot read image: %s", path, strerror(errno));
        return NULL;
    }
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY,
                                 NULL, NULL, NULL);
    if (!ds)
        mw_error(MW_EXIT_RASTER, "%s: not a raster GDAL can read (%s)", path,
                 mw_gdal_message());
    return ds;
}

static int check_date(GDALDatasetH ds, const char *path, const mw_config *cfg,
                      const mw_scene *s)
{
    int n = GDALGetRasterCount(ds);
    for (int r = 0; r < MW_NROLES; r++) {
        if (s->band[r] > n) {
            mw_error(MW_EXIT_RASTER,
                     "%s: has %d band%s, but [bands] %s = %d needs at least %d", path,
                     n, n == 1 ? "" : "s", ROLE_NAMES[r], s->band[r], s->band[r]);
            return -1;
        }
    }
    double gt[6];
    if (GDALGetGeoTransform(ds, gt) != CE_None) {
        mw_error(MW_EXIT_RASTER, "%s: has no georeferencing (geotransform)", path);
        return -1;
    }
    if (gt[2] != 0 || gt[4] != 0 || gt[1] <= 0 || gt[5] >= 0) {
        mw_error(MW_EXIT_RASTER, "%s: grid is rotated or not north-up; warp it first", path);
        return -1;
    }
    const char *wkt = GDALGetProjectionRef(ds);
    if (!wkt || !wkt[0]) {
        mw_error(MW_EXIT_RASTER, "%s: has no coordinate reference system", path);
        return -1;
    }
    (void)cfg;
    return 0;
}

static int same_grid(GDALDatasetH a, GDALDatasetH b, const char *pa, const char *pb)
{
    int wa = GDALGetRasterXSize(a), ha = GDALGetRasterYSize(a);
    int wb = GDALGetRasterXSize(b), hb = GDALGetRasterYSize(b);
    double ga[6], gb[6];
    GDALGetGeoTransform(a, ga);
    GDALGetGeoTransform(b, gb);
    double tol = 1e-6 * fabs(ga[1]);
    int grid_ok = wa == wb && ha == hb;
    for (int i = 0; i < 6; i++)
        grid_ok = grid_ok && fabs(ga[i] - gb[i]) <= tol;
    if (!grid_ok) {
        mw_error(MW_EXIT_RASTER,
                 "%s: grid differs from %s (%dx%d px of %g m at %.3f,%.3f vs %dx%d px "
                 "of %g m at %.3f,%.3f); both dates must share one grid",
                 pb, pa, wb, hb, gb[1], gb[0], gb[3], wa, ha, ga[1], ga[0], ga[3]);
        return 0;
    }
    OGRSpatialReferenceH sa = OSRNewSpatialReference(GDALGetProjectionRef(a));
    OGRSpatialReferenceH sb = OSRNewSpatialReference(GDALGetProjectionRef(b));
    int crs_ok = sa && sb && OSRIsSame(sa, sb);
    OSRDestroySpatialReference(sa);
    OSRDestroySpatialReference(sb);
    if (!crs_ok)
        mw_error(MW_EXIT_RASTER, "%s: coordinate reference system differs from %s; "
                 "both dates must share one grid", pb, pa);
    return crs_ok;
}

static int all_u16(GDALDatasetH ds, const mw_scene *s)
{
    for (int r = 0; r < MW_NROLES; r++)
        if (s->band[r] &&
            GDALGetRasterDataType(GDALGetRasterBand(ds, s->band[r])) != GDT_UInt16)
            return 0;
    return 1;
}

int mw_scene_open(const mw_config *cfg, mw_scene *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path[0], sizeof s->path[0], "%s", cfg->t1);
    snprintf(s->path[1], sizeof s->path[1], "%s", cfg->t2);
    int roles[MW_NROLES] = {cfg->blue, cfg->green, cfg->red, cfg->nir, cfg->swir1};
    memcpy(s->band, roles, sizeof roles);
    s->scale = (float)cfg->scale;
    s->offset = (float)cfg->offset;

    GDALDatasetH ds[2] = {NULL, NULL};
    int rc = -1;
    for (int d = 0; d < 2; d++) {
        ds[d] = open_raster(s->path[d]);
        if (!ds[d] || check_date(ds[d], s->path[d], cfg, s))
            goto done;
        /* nodata: the config's, else the raster's own (first role band) */
        if (cfg->has_nodata) {
            s->has_nodata[d] = 1;
            s->nodata[d] = cfg->nodata;
        } else {
            int has = 0;
            double v = GDALGetRasterNoDataValue(
                GDALGetRasterBand(ds[d], s->band[MW_RED]), &has);
            s->has_nodata[d] = has;
            s->nodata[d] = v;
        }
    }
    if (!same_grid(ds[0], ds[1], s->path[0], s->path[1]))
        goto done;
    s->width = GDALGetRasterXSize(ds[0]);
    s->height = GDALGetRasterYSize(ds[0]);
    GDALGetGeoTransform(ds[0], s->gt);
    s->wkt = strdup(GDALGetProjectionRef(ds[0]));
    s->pixel_area_m2 = fabs(s->gt[1] * s->gt[5]);
    s->read_u16 = all_u16(ds[0], s) && all_u16(ds[1], s);
    for (int d = 0; d < 2; d++)
        if (s->read_u16 && s->has_nodata[d] &&
            (s->nodata[d] < 0 || s->nodata[d] > 65535 ||
             s->nodata[d] != floor(s->nodata[d])))
            s->has_nodata[d] = 0; /* cannot occur in UInt16 data */
    rc = s->wkt ? 0 : -1;
done:
    for (int d = 0; d < 2; d++)
        if (ds[d])
            GDALClose(ds[d]);
    return rc;
}

void mw_scene_free(mw_scene *s)
{
    if (!s)
        return;
    free(s->wkt);
    s->wkt = NULL;
}

struct mw_reader {
    const mw_scene *scene;
    GDALDatasetH ds[2];
};

mw_reader *mw_reader_new(const mw_scene *s)
{
    mw_reader *r = mw_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->scene = s;
    for (int d = 0; d < 2; d++) {
        r->ds[d] = GDALOpenEx(s->path[d], GDAL_OF_RASTER | GDAL_OF_READONLY,
                              NULL, NULL, NULL);
        if (!r->ds[d]) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[d],
                     mw_gdal_message());
            mw_reader_free(r);
            return NULL;
        }
    }
    return r;
}

void mw_reader_free(mw_reader *r)
{
    if (!r)
        return;
    for (int d = 0; d < 2; d++)
        if (r->ds[d])
            GDALClose(r->ds[d]);
    free(r);
}

int mw_reader_read(mw_reader *r, int d, int x, int y, int w, int h,
                   float *out[MW_NROLES], uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)w * (size_t)h;
    for (int role = 0; role < MW_NROLES; role++) {
        if (!s->band[role])
            continue;
        GDALRasterBandH b = GDALGetRasterBand(r->ds[d], s->band[role]);
        CPLErr err;
        if (s->read_u16) {
            err = GDALRasterIO(b, GF_Read, x, y, w, h, scratch, w, h, GDT_UInt16, 0, 0);
            if (err == CE_None)
                mw_scale_u16(scratch, n, s->scale, s->offset, s->has_nodata[d],
                             (uint16_t)s->nodata[d], out[role]);
        } else {
            err = GDALRasterIO(b, GF_Read, x, y, w, h, out[role], w, h, GDT_Float32, 0, 0);
            if (err == CE_None)
                mw_scale_f32(out[role], n, s->scale, s->offset, s->has_nodata[d],
                             (float)s->nodata[d]);
        }
        if (err != CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: read failed at window %d,%d %dx%d, band %d (%s)",
                     s->path[d], x, y, w, h, s->band[role], mw_gdal_message());
            return -1;
        }
    }
    return 0;
}
