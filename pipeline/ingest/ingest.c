/* ingest.c - the two dates through GDAL. */
#include "ingest.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels.h"
#include "measure.h"
#include "mw.h"
#include "tiffdirect.h"

const char *const MW_ROLE_NAMES[MW_NROLES] = {"blue", "green", "red", "nir", "swir1",
                                               "swir2"};

static int check_date(GDALDatasetH ds, const char *path, const mw_config *cfg,
                      const mw_scene *s)
{
    int n = GDALGetRasterCount(ds);
    for (int r = 0; r < MW_NROLES; r++) {
        if (s->band[r] > n) {
            mw_error(MW_EXIT_RASTER,
                     "%s: has %d band%s, but [bands] %s = %d needs at least %d", path,
                     n, n == 1 ? "" : "s", MW_ROLE_NAMES[r], s->band[r], s->band[r]);
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

/* 1 when a and b share size, geotransform and CRS. */
static int same_grid(GDALDatasetH a, GDALDatasetH b)
{
    if (GDALGetRasterXSize(a) != GDALGetRasterXSize(b) ||
        GDALGetRasterYSize(a) != GDALGetRasterYSize(b))
        return 0;
    double ga[6], gb[6];
    GDALGetGeoTransform(a, ga);
    GDALGetGeoTransform(b, gb);
    double tol = 1e-6 * fabs(ga[1]);
    for (int i = 0; i < 6; i++)
        if (fabs(ga[i] - gb[i]) > tol)
            return 0;
    OGRSpatialReferenceH sa = OSRNewSpatialReference(GDALGetProjectionRef(a));
    OGRSpatialReferenceH sb = OSRNewSpatialReference(GDALGetProjectionRef(b));
    int crs_ok = sa && sb && OSRIsSame(sa, sb);
    OSRDestroySpatialReference(sa);
    OSRDestroySpatialReference(sb);
    return crs_ok;
}

/* A process-unique /vsimem/ name for a VRT of date d. */
static void vsimem_name(char *buf, size_t size, int d, const char *what)
{
    static int seq;
    int k;
#pragma omp atomic capture
    k = ++seq;
    snprintf(buf, size, "/vsimem/minewatch-%ld-%d-t%d-%s.vrt", (long)getpid(), k, d + 1,
             what);
}

/* 1 when GDAL names path a path of its virtual file systems (/vsizip/,
 * /vsicurl/, /vsimem/...), which the operating system does not see. */
static int is_virtual(const char *path)
{
    return strncmp(path, "/vsi", 4) == 0;
}

/* 0 when path can be read (a virtual path: exists for GDAL), else -1 with
 * errno set. */
static int can_read(const char *path)
{
    if (!is_virtual(path))
        return access(path, R_OK);
    VSIStatBufL st;
    if (VSIStatExL(path, &st, VSI_STAT_EXISTS_FLAG) == 0)
        return 0;
    errno = ENOENT;
    return -1;
}

/* A file of the scene must be a regular file: a device (/dev/zero) would be
 * read forever, a FIFO blocks the open until someone writes into it.  what:
 * the role of the file, for the message.  0, or -1 with mw_error
 * (MW_EXIT_RASTER); a path that does not exist (or a virtual one) is left to
 * the caller's own checks. */
static int require_regular(const char *path, const char *what)
{
    struct stat st;
    if (is_virtual(path) || stat(path, &st) != 0 || S_ISREG(st.st_mode))
        return 0;
    const char *kind = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a file";
    mw_error(MW_EXIT_RASTER, "%s: %s is %s, not a regular file", path, what, kind);
    return -1;
}

/* Add path (unless it is one of our /vsimem/ files) and every file GDAL
 * reads for it to s->inputs: GDALGetFileList of the dataset (ds, or path
 * opened here when GDAL identifies it as a raster) lists its sidecars and,
 * for a VRT, its sources, whose own files are added in turn.  Each file is
 * checked by require_regular before GDAL opens it.  what: the role of
 * path (for messages).  0, or -1 with mw_error. */
static int add_inputs(mw_scene *s, const char *path, GDALDatasetH ds, const char *what)
{
    if (strncmp(path, "/vsimem/", 8) != 0) {
        if (CSLFindString(s->inputs, path) >= 0)
            return 0; /* seen (a VRT that refers to itself, too) */
        if (require_regular(path, what))
            return -1;
        s->inputs = CSLAddString(s->inputs, path);
    }
    GDALDatasetH own = NULL;
    if (!ds) {
        CPLPushErrorHandler(CPLQuietErrorHandler); /* sidecars are not rasters */
        if (GDALIdentifyDriverEx(path, GDAL_OF_RASTER, NULL, NULL))
            ds = own = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
        CPLPopErrorHandler();
        CPLErrorReset();
        if (!ds)
            return 0;
    }
    char **list = GDALGetFileList(ds);
    char role[MW_PATH_MAX + 32];
    snprintf(role, sizeof role, "a file read for %s", path);
    int rc = 0;
    for (int i = 0; list && list[i] && !rc; i++)
        if (strcmp(list[i], path))
            rc = add_inputs(s, list[i], NULL, role);
    CSLDestroy(list);
    if (own)
        GDALClose(own);
    return rc;
}

/* Replace the first {band} of pattern by name. */
static int band_path(const char *pattern, const char *name, char *out, size_t size)
{
    const char *at = strstr(pattern, "{band}");
    if (!at)
        return -1;
    int n = snprintf(out, size, "%.*s%s%s", (int)(at - pattern), pattern, name,
                     at + strlen("{band}"));
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Stack the band files of date d (pattern with {band}, one file per name of
 * [bands] files) into a VRT on the finest grid, resampled bilinearly. */
static int stack_bands(const mw_config *cfg, mw_scene *s, int d)
{
    char **names = CSLTokenizeString2(cfg->band_files, ",", CSLT_STRIPLEADSPACES |
                                                            CSLT_STRIPENDSPACES);
    int n = CSLCount(names), rc = -1;
    char **files = NULL;
    char path[MW_PATH_MAX];
    if (n == 0) {
        mw_error(MW_EXIT_CONFIG, "%s: has {band} but [bands] files names no band",
                 s->path[d]);
        goto done;
    }
    for (int i = 0; i < n; i++) {
        if (band_path(s->path[d], names[i], path, sizeof path)) {
            mw_error(MW_EXIT_CONFIG, "%s: path too long for band %s", s->path[d], names[i]);
            goto done;
        }
        if (require_regular(path, "the band file"))
            goto done;
        if (can_read(path) != 0) {
            mw_error(MW_EXIT_RASTER, "%s: cannot read band file %s of [bands] files (%s): "
                     "files names the bands every date must have", path, names[i],
                     strerror(errno));
            goto done;
        }
        /* GDALBuildVRT skips a file it cannot open, and the bands after it
         * would move up: each must open */
        GDALDatasetH one = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY |
                                      GDAL_OF_VERBOSE_ERROR, NULL, NULL, NULL);
        if (!one) {
            mw_error(MW_EXIT_RASTER, "%s: band file %s is not a raster GDAL can read (%s)",
                     path, names[i], mw_gdal_message());
            goto done;
        }
        GDALClose(one);
        files = CSLAddString(files, path);
    }
    /* band 1 of each file: an EO Browser export has the values in band 1 and its
     * dataMask in band 2 (GDAL >= 3.8 would stack every band with -separate) */
    char *argv[] = {"-separate", "-b", "1", "-resolution", "highest", "-r", "bilinear", NULL};
    GDALBuildVRTOptions *opt = GDALBuildVRTOptionsNew(argv, NULL);
    vsimem_name(path, sizeof path, d, "stack");
    GDALDatasetH vrt = opt ? GDALBuildVRT(path, n, NULL, (const char *const *)files, opt,
                                          NULL) : NULL;
    GDALBuildVRTOptionsFree(opt);
    if (!vrt) {
        mw_error(MW_EXIT_RASTER, "%s: cannot stack the band files (%s)", s->path[d],
                 mw_gdal_message());
        goto done;
    }
    if (GDALGetRasterCount(vrt) != n) {
        mw_error(MW_EXIT_RASTER, "%s: %d band files stacked into %d bands (%s)", s->path[d],
                 n, GDALGetRasterCount(vrt), mw_gdal_message());
        GDALClose(vrt);
        VSIUnlink(path);
        goto done;
    }
    GDALClose(vrt);
    s->src[d] = strdup(path);
    s->files[d] = files;
    files = NULL;
    rc = s->src[d] ? 0 : -1;
done:
    CSLDestroy(names);
    CSLDestroy(files);
    return rc;
}

/* Pixel window of t1's grid covered by t2 (its footprint sampled along the
 * edges and transformed into t1's CRS).  0, or -1 when they do not overlap. */
static int overlap_window(GDALDatasetH t1, GDALDatasetH t2, int win[4])
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
    vsimem_name(path, sizeof path, d, what);
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

/* Warp date d (dataset src) onto the window win of t1's grid (dataset t1),
 * shifted by (dx, dy) pixels, through a warped VRT with the given
 * resampling; the VRT becomes s->src[d] and covers the scene exactly. */
static int warp_date(mw_scene *s, int d, GDALDatasetH t1, GDALDatasetH src, const int win[4],
                     double dx, double dy, const char *resampling)
{
    char nd[40];
    if (!s->has_nodata[d]) { /* outside the date's footprint must read as no data */
        s->has_nodata[d] = 1;
        s->nodata[d] = 0;
    }
    snprintf(nd, sizeof nd, "%.17g", s->nodata[d]);
    char *path = NULL;
    if (warp_vrt(t1, src, win, dx, dy, resampling, nd, nd, d, "warp", &path)) {
        mw_error(MW_EXIT_RASTER, "%s: cannot warp onto the grid of %s (%s)", s->path[d],
                 s->path[0], mw_gdal_message());
        return -1;
    }
    /* an earlier warp goes; a stacked date (base) stays: the new VRT reads it */
    if (s->src[d] && strcmp(s->src[d], s->base[d]) && strncmp(s->src[d], "/vsimem/", 8) == 0)
        VSIUnlink(s->src[d]);
    free(s->src[d]);
    s->src[d] = path;
    s->off[d][0] = s->off[d][1] = 0;
    return 0;
}

/* The QA of date d onto the scene grid (window win of t1's grid, shifted by
 * the date's shift), nearest neighbour; outside the QA raster reads as fill
 * (Landsat bit 0) or no data (SCL 0).  Replaces s->qa_src[d]. */
static int warp_qa(mw_scene *s, int d, GDALDatasetH t1, const int win[4])
{
    GDALDatasetH q = GDALOpenEx(s->qa_base[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
                                NULL);
    char *path = NULL;
    const char *fill = s->qa_type == MW_QA_LANDSAT ? "1" : "0";
    int rc = q ? warp_vrt(t1, q, win, s->shift[d][0], s->shift[d][1], "near", "None", fill,
                          d, "qa", &path)
               : -1;
    if (q)
        GDALClose(q);
    if (rc) {
        mw_error(MW_EXIT_RASTER, "%s: cannot put the QA band onto the grid of %s (%s)",
                 s->path[d], s->path[0], mw_gdal_message());
        return -1;
    }
    if (s->qa_src[d])
        VSIUnlink(s->qa_src[d]);
    free(s->qa_src[d]);
    s->qa_src[d] = path;
    return 0;
}

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
static int open_qa(const mw_config *cfg, mw_scene *s, GDALDatasetH t1, const int win[4])
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
        if (require_regular(file, "the QA raster"))
            return -1;
        GDALDatasetH ds = GDALOpenEx(file, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
        if (!ds) {
            mw_error(MW_EXIT_RASTER, "%s: cannot open the QA raster (%s)", file,
                     mw_gdal_message());
            return -1;
        }
        if (add_inputs(s, file, ds, "the QA raster")) {
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
        vsimem_name(path, sizeof path, d, "qaband");
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
        if (warp_qa(s, d, t1, win))
            return -1;
    }
    return 0;
}

static int all_u16(GDALDatasetH ds, const mw_scene *s)
{
    for (int r = 0; r < MW_NROLES; r++)
        if (s->band[r] &&
            GDALGetRasterDataType(GDALGetRasterBand(ds, s->band[r])) != GDT_UInt16)
            return 0;
    return 1;
}

/* 1 when the date's file can be read through libtiff (tiffdirect.h) with
 * the values GDAL gives: a GeoTIFF GDAL itself reads as a plain file, of a
 * layout tiffdirect reads.  fill: GDAL's value for an absent tile. */
static int direct_ok(GDALDatasetH ds, const char *src, uint16_t *fill)
{
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    if (!drv || strcmp(GDALGetDriverShortName(drv), "GTiff") ||
        strcmp(GDALGetDescription(ds), src))
        return 0;
    int has = 0;
    double v = GDALGetRasterNoDataValue(GDALGetRasterBand(ds, 1), &has);
    if (has && (v < 0 || v > 65535 || v != floor(v)))
        return 0;
    *fill = has ? (uint16_t)v : 0;
    return mw_tiffdirect_probe(src, GDALGetRasterXSize(ds), GDALGetRasterYSize(ds),
                               GDALGetRasterCount(ds));
}

static GDALDatasetH open_date(const mw_config *cfg, mw_scene *s, int d)
{
    const char *pattern = s->path[d];
    if (strstr(pattern, "{band}")) {
        if (stack_bands(cfg, s, d))
            return NULL;
    } else {
        if (cfg->band_files[0]) {
            mw_error(MW_EXIT_CONFIG, "%s: [bands] files is set but the path has no {band}",
                     pattern);
            return NULL;
        }
        s->src[d] = strdup(pattern);
        if (!s->src[d])
            return NULL;
        if (require_regular(pattern, d ? "the t2 image" : "the t1 image"))
            return NULL;
        if (can_read(pattern) != 0) {
            mw_error(MW_EXIT_RASTER, "%s: cannot read image: %s", pattern, strerror(errno));
            return NULL;
        }
    }
    GDALDatasetH ds = GDALOpenEx(s->src[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                 NULL, NULL);
    if (!ds) {
        mw_error(MW_EXIT_RASTER, "%s: not a raster GDAL can read (%s)", pattern,
                 mw_gdal_message());
        return NULL;
    }
    /* before anything is read: the files behind a VRT must be files too */
    if (add_inputs(s, s->src[d], ds, d ? "the t2 image" : "the t1 image")) {
        GDALClose(ds);
        return NULL;
    }
    return ds;
}

int mw_scene_open(const mw_config *cfg, mw_scene *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path[0], sizeof s->path[0], "%s", cfg->t1);
    snprintf(s->path[1], sizeof s->path[1], "%s", cfg->t2);
    int roles[MW_NROLES] = {cfg->blue, cfg->green, cfg->red, cfg->nir, cfg->swir1,
                            cfg->swir2};
    memcpy(s->band, roles, sizeof roles);
    s->scale = (float)cfg->scale;
    s->offset = (float)cfg->offset;
    s->saturation = cfg->saturation;
    if (cfg->qa || cfg->qa_t1[0])
        s->qa_type = !strcmp(cfg->qa_type, "scl")       ? MW_QA_SCL
                     : !strcmp(cfg->qa_type, "scl_rgb") ? MW_QA_SCL_RGB
                                                        : MW_QA_LANDSAT;
    s->cloud_test = !strcmp(cfg->cloud_test, "on");

    GDALDatasetH ds[2] = {NULL, NULL};
    int rc = -1;
    for (int d = 0; d < 2; d++) {
        ds[d] = open_date(cfg, s, d);
        if (s->src[d] && !(s->base[d] = strdup(s->src[d]))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory");
            goto done;
        }
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
    int win[4] = {0, 0, GDALGetRasterXSize(ds[0]), GDALGetRasterYSize(ds[0])};
    if (!same_grid(ds[0], ds[1])) {
        if (overlap_window(ds[0], ds[1], win)) {
            mw_error(MW_EXIT_RASTER, "%s: grid differs from %s and does not overlap "
                     "it; the dates must cover a common area", s->path[1], s->path[0]);
            goto done;
        }
        if (warp_date(s, 1, ds[0], ds[1], win, 0, 0, "bilinear"))
            goto done;
        s->warped = 1;
        GDALClose(ds[1]);
        ds[1] = GDALOpenEx(s->src[1], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
        if (!ds[1]) {
            mw_error(MW_EXIT_RASTER, "%s: cannot open the warped VRT (%s)", s->path[1],
                     mw_gdal_message());
            goto done;
        }
        mw_log("%s: warped onto the grid of %s; overlap %dx%d px at %d,%d", s->path[1],
               s->path[0], win[2], win[3], win[0], win[1]);
    }
    s->off[0][0] = s->grid_off[0] = win[0];
    s->off[0][1] = s->grid_off[1] = win[1];
    s->width = win[2];
    s->height = win[3];
    if ((double)s->width * (double)s->height > cfg->max_pixels) {
        mw_error(MW_EXIT_RASTER, "%s: the scene is %d x %d px, more than [tiles] max_pixels = "
                 "%.0f; cut the images to the area wanted, or raise the limit",
                 s->path[0], s->width, s->height, cfg->max_pixels);
        goto done;
    }
    GDALGetGeoTransform(ds[0], s->gt);
    s->gt[0] += win[0] * s->gt[1];
    s->gt[3] += win[1] * s->gt[5];
    s->wkt = strdup(GDALGetProjectionRef(ds[0]));
    if (!s->wkt) {
        mw_error(MW_EXIT_INTERNAL, "out of memory");
        goto done;
    }
    s->pixel_area_m2 = fabs(s->gt[1] * s->gt[5]);
    /* a geographic scene is measured in an equal-area CRS at its centre,
     * its pixels' areas row by row */
    s->measure_wkt = mw_measure_crs(s->wkt, s->gt[0] + 0.5 * s->width * s->gt[1],
                                    s->gt[3] + 0.5 * s->height * s->gt[5]);
    if (!s->measure_wkt)
        goto done;
    if (strcmp(s->measure_wkt, s->wkt) != 0) {
        s->row_area = mw_row_areas(s->wkt, s->measure_wkt, s->gt, s->width, s->height);
        if (!s->row_area)
            goto done;
        s->pixel_area_m2 = mw_scene_pixel_area(s, 0.5 * s->height);
        mw_log("%s: CRS not projected in metres: areas and distances are measured in an "
               "equal-area CRS at the scene's centre; a pixel is %.2f m2 at the centre row "
               "(%.2f to %.2f)", s->path[0], s->pixel_area_m2, s->row_area[0],
               s->row_area[s->height - 1]);
    }
    s->read_u16 = all_u16(ds[0], s) && all_u16(ds[1], s);
    for (int d = 0; d < 2; d++)
        if (s->read_u16 && s->has_nodata[d] &&
            (s->nodata[d] < 0 || s->nodata[d] > 65535 ||
             s->nodata[d] != floor(s->nodata[d])))
            s->has_nodata[d] = 0; /* cannot occur in UInt16 data */
    for (int d = 0; d < 2; d++) {
        s->direct[d] = s->read_u16 && direct_ok(ds[d], s->src[d], &s->direct_fill[d]);
        if (s->direct[d] && !(s->tcache[d] = mw_tiffcache_new())) {
            mw_error(MW_EXIT_INTERNAL, "out of memory");
            goto done;
        }
    }
    if (s->qa_type && open_qa(cfg, s, ds[0], win))
        goto done;
    rc = 0;
done:
    for (int d = 0; d < 2; d++)
        if (ds[d])
            GDALClose(ds[d]);
    return rc;
}

int mw_scene_shift(mw_scene *s, int d, double dx, double dy)
{
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
    if (warp_date(s, d, t1, src, win, dx, dy, "lanczos"))
        goto done;
    s->shift[d][0] = dx;
    s->shift[d][1] = dy;
    s->direct[d] = 0; /* read through the warped VRT from now on */
    if (s->qa_type && warp_qa(s, d, t1, win))
        goto done;
    rc = 0;
done:
    if (t1)
        GDALClose(t1);
    if (src)
        GDALClose(src);
    return rc;
}

double mw_scene_pixel_area(const mw_scene *s, double y)
{
    if (!s->row_area)
        return s->pixel_area_m2;
    double t = y - 0.5; /* row centres at r + 0.5 */
    if (t <= 0)
        return s->row_area[0];
    if (t >= s->height - 1)
        return s->row_area[s->height - 1];
    int r = (int)t;
    double f = t - r;
    return s->row_area[r] + f * (s->row_area[r + 1] - s->row_area[r]);
}

void mw_scene_free(mw_scene *s)
{
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        if (s->base[d] && (!s->src[d] || strcmp(s->base[d], s->src[d])) &&
            strncmp(s->base[d], "/vsimem/", 8) == 0)
            VSIUnlink(s->base[d]);
        free(s->base[d]);
        s->base[d] = NULL;
        if (s->src[d] && strncmp(s->src[d], "/vsimem/", 8) == 0)
            VSIUnlink(s->src[d]);
        free(s->src[d]);
        s->src[d] = NULL;
        CSLDestroy(s->files[d]);
        s->files[d] = NULL;
        if (d == 1) {
            CSLDestroy(s->inputs);
            s->inputs = NULL;
        }
        for (int k = 0; k < 2; k++) {
            char **q = k ? &s->qa_src[d] : &s->qa_base[d];
            if (*q)
                VSIUnlink(*q);
            free(*q);
            *q = NULL;
        }
    }
    free(s->wkt);
    s->wkt = NULL;
    free(s->measure_wkt);
    s->measure_wkt = NULL;
    free(s->row_area);
    s->row_area = NULL;
    for (int d = 0; d < 2; d++) {
        mw_tiffcache_free(s->tcache[d]);
        s->tcache[d] = NULL;
    }
}

struct mw_reader {
    const mw_scene *scene;
    GDALDatasetH ds[2];
    GDALDatasetH qa[2]; /* the QA on the scene grid, when there is one */
    mw_tiffdirect *td[2]; /* the libtiff path of a direct date (read_dn) */
    uint16_t *all;      /* every band of a window, band after band (UInt16 path) */
    size_t all_cap;     /* in values */
    uint16_t *qa_buf;   /* the three colour bands of an SCL rendering (mask_scl_rgb) */
    size_t qa_cap;      /* in values */
};

/* The 1-based band numbers of the present roles, in role order. */
static int present_bands(const mw_scene *s, int bands[MW_NROLES])
{
    int np = 0;
    for (int role = 0; role < MW_NROLES; role++)
        if (s->band[role])
            bands[np++] = s->band[role];
    return np;
}

int mw_qa_masked(int type, int v)
{
    if (type == MW_QA_LANDSAT) /* fill, dilated cloud, cirrus, cloud, cloud shadow */
        return ((unsigned)v & 0x1Fu) != 0;
    if (type == MW_QA_SCL || type == MW_QA_SCL_RGB) /* no data, saturated, cloud
                                                       shadow, water, clouds, snow */
        return v < 0 || v == 0 || v == 1 || v == 3 || v == 6 || v == 8 || v == 9 ||
               v == 10 || v == 11;
    return 0;
}

int mw_scl_rgb_class(unsigned r, unsigned g, unsigned b)
{
    static const unsigned char C[12][3] = {
        {0, 0, 0},       {255, 0, 0},     {47, 47, 47},    {100, 50, 0},
        {0, 160, 0},     {255, 230, 90},  {0, 0, 255},     {128, 128, 128},
        {192, 192, 192}, {255, 255, 255}, {100, 200, 255}, {255, 150, 255}};
    for (int k = 0; k < 12; k++)
        if (abs((int)r - C[k][0]) <= 3 && abs((int)g - C[k][1]) <= 3 &&
            abs((int)b - C[k][2]) <= 3)
            return k;
    return -1;
}

int mw_cloud_white(float blue, float red, float nir)
{
    if (!(blue > 0.20f) || !(blue >= 0.8f * red) || !(nir + red > 0))
        return 0;
    return (nir - red) / (nir + red) < 0.2f;
}

mw_reader *mw_reader_new(const mw_scene *s)
{
    mw_reader *r = mw_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->scene = s;
    for (int d = 0; d < 2; d++) {
        r->ds[d] = GDALOpenEx(s->src[d], GDAL_OF_RASTER | GDAL_OF_READONLY,
                              NULL, NULL, NULL);
        if (!r->ds[d]) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[d],
                     mw_gdal_message());
            mw_reader_free(r);
            return NULL;
        }
        char why[600];
        int bands[MW_NROLES], np = present_bands(s, bands);
        if (s->direct[d] && !(r->td[d] = mw_tiffdirect_open(s->src[d], bands, np,
                                                            s->direct_fill[d],
                                                            s->tcache[d], why, sizeof why))) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[d], why);
            mw_reader_free(r);
            return NULL;
        }
        if (s->qa_type &&
            !(r->qa[d] = GDALOpenEx(s->qa_src[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                    NULL, NULL))) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen its QA (%s)", s->path[d],
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
    for (int d = 0; d < 2; d++) {
        if (r->ds[d])
            GDALClose(r->ds[d]);
        if (r->qa[d])
            GDALClose(r->qa[d]);
        mw_tiffdirect_close(r->td[d]);
    }
    free(r->all);
    free(r->qa_buf);
    free(r);
}

void mw_reader_span(mw_reader *r, int span_w, int span_h)
{
    for (int d = 0; d < 2; d++)
        if (r->td[d])
            mw_tiffdirect_span(r->td[d], span_w, span_h);
}

int mw_reader_read(mw_reader *r, int d, int x, int y, int w, int h,
                   float *out[MW_NROLES], uint16_t *scratch)
{
    return mw_reader_read_buf(r, d, x, y, w, h, w, h, out, scratch);
}

/* mask_qa for an SCL rendering: the three colour bands of each date, read
 * into the reader's buffer, decoded pixel by pixel. */
static int mask_scl_rgb(mw_reader *r, int x, int y, int w, int h, int bw, int bh,
                        float *const *out, int nout)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (r->qa_cap < 3 * n) {
        free(r->qa_buf);
        r->qa_cap = 0;
        if (!(r->qa_buf = malloc(3 * n * sizeof *r->qa_buf))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for a window of %zu px", n);
            return -1;
        }
        r->qa_cap = 3 * n;
    }
    const uint16_t *v = r->qa_buf;
    for (int d = 0; d < 2; d++) {
        int bands[3] = {1, 2, 3};
        if (GDALDatasetRasterIO(r->qa[d], GF_Read, x, y, w, h, r->qa_buf, bw, bh, GDT_UInt16,
                                3, bands, 0, 0, 0) != CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: QA read failed at window %d,%d %dx%d (%s)",
                     s->path[d], x, y, w, h, mw_gdal_message());
            return -1;
        }
        const unsigned div = s->qa_rgb_div[d], half = div / 2;
        for (size_t i = 0; i < n; i++) {
            int c = mw_scl_rgb_class((v[i] + half) / div, (v[n + i] + half) / div,
                                     (v[2 * n + i] + half) / div);
            if (mw_qa_masked(MW_QA_SCL_RGB, c))
                for (int k = 0; k < nout; k++)
                    out[k][i] = NAN;
        }
    }
    return 0;
}

/* The QA of both dates over the window: a pixel either masks is NaN in
 * every out[k] (k < nout). */
static int mask_qa(mw_reader *r, int x, int y, int w, int h, int bw, int bh,
                   float *const *out, int nout, uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (s->qa_type == MW_QA_SCL_RGB)
        return mask_scl_rgb(r, x, y, w, h, bw, bh, out, nout);
    for (int d = 0; d < 2; d++) {
        GDALRasterBandH b = GDALGetRasterBand(r->qa[d], 1);
        if (GDALRasterIO(b, GF_Read, x, y, w, h, scratch, bw, bh, GDT_UInt16, 0, 0) !=
            CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: QA read failed at window %d,%d %dx%d (%s)",
                     s->path[d], x, y, w, h, mw_gdal_message());
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (mw_qa_masked(s->qa_type, scratch[i]))
                for (int k = 0; k < nout; k++)
                    out[k][i] = NAN;
    }
    return 0;
}

mw_dn_scale mw_scene_dn_scale(const mw_scene *s, int d)
{
    /* v >= saturation for an integer v is v >= ceil(saturation) */
    double sat = s->saturation > 0 ? ceil(s->saturation) : 65536;
    return (mw_dn_scale){s->scale, s->offset, s->has_nodata[d] != 0, (uint16_t)s->nodata[d],
                         sat > 65536 ? 65536u : (uint32_t)sat};
}

void mw_dn_to_refl(const mw_scene *s, int d, const uint16_t *v, size_t n, float *out)
{
    const mw_dn_scale sc = mw_scene_dn_scale(s, d); /* one derivation for both paths */
    mw_scale_u16(v, n, sc.scale, sc.offset, sc.has_nodata, sc.nodata, out);
    if (sc.sat_min <= 65535)
        mw_mask_saturated_u16(v, n, sc.sat_min, out);
}

static int read_role_raw(mw_reader *r, int d, int role, int x, int y, int w, int h, int bw,
                         int bh, float *out, uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    int sx = x + s->off[d][0], sy = y + s->off[d][1];
    GDALRasterBandH b = GDALGetRasterBand(r->ds[d], s->band[role]);
    CPLErr err;
    if (s->read_u16) {
        err = GDALRasterIO(b, GF_Read, sx, sy, w, h, scratch, bw, bh, GDT_UInt16, 0, 0);
        if (err == CE_None)
            mw_dn_to_refl(s, d, scratch, n, out);
    } else {
        err = GDALRasterIO(b, GF_Read, sx, sy, w, h, out, bw, bh, GDT_Float32, 0, 0);
        if (err == CE_None) {
            if (s->saturation > 0)
                mw_mask_saturated_f32(out, n, (float)s->saturation);
            mw_scale_f32(out, n, s->scale, s->offset, s->has_nodata[d],
                         (float)s->nodata[d]);
        }
    }
    if (err != CE_None) {
        mw_error(MW_EXIT_RASTER, "%s: read failed at window %d,%d %dx%d, band %d (%s)",
                 s->path[d], x, y, w, h, s->band[role], mw_gdal_message());
        return -1;
    }
    return 0;
}

int mw_scene_nbands(const mw_scene *s)
{
    int n = 0;
    for (int role = 0; role < MW_NROLES; role++)
        n += s->band[role] != 0;
    return n;
}

/* The window (x, y, w, h) of every present band role of date d as raw values
 * into a bw x bh buffer: the roles' planes in role order, band_space values
 * apart.  Every band in one call: a pixel-interleaved file's block is then
 * decoded once for all bands, not once per band. */
static int read_dn(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                   uint16_t *out, size_t band_space)
{
    const mw_scene *s = r->scene;
    int bands[MW_NROLES], np = present_bands(s, bands);
    int sx = x + s->off[d][0], sy = y + s->off[d][1];
    char why[600];
    if (r->td[d] && bw == w && bh == h) {
        if (!mw_tiffdirect_read(r->td[d], sx, sy, w, h, out, band_space, why, sizeof why))
            return 0;
        /* the file's tile first: which window met it depends on the threads */
        mw_error(MW_EXIT_RASTER, "%s: read failed: %s (window %d,%d %dx%d)", s->path[d], why,
                 x, y, w, h);
        return -1;
    } else if (GDALDatasetRasterIOEx(r->ds[d], GF_Read, sx, sy, w, h, out, bw, bh,
                                     GDT_UInt16, np, bands, (GSpacing)sizeof *out,
                                     (GSpacing)(sizeof *out * bw),
                                     (GSpacing)(sizeof *out * band_space), NULL) == CE_None) {
        return 0;
    } else {
        snprintf(why, sizeof why, "%s", mw_gdal_message());
    }
    mw_error(MW_EXIT_RASTER, "%s: read failed at window %d,%d %dx%d (%s)", s->path[d], x, y,
             w, h, why);
    return -1;
}

static int read_all_u16(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                        int np, const int *roles, float *out[MW_NROLES])
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (r->all_cap < n * (size_t)np) {
        free(r->all);
        r->all_cap = 0;
        if (!(r->all = malloc(n * (size_t)np * sizeof *r->all))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for a window of %zu px", n);
            return -1;
        }
        r->all_cap = n * (size_t)np;
    }
    if (read_dn(r, d, x, y, w, h, bw, bh, r->all, n))
        return -1;
    for (int k = 0; k < np; k++)
        mw_dn_to_refl(s, d, r->all + (size_t)k * n, n, out[roles[k]]);
    return 0;
}

int mw_reader_dn_ok(const mw_scene *s)
{
    return s->read_u16 && !s->qa_type && !s->cloud_test;
}

int mw_reader_read_dn(mw_reader *r, int d, int x, int y, int w, int h, uint16_t *out,
                      size_t band_space)
{
    return read_dn(r, d, x, y, w, h, w, h, out, band_space);
}

int mw_reader_read_role(mw_reader *r, int d, int role, int x, int y, int w, int h, int bw,
                        int bh, float *out, uint16_t *scratch)
{
    if (read_role_raw(r, d, role, x, y, w, h, bw, bh, out, scratch))
        return -1;
    return r->scene->qa_type ? mask_qa(r, x, y, w, h, bw, bh, &out, 1, scratch) : 0;
}

int mw_reader_read_buf(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                       float *out[MW_NROLES], uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    float *present[MW_NROLES];
    int np = 0, roles[MW_NROLES];
    for (int role = 0; role < MW_NROLES; role++)
        if (s->band[role]) {
            roles[np] = role;
            present[np++] = out[role];
        }
    if (s->read_u16 && np > 1) {
        if (read_all_u16(r, d, x, y, w, h, bw, bh, np, roles, out))
            return -1;
    } else {
        for (int k = 0; k < np; k++)
            if (read_role_raw(r, d, roles[k], x, y, w, h, bw, bh, out[roles[k]], scratch))
                return -1;
    }
    if (s->qa_type && mask_qa(r, x, y, w, h, bw, bh, present, np, scratch))
        return -1;
    if (s->cloud_test) {
        size_t n = (size_t)bw * (size_t)bh;
        const float *b = out[MW_BLUE], *rd = out[MW_RED], *ni = out[MW_NIR];
        for (size_t i = 0; i < n; i++)
            if (mw_cloud_white(b[i], rd[i], ni[i]))
                for (int k = 0; k < np; k++)
                    present[k][i] = NAN;
    }
    return 0;
}
