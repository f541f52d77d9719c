/* gen_bench.c - deterministic benchmark scene pair (Sentinel-2 tile sized).
 *
 *   gen_bench OUTDIR [SIZE]
 *
 * Writes, under temporary names renamed into place once complete:
 *   OUTDIR/deflate/t1.tif, t2.tif  SIZE x SIZE px (default 10980), 10 m,
 *       EPSG:32649, 4 x UInt16 (blue red nir swir1), reflectance x 10000,
 *       nodata 0, tiled 512 x 512, DEFLATE + PREDICTOR=2, pixel interleaved
 *       (GDAL's default for a multi-band GeoTIFF);
 *   OUTDIR/raw/t1.tif, t2.tif      the same pixels, tiled, uncompressed.
 *
 * Content: a forest / grass / bare-hill mosaic (smooth value-noise fields)
 * with +-2 % per-pixel sensor noise, stable between the dates except for a
 * mild t2 sensor gain; in t2, excavation pits (elliptic, 30-600 m across,
 * soft mixed-pixel edges) on about a quarter of the 128 x 128 px cells, and
 * a few revegetated former pits; a no-data corner (swath edge) in both.
 * So the scan classifies, opens, labels and polygonizes real patches, and
 * DEFLATE compresses about as badly as it does on real reflectance.
 *
 * Every random number is a counter-based hash of (stream, coordinates): the
 * pixels depend on nothing but this file and SIZE, not on thread count.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "gdal.h"
#include "ogr_srs_api.h"

enum { NB = 4, BLOCK = 512, CELL = 128 };
enum { B_BLUE, B_RED, B_NIR, B_SWIR };
#define PIXEL 10.0
#define ORIGIN_X 699960.0 /* a Sentinel-2 tile corner in UTM 49N (Shanxi) */
#define ORIGIN_Y 4100040.0
#define SEED 0x6d772d62656e6368ull /* "mw-bench" */
#define NOISE 0.02                 /* +-2 % uniform per band and date */
#define T2_GAIN 1.03               /* t2 sensor gain, +40 DN on blue/red */
#define T2_VIS_OFFSET 40.0

/* Surface reflectance end-members (blue red nir swir1). */
static const double FOREST[NB] = {.030, .035, .320, .150}; /* NDVI .80 BSI -.31 */
static const double GRASS[NB] = {.050, .070, .280, .220};  /* NDVI .60 BSI -.05 */
static const double HILL[NB] = {.110, .170, .230, .290};   /* NDVI .15 BSI .15 */
static const double PIT[NB] = {.130, .220, .230, .360};    /* NDVI .02 BSI .23 */

/* ---- deterministic noise ---- */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) for (stream, a, b); a, b < 2^28. */
static double uniform(uint64_t stream, uint64_t a, uint64_t b)
{
    uint64_t z = splitmix64(SEED ^ (stream << 56) ^ (a << 28) ^ b);
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

enum { S_FOREST = 1, S_HILL, S_CELL, S_NOISE1, S_NOISE2 };

static double smooth01(double t) { return t * t * (3 - 2 * t); }
static double lerp(double a, double b, double t) { return a + (b - a) * t; }
static double clamp01(double t) { return t < 0 ? 0 : t > 1 ? 1 : t; }

static double value_noise(double x, double y, uint64_t stream)
{
    double fx = floor(x), fy = floor(y);
    uint64_t ix = (uint64_t)fx, iy = (uint64_t)fy;
    double tx = smooth01(x - fx), ty = smooth01(y - fy);
    double top = lerp(uniform(stream, ix, iy), uniform(stream, ix + 1, iy), tx);
    double bot = lerp(uniform(stream, ix, iy + 1), uniform(stream, ix + 1, iy + 1), tx);
    return lerp(top, bot, ty);
}

/* Three octaves of value noise, features of ~scale px, in [0, 1]. */
static double fbm(double x, double y, double scale, uint64_t stream)
{
    double sum = 0, norm = 0, amp = 1, f = 1.0 / scale;
    for (uint64_t o = 0; o < 3; o++, amp *= 0.5, f *= 2) {
        sum += amp * value_noise(x * f, y * f, stream * 4 + o);
        norm += amp;
    }
    return sum / norm;
}

/* ---- land cover ---- */

/* The event of one CELL x CELL cell: none, a pit dug by t2, or a former
 * pit (bare at t1) grown over by t2.  Centre and radii in pixels. */
typedef struct { int kind; double cx, cy, rx, ry; } event;
enum { EV_NONE, EV_PIT, EV_REVEG };

static event cell_event(int cc, int cr)
{
    event e = {EV_NONE, 0, 0, 0, 0};
    double u = uniform(S_CELL, (uint64_t)cc, (uint64_t)cr * 8);
    if (u < 0.25)
        e.kind = EV_PIT;
    else if (u < 0.30)
        e.kind = EV_REVEG;
    else
        return e;
    e.rx = 3 + 27 * uniform(S_CELL, (uint64_t)cc, (uint64_t)cr * 8 + 1);
    e.ry = 3 + 27 * uniform(S_CELL, (uint64_t)cc, (uint64_t)cr * 8 + 2);
    e.cx = cc * CELL + 32 + (CELL - 64) * uniform(S_CELL, (uint64_t)cc, (uint64_t)cr * 8 + 3);
    e.cy = cr * CELL + 32 + (CELL - 64) * uniform(S_CELL, (uint64_t)cc, (uint64_t)cr * 8 + 4);
    return e;
}

/* Surface reflectance of both dates at pixel (c, r). */
static void land_cover(int c, int r, double t1[NB], double t2[NB])
{
    double forest = smooth01(clamp01((fbm(c, r, 300, S_FOREST) - 0.42) / 0.16));
    double hill = smooth01(clamp01((fbm(c, r, 700, S_HILL) - 0.62) / 0.10));
    for (int i = 0; i < NB; i++) {
        double veg = lerp(GRASS[i], FOREST[i], forest);
        t1[i] = t2[i] = lerp(veg, HILL[i], hill);
    }
    event e = cell_event(c / CELL, r / CELL);
    if (e.kind == EV_NONE)
        return;
    double dx = (c + 0.5 - e.cx) / e.rx, dy = (r + 0.5 - e.cy) / e.ry;
    /* fraction of the pixel in the pit: 1 inside, a mixed-pixel rim */
    double f = clamp01((1.15 - sqrt(dx * dx + dy * dy)) / 0.3);
    if (f <= 0)
        return;
    for (int i = 0; i < NB; i++) {
        if (e.kind == EV_PIT)
            t2[i] = lerp(t2[i], PIT[i], f);
        else
            t1[i] = lerp(t1[i], PIT[i], f);
    }
}

static uint16_t to_dn(double refl, double gain, double offset, double u)
{
    double v = floor((refl * 10000.0 * gain + offset) * (1 + NOISE * (2 * u - 1)) + 0.5);
    return (uint16_t)(v < 1 ? 1 : v > 65535 ? 65535 : v); /* 0 is nodata */
}

/* One row of both dates, pixel interleaved. */
static void render_row(int size, int r, uint16_t *p1, uint16_t *p2)
{
    for (int c = 0; c < size; c++) {
        uint16_t *a = p1 + (size_t)c * NB, *b = p2 + (size_t)c * NB;
        if (c + r < size / 6) { /* no-data corner: outside the swath */
            memset(a, 0, NB * sizeof *a);
            memset(b, 0, NB * sizeof *b);
            continue;
        }
        double s1[NB], s2[NB];
        land_cover(c, r, s1, s2);
        for (int i = 0; i < NB; i++) {
            uint64_t id = (uint64_t)c * NB + (uint64_t)i;
            double off = i <= B_RED ? T2_VIS_OFFSET : 0;
            a[i] = to_dn(s1[i], 1, 0, uniform(S_NOISE1, (uint64_t)r, id));
            b[i] = to_dn(s2[i], T2_GAIN, off, uniform(S_NOISE2, (uint64_t)r, id));
        }
    }
}

/* ---- output ---- */

static int die(const char *fmt, const char *arg)
{
    fprintf(stderr, "gen_bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (%s)\n", CPLGetLastErrorMsg());
    return 1;
}

static GDALDatasetH create_tif(const char *path, int size, int deflate, const char *wkt,
                               const char *date)
{
    static const char *const NAMES[NB] = {"blue", "red", "nir", "swir1"};
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", "512");
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", "512");
    opt = CSLSetNameValue(opt, "INTERLEAVE", "PIXEL");
    opt = CSLSetNameValue(opt, "BIGTIFF", "IF_SAFER");
    opt = CSLSetNameValue(opt, "COMPRESS", deflate ? "DEFLATE" : "NONE");
    if (deflate) {
        opt = CSLSetNameValue(opt, "PREDICTOR", "2");
        opt = CSLSetNameValue(opt, "NUM_THREADS", "ALL_CPUS"); /* parallel compression */
    }
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, size, size, NB,
                                 GDT_UInt16, opt);
    CSLDestroy(opt);
    if (!ds)
        return NULL;
    double gt[6] = {ORIGIN_X, PIXEL, 0, ORIGIN_Y, 0, -PIXEL};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, wkt);
    GDALSetMetadataItem(ds, "ACQUISITION_DATE", date, NULL);
    for (int i = 0; i < NB; i++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, i + 1);
        GDALSetDescription(b, NAMES[i]);
        GDALSetRasterNoDataValue(b, 0);
    }
    return ds;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: gen_bench OUTDIR [SIZE]\n");
        return 2;
    }
    const char *dir = argv[1];
    int size = argc == 3 ? atoi(argv[2]) : 10980;
    if (size < 256 || size > 200000) {
        fprintf(stderr, "gen_bench: SIZE must be in [256, 200000]\n");
        return 2;
    }
    GDALAllRegister();
    GDALSetCacheMax64((GIntBig)256 << 20); /* a whole strip of dirty blocks */

    /* 0, 1: deflate t1, t2; 2, 3: raw t1, t2 */
    static const char *const SUB[2] = {"deflate", "raw"};
    static const char *const DATE[2] = {"2024-05-15", "2024-09-20"};
    if (strlen(dir) > 3000)
        return die("%s", "OUTDIR too long");
    char tmp[4][4096], final[4][4096];
    for (int v = 0; v < 2; v++) {
        char sub[3100];
        snprintf(sub, sizeof sub, "%s/%s", dir, SUB[v]);
        if (mkdir(dir, 0777) && errno != EEXIST)
            return die("cannot create %s", dir);
        if (mkdir(sub, 0777) && errno != EEXIST)
            return die("cannot create %s", sub);
        for (int d = 0; d < 2; d++) {
            snprintf(tmp[v * 2 + d], sizeof tmp[0], "%s/t%d.tmp.tif", sub, d + 1);
            snprintf(final[v * 2 + d], sizeof final[0], "%s/t%d.tif", sub, d + 1);
        }
    }
    OGRSpatialReferenceH utm = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    if (OSRImportFromEPSG(utm, 32649) != OGRERR_NONE || OSRExportToWkt(utm, &wkt) != OGRERR_NONE)
        return die("%s unavailable", "EPSG:32649");
    OSRDestroySpatialReference(utm);
    GDALDatasetH ds[4];
    for (int k = 0; k < 4; k++)
        if (!(ds[k] = create_tif(tmp[k], size, k < 2, wkt, DATE[k % 2])))
            return die("cannot create %s", tmp[k]);
    CPLFree(wkt);

    size_t row = (size_t)size * NB;
    uint16_t *buf[2] = {malloc(row * BLOCK * 2), malloc(row * BLOCK * 2)};
    if (!buf[0] || !buf[1])
        return die("%s", "out of memory");
    for (int r0 = 0; r0 < size; r0 += BLOCK) {
        int nr = size - r0 < BLOCK ? size - r0 : BLOCK;
#pragma omp parallel for schedule(dynamic, 4)
        for (int r = r0; r < r0 + nr; r++)
            render_row(size, r, buf[0] + (size_t)(r - r0) * row, buf[1] + (size_t)(r - r0) * row);
        for (int k = 0; k < 4; k++)
            if (GDALDatasetRasterIO(ds[k], GF_Write, 0, r0, size, nr, buf[k % 2], size, nr,
                                    GDT_UInt16, NB, NULL, NB * 2, (GSpacing)row * 2,
                                    2) != CE_None)
                return die("writing %s failed", tmp[k]);
        fprintf(stderr, "\rgen_bench: %d / %d rows", r0 + nr, size);
    }
    fprintf(stderr, "\n");
    free(buf[0]);
    free(buf[1]);
    for (int k = 0; k < 4; k++) {
        CPLErrorReset();
        GDALClose(ds[k]);
        if (CPLGetLastErrorType() >= CE_Failure)
            return die("closing %s failed", tmp[k]);
    }
    for (int k = 0; k < 4; k++)
        if (rename(tmp[k], final[k]))
            return die("cannot rename %s", tmp[k]);
    GDALDestroyDriverManager();
    return 0;
}
