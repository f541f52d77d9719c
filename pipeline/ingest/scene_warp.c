/* scene_warp.c - t2 onto t1's grid: the overlap of both grids, the warped
 * VRTs of a date and of its QA band, and a date read at the co-registration
 * shift (mw_scene_shifted, mw_scene_view). */
#include "ingest_internal.h"

#include <gdal_utils.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

int mw_overlap_window(GDALDatasetH t1, GDALDatasetH t2, int win[4])
{
    double g1[6], g2[6];
    GDALGetGeoTransform(t1, g1);
    GDALGetGeoTransform(t2, g2);
    int w2 = GDALGetRasterXSize(t2), h2 = GDALGetRasterYSize(t2);
    OGRSpatialReferenceH s1 = OSRNewSpatialReference(GDALGetProjectionRef(t1));
    OGRSpatialReferenceH s2 = OSRNewSpatialReference(GDALGetProjectionRef(t2));
    OSRSetAxisMappingStrategy(s1, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(s2, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(s2, s1);
    enum { K = 21 };
    double x[4 * K], y[4 * K];
    int ok[4 * K];
    for (int e = 0; e < 4; e++)
        for (int k = 0; k < K; k++) {
            double t = (double)k / (K - 1);
            double px = e == 0 ? t * w2 : e == 1 ? w2 : e == 2 ? (1 - t) * w2 : 0;
            double py = e == 0 ? 0 : e == 1 ? t * h2 : e == 2 ? h2 : (1 - t) * h2;
            x[e * K + k] = g2[0] + px * g2[1] + py * g2[2];
            y[e * K + k] = g2[3] + px * g2[4] + py * g2[5];
        }
    int good = ct && OCTTransformEx(ct, 4 * K, x, y, NULL, ok);
    double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
    for (int i = 0; good && i < 4 * K; i++) {
        if (!ok[i])
            continue;
        minx = fmin(minx, x[i]); maxx = fmax(maxx, x[i]);
        miny = fmin(miny, y[i]); maxy = fmax(maxy, y[i]);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(s1);
    OSRDestroySpatialReference(s2);
    int w1 = GDALGetRasterXSize(t1), h1 = GDALGetRasterYSize(t1);
    double fx0 = floor((minx - g1[0]) / g1[1] + 1e-6), fx1 = ceil((maxx - g1[0]) / g1[1] - 1e-6);
    double fy0 = floor((maxy - g1[3]) / g1[5] + 1e-6), fy1 = ceil((miny - g1[3]) / g1[5] - 1e-6);
    win[0] = (int)fmax(0, fx0);
    win[1] = (int)fmax(0, fy0);
    win[2] = (int)fmin(w1, fx1);
    win[3] = (int)fmin(h1, fy1);
    if (!isfinite(minx) || win[2] <= win[0] || win[3] <= win[1])
        return -1;
    win[2] -= win[0];
    win[3] -= win[1];
    return 0;
}

/* Warp dataset src onto the window win of t1's grid (dataset t1), shifted by
 * (dx, dy) pixels, through a warped VRT in /vsimem/ (resampling; srcnd and
 * dstnd as gdalwarp's -srcnodata / -dstnodata).  Its name in *out
 * (malloc'd).  0, or -1 (the GDAL message is left for the caller). */
static int warp_vrt(GDALDatasetH t1, GDALDatasetH src, const int win[4], double dx,
                    double dy, const char *resampling, const char *srcnd, const char *dstnd,
                    int d, const char *what, char **out)
{
    double g[6];
    GDALGetGeoTransform(t1, g);
    char te[4][40], ts[2][16];
    snprintf(te[0], sizeof te[0], "%.12g", g[0] + (win[0] + dx) * g[1]);
    snprintf(te[1], sizeof te[1], "%.12g", g[3] + (win[1] + win[3] + dy) * g[5]);
    snprintf(te[2], sizeof te[2], "%.12g", g[0] + (win[0] + win[2] + dx) * g[1]);
    snprintf(te[3], sizeof te[3], "%.12g", g[3] + (win[1] + dy) * g[5]);
    snprintf(ts[0], sizeof ts[0], "%d", win[2]);
    snprintf(ts[1], sizeof ts[1], "%d", win[3]);
    char *argv[] = {"-of", "VRT", "-t_srs", (char *)GDALGetProjectionRef(t1),
                    "-te", te[0], te[1], te[2], te[3], "-ts", ts[0], ts[1],
                    "-r", (char *)resampling, "-srcnodata", (char *)srcnd,
                    "-dstnodata", (char *)dstnd, NULL};
    GDALWarpAppOptions *opt = GDALWarpAppOptionsNew(argv, NULL);
    char path[MW_PATH_MAX];
    mw_vsimem_name(path, sizeof path, d, what);
    GDALDatasetH vrt = opt ? GDALWarp(path, NULL, 1, &src, opt, NULL) : NULL;
    GDALWarpAppOptionsFree(opt);
    if (!vrt)
        return -1;
    GDALClose(vrt);
    *out = strdup(path);
    if (!*out) {
        VSIUnlink(path);
        return -1;
    }
    return 0;
}

/* The value a warped VRT of date d gives outside the date's footprint: the
 * date's no data value, or 0 when it has none. */
static double warp_nodata(const mw_scene *s, int d)
{
    return s->has_nodata[d] ? s->nodata[d] : 0;
}

/* The warped VRT of date d (dataset src) onto the window win of t1's grid
 * (dataset t1), shifted by (dx, dy) pixels, with the given resampling: its
 * name in *path (malloc'd).  0, or -1 with mw_error. */
static int warp_date_vrt(const mw_scene *s, int d, GDALDatasetH t1, GDALDatasetH src,
                         const int win[4], double dx, double dy, const char *resampling,
                         char **path)
{
    char nd[40];
    snprintf(nd, sizeof nd, "%.17g", warp_nodata(s, d));
    if (warp_vrt(t1, src, win, dx, dy, resampling, nd, nd, d, "warp", path)) {
        mw_error(MW_EXIT_RASTER, "%s: cannot warp onto the grid of %s (%s)", s->path[d],
                 s->path[0], mw_gdal_message());
        return -1;
    }
    return 0;
}

/* Warp date d (dataset src) onto the window win of t1's grid (dataset t1),
 * shifted by (dx, dy) pixels, through a warped VRT with the given
 * resampling; the VRT becomes s->src[d] and covers the scene exactly. */
int mw_warp_date(mw_scene *s, int d, GDALDatasetH t1, GDALDatasetH src, const int win[4],
                 double dx, double dy, const char *resampling)
{
    char *path = NULL;
    if (warp_date_vrt(s, d, t1, src, win, dx, dy, resampling, &path))
        return -1;
    if (!s->has_nodata[d]) { /* outside the date's footprint must read as no data */
        s->has_nodata[d] = 1;
        s->nodata[d] = 0;
    }
    /* an earlier warp goes; a stacked date (base) stays: the new VRT reads it */
    if (s->src[d] && strcmp(s->src[d], s->base[d]) && strncmp(s->src[d], "/vsimem/", 8) == 0)
        VSIUnlink(s->src[d]);
    free(s->src[d]);
    s->src[d] = path;
    s->off[d][0] = s->off[d][1] = 0;
    return 0;
}

/* The QA of date d onto the window win of t1's grid shifted by (dx, dy),
 * nearest neighbour; outside the QA raster reads as fill (Landsat bit 0) or
 * no data (SCL 0).  Its name in *path (malloc'd).  0, or -1 with mw_error. */
static int warp_qa_vrt(const mw_scene *s, int d, GDALDatasetH t1, const int win[4], double dx,
                       double dy, char **path)
{
    GDALDatasetH q = GDALOpenEx(s->qa_base[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
                                NULL);
    const char *fill = s->qa_type == MW_QA_LANDSAT ? "1" : "0";
    int rc = q ? warp_vrt(t1, q, win, dx, dy, "near", "None", fill, d, "qa", path) : -1;
    if (q)
        GDALClose(q);
    if (rc) {
        mw_error(MW_EXIT_RASTER, "%s: cannot put the QA band onto the grid of %s (%s)",
                 s->path[d], s->path[0], mw_gdal_message());
        return -1;
    }
    return 0;
}

/* The QA of date d onto the scene grid (window win of t1's grid, shifted by
 * the date's shift).  Replaces s->qa_src[d]. */
int mw_warp_qa(mw_scene *s, int d, GDALDatasetH t1, const int win[4])
{
    char *path = NULL;
    if (warp_qa_vrt(s, d, t1, win, s->shift[d][0], s->shift[d][1], &path))
        return -1;
    if (s->qa_src[d])
        VSIUnlink(s->qa_src[d]);
    free(s->qa_src[d]);
    s->qa_src[d] = path;
    return 0;
}

int mw_scene_shifted(const mw_scene *s, int d, double dx, double dy, mw_shifted *out)
{
    memset(out, 0, sizeof *out);
    GDALDatasetH t1 = GDALOpenEx(s->base[0], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
                                 NULL);
    GDALDatasetH src = GDALOpenEx(s->base[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
                                  NULL);
    int rc = -1;
    if (!t1 || !src) {
        mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[t1 ? d : 0],
                 mw_gdal_message());
        goto done;
    }
    int win[4] = {s->grid_off[0], s->grid_off[1], s->width, s->height};
    if (warp_date_vrt(s, d, t1, src, win, dx, dy, "lanczos", &out->src))
        goto done;
    out->nodata = warp_nodata(s, d); /* outside the footprint: no data */
    if (s->qa_type && warp_qa_vrt(s, d, t1, win, dx, dy, &out->qa_src))
        goto done;
    out->on = 1;
    out->d = d;
    out->dx = dx;
    out->dy = dy;
    rc = 0;
done:
    if (t1)
        GDALClose(t1);
    if (src)
        GDALClose(src);
    if (rc)
        mw_shifted_free(out);
    return rc;
}

void mw_shifted_free(mw_shifted *sh)
{
    if (!sh)
        return;
    if (sh->src) {
        VSIUnlink(sh->src);
        free(sh->src);
    }
    if (sh->qa_src) {
        VSIUnlink(sh->qa_src);
        free(sh->qa_src);
    }
    memset(sh, 0, sizeof *sh);
}

mw_scene mw_scene_view(const mw_scene *s, const mw_shifted *sh)
{
    mw_scene v = *s;
    if (sh && sh->on) {
        const int d = sh->d;
        v.src[d] = sh->src;
        if (s->qa_type)
            v.qa_src[d] = sh->qa_src;
        v.shift[d][0] = sh->dx;
        v.shift[d][1] = sh->dy;
        v.off[d][0] = v.off[d][1] = 0;
        v.has_nodata[d] = 1;
        v.nodata[d] = sh->nodata;
        v.direct[d] = 0; /* read through the warped VRT */
    }
    return v;
}
