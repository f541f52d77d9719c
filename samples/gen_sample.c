/* gen_sample.c - deterministic synthetic scene pair for the minewatch sample.
 *
 *   gen_sample OUTDIR
 *
 * Writes into OUTDIR (created if missing):
 *   t1.tif, t2.tif  2000 x 2000 px, 10 m, EPSG:32649, origin (380000, 4020000),
 *                   5 x UInt16 (blue green red nir swir1), reflectance x 10000,
 *                   nodata 0; dates 2024-05-15 and 2024-09-20.
 *   layers.gpkg     layer "licences": 4 mining licences in EPSG:4547, a CRS
 *                   other than the imagery's on purpose.
 *   truth.csv       one row per planted event, coordinates in EPSG:32649.
 *
 * Every random number is splitmix64 used as a counter-based hash of (seed,
 * stream, coordinates): the output depends on nothing but this file, and on
 * no generation order.  Each file is written under a temporary name and
 * renamed when all four are complete (truth.csv last: it is make's target).
 *
 * While rendering, every pixel is classified exactly as the pipeline does
 * (check_pixel).  The program fails if any background pixel is classed
 * disturbance or a planted pixel misses its designed margin.
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
#define ORIGIN_X 380000.0
#define ORIGIN_Y 4020000.0
#define SEED 0x6d696e6577617463ull /* "minewatc" */

/* Thresholds of the pipeline (configs/sample.ini) and the margin planted
 * disturbance keeps beyond each of them after noise. */
#define NDVI_LOSS 0.20
#define BSI_GAIN 0.10
#define BARE_MIN 0.05
#define NDVI_GAIN 0.20
#define BSI_LOSS 0.15
#define MARGIN 0.10

/* t2 is later in the season and from a slightly different sensor state:
 * DN2 = DN * 1.03 (+50 on the visible bands), then +-1.5 % uniform noise on
 * each band of each date. */
#define T2_GAIN 1.03
#define T2_VIS_OFFSET 50.0
#define NOISE 0.015

/* Land-cover end-members: surface reflectance (blue green red nir swir1).
 * The indices in the comments are those of the DNs after the t2 change.
 * Each stable cover moves by |dNDVI| < 0.07 and |dBSI| < 0.04 between the
 * dates; noise adds at most ~0.03 to either, so no stable cover comes
 * within 0.1 of a change threshold.  Pixels that mix covers (river banks)
 * stay between their end-members' changes. */
static const float FOREST[NB] = {.030f, .055f, .035f, .320f, .150f}; /* NDVI .80 BSI -.31 */
static const float GRASS[NB] = {.050f, .080f, .070f, .280f, .220f};  /* NDVI .60 BSI -.06 */
static const float BARE[NB] = {.120f, .150f, .190f, .230f, .300f};   /* old faces: .10 .17 */
static const float ROAD[NB] = {.130f, .150f, .170f, .210f, .260f};   /* NDVI .10 BSI .12 */
static const float WATER[NB] = {.060f, .050f, .030f, .015f, .008f};  /* -.33/-.40 -.33/-.30 */
static const float ROOF[NB] = {.090f, .100f, .150f, .180f, .220f};   /* red tile: .09 .16 */
static const float CONCRETE[NB] = {.160f, .170f, .180f, .210f, .230f}; /* .08 .05 */
/* Seasonal greenness change of the natural background at t2, scaled by a
 * smooth field g in [0,1]: grass red x (1 + .04 g), nir x (1 - .05 g);
 * forest nir x (1 - .03 g).  Worst case dNDVI -.06, dBSI +.03. */
/* Crop field: green in May (NDVI .76, BSI -.11), late-season canopy over
 * moist soil in September (NDVI .46, BSI -.15): dNDVI -.30 is vegetation
 * loss, but BSI falls, so it is never bare-ground gain. */
static const float CROP_T1[NB] = {.030f, .070f, .050f, .360f, .260f};
static const float CROP_T2[NB] = {.060f, .090f, .100f, .280f, .150f};
/* Fresh excavation (rock, spoil): NDVI .02, BSI .23.  From grass it gives
 * dNDVI -.58, dBSI +.29; from forest even more. */
static const float PIT[NB] = {.130f, .160f, .220f, .230f, .360f};

static const char *const BAND_NAME[NB] = {"blue", "green", "red", "nir", "swir1"};

/* ---- planted events (pixel rectangles, half-open [c0,c1) x [r0,r1)) ---- */

typedef struct { int c0, r0, c1, r1; } rect;
typedef struct {
    const char *kind, *rules;
    int licence;       /* index into LICENCES, -1 none */
    int flagged, pit;  /* pit: vegetation -> excavation (else the crop field) */
    int nrect;
    rect r[2];
} event;

/* Every rectangle side >= 3 px, so a 3x3 opening returns each union
 * unchanged; events are >= 150 px from each other and from the stripes. */
static const event EVENTS[] = {
    /* 424 px east of L1's old pit, > 50 px inside L1 */
    {"lawful_expansion", "", 0, 1, 1, 2,
     {{990, 404, 1010, 422}, {1010, 408, 1018, 416}}},
    /* 720 px; 120 px beyond L2's east edge (col 1820), reaching 120 m */
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

/* Nodata: t2 has two SLC-off-like columns, t1 one row band (all bands 0). */
static const int T2_STRIPE_COL[2] = {600, 1400}, T2_STRIPE_W = 12;
static const int T1_STRIPE_ROW = 1000, T1_STRIPE_H = 8;

static int event_at(int c, int r)
{
    for (int e = 0; e < NEVENTS; e++)
        for (const rect *q = EVENTS[e].r; q < EVENTS[e].r + EVENTS[e].nrect; q++)
            if (c >= q->c0 && c < q->c1 && r >= q->r0 && r < q->r1)
                return e;
    return -1;
}

static int nodata_t1(int r) { return r >= T1_STRIPE_ROW && r < T1_STRIPE_ROW + T1_STRIPE_H; }

static int nodata_t2(int c)
{
    for (int i = 0; i < 2; i++)
        if (c >= T2_STRIPE_COL[i] && c < T2_STRIPE_COL[i] + T2_STRIPE_W)
            return 1;
    return 0;
}

/* ---- licences (vertices in pixel-edge coordinates: col, row) ---- */

typedef struct {
    const char *id, *holder, *mineral, *from, *to;
    int n;
    double v[10][2];
} licence;

/* L1 is a rectangle rotated 5 degrees (filled in by licence_init); L2 an
 * L-shape on the pixel grid; L3 a plain rectangle; L4 a long irregular
 * ridge-following polygon. */
static licence LICENCES[] = {
    {"C1404002010121130089263", "长治市鑫源石料有限公司", "建筑用石料",
     "2020-06-01", "2026-05-31", 4, {{0}}},
    {"C1404002008061120004517", "壶关县宏达建材有限责任公司", "石灰岩",
     "2018-03-15", "2028-03-14", 6,
     {{1650, 1400}, {1820, 1400}, {1820, 1560}, {1740, 1560}, {1740, 1520}, {1650, 1520}}},
    {"C1404002012041130124850", "长治市上党区晋丰矿业有限公司", "建筑用白云岩",
     "2021-01-10", "2025-12-31", 4, {{90, 160}, {230, 160}, {230, 300}, {90, 300}}},
    {"C1404002015091130139972", "平顺县金岭铝土矿有限公司", "铝土矿",
     "2019-09-01", "2029-08-31", 9,
     {{1560, 230}, {1640, 170}, {1760, 260}, {1890, 470}, {1900, 690},
      {1830, 720}, {1800, 520}, {1690, 360}, {1590, 320}}},
};
enum { NLICENCES = sizeof LICENCES / sizeof LICENCES[0] };

static void licence_init(void)
{
    const double cx = 1000.3, cy = 420.7, a = 85, b = 65;
    const double t = 5.0 * M_PI / 180.0, ct = cos(t), st = sin(t);
    const double u[4] = {-a, a, a, -a}, v[4] = {-b, -b, b, b};
    for (int i = 0; i < 4; i++) {
        LICENCES[0].v[i][0] = cx + u[i] * ct - v[i] * st;
        LICENCES[0].v[i][1] = cy + u[i] * st + v[i] * ct;
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

enum { S_VEG = 1, S_SEASON, S_BRIGHT, S_RIVER, S_SCAR, S_VILLAGE, S_PLOT,
       S_TEXTURE, S_FINE, S_NOISE1, S_NOISE2 };

static double smooth01(double t) { return t * t * (3 - 2 * t); }
static double lerp(double a, double b, double t) { return a + (b - a) * t; }

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    return smooth01(t < 0 ? 0 : t > 1 ? 1 : t);
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

/* Four octaves of value noise, feature size ~scale px, result in [0, 1]. */
static double fbm(double x, double y, double scale, uint64_t stream)
{
    double sum = 0, norm = 0, amp = 1, f = 1.0 / scale;
    for (int o = 0; o < 4; o++) {
        sum += amp * value_noise(x * f, y * f, stream * 8 + (uint64_t)o);
        norm += amp;
        amp *= 0.5;
        f *= 2;
    }
    return sum / norm;
}

/* ---- land cover ---- */

typedef struct { float t1[NB], t2[NB]; } surface;

/* Sinuous river running NNE-SSW: centre column and half-width per row. */
typedef struct { double river_c[H], river_hw[H]; } scene;

static void scene_init(scene *sc)
{
    for (int r = 0; r < H; r++) {
        sc->river_c[r] = 250 + 0.25 * r + 45 * sin(r / 140.0) +
                         40 * (fbm(0.5, r, 300, S_RIVER) - 0.5);
        sc->river_hw[r] = 8 + 3 * sin(r / 230.0);
    }
}

/* Overlay cover a (t1) / b (t2), brightness k, with fraction f. */
static void put(surface *s, const float *a, const float *b, double k, double f)
{
    for (int i = 0; i < NB; i++) {
        s->t1[i] = (float)lerp(s->t1[i], a[i] * k, f);
        s->t2[i] = (float)lerp(s->t2[i], b[i] * k, f);
    }
}

/* Forest/grass mosaic with its seasonal change; grass_bias 1 forces grass
 * (river banks). */
static void natural_vegetation(double x, double y, double grass_bias, surface *s)
{
    double forest = smoothstep(0.42, 0.58, fbm(x, y, 220, S_VEG)) * (1 - grass_bias);
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

/* Ground that was already bare at t1 and stays so: old quarry faces (one
 * in L1, one in L4, an abandoned scar) as ellipses with ragged edges. */
static const double SCARS[][4] = { /* centre col, row, radius col, row */
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

/* Dirt roads (bare on both dates) as polylines, NAN-separated. */
static const double ROADS[][2] = {
    {0, 900}, {700, 1010}, {1400, 1080}, {2000, 1150}, {NAN, NAN},       /* valley road */
    {1060, 1690}, {1030, 1300}, {1000, 1040}, {985, 700}, {962, 432}, {NAN, NAN}, /* to L1 */
    {1130, 1760}, {1400, 1650}, {1700, 1500}, {NAN, NAN},               /* to L2 */
    {1750, 1120}, {1790, 900}, {1860, 690}};                            /* to L4 */

static int on_road(double x, double y)
{
    for (size_t i = 0; i + 1 < sizeof ROADS / sizeof ROADS[0]; i++) {
        const double *a = ROADS[i], *b = ROADS[i + 1];
        if (isnan(a[0]) || isnan(b[0]))
            continue;
        double dx = b[0] - a[0], dy = b[1] - a[1];
        double t = ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        if (hypot(x - a[0] - t * dx, y - a[1] - t * dy) < 1.3)
            return 1;
    }
    return 0;
}

/* Village: 7 x 6 px plots separated by lanes; each plot a tiled roof, a
 * concrete roof, a bare courtyard or trees, all unchanged between dates. */
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
    if (e >= 0) { /* planted: vegetation at t1 whatever lies around */
        double k = 0.92 + 0.16 * fbm(x, y, 6, S_TEXTURE);
        if (!EVENTS[e].pit)
            put(s, CROP_T1, CROP_T2, k, 1);
        else /* t1 keeps its vegetation */
            for (int i = 0; i < NB; i++)
                s->t2[i] = (float)(PIT[i] * k);
    } else {
        double water = hw + 0.5 - dist;
        if (water > 0)
            put(s, WATER, WATER, 1, water > 1 ? 1 : water);
        if (in_scar(x, y))
            put(s, BARE, BARE, 0.9 + 0.2 * fbm(x, y, 8, S_TEXTURE), 1);
        if (!village(c, r, s) && on_road(x, y))
            put(s, ROAD, ROAD, 1, 1);
    }
    /* illumination / albedo variation (slopes, canopy density), the same
     * on both dates: broad +-8 % and fine-grained +-5 % */
    double bright = (0.92 + 0.16 * fbm(x, y, 350, S_BRIGHT)) *
                    (0.95 + 0.10 * fbm(x, y, 10, S_FINE));
    for (int i = 0; i < NB; i++) {
        s->t1[i] = (float)(s->t1[i] * bright);
        s->t2[i] = (float)(s->t2[i] * bright);
    }
}

/* ---- sensor model ---- */

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

static int classify(const uint16_t *p1, const uint16_t *p2, float *dndvi, float *dbsi,
                    float *bsi2)
{
    for (int i = 0; i < NB; i++)
        if (p1[i] == 0 || p2[i] == 0)
            return C_MASKED;
    float n1, b1, n2;
    indices(p1, &n1, &b1);
    indices(p2, &n2, bsi2);
    *dndvi = n2 - n1;
    *dbsi = *bsi2 - b1;
    int loss = *dndvi <= -NDVI_LOSS, bare = *dbsi >= BSI_GAIN && *bsi2 >= BARE_MIN;
    if (loss && bare)
        return C_DISTURBANCE;
    if (loss)
        return C_VEG_LOSS;
    if (bare)
        return C_BARE_GAIN;
    if (*dndvi >= NDVI_GAIN)
        return C_REVEG;
    if (*dbsi <= -BSI_LOSS)
        return C_OTHER;
    return C_NONE;
}

typedef struct {
    char err[1024];
    char dir[4096], tmp[4][4200], out[4][4200];
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
 * beyond every threshold; the crop field is vegetation loss and not bare. */
static int check_pixel(run *rn, int c, int r, const uint16_t *p1, const uint16_t *p2)
{
    float dn = 0, db = 0, b2 = 0;
    int cls = classify(p1, p2, &dn, &db, &b2), e = event_at(c, r);
    const char *why = NULL;
    if (e < 0) {
        if (cls == C_DISTURBANCE)
            why = "background pixel classed disturbance";
    } else if (cls == C_MASKED) {
        why = "event overlaps nodata";
    } else if (EVENTS[e].pit) {
        if (!(dn <= -NDVI_LOSS - MARGIN && db >= BSI_GAIN + MARGIN && b2 >= BARE_MIN + MARGIN))
            why = "planted disturbance misses its margin";
    } else if (cls != C_VEG_LOSS || b2 > -0.05f || db > 0.03f) {
        why = "crop field is not plain vegetation loss";
    }
    if (why)
        return fail(rn, "scene: %s at col %d row %d (dNDVI %.3f dBSI %.3f BSI2 %.3f)", why,
                    c, r, dn, db, b2);
    return 0;
}

/* ---- writers ---- */

static OGRSpatialReferenceH srs_new(int epsg)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    if (s && OSRImportFromEPSG(s, epsg) != OGRERR_NONE) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    if (s)
        OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

static GDALDatasetH create_tif(run *rn, const char *path, const char *date, const char *wkt)
{
    static char *opt[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256",
                                      "COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=PIXEL",
                                      NULL};
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, W, H, NB, GDT_UInt16, opt) : NULL;
    if (!ds) {
        fail(rn, "scene: cannot create %s: %s", path, gdal_msg());
        return NULL;
    }
    double gt[6] = {ORIGIN_X, PIXEL, 0, ORIGIN_Y, 0, -PIXEL};
    int bad = GDALSetGeoTransform(ds, gt) != CE_None || GDALSetProjection(ds, wkt) != CE_None ||
              GDALSetMetadataItem(ds, "ACQUISITION_DATE", date, NULL) != CE_None;
    const GDALColorInterp ci[NB] = {GCI_BlueBand, GCI_GreenBand, GCI_RedBand, GCI_Undefined,
                                    GCI_Undefined};
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

static int close_checked(run *rn, GDALDatasetH ds, const char *stage, const char *path)
{
    CPLErrorReset();
    GDALClose(ds);
    if (CPLGetLastErrorType() >= CE_Failure)
        return fail(rn, "%s: writing %s failed: %s", stage, path, gdal_msg());
    return 0;
}

/* Both dates, one block of rows at a time. */
static int stage_scene(run *rn)
{
    OGRSpatialReferenceH utm = srs_new(32649);
    char *wkt = NULL;
    if (!utm || OSRExportToWkt(utm, &wkt) != OGRERR_NONE) {
        OSRDestroySpatialReference(utm);
        return fail(rn, "scene: EPSG:32649 unavailable: %s", gdal_msg());
    }
    GDALDatasetH ds1 = create_tif(rn, rn->tmp[0], "2024-05-15", wkt);
    GDALDatasetH ds2 = ds1 ? create_tif(rn, rn->tmp[1], "2024-09-20", wkt) : NULL;
    CPLFree(wkt);
    OSRDestroySpatialReference(utm);
    size_t n = (size_t)W * BLOCK * NB;
    uint16_t *b1 = malloc(n * sizeof *b1), *b2 = malloc(n * sizeof *b2);
    int rc = 0;
    if (!ds2)
        rc = -1; /* create_tif has set the message */
    else if (!b1 || !b2)
        rc = fail(rn, "scene: out of memory");

    for (int r0 = 0; r0 < H && rc == 0; r0 += BLOCK) {
        int nr = H - r0 < BLOCK ? H - r0 : BLOCK;
        for (int r = r0; r < r0 + nr && rc == 0; r++)
            for (int c = 0; c < W && rc == 0; c++) {
                surface s;
                size_t at = ((size_t)(r - r0) * W + (size_t)c) * NB;
                land_cover(&rn->sc, c, r, &s);
                sense(&s, c, r, b1 + at, b2 + at);
                rc = check_pixel(rn, c, r, b1 + at, b2 + at);
            }
        const int ps = NB * 2, ls = W * NB * 2;
        for (int d = 0; d < 2 && rc == 0; d++)
            if (GDALDatasetRasterIO(d ? ds2 : ds1, GF_Write, 0, r0, W, nr, d ? b2 : b1, W, nr,
                                    GDT_UInt16, NB, NULL, ps, ls, 2) != CE_None)
                rc = fail(rn, "scene: writing %s failed: %s", rn->tmp[d], gdal_msg());
    }
    free(b1);
    free(b2);
    if (ds1 && close_checked(rn, ds1, "scene", rn->tmp[0]))
        rc = -1;
    if (ds2 && close_checked(rn, ds2, "scene", rn->tmp[1]))
        rc = -1;
    return rc;
}

static int add_licence(OGRLayerH lyr, const licence *l, OGRCoordinateTransformationH ct)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    for (int i = 0; i <= l->n; i++) {
        const double *v = l->v[i % l->n];
        OGR_G_AddPoint_2D(ring, ORIGIN_X + PIXEL * v[0], ORIGIN_Y - PIXEL * v[1]);
    }
    OGR_G_AddGeometryDirectly(poly, ring);
    OGR_G_Segmentize(poly, 100.0); /* a vertex every <= 100 m */
    int rc = OGR_G_Transform(poly, ct) == OGRERR_NONE ? 0 : -1;
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "licence_id"), l->id);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "holder"), l->holder);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "mineral"), l->mineral);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "valid_from"), l->from);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "valid_to"), l->to);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "status"), "valid");
    OGR_F_SetGeometryDirectly(f, poly);
    if (rc == 0 && OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
        rc = -1;
    OGR_F_Destroy(f);
    return rc;
}

/* Licence polygons are designed on the UTM 49N grid and stored in
 * CGCS2000 / 3-degree GK CM 114E, all features in one transaction. */
static int stage_licences(run *rn)
{
    const char *path = rn->tmp[2];
    static const char *const fields[] = {"licence_id", "holder", "mineral",
                                         "valid_from", "valid_to", "status"};
    OGRSpatialReferenceH utm = srs_new(32649), gk = srs_new(4547);
    OGRCoordinateTransformationH ct = utm && gk ? OCTNewCoordinateTransformation(utm, gk) : NULL;
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    GDALDatasetH ds = NULL;
    OGRLayerH lyr = NULL;
    int rc = -1;
    VSIUnlink(path);
    if (!ct || !drv)
        fail(rn, "licences: no EPSG:32649 -> EPSG:4547 transform or GPKG driver: %s", gdal_msg());
    else if (!(ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL)))
        fail(rn, "licences: cannot create %s: %s", path, gdal_msg());
    else if (!(lyr = GDALDatasetCreateLayer(ds, "licences", gk, wkbPolygon, NULL)))
        fail(rn, "licences: cannot create layer in %s: %s", path, gdal_msg());
    else
        rc = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && rc == 0; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(fields[i], OFTString);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = fail(rn, "licences: cannot create field %s: %s", fields[i], gdal_msg());
        OGR_Fld_Destroy(fd);
    }
    if (rc == 0 && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
        rc = fail(rn, "licences: cannot start transaction: %s", gdal_msg());
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

typedef struct {
    long pixels, count; /* pixels over both dates; count distinct for centroid */
    double sx, sy;
    int cmin, rmin, cmax, rmax;
} stats;

static const stats STATS_EMPTY = {0, 0, 0, 0, W, H, -1, -1};

static void stats_add(stats *st, int c, int r)
{
    st->count++;
    st->sx += c + 0.5;
    st->sy += r + 0.5;
    st->cmin = c < st->cmin ? c : st->cmin;
    st->cmax = c > st->cmax ? c : st->cmax;
    st->rmin = r < st->rmin ? r : st->rmin;
    st->rmax = r > st->rmax ? r : st->rmax;
}

static void write_row(FILE *f, int id, const char *kind, const char *rules, const char *lic,
                      int flagged, const stats *st)
{
    fprintf(f, "%d,%s,%s,%s,%d,%ld,%ld,%.3f,%.3f,%.0f,%.0f,%.0f,%.0f\n", id, kind, rules, lic,
            flagged, st->pixels, st->pixels * 100, ORIGIN_X + PIXEL * st->sx / st->count,
            ORIGIN_Y - PIXEL * st->sy / st->count, ORIGIN_X + PIXEL * st->cmin,
            ORIGIN_Y - PIXEL * (st->rmax + 1), ORIGIN_X + PIXEL * (st->cmax + 1),
            ORIGIN_Y - PIXEL * st->rmin);
}

static int stage_truth(run *rn)
{
    FILE *f = fopen(rn->tmp[3], "w");
    if (!f)
        return fail(rn, "truth: cannot create %s", rn->tmp[3]);
    fputs("event,kind,expected_rules,licence_id,flagged,pixels,area_m2,"
          "centroid_x,centroid_y,min_x,min_y,max_x,max_y\n", f);
    for (int e = 0; e < NEVENTS; e++) {
        const event *ev = &EVENTS[e];
        stats st = STATS_EMPTY;
        for (int r = 0; r < H; r++)
            for (int c = 0; c < W; c++)
                if (event_at(c, r) == e)
                    stats_add(&st, c, r);
        st.pixels = st.count;
        const char *lic = ev->flagged && ev->licence >= 0 ? LICENCES[ev->licence].id : "";
        write_row(f, e + 1, ev->kind, ev->rules, lic, ev->flagged, &st);
    }
    stats st = STATS_EMPTY; /* nodata: pixels summed over both dates, extent of the union */
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            st.pixels += nodata_t1(r) + nodata_t2(c);
            if (nodata_t1(r) || nodata_t2(c))
                stats_add(&st, c, r);
        }
    write_row(f, NEVENTS + 1, "nodata_stripes", "", "", 0, &st);
    if (ferror(f) | fclose(f))
        return fail(rn, "truth: writing %s failed", rn->tmp[3]);
    return 0;
}

static const char *const FILES[4][2] = {
    {"t1.tmp.tif", "t1.tif"}, {"t2.tmp.tif", "t2.tif"},
    {"layers.tmp.gpkg", "layers.gpkg"}, {"truth.tmp.csv", "truth.csv"}};

static int stage_outdir(run *rn, const char *dir)
{
    if (strlen(dir) >= sizeof rn->dir - 32)
        return fail(rn, "outdir: path too long: %s", dir);
    snprintf(rn->dir, sizeof rn->dir, "%s", dir);
    for (int i = 0; i < 4; i++) {
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
    for (int i = 0; i < 4; i++)
        if (VSIRename(rn->tmp[i], rn->out[i]) != 0)
            return fail(rn, "publish: cannot rename %s to %s", rn->tmp[i], rn->out[i]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sample OUTDIR\n");
        return 2;
    }
    static run rn;
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    licence_init();
    scene_init(&rn.sc);

    int rc = stage_outdir(&rn, argv[1]) || stage_scene(&rn) || stage_licences(&rn) ||
             stage_truth(&rn) || stage_publish(&rn);
    if (rc) {
        for (int i = 0; i < 4 && rn.tmp[i][0]; i++)
            VSIUnlink(rn.tmp[i]);
        for (char *p = rn.err; *p; p++) /* one line, whatever GDAL said */
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(stderr, "gen_sample: %s\n", rn.err);
        return 1;
    }
    printf("gen_sample: wrote %s (%dx%d, %d events, %d licences)\n", rn.dir, W, H,
           NEVENTS + 1, NLICENCES);
    GDALDestroyDriverManager();
    return 0;
}
