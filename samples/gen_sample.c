/* gen_sample.c - deterministic synthetic scene pair for the minewatch sample.
 *
 *   gen_sample OUTDIR
 *
 * Writes into OUTDIR (created if missing):
 *   t1.tif, t2.tif  2000 x 2000 px, 10 m, EPSG:32649, origin (380000, 4020000),
 *                   5 x UInt16 (blue green red nir swir1), reflectance x 10000,
 *                   nodata 0; acquired 2024-05-15 and 2024-09-20.
 *   layers.gpkg     layer "licences": 4 mining licences in EPSG:4547, a CRS
 *                   other than the imagery's on purpose.
 *   truth.csv       one row per planted event, coordinates in EPSG:32649.
 *
 * Every random number is splitmix64 used as a counter-based hash of (seed,
 * stream, coordinates), so the output depends on nothing but this file and
 * not on the order of generation.  Files are written under temporary names
 * and renamed once all four are complete (truth.csv last: make's target).
 *
 * While rendering, every pixel is classified as the pipeline does
 * (check_pixel): the run fails if a background pixel is classed disturbance
 * or a planted pixel misses its designed margin.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"
#include "gdal.h"
#include "ogr_api.h"
#include "ogr_srs_api.h"

enum { W = 2000, H = 2000, NB = 5, BLOCK = 256 };
enum { B_BLUE, B_GREEN, B_RED, B_NIR, B_SWIR };
#define PIXEL 10.0
#define ORIGIN_X 680000.0 /* 113.1 E, 36.3 N: Changzhi */
#define ORIGIN_Y 4020000.0
#define SEED 0x6d696e6577617463ull /* "minewatc" */

/* The pipeline's thresholds (configs/sample.ini) and the margin that planted
 * disturbance keeps beyond each of them after noise. */
#define NDVI_LOSS 0.20
#define BSI_GAIN 0.10
#define BARE_MIN 0.05
#define NDVI_GAIN 0.20
#define BSI_LOSS 0.15
#define MARGIN 0.10

/* Sensor: t2 DN = DN x 1.03 (+50 on the visible bands); then each band of
 * each date gets +-1.5 % uniform noise. */
#define T2_GAIN 1.03
#define T2_VIS_OFFSET 50.0
#define NOISE 0.015

/* Land-cover end-members, surface reflectance (blue green red nir swir1);
 * the indices noted are those of the DNs, t1/t2 where they differ.
 * Every stable cover moves by |dNDVI| < 0.07 and |dBSI| < 0.04 between the
 * dates, and noise adds at most ~0.03 to either, so none comes within 0.1 of
 * a threshold.  Mixed pixels (river banks) stay between their end-members. */
static const float FOREST[NB] = {.030f, .055f, .035f, .320f, .150f}; /* NDVI .80 BSI -.31 */
static const float GRASS[NB] = {.050f, .080f, .070f, .280f, .220f};  /* NDVI .60 BSI -.06 */
static const float BARE[NB] = {.120f, .150f, .190f, .230f, .300f};   /* NDVI .10 BSI .17 */
static const float ROAD[NB] = {.130f, .150f, .170f, .210f, .260f};   /* NDVI .10 BSI .12 */
static const float WATER[NB] = {.060f, .050f, .030f, .015f, .008f};  /* -.33/-.40 -.33/-.30 */
static const float ROOF[NB] = {.090f, .100f, .150f, .180f, .220f};   /* NDVI .09 BSI .16 */
static const float CONCRETE[NB] = {.160f, .170f, .180f, .210f, .230f}; /* .08 .05 */
/* Crop field: green in May (NDVI .76, BSI -.11); in September a thinner,
 * yellowing canopy over moist soil (NDVI .46, BSI -.15): dNDVI -.30 is
 * vegetation loss, but BSI falls, so it is never bare-ground gain. */
static const float CROP_T1[NB] = {.030f, .070f, .050f, .360f, .260f};
static const float CROP_T2[NB] = {.060f, .090f, .100f, .280f, .150f};
/* Fresh excavation (rock, spoil): NDVI .02, BSI .23.  From grass that is
 * dNDVI -.58, dBSI +.29; from forest more. */
static const float PIT[NB] = {.130f, .160f, .220f, .230f, .360f};

static const char *const BAND_NAME[NB] = {"blue", "green", "red", "nir", "swir1"};

/* ---- planted events: pixel rectangles, half-open [c0,c1) x [r0,r1) ---- */

typedef struct { int c0, r0, c1, r1; } rect;
typedef struct {
    const char *kind, *rules;
    int licence;      /* index into LICENCES, -1 none */
    int flagged, pit; /* pit: vegetation -> excavation (else: the crop field) */
    int nrect;
    rect r[2];
} event;

/* Every rectangle side >= 3 px, so a 3x3 opening leaves each union as it is;
 * events are >= 150 px from each other and from the nodata stripes. */
static const event EVENTS[] = {
    /* 424 px east of L1's old pit, > 40 px inside L1 */
    {"lawful_expansion", "", 0, 1, 1, 2, {{990, 404, 1010, 422}, {1010, 408, 1018, 416}}},
    /* 720 px, of which 120 px beyond L2's east edge (col 1820), reaching 120 m */
    {"out_of_bounds", "OUT_OF_BOUNDS", 1, 1, 1, 2,
     {{1790, 1470, 1820, 1490}, {1810, 1474, 1832, 1484}}},
    /* 344 px, > 11 km from the nearest licence */
    {"unlicensed_pit", "UNLICENSED", -1, 1, 1, 2,
     {{200, 1500, 220, 1514}, {220, 1504, 228, 1512}}},
    {"crop_season", "", -1, 0, 0, 1, {{850, 1600, 930, 1660}}},
    /* 9 px = 900 m2: survives the opening, below the 2000 m2 minimum */
    {"speck", "", -1, 0, 1, 1, {{1100, 1300, 1103, 1303}}},
};
enum { NEVENTS = sizeof EVENTS / sizeof EVENTS[0] };

static int event_at(int c, int r)
{
    for (int e = 0; e < NEVENTS; e++)
        for (const rect *q = EVENTS[e].r; q < EVENTS[e].r + EVENTS[e].nrect; q++)
            if (c >= q->c0 && c < q->c1 && r >= q->r0 && r < q->r1)
                return e;
    return -1;
}

/* Nodata (0 on all bands): t2 has two Landsat-7 SLC-off-like columns
 * 12 px wide, t1 one 8 px row band; all full length. */
static int nodata_t1(int r) { return r >= 1000 && r < 1008; }
static int nodata_t2(int c) { return (c >= 600 && c < 612) || (c >= 1400 && c < 1412); }

/* ---- licences: vertices in pixel-edge coordinates (col, row) ---- */

typedef struct {
    const char *id, *holder, *mineral, *from, *to;
    int n;
    double v[10][2];
} licence;

/* L1 a rectangle rotated 5 degrees (see licence_init), L2 an L-shape on the
 * pixel grid, L3 a plain rectangle, L4 a long irregular ridge polygon. */
static licence LICENCES[] = {
    {"C1404002010121130089263", "长治市鑫源石料有限公司", "建筑用石料", "2020-06-01",
     "2026-05-31", 4, {{0}}},
    {"C1404002008061120004517", "壶关县宏达建材有限责任公司", "石灰岩", "2018-03-15",
     "2028-03-14", 6,
     {{1650, 1400}, {1820, 1400}, {1820, 1560}, {1740, 1560}, {1740, 1520}, {1650, 1520}}},
    {"C1404002012041130124850", "长治市上党区晋丰矿业有限公司", "建筑用白云岩", "2021-01-10",
     "2025-12-31", 4, {{90, 160}, {230, 160}, {230, 300}, {90, 300}}},
    {"C1404002015091130139972", "平顺县金岭铝土矿有限公司", "铝土矿", "2019-09-01",
     "2029-08-31", 9,
     {{1560, 230}, {1640, 170}, {1760, 260}, {1890, 470}, {1900, 690}, {1830, 720},
      {1800, 520}, {1690, 360}, {1590, 320}}},
};
enum { NLICENCES = sizeof LICENCES / sizeof LICENCES[0] };

static void licence_init(void)
{
    const double cx = 1000.3, cy = 420.7, a = 85, b = 65, t = 5.0 * M_PI / 180.0;
    const double u[4] = {-a, a, a, -a}, v[4] = {-b, -b, b, b};
    for (int i = 0; i < 4; i++) {
        LICENCES[0].v[i][0] = cx + u[i] * cos(t) - v[i] * sin(t);
        LICENCES[0].v[i][1] = cy + u[i] * sin(t) + v[i] * cos(t);
    }
}

/* ---- deterministic noise ---- */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1) for (stream, a, b). */
static double uniform(uint64_t stream, uint64_t a, uint64_t b)
{
    uint64_t z = splitmix64(splitmix64(splitmix64(SEED ^ stream) ^ a) ^ b);
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

enum { S_VEG = 1, S_SEASON, S_BRIGHT, S_FINE, S_RIVER, S_SCAR, S_VILLAGE, S_PLOT,
       S_TEXTURE, S_NOISE1, S_NOISE2 };

static double smooth01(double t) { return t * t * (3 - 2 * t); }
static double lerp(double a, double b, double t) { return a + (b - a) * t; }
static double clamp01(double t) { return t < 0 ? 0 : t > 1 ? 1 : t; }
static double smoothstep(double e0, double e1, double x)
{
    return smooth01(clamp01((x - e0) / (e1 - e0)));
}

static double value_noise(double x, double y, uint64_t stream)
{
    double fx = floor(x), fy = floor(y);
    uint64_t ix = (uint64_t)(int64_t)fx, iy = (uint64_t)(int64_t)fy;
    double tx = smooth01(x - fx), ty = smooth01(y - fy);
    double top = lerp(uniform(stream, ix, iy), uniform(stream, ix + 1, iy), tx);
    double bot = lerp(uniform(stream, ix, iy + 1), uniform(stream, ix + 1, iy + 1), tx);
    return lerp(top, bot, ty);
}

/* Four octaves of value noise, features of ~scale px, in [0, 1]. */
static double fbm(double x, double y, double scale, uint64_t stream)
{
    double sum = 0, norm = 0, amp = 1, f = 1.0 / scale;
    for (uint64_t o = 0; o < 4; o++, amp *= 0.5, f *= 2) {
        sum += amp * value_noise(x * f, y * f, stream * 8 + o);
        norm += amp;
    }
    return sum / norm;
}

/* ---- land cover ---- */

typedef struct { float t1[NB], t2[NB]; } surface;

/* A sinuous river running NNW-SSE: centre column and half-width per row. */
typedef struct { double river_c[H], river_hw[H]; } scene;

static void scene_init(scene *sc)
{
    for (int r = 0; r < H; r++) {
        double wander = 40 * (fbm(0.5, r, 300, S_RIVER) - 0.5);
        sc->river_c[r] = 250 + 0.25 * r + 45 * sin(r / 140.0) + wander;
        sc->river_hw[r] = 8 + 3 * sin(r / 230.0);
    }
}

/* Overlay cover a (t1) / b (t2), scaled by k, with fraction f. */
static void put(surface *s, const float *a, const float *b, double k, double f)
{
    for (int i = 0; i < NB; i++) {
        s->t1[i] = (float)lerp(s->t1[i], a[i] * k, f);
        s->t2[i] = (float)lerp(s->t2[i], b[i] * k, f);
    }
}

/* Forest/grass mosaic with a mild seasonal change at t2, scaled by a smooth
 * field g in [0,1]: grass red x (1 + .04 g), nir x (1 - .05 g); forest nir
 * x (1 - .03 g).  Worst case dNDVI -.07, dBSI +.03.  grass = 1 forces grass
 * (river banks). */
static void natural_vegetation(double x, double y, double grass, surface *s)
{
    double forest = smoothstep(0.42, 0.58, fbm(x, y, 220, S_VEG)) * (1 - grass);
    double g = fbm(x, y, 400, S_SEASON);
    float grass2[NB], forest2[NB];
    memcpy(grass2, GRASS, sizeof grass2);
    memcpy(forest2, FOREST, sizeof forest2);
    grass2[B_RED] *= (float)(1 + 0.04 * g);
    grass2[B_NIR] *= (float)(1 - 0.05 * g);
    forest2[B_NIR] *= (float)(1 - 0.03 * g);
    for (int i = 0; i < NB; i++) {
        s->t1[i] = (float)lerp(GRASS[i], FOREST[i], forest);
        s->t2[i] = (float)lerp(grass2[i], forest2[i], forest);
    }
}

/* Ground already bare at t1 that stays bare: old quarry faces in L1 and L4
 * and an abandoned scar, as ellipses with ragged edges. */
static const double SCARS[][4] = { /* centre col, row; radius col, row */
    {962, 413, 26, 20}, {1770, 380, 28, 14}, {300, 1150, 24, 16}};

static int in_scar(double x, double y)
{
    for (size_t i = 0; i < sizeof SCARS / sizeof SCARS[0]; i++) {
        double dx = (x - SCARS[i][0]) / SCARS[i][2], dy = (y - SCARS[i][1]) / SCARS[i][3];
        double d = dx * dx + dy * dy;
        if (d < 1.6 && d < 1 + 0.6 * (fbm(x, y, 12, S_SCAR) - 0.5))
            return 1;
    }
    return 0;
}

/* Dirt roads, bare on both dates: polylines separated by NAN. */
static const double ROADS[][2] = {
    {0, 900}, {700, 1010}, {1400, 1080}, {2000, 1150}, {NAN, NAN},                /* valley */
    {1060, 1690}, {1030, 1300}, {1000, 1040}, {985, 700}, {962, 432}, {NAN, NAN}, /* to L1 */
    {1130, 1760}, {1400, 1650}, {1700, 1500}, {NAN, NAN},                         /* to L2 */
    {1750, 1120}, {1790, 900}, {1860, 690}};                                      /* to L4 */

static int on_road(double x, double y)
{
    for (size_t i = 0; i + 1 < sizeof ROADS / sizeof ROADS[0]; i++) {
        const double *a = ROADS[i], *b = ROADS[i + 1];
        if (isnan(a[0]) || isnan(b[0]))
            continue;
        double dx = b[0] - a[0], dy = b[1] - a[1];
        double t = clamp01(((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy));
        if (hypot(x - a[0] - t * dx, y - a[1] - t * dy) < 1.3)
            return 1;
    }
    return 0;
}

/* Village: 7 x 6 px plots between lanes, each a tiled roof, a concrete roof,
 * a bare courtyard or trees; unchanged between the dates. */
static int village(int c, int r, surface *s)
{
    double x = c + 0.5, y = r + 0.5, d = hypot(x - 1060, y - 1760);
    if (d > 85 || d > 70 * (0.85 + 0.3 * fbm(x, y, 30, S_VILLAGE)))
        return 0;
    const float *cov = ROAD;
    if (c % 7 != 0 && r % 6 != 0) {
        double h = uniform(S_PLOT, (uint64_t)(c / 7), (uint64_t)(r / 6));
        cov = h < 0.45 ? ROOF : h < 0.75 ? CONCRETE : h < 0.9 ? BARE : FOREST;
    }
    put(s, cov, cov, 1, 1);
    return 1;
}

/* Surface reflectance of pixel (c, r) at both dates, before the sensor. */
static void land_cover(const scene *sc, int c, int r, surface *s)
{
    double x = c + 0.5, y = r + 0.5;
    double dist = fabs(x - sc->river_c[r]), hw = sc->river_hw[r];
    natural_vegetation(x, y, 1 - smoothstep(hw + 4, hw + 12, dist), s);

    int e = event_at(c, r);
    if (e >= 0) { /* planted on vegetation, whatever lies around */
        double k = 0.92 + 0.16 * fbm(x, y, 6, S_TEXTURE);
        if (!EVENTS[e].pit)
            put(s, CROP_T1, CROP_T2, k, 1);
        else /* t1 keeps its vegetation */
            for (int i = 0; i < NB; i++)
                s->t2[i] = (float)(PIT[i] * k);
    } else {
        put(s, WATER, WATER, 1, clamp01(hw + 0.5 - dist));
        if (in_scar(x, y))
            put(s, BARE, BARE, 0.9 + 0.2 * fbm(x, y, 8, S_TEXTURE), 1);
        if (!village(c, r, s) && on_road(x, y))
            put(s, ROAD, ROAD, 1, 1);
    }
    /* illumination and albedo (slopes, canopy density), the same on both
     * dates: broad +-8 % times fine-grained +-5 % */
    double k = (0.92 + 0.16 * fbm(x, y, 350, S_BRIGHT)) * (0.95 + 0.10 * fbm(x, y, 10, S_FINE));
    put(s, s->t1, s->t2, k, 1);
}

/* ---- sensor ---- */

static uint16_t to_dn(double refl, double gain, double offset, double u)
{
    double v = floor((refl * 10000.0 * gain + offset) * (1 + NOISE * (2 * u - 1)) + 0.5);
    return (uint16_t)(v < 1 ? 1 : v > 65535 ? 65535 : v); /* 0 is nodata */
}

static void sense(const surface *s, int c, int r, uint16_t *p1, uint16_t *p2)
{
    uint64_t id = (uint64_t)r * W + (uint64_t)c;
    for (int i = 0; i < NB; i++) {
        double off = i <= B_RED ? T2_VIS_OFFSET : 0;
        uint64_t b = (uint64_t)i;
        p1[i] = nodata_t1(r) ? 0 : to_dn(s->t1[i], 1, 0, uniform(S_NOISE1, id, b));
        p2[i] = nodata_t2(c) ? 0 : to_dn(s->t2[i], T2_GAIN, off, uniform(S_NOISE2, id, b));
    }
}

/* ---- the pipeline's per-pixel classes, as a self-check ---- */

enum { C_NONE, C_VEG_LOSS, C_BARE_GAIN, C_DISTURBANCE, C_REVEG, C_OTHER, C_MASKED };

static void indices(const uint16_t *p, float *ndvi, float *bsi)
{
    float b = p[B_BLUE] * 1e-4f, red = p[B_RED] * 1e-4f;
    float n = p[B_NIR] * 1e-4f, sw = p[B_SWIR] * 1e-4f;
    *ndvi = (n - red) / (n + red);
    *bsi = ((sw + red) - (n + b)) / ((sw + red) + (n + b));
}

static int classify(const uint16_t *p1, const uint16_t *p2, float *dn, float *db, float *b2)
{
    for (int i = 0; i < NB; i++)
        if (p1[i] == 0 || p2[i] == 0)
            return C_MASKED;
    float n1, b1, n2;
    indices(p1, &n1, &b1);
    indices(p2, &n2, b2);
    *dn = n2 - n1;
    *db = *b2 - b1;
    int loss = *dn <= -NDVI_LOSS, bare = *db >= BSI_GAIN && *b2 >= BARE_MIN;
    return loss && bare ? C_DISTURBANCE : loss ? C_VEG_LOSS : bare ? C_BARE_GAIN
           : *dn >= NDVI_GAIN ? C_REVEG : *db <= -BSI_LOSS ? C_OTHER : C_NONE;
}

/* ---- run state and errors ---- */

enum { F_T1, F_T2, F_GPKG, F_CSV, NFILES };
static const char *const FILES[NFILES][2] = {{"t1.tmp.tif", "t1.tif"}, {"t2.tmp.tif", "t2.tif"},
                                             {"layers.tmp.gpkg", "layers.gpkg"},
                                             {"truth.tmp.csv", "truth.csv"}};
typedef struct {
    char err[1024];
    const char *dir;
    char tmp[NFILES][4096], out[NFILES][4096];
    scene sc;
} run;

static int fail(run *rn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rn->err, sizeof rn->err, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *gdal_msg(void)
{
    const char *m = CPLGetLastErrorMsg();
    return *m ? m : "unknown GDAL error";
}

/* Background must never be disturbance; planted disturbance keeps MARGIN
 * beyond every threshold; the crop field is vegetation loss, not bare. */
static int check_pixel(run *rn, int c, int r, const uint16_t *p1, const uint16_t *p2)
{
    float dn = 0, db = 0, b2 = 0;
    int cls = classify(p1, p2, &dn, &db, &b2), e = event_at(c, r);
    const char *why = NULL;
    if (e < 0)
        why = cls == C_DISTURBANCE ? "background pixel classed disturbance" : NULL;
    else if (cls == C_MASKED)
        why = "event overlaps nodata";
    else if (EVENTS[e].pit)
        why = dn <= -NDVI_LOSS - MARGIN && db >= BSI_GAIN + MARGIN && b2 >= BARE_MIN + MARGIN
                  ? NULL : "planted disturbance misses its margin";
    else if (cls != C_VEG_LOSS || b2 > -0.05f || db > 0.03f)
        why = "crop field is not plain vegetation loss";
    if (why)
        return fail(rn, "scene: %s at col %d row %d (dNDVI %.3f dBSI %.3f BSI2 %.3f)", why, c,
                    r, dn, db, b2);
    return 0;
}

/* ---- writers ---- */

static OGRSpatialReferenceH srs_new(int epsg)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    if (s && OSRImportFromEPSG(s, epsg) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
        return s;
    }
    OSRDestroySpatialReference(s);
    return NULL;
}

static int close_checked(run *rn, GDALDatasetH ds, const char *stage, const char *path)
{
    CPLErrorReset();
    GDALClose(ds);
    if (CPLGetLastErrorType() >= CE_Failure)
        return fail(rn, "%s: writing %s failed: %s", stage, path, gdal_msg());
    return 0;
}

static GDALDatasetH create_tif(run *rn, const char *path, const char *date, const char *wkt)
{
    static char *opt[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE",
                          "PREDICTOR=2", "INTERLEAVE=PIXEL", NULL};
    static const GDALColorInterp ci[NB] = {GCI_BlueBand, GCI_GreenBand, GCI_RedBand,
                                           GCI_Undefined, GCI_Undefined};
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, W, H, NB, GDT_UInt16, opt) : NULL;
    if (!ds) {
        fail(rn, "scene: cannot create %s: %s", path, gdal_msg());
        return NULL;
    }
    double gt[6] = {ORIGIN_X, PIXEL, 0, ORIGIN_Y, 0, -PIXEL};
    int bad = GDALSetGeoTransform(ds, gt) != CE_None || GDALSetProjection(ds, wkt) != CE_None ||
              GDALSetMetadataItem(ds, "ACQUISITION_DATE", date, NULL) != CE_None;
    for (int i = 0; i < NB && !bad; i++) {
        GDALRasterBandH b = GDALGetRasterBand(ds, i + 1);
        GDALSetDescription(b, BAND_NAME[i]);
        bad = GDALSetRasterNoDataValue(b, 0) != CE_None ||
              GDALSetRasterColorInterpretation(b, ci[i]) != CE_None;
    }
    if (bad) {
        fail(rn, "scene: cannot set georeferencing of %s: %s", path, gdal_msg());
        GDALClose(ds);
        return NULL;
    }
    return ds;
}

/* Both dates are rendered, checked and written one block of rows at a time. */
static int stage_scene(run *rn)
{
    OGRSpatialReferenceH utm = srs_new(32649);
    char *wkt = NULL;
    if (!utm || OSRExportToWkt(utm, &wkt) != OGRERR_NONE) {
        OSRDestroySpatialReference(utm);
        return fail(rn, "scene: EPSG:32649 unavailable: %s", gdal_msg());
    }
    GDALDatasetH ds[2] = {create_tif(rn, rn->tmp[F_T1], "2024-05-15", wkt), NULL};
    if (ds[0])
        ds[1] = create_tif(rn, rn->tmp[F_T2], "2024-09-20", wkt);
    CPLFree(wkt);
    OSRDestroySpatialReference(utm);
    uint16_t *buf[2] = {malloc((size_t)W * BLOCK * NB * 2), malloc((size_t)W * BLOCK * NB * 2)};
    int rc = ds[1] ? 0 : -1; /* else create_tif has set the message */
    if (rc == 0 && (!buf[0] || !buf[1]))
        rc = fail(rn, "scene: out of memory");

    for (int r0 = 0; r0 < H && rc == 0; r0 += BLOCK) {
        int nr = H - r0 < BLOCK ? H - r0 : BLOCK;
        for (int r = r0; r < r0 + nr && rc == 0; r++)
            for (int c = 0; c < W && rc == 0; c++) {
                surface s;
                size_t at = ((size_t)(r - r0) * W + (size_t)c) * NB;
                land_cover(&rn->sc, c, r, &s);
                sense(&s, c, r, buf[0] + at, buf[1] + at);
                rc = check_pixel(rn, c, r, buf[0] + at, buf[1] + at);
            }
        for (int d = 0; d < 2 && rc == 0; d++) /* pixel-interleaved buffer */
            if (GDALDatasetRasterIO(ds[d], GF_Write, 0, r0, W, nr, buf[d], W, nr, GDT_UInt16, NB,
                                    NULL, NB * 2, W * NB * 2, 2) != CE_None)
                rc = fail(rn, "scene: writing %s failed: %s", rn->tmp[d], gdal_msg());
    }
    for (int d = 0; d < 2; d++) {
        free(buf[d]);
        if (ds[d] && close_checked(rn, ds[d], "scene", rn->tmp[d]))
            rc = -1;
    }
    return rc;
}

static const char *const FIELDS[] = {"licence_id", "holder", "mineral", "valid_from",
                                     "valid_to", "status"};
enum { NFIELDS = sizeof FIELDS / sizeof FIELDS[0] };

/* The polygon is designed in UTM 49N, densified to a vertex every <= 100 m
 * so it survives the round trip, and stored in EPSG:4547. */
static int add_licence(OGRLayerH lyr, const licence *l, OGRCoordinateTransformationH ct)
{
    const char *val[NFIELDS] = {l->id, l->holder, l->mineral, l->from, l->to, "valid"};
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    for (int i = 0; i <= l->n; i++)
        OGR_G_AddPoint_2D(ring, ORIGIN_X + PIXEL * l->v[i % l->n][0],
                          ORIGIN_Y - PIXEL * l->v[i % l->n][1]);
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_G_Segmentize(poly, 100.0);
    int rc = OGR_G_Transform(poly, ct) == OGRERR_NONE ? 0 : -1;
    for (int i = 0; i < NFIELDS; i++)
        OGR_F_SetFieldString(f, i, val[i]);
    OGR_F_SetGeometryDirectly(f, poly);
    if (rc == 0 && OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
        rc = -1;
    OGR_F_Destroy(f);
    return rc;
}

/* All licences in one transaction. */
static int stage_licences(run *rn)
{
    const char *path = rn->tmp[F_GPKG];
    OGRSpatialReferenceH utm = srs_new(32649), gk = srs_new(4547);
    OGRCoordinateTransformationH ct = utm && gk ? OCTNewCoordinateTransformation(utm, gk) : NULL;
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = NULL;
    OGRLayerH lyr = NULL;
    int rc = -1;
    VSIUnlink(path); /* a leftover of a crashed run */
    if (!ct || !drv)
        fail(rn, "licences: no EPSG:32649 -> EPSG:4547 transform or GPKG driver: %s", gdal_msg());
    else if (!(ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL)))
        fail(rn, "licences: cannot create %s: %s", path, gdal_msg());
    else if (!(lyr = GDALDatasetCreateLayer(ds, "licences", gk, wkbPolygon, NULL)))
        fail(rn, "licences: cannot create layer in %s: %s", path, gdal_msg());
    else
        rc = 0;
    for (int i = 0; i < NFIELDS && rc == 0; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(FIELDS[i], OFTString);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = fail(rn, "licences: cannot create field %s: %s", FIELDS[i], gdal_msg());
        OGR_Fld_Destroy(fd);
    }
    if (rc == 0 && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
        rc = fail(rn, "licences: cannot start a transaction: %s", gdal_msg());
    for (int i = 0; i < NLICENCES && rc == 0; i++)
        if (add_licence(lyr, &LICENCES[i], ct))
            rc = fail(rn, "licences: cannot write %s: %s", LICENCES[i].id, gdal_msg());
    if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        rc = fail(rn, "licences: commit failed: %s", gdal_msg());
    if (ds && close_checked(rn, ds, "licences", path))
        rc = -1;
    OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(utm);
    OSRDestroySpatialReference(gk);
    return rc;
}

/* Pixel statistics of one truth row. */
typedef struct {
    long pixels, n; /* pixels reported; n distinct pixels behind centroid and bbox */
    double sc, sr;
    int cmin, rmin, cmax, rmax;
} stats;

static void stats_add(stats *st, int c, int r)
{
    st->n++;
    st->sc += c + 0.5;
    st->sr += r + 0.5;
    st->cmin = c < st->cmin ? c : st->cmin;
    st->cmax = c > st->cmax ? c : st->cmax;
    st->rmin = r < st->rmin ? r : st->rmin;
    st->rmax = r > st->rmax ? r : st->rmax;
}

static void write_row(FILE *f, int id, const char *kind, const char *rules, const char *lic,
                      int flagged, const stats *st)
{
    fprintf(f, "%d,%s,%s,%s,%d,%ld,%ld,%.3f,%.3f,%.0f,%.0f,%.0f,%.0f\n", id, kind, rules, lic,
            flagged, st->pixels, st->pixels * 100, ORIGIN_X + PIXEL * st->sc / st->n,
            ORIGIN_Y - PIXEL * st->sr / st->n, ORIGIN_X + PIXEL * st->cmin,
            ORIGIN_Y - PIXEL * (st->rmax + 1), ORIGIN_X + PIXEL * (st->cmax + 1),
            ORIGIN_Y - PIXEL * st->rmin);
}

/* Events, then the nodata stripes: their pixels summed over both dates,
 * centroid and bbox of their union. */
static int stage_truth(run *rn)
{
    stats st[NEVENTS + 1];
    for (int e = 0; e <= NEVENTS; e++)
        st[e] = (stats){0, 0, 0, 0, W, H, -1, -1};
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int e = event_at(c, r);
            if (e >= 0)
                stats_add(&st[e], c, r);
            st[NEVENTS].pixels += nodata_t1(r) + nodata_t2(c);
            if (nodata_t1(r) || nodata_t2(c))
                stats_add(&st[NEVENTS], c, r);
        }
    FILE *f = fopen(rn->tmp[F_CSV], "w");
    if (!f)
        return fail(rn, "truth: cannot create %s", rn->tmp[F_CSV]);
    fputs("event,kind,expected_rules,licence_id,flagged,pixels,area_m2,"
          "centroid_x,centroid_y,min_x,min_y,max_x,max_y\n", f);
    for (int e = 0; e < NEVENTS; e++) {
        const event *ev = &EVENTS[e];
        st[e].pixels = st[e].n;
        const char *lic = ev->flagged && ev->licence >= 0 ? LICENCES[ev->licence].id : "";
        write_row(f, e + 1, ev->kind, ev->rules, lic, ev->flagged, &st[e]);
    }
    write_row(f, NEVENTS + 1, "nodata_stripes", "", "", 0, &st[NEVENTS]);
    if (ferror(f) | fclose(f))
        return fail(rn, "truth: writing %s failed", rn->tmp[F_CSV]);
    return 0;
}

static int stage_outdir(run *rn, const char *dir)
{
    rn->dir = dir;
    if (strlen(dir) > sizeof rn->tmp[0] - 32)
        return fail(rn, "outdir: path too long: %s", dir);
    for (int i = 0; i < NFILES; i++) {
        snprintf(rn->tmp[i], sizeof rn->tmp[i], "%s/%s", dir, FILES[i][0]);
        snprintf(rn->out[i], sizeof rn->out[i], "%s/%s", dir, FILES[i][1]);
    }
    VSIStatBufL st;
    if (VSIStatL(dir, &st) != 0 && VSIMkdirRecursive(dir, 0755) != 0)
        return fail(rn, "outdir: cannot create %s", dir);
    if (VSIStatL(dir, &st) != 0 || !VSI_ISDIR(st.st_mode))
        return fail(rn, "outdir: %s is not a directory", dir);
    return 0;
}

static int stage_publish(run *rn)
{
    for (int i = 0; i < NFILES; i++)
        if (VSIRename(rn->tmp[i], rn->out[i]) != 0)
            return fail(rn, "publish: cannot rename %s to %s", rn->tmp[i], rn->out[i]);
    return 0;
}

int main(int argc, char **argv)
{
    static run rn;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sample OUTDIR\n");
        return 2;
    }
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler); /* GDAL's words go into rn.err */
    licence_init();
    scene_init(&rn.sc);

    if (stage_outdir(&rn, argv[1]) || stage_scene(&rn) || stage_licences(&rn) ||
        stage_truth(&rn) || stage_publish(&rn)) {
        for (int i = 0; i < NFILES && rn.tmp[i][0]; i++)
            VSIUnlink(rn.tmp[i]);
        for (char *p = rn.err; *p; p++) /* one line, whatever GDAL said */
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(stderr, "gen_sample: %s\n", rn.err);
        return 1;
    }
    printf("gen_sample: wrote %s (%dx%d, %d events, %d licences)\n", rn.dir, W, H, NEVENTS + 1,
           NLICENCES);
    GDALDestroyDriverManager();
    return 0;
}
