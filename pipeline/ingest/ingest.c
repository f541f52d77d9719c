/* ingest.c - the scene: both dates opened through GDAL and checked, band
 * files stacked, every input listed, the common grid (mw_scene_open). */
#include "ingest_internal.h"

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
void mw_vsimem_name(char *buf, size_t size, int d, const char *what)
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
int mw_require_regular(const char *path, const char *what)
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
int mw_add_inputs(mw_scene *s, const char *path, GDALDatasetH ds, const char *what)
{
    if (strncmp(path, "/vsimem/", 8) != 0) {
        if (CSLFindString(s->inputs, path) >= 0)
            return 0; /* seen (a VRT that refers to itself, too) */
        if (mw_require_regular(path, what))
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
            rc = mw_add_inputs(s, list[i], NULL, role);
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
        if (mw_require_regular(path, "the band file"))
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
    mw_vsimem_name(path, sizeof path, d, "stack");
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
        if (mw_require_regular(pattern, d ? "the t2 image" : "the t1 image"))
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
    if (mw_add_inputs(s, s->src[d], ds, d ? "the t2 image" : "the t1 image")) {
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
        if (mw_overlap_window(ds[0], ds[1], win)) {
            mw_error(MW_EXIT_RASTER, "%s: grid differs from %s and does not overlap "
                     "it; the dates must cover a common area", s->path[1], s->path[0]);
            goto done;
        }
        if (mw_warp_date(s, 1, ds[0], ds[1], win, 0, 0, "bilinear"))
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
    if (s->qa_type && mw_open_qa(cfg, s, ds[0], win))
        goto done;
    rc = 0;
done:
    for (int d = 0; d < 2; d++)
        if (ds[d])
            GDALClose(ds[d]);
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

