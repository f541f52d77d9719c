/* gen_sample.c - deterministic synthetic scene pair and vector layers for the
 * minewatch sample (Changzhi, Shanxi).
 *
 *   gen_sample OUTDIR
 *
 * Writes into OUTDIR (created if missing):
 *   t1.tif, t2.tif  2000 x 2000 px, 10 m, EPSG:32649, origin (680000, 4020000),
 *                   5 x UInt16 (blue green red nir swir1), reflectance x 10000,
 *                   nodata 0; acquired 2024-05-15 and 2024-09-20.
 *   layers.gpkg     layers licences, exploration, redline, farmland, urban,
 *                   restoration and counties, all in EPSG:4547 (CGCS2000 3-degree
 *                   GK, CM 114E), a CRS other than the imagery's on purpose.
 *   counties_gbk.shp (+ .shx .dbf .prj) the counties again, text in GBK and no
 *                   .cpg (LDID 0): a shapefile as local agencies hand them out.
 *   licence_corners.csv  every licence as a corner-point table (拐点坐标):
 *                   licence_id,ring,point,x,y with X northing and Y easting in
 *                   EPSG:4526 (zone prefix 38 on Y); rings are not closed.
 *   truth_licences.csv     per licence: exemption, consolidation group and the
 *                   control-line overlaps the licence audit must report.
 *   truth_restoration.csv  per restoration plot: status, overdue and the
 *                   fractions measured on the written pixels.
 *   truth.csv       one row per planted event, coordinates in EPSG:32649.
 *
 * Every random number is splitmix64 used as a counter-based hash of (seed,
 * stream, coordinates), so the output depends on nothing but this file and
 * not on the order of generation.  Files are written under temporary names
 * and renamed once all are complete (truth.csv last: make's target).
 *
 * Self-checks, any failure fails the run:
 *  - design (stage_design): events >= 150 px from each other and from the
 *    nodata stripes; every flagged event and every plot >= 30 px inside its
 *    county; the counties tile the scene; the consolidation groups that GEOS
 *    finds are the designed ones.
 *  - pixels (check_pixel): every pixel is classified as the pipeline does;
 *    the run fails if a background pixel is classed disturbance, a planted
 *    pixel misses its designed margin, or a plot pixel comes within 0.1 of
 *    the restoration thresholds.
 *  - plots (stage_plots): each plot's status, computed from the written
 *    pixels by the pipeline's definition, is the designed one, with margin.
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
#define T1_DATE "2024-05-15"
#define T2_DATE "2024-09-20"

/* The pipeline's thresholds (configs/sample.ini) and the margin that planted
 * disturbance keeps beyond each of them after noise. */
#define NDVI_LOSS 0.20
#define BSI_GAIN 0.10
#define BARE_MIN 0.05
#define NDVI_GAIN 0.20
#define BSI_LOSS 0.15
#define MARGIN 0.10

/* Restoration: a pixel is vegetated when NDVI >= VEG_NDVI, bare at t2 when
 * BSI >= BARE_MIN; a plot is NEW_DISTURBANCE from DISTURBED_SHARE of
 * disturbance pixels, improving or regressing by CHANGE_STEP. */
#define VEG_NDVI 0.40
#define DISTURBED_SHARE 0.05
#define CHANGE_STEP 0.05

/* The design's distances, in pixels. */
enum { SPACING_PX = 150, COUNTY_MARGIN_PX = 30 };
/* Consolidation: boundaries within 500 m, area < 0.1 km2, reserves < 3e5 t. */
#define CONSOLIDATE_M 500.0
#define SMALL_M2 100000.0
#define SMALL_T 300000.0

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
/* Failed revegetation: the sown grass died back to a sparse, wilted cover
 * over damp soil (NDVI .22, BSI -.10 at t2).  From grass that is dNDVI -.38,
 * dBSI -.04: vegetation loss, no longer vegetated, but not bare ground. */
static const float DRY[NB] = {.060f, .085f, .090f, .150f, .080f};
/* Fresh excavation (rock, spoil): NDVI .02, BSI .23.  From grass that is
 * dNDVI -.58, dBSI +.29; from forest more. */
static const float PIT[NB] = {.130f, .160f, .220f, .230f, .360f};

static const char *const BAND_NAME[NB] = {"blue", "green", "red", "nir", "swir1"};

/* ---- design: polygons in pixel-edge coordinates (col, row) ---- */

enum { MAXV = 12 };
typedef struct { int n; double v[MAXV][2]; } shape;
typedef struct { int c0, r0, c1, r1; } rect; /* half-open [c0,c1) x [r0,r1) */

/* Counties tile the scene and reach 1 km beyond it; the west-east line runs
 * (770,-100) - (720,500) - (790,1000) - (700,1500) - (745,2100), the
 * eastern half is split along (790,1000) - (1200,960) - (1600,1040). */
enum { SHANGDANG, PINGSHUN, HUGUAN, NCOUNTIES };
typedef struct { const char *name, *code; shape g; } county;
static const county COUNTIES[NCOUNTIES] = {
    {"长治市上党区", "140404",
     {7, {{-100, -100}, {770, -100}, {720, 500}, {790, 1000}, {700, 1500}, {745, 2100},
          {-100, 2100}}}},
    {"平顺县", "140425",
     {7, {{770, -100}, {2100, -100}, {2100, 1000}, {1600, 1040}, {1200, 960}, {790, 1000},
          {720, 500}}}},
    {"壶关县", "140427",
     {7, {{790, 1000}, {1200, 960}, {1600, 1040}, {2100, 1000}, {2100, 2100}, {745, 2100},
          {700, 1500}}}},
};

/* Mining licences (采矿权).  status and valid_to are judged at t2; reserves
 * NAN = not given.  group: the consolidation group the audit must find. */
enum { L1, L2, L3, L4, L5, L6, L7, L8, L9, NLICENCES };
typedef struct {
    const char *id, *holder, *mineral, *from, *to, *status;
    double reserves_t;
    const char *group;
    shape g;
} licence;

static licence LICENCES[NLICENCES] = {
    /* L1: a rectangle rotated 5 degrees (licence_init) around an old quarry */
    {"C1404002010121130089263", "长治市鑫源石料有限公司", "建筑用石料", "2020-06-01",
     "2026-05-31", "valid", 2600000, "", {4, {{0}}}},
    /* L2: an L-shape on the pixel grid; out_of_bounds digs past its east edge */
    {"C1404002008061120004517", "壶关县宏达建材有限责任公司", "石灰岩", "2018-03-15",
     "2028-03-14", "valid", NAN, "",
     {6, {{1650, 1400}, {1820, 1400}, {1820, 1560}, {1740, 1560}, {1740, 1520},
          {1650, 1520}}}},
    /* L3: valid, its west half under the red line RL1 */
    {"C1404002012041130124850", "长治市上党区晋丰矿业有限公司", "建筑用白云岩", "2021-01-10",
     "2025-12-31", "valid", 1800000, "", {4, {{90, 160}, {230, 160}, {230, 300}, {90, 300}}}},
    /* L4: a long irregular ridge */
    {"C1404002015091130139972", "平顺县金岭铝土矿有限公司", "铝土矿", "2019-09-01",
     "2029-08-31", "valid", 5200000, "",
     {9, {{1560, 230}, {1640, 170}, {1760, 260}, {1890, 470}, {1900, 690}, {1830, 720},
          {1800, 520}, {1690, 360}, {1590, 320}}}},
    /* L5: expired at the end of 2023 and still worked (after_expiry) */
    {"C1404002013071130131206", "长治市上党区永盛石料厂", "建筑用石料", "2018-01-01",
     "2023-12-31", "expired", 450000, "",
     {5, {{80, 620}, {240, 620}, {240, 740}, {190, 770}, {80, 770}}}},
    /* L6: geothermal, mostly inside RL1: exempt from the control lines */
    {"C1404002020111110150327", "长治市上党区温泉地热开发有限公司", "地热", "2020-11-01",
     "2030-10-31", "valid", NAN, "", {4, {{30, 390}, {100, 390}, {100, 460}, {30, 460}}}},
    /* L7, L8: 200 x 300 m each (0.06 km2), 300 m apart, small reserves */
    {"C1404272016051130142118", "壶关县石坡村建筑石料厂", "建筑用石料", "2016-05-01",
     "2026-04-30", "valid", 150000, "G1",
     {4, {{1500, 1750}, {1520, 1750}, {1520, 1780}, {1500, 1780}}}},
    {"C1404272017081130145530", "壶关县东井岭石料有限公司", "建筑用石料", "2017-08-01",
     "2027-07-31", "valid", 200000, "G1",
     {4, {{1550, 1750}, {1570, 1750}, {1570, 1780}, {1550, 1780}}}},
    /* L9: valid, its north-west corner on the basic farmland F1 */
    {"C1404002011031130117745", "长治市上党区南庄石料有限公司", "石灰岩", "2021-03-01",
     "2031-02-28", "valid", 900000, "",
     {4, {{500, 1820}, {640, 1820}, {640, 1960}, {500, 1960}}}},
};

static void licence_init(void)
{
    const double cx = 1000.3, cy = 420.7, a = 85, b = 65, t = 5.0 * M_PI / 180.0;
    const double u[4] = {-a, a, a, -a}, v[4] = {-b, -b, b, b};
    for (int i = 0; i < 4; i++) {
        LICENCES[L1].g.v[i][0] = cx + u[i] * cos(t) - v[i] * sin(t);
        LICENCES[L1].g.v[i][1] = cy + u[i] * sin(t) + v[i] * cos(t);
    }
}

static int licence_valid(const licence *l)
{
    return strcmp(l->status, "valid") == 0 && strcmp(l->to, T2_DATE) >= 0;
}

static int mineral_exempt(const char *m) { return strstr(m, "地热") || strstr(m, "矿泉水"); }

/* Exploration rights (探矿权). */
enum { E1, E2, NEXPL };
typedef struct { const char *id, *holder; shape g; } exploration;
static const exploration EXPLORATION[NEXPL] = {
    {"T14000020090301025978", "平顺县鑫磊矿业有限公司",
     {4, {{1140, 120}, {1330, 130}, {1340, 320}, {1150, 335}}}},
    {"T14000020120801047311", "长治市上党区华宇矿产勘查有限公司",
     {4, {{450, 300}, {560, 300}, {560, 450}, {450, 450}}}},
};

/* Ecological red line and protected area; basic farmland; urban boundary. */
typedef struct { const char *name, *kind; shape g; } redline;
static const redline REDLINES[] = {
    {"上党区老顶山生态保护红线", "生态保护红线",
     {7, {{-20, 90}, {150, 100}, {185, 200}, {175, 290}, {120, 380}, {80, 480}, {-20, 470}}}},
    {"太行山大峡谷自然保护区", "自然保护区",
     {4, {{1900, 760}, {2020, 740}, {2020, 980}, {1930, 960}}}},
};
enum { NREDLINES = sizeof REDLINES / sizeof REDLINES[0] };

typedef struct { const char *code; shape g; } farmland;
static const farmland FARMLAND[] = {
    {"140404JB0012",
     {6, {{300, 1640}, {540, 1630}, {570, 1760}, {560, 1900}, {310, 1910}, {290, 1780}}}},
    {"140427JB0031", {4, {{800, 1570}, {935, 1575}, {935, 1700}, {805, 1705}}}}, /* crop */
};
enum { NFARMLAND = sizeof FARMLAND / sizeof FARMLAND[0] };

typedef struct { const char *name; shape g; } urban;
static const urban URBAN[] = {
    {"壶关县店上镇城镇开发边界",
     {6, {{945, 1650}, {1180, 1640}, {1300, 1700}, {1310, 1900}, {960, 1910}, {945, 1800}}}},
};
enum { NURBAN = sizeof URBAN / sizeof URBAN[0] };

/* Restoration plots on the pixel grid.  A share of the pixels (chosen by a
 * hash) is under covers a (t1, t2), the rest under b; a1 NULL keeps the
 * natural vegetation.  status is the designed outcome, checked on the
 * written pixels. */
typedef struct {
    const char *id;
    int county;
    const char *party, *baseline, *deadline;
    double target;
    rect r;
    double share;
    const float *a1, *a2, *b1, *b2;
    const char *status;
} plot;

static const plot PLOTS[] = {
    /* bare -> 90 % grass: veg .00 -> .90, target .70; deadline passed, met */
    {"R1", SHANGDANG, "长治市上党区自然资源局", "2023-03-01", "2024-06-30", 0.70,
     {400, 1200, 440, 1240}, 0.90, BARE, GRASS, BARE, BARE, "COMPLETED"},
    /* bare -> half grass: veg .00 -> .50, target .70 */
    {"R2", SHANGDANG, "长治市上党区晋丰矿业有限公司", "2024-01-01", "2025-06-30", 0.70,
     {100, 1200, 140, 1240}, 0.50, BARE, GRASS, BARE, BARE, "IN_PROGRESS"},
    /* bare with 10 % weeds on both dates */
    {"R3", HUGUAN, "壶关县宏达建材有限责任公司", "2024-01-01", "2025-12-31", 0.60,
     {1300, 1250, 1330, 1280}, 0.10, GRASS, GRASS, BARE, BARE, "NOT_STARTED"},
    /* the same, deadline passed: overdue */
    {"R4", HUGUAN, "壶关县自然资源局", "2023-01-01", "2023-12-31", 0.60,
     {1500, 1200, 1540, 1240}, 0.10, GRASS, GRASS, BARE, BARE, "NOT_STARTED"},
    /* grassed over, then the plot_new_disturbance pit (16 % of it) */
    {"R5", PINGSHUN, "平顺县自然资源局", "2024-01-01", "2024-12-31", 0.60,
     {1180, 700, 1230, 740}, 0, NULL, NULL, NULL, NULL, "NEW_DISTURBANCE"},
    /* 70 % grass at t1 died back to DRY by t2: veg .70 -> .00 */
    {"R6", PINGSHUN, "平顺县金岭铝土矿有限公司", "2023-06-30", "2025-06-30", 0.60,
     {1300, 500, 1340, 540}, 0.70, GRASS, DRY, BARE, BARE, "REGRESSED"},
};
enum { NPLOTS = sizeof PLOTS / sizeof PLOTS[0] };

static int plot_overdue(const plot *p, const char *status)
{
    return strcmp(p->deadline, T2_DATE) < 0 && strcmp(status, "COMPLETED") != 0;
}

static int in_rect(const rect *q, int c, int r)
{
    return c >= q->c0 && c < q->c1 && r >= q->r0 && r < q->r1;
}

static int plot_at(int c, int r)
{
    for (int p = 0; p < NPLOTS; p++)
        if (in_rect(&PLOTS[p].r, c, r))
            return p;
    return -1;
}

/* ---- planted events: pixel rectangles ---- */

typedef struct {
    const char *kind, *rules;
    int licence;      /* index into LICENCES, -1 none */
    int expl;         /* index into EXPLORATION (EXPLORATION_ONLY), -1 none */
    int county;       /* expected county of a flagged event, -1 none */
    int flagged, pit; /* pit: vegetation -> excavation (else: the crop field) */
    int nrect;        /* 0: the nodata stripes' row */
    rect r[2];
} event;

/* Every rectangle side >= 3 px, so a 3x3 opening leaves each union as it is;
 * events are >= 150 px from each other and from the nodata stripes
 * (stage_design).  Rows keep their ids in truth.csv: new ones come last. */
static const event EVENTS[] = {
    /* 424 px east of L1's old pit, > 40 px inside L1 */
    {"lawful_expansion", "", L1, -1, PINGSHUN, 1, 1, 2,
     {{990, 404, 1010, 422}, {1010, 408, 1018, 416}}},
    /* 720 px, of which 120 px beyond L2's east edge (col 1820), reaching 120 m */
    {"out_of_bounds", "OUT_OF_BOUNDS", L2, -1, HUGUAN, 1, 1, 2,
     {{1790, 1470, 1820, 1490}, {1810, 1474, 1832, 1484}}},
    /* 344 px, > 4 km from the nearest licence (L9) */
    {"unlicensed_pit", "UNLICENSED", -1, -1, SHANGDANG, 1, 1, 2,
     {{200, 1500, 220, 1514}, {220, 1504, 228, 1512}}},
    /* inside the basic farmland F2: vegetation loss is not disturbance */
    {"crop_season", "", -1, -1, -1, 0, 0, 1, {{850, 1600, 930, 1660}}},
    /* 9 px = 900 m2: survives the opening, below the 2000 m2 minimum */
    {"speck", "", -1, -1, -1, 0, 1, 1, {{1100, 1300, 1103, 1303}}},
    {"nodata_stripes", "", -1, -1, -1, 0, 0, 0, {{0, 0, 0, 0}}},
    /* 352 px in L3 (>= 30 px from its edges) and > 35 px inside RL1 */
    {"red_line_in_licence", "RED_LINE", L3, -1, SHANGDANG, 1, 1, 1, {{120, 200, 142, 216}}},
    /* 432 px in the expired L5, > 40 px from its edges */
    {"after_expiry", "AFTER_EXPIRY", L5, -1, SHANGDANG, 1, 1, 2,
     {{140, 680, 164, 694}, {148, 694, 160, 702}}},
    /* 520 px in E1, > 1 km from L1 and L4 */
    {"exploration_only", "EXPLORATION_ONLY", -1, E1, PINGSHUN, 1, 1, 1,
     {{1196, 206, 1222, 226}}},
    /* 400 px in F1, 900 m from L9 */
    {"farmland_unlicensed", "UNLICENSED;FARMLAND", -1, -1, SHANGDANG, 1, 1, 2,
     {{400, 1760, 420, 1776}, {406, 1776, 416, 1784}}},
    /* 336 px in the urban boundary, east of the village */
    {"urban_unlicensed", "UNLICENSED;URBAN_BOUNDARY", -1, -1, HUGUAN, 1, 1, 1,
     {{1200, 1800, 1224, 1814}}},
    /* 320 px inside restoration plot R5, > 2 km from any licence */
    {"plot_new_disturbance", "UNLICENSED", -1, -1, PINGSHUN, 1, 1, 1,
     {{1195, 712, 1215, 728}}},
    /* fresh diggings below the minimum mapping unit: 16 and 18 px */
    {"trial_pit", "", -1, -1, -1, 0, 1, 1, {{1600, 800, 1604, 804}}},
    {"spoil_heap", "", -1, -1, -1, 0, 1, 1, {{430, 500, 436, 503}}},
};
enum { NEVENTS = sizeof EVENTS / sizeof EVENTS[0] };

static int event_at(int c, int r)
{
    for (int e = 0; e < NEVENTS; e++)
        for (const rect *q = EVENTS[e].r; q < EVENTS[e].r + EVENTS[e].nrect; q++)
            if (in_rect(q, c, r))
                return e;
    return -1;
}

static rect event_bbox(const event *ev)
{
    rect b = ev->r[0];
    for (int i = 1; i < ev->nrect; i++) {
        const rect *q = &ev->r[i];
        b = (rect){q->c0 < b.c0 ? q->c0 : b.c0, q->r0 < b.r0 ? q->r0 : b.r0,
                   q->c1 > b.c1 ? q->c1 : b.c1, q->r1 > b.r1 ? q->r1 : b.r1};
    }
    return b;
}

/* Nodata (0 on all bands): t2 has two Landsat-7 SLC-off-like columns
 * 12 px wide, t1 one 8 px row band; all full length. */
static const rect STRIPES[] = {{0, 1000, W, 1008}, {600, 0, 612, H}, {1400, 0, 1412, H}};
static int nodata_t1(int r) { return r >= 1000 && r < 1008; }
static int nodata_t2(int c) { return (c >= 600 && c < 612) || (c >= 1400 && c < 1412); }

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
       S_TEXTURE, S_NOISE1, S_NOISE2, S_RESTORE };

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

/* Is pixel (c, r) of plot p under the plot's covers a (else b)? */
static int plot_share_a(const plot *p, int c, int r)
{
    return uniform(S_RESTORE, (uint64_t)c, (uint64_t)r) < p->share;
}

/* Surface reflectance of pixel (c, r) at both dates, before the sensor. */
static void land_cover(const scene *sc, int c, int r, surface *s)
{
    double x = c + 0.5, y = r + 0.5;
    double dist = fabs(x - sc->river_c[r]), hw = sc->river_hw[r];
    natural_vegetation(x, y, 1 - smoothstep(hw + 4, hw + 12, dist), s);

    int e = event_at(c, r), p = plot_at(c, r);
    if (e >= 0) { /* planted on vegetation, whatever lies around */
        double k = 0.92 + 0.16 * fbm(x, y, 6, S_TEXTURE);
        if (!EVENTS[e].pit)
            put(s, CROP_T1, CROP_T2, k, 1);
        else /* t1 keeps its vegetation */
            for (int i = 0; i < NB; i++)
                s->t2[i] = (float)(PIT[i] * k);
    } else if (p >= 0) { /* whole pixels, on their own ground */
        const plot *pl = &PLOTS[p];
        double k = 0.92 + 0.16 * fbm(x, y, 6, S_TEXTURE);
        if (pl->a1 && plot_share_a(pl, c, r))
            put(s, pl->a1, pl->a2, k, 1);
        else if (pl->a1)
            put(s, pl->b1, pl->b2, k, 1);
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

/* The pixel's indices at both dates and their change. */
typedef struct { float n1, b1, n2, b2, dn, db; } pixel_ix;

static int classify(const uint16_t *p1, const uint16_t *p2, pixel_ix *x)
{
    for (int i = 0; i < NB; i++)
        if (p1[i] == 0 || p2[i] == 0)
            return C_MASKED;
    indices(p1, &x->n1, &x->b1);
    indices(p2, &x->n2, &x->b2);
    x->dn = x->n2 - x->n1;
    x->db = x->b2 - x->b1;
    int loss = x->dn <= -NDVI_LOSS, bare = x->db >= BSI_GAIN && x->b2 >= BARE_MIN;
    return loss && bare ? C_DISTURBANCE : loss ? C_VEG_LOSS : bare ? C_BARE_GAIN
           : x->dn >= NDVI_GAIN ? C_REVEG : x->db <= -BSI_LOSS ? C_OTHER : C_NONE;
}

/* ---- run state and errors ---- */

enum { F_T1, F_T2, F_GPKG, F_SHP, F_SHX, F_DBF, F_PRJ, F_CORNERS, F_LICENCES, F_PLOTS, F_CSV,
       NFILES };
static const char *const FILES[NFILES][2] = {
    {"t1.tmp.tif", "t1.tif"},
    {"t2.tmp.tif", "t2.tif"},
    {"layers.tmp.gpkg", "layers.gpkg"},
    {"counties_gbk.tmp.shp", "counties_gbk.shp"}, /* the driver names the rest */
    {"counties_gbk.tmp.shx", "counties_gbk.shx"},
    {"counties_gbk.tmp.dbf", "counties_gbk.dbf"},
    {"counties_gbk.tmp.prj", "counties_gbk.prj"},
    {"licence_corners.tmp.csv", "licence_corners.csv"},
    {"truth_licences.tmp.csv", "truth_licences.csv"},
    {"truth_restoration.tmp.csv", "truth_restoration.csv"},
    {"truth.tmp.csv", "truth.csv"}};

/* Pixels of one restoration plot valid on both dates, and how many of them
 * are vegetated at t1 / t2, bare at t2, disturbance. */
typedef struct { long n, veg1, veg2, bare2, disturbed; } tally;

typedef struct {
    char err[1024];
    const char *dir;
    char tmp[NFILES][4096], out[NFILES][4096], cpg_tmp[4096], cpg_out[4096];
    scene sc;
    tally plots[NPLOTS];
    OGRSpatialReferenceH utm, gk, gkz;          /* EPSG:32649, 4547, 4526 */
    OGRCoordinateTransformationH to_gk, to_gkz; /* 32649 -> 4547 -> 4526 */
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

/* ---- the per-pixel self-check ---- */

/* Vegetation loss that is not bare ground: BSI stays low and does not rise. */
static int veg_loss_only(int cls, const pixel_ix *x)
{
    return cls == C_VEG_LOSS && x->b2 <= -0.05f && x->db <= 0.03f;
}

static int clear_of(double v, double threshold, double margin)
{
    return fabs(v - threshold) >= margin;
}

/* Count a pixel of plot p; NULL, or why it is not as designed.  Pixels
 * masked on either date do not count, as in the pipeline. */
static const char *plot_pixel(run *rn, int p, int c, int r, int cls, const pixel_ix *x)
{
    const plot *pl = &PLOTS[p];
    if (cls == C_MASKED)
        return NULL;
    if (!clear_of(x->n1, VEG_NDVI, MARGIN) || !clear_of(x->n2, VEG_NDVI, MARGIN) ||
        !clear_of(x->b2, BARE_MIN, 0.05))
        return "restoration plot pixel near a restoration threshold";
    if (pl->a2 == DRY && event_at(c, r) < 0 && plot_share_a(pl, c, r) && !veg_loss_only(cls, x))
        return "dying grass is not plain vegetation loss";
    tally *t = &rn->plots[p];
    t->n++;
    t->veg1 += x->n1 >= VEG_NDVI;
    t->veg2 += x->n2 >= VEG_NDVI;
    t->bare2 += x->b2 >= BARE_MIN;
    t->disturbed += cls == C_DISTURBANCE;
    return NULL;
}

/* Background must never be disturbance; planted disturbance keeps MARGIN
 * beyond every threshold; the crop field is vegetation loss, not bare;
 * plot pixels are clear of the restoration thresholds. */
static int check_pixel(run *rn, int c, int r, const uint16_t *p1, const uint16_t *p2)
{
    pixel_ix x = {0, 0, 0, 0, 0, 0};
    int cls = classify(p1, p2, &x), e = event_at(c, r), p = plot_at(c, r);
    const char *why = NULL;
    if (e < 0)
        why = cls == C_DISTURBANCE ? "background pixel classed disturbance" : NULL;
    else if (cls == C_MASKED)
        why = "event overlaps nodata";
    else if (EVENTS[e].pit)
        why = x.dn <= -NDVI_LOSS - MARGIN && x.db >= BSI_GAIN + MARGIN &&
                      x.b2 >= BARE_MIN + MARGIN
                  ? NULL : "planted disturbance misses its margin";
    else if (!veg_loss_only(cls, &x))
        why = "crop field is not plain vegetation loss";
    if (!why && p >= 0)
        why = plot_pixel(rn, p, c, r, cls, &x);
    if (why)
        return fail(rn, "scene: %s at col %d row %d (dNDVI %.3f dBSI %.3f NDVI2 %.3f BSI2 %.3f)",
                    why, c, r, x.dn, x.db, x.n2, x.b2);
    return 0;
}

/* ---- geometry: the design in UTM, as stored in EPSG:4547 ---- */

static double utm_x(double c) { return ORIGIN_X + PIXEL * c; }
static double utm_y(double r) { return ORIGIN_Y - PIXEL * r; }

static OGRGeometryH shape_utm(const shape *s)
{
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    for (int i = 0; i <= s->n; i++)
        OGR_G_AddPoint_2D(ring, utm_x(s->v[i % s->n][0]), utm_y(s->v[i % s->n][1]));
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

static shape rect_shape(rect q, int pad)
{
    double c0 = q.c0 - pad, r0 = q.r0 - pad, c1 = q.c1 + pad, r1 = q.r1 + pad;
    return (shape){4, {{c0, r0}, {c1, r0}, {c1, r1}, {c0, r1}}};
}

/* The polygon is designed in UTM 49N, densified to a vertex every <= 100 m
 * so it survives the round trip, and stored in EPSG:4547.  NULL on error. */
static OGRGeometryH shape_stored(run *rn, const shape *s)
{
    OGRGeometryH g = shape_utm(s);
    OGR_G_Segmentize(g, 100.0);
    if (OGR_G_Transform(g, rn->to_gk) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        return NULL;
    }
    return g;
}

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

static int stage_srs(run *rn)
{
    rn->utm = srs_new(32649);
    rn->gk = srs_new(4547);
    rn->gkz = srs_new(4526);
    if (rn->utm && rn->gk && rn->gkz) {
        rn->to_gk = OCTNewCoordinateTransformation(rn->utm, rn->gk);
        rn->to_gkz = OCTNewCoordinateTransformation(rn->gk, rn->gkz);
    }
    if (!rn->to_gk || !rn->to_gkz)
        return fail(rn, "srs: no EPSG:32649 -> 4547 -> 4526 transform: %s", gdal_msg());
    return 0;
}

static void srs_free(run *rn)
{
    OCTDestroyCoordinateTransformation(rn->to_gk);
    OCTDestroyCoordinateTransformation(rn->to_gkz);
    OSRDestroySpatialReference(rn->utm);
    OSRDestroySpatialReference(rn->gk);
    OSRDestroySpatialReference(rn->gkz);
}

/* ---- design checks ---- */

static double rect_gap(rect a, rect b)
{
    int dx = a.c0 - b.c1 > b.c0 - a.c1 ? a.c0 - b.c1 : b.c0 - a.c1;
    int dy = a.r0 - b.r1 > b.r0 - a.r1 ? a.r0 - b.r1 : b.r0 - a.r1;
    dx = dx > 0 ? dx : 0;
    dy = dy > 0 ? dy : 0;
    return hypot(dx, dy);
}

/* Events keep their distances; AFTER_EXPIRY is planted in invalid licences
 * only. */
static int check_events(run *rn)
{
    for (int e = 0; e < NEVENTS; e++) {
        const event *ev = &EVENTS[e];
        int expiry = strstr(ev->rules, "AFTER_EXPIRY") != NULL;
        if (ev->licence >= 0 && expiry == licence_valid(&LICENCES[ev->licence]))
            return fail(rn, "design: event %s and the validity of licence %s disagree",
                        ev->kind, LICENCES[ev->licence].id);
        if (!ev->nrect)
            continue;
        rect a = event_bbox(&EVENTS[e]);
        for (int f = e + 1; f < NEVENTS; f++)
            if (EVENTS[f].nrect && rect_gap(a, event_bbox(&EVENTS[f])) < SPACING_PX)
                return fail(rn, "design: events %s and %s are closer than %d px",
                            EVENTS[e].kind, EVENTS[f].kind, SPACING_PX);
        for (size_t s = 0; s < sizeof STRIPES / sizeof STRIPES[0]; s++)
            if (rect_gap(a, STRIPES[s]) < SPACING_PX)
                return fail(rn, "design: event %s is closer than %d px to nodata",
                            EVENTS[e].kind, SPACING_PX);
    }
    return 0;
}

/* Is rect q, grown by COUNTY_MARGIN_PX, inside county k? */
static int in_county(rect q, int k)
{
    shape s = rect_shape(q, COUNTY_MARGIN_PX);
    OGRGeometryH a = shape_utm(&s), b = shape_utm(&COUNTIES[k].g);
    int in = OGR_G_Within(a, b);
    OGR_G_DestroyGeometry(a);
    OGR_G_DestroyGeometry(b);
    return in;
}

/* The counties do not overlap and cover the scene; each flagged event and
 * each plot lies well inside its county. */
static int check_counties(run *rn)
{
    OGRGeometryH all = OGR_G_CreateGeometry(wkbMultiPolygon);
    double sum = 0;
    for (int k = 0; k < NCOUNTIES; k++) {
        OGRGeometryH g = shape_utm(&COUNTIES[k].g);
        sum += OGR_G_Area(g);
        OGR_G_AddGeometryDirectly(all, g);
    }
    OGRGeometryH u = OGR_G_UnionCascaded(all);
    shape sc = rect_shape((rect){0, 0, W, H}, 0);
    OGRGeometryH scene_g = shape_utm(&sc);
    int ok = u && fabs(OGR_G_Area(u) - sum) < 1.0 && OGR_G_Within(scene_g, u);
    OGR_G_DestroyGeometry(scene_g);
    OGR_G_DestroyGeometry(u);
    OGR_G_DestroyGeometry(all);
    if (!ok)
        return fail(rn, "design: the counties do not tile the scene");
    for (int e = 0; e < NEVENTS; e++)
        if (EVENTS[e].flagged && !in_county(event_bbox(&EVENTS[e]), EVENTS[e].county))
            return fail(rn, "design: event %s is not %d px inside %s", EVENTS[e].kind,
                        COUNTY_MARGIN_PX, COUNTIES[EVENTS[e].county].name);
    for (int p = 0; p < NPLOTS; p++)
        if (!in_county(PLOTS[p].r, PLOTS[p].county))
            return fail(rn, "design: plot %s is not %d px inside %s", PLOTS[p].id,
                        COUNTY_MARGIN_PX, COUNTIES[PLOTS[p].county].name);
    return 0;
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Consolidation groups as the audit defines them: candidates are mineral
 * licences not exempt, < 0.1 km2, reserves < 300,000 t where given; those
 * within 500 m are grouped transitively; groups of two or more are labelled
 * G1, G2, ... in licence-id order of their first member. */
static void consolidation_groups(char label[NLICENCES][8])
{
    OGRGeometryH g[NLICENCES];
    int cand[NLICENCES], parent[NLICENCES], size[NLICENCES] = {0}, num[NLICENCES] = {0};
    int order[NLICENCES], ngroups = 0;
    for (int i = 0; i < NLICENCES; i++) {
        const licence *l = &LICENCES[i];
        g[i] = shape_utm(&l->g);
        cand[i] = !mineral_exempt(l->mineral) && OGR_G_Area(g[i]) < SMALL_M2 &&
                  (isnan(l->reserves_t) || l->reserves_t < SMALL_T);
        parent[i] = order[i] = i;
        label[i][0] = '\0';
    }
    for (int i = 0; i < NLICENCES; i++)
        for (int j = i + 1; j < NLICENCES; j++)
            if (cand[i] && cand[j] && OGR_G_Distance(g[i], g[j]) <= CONSOLIDATE_M)
                parent[uf_find(parent, i)] = uf_find(parent, j);
    for (int i = 0; i < NLICENCES; i++) {
        size[uf_find(parent, i)]++;
        OGR_G_DestroyGeometry(g[i]);
    }
    for (int i = 1; i < NLICENCES; i++) /* insertion sort by licence id */
        for (int j = i; j > 0 && strcmp(LICENCES[order[j - 1]].id, LICENCES[order[j]].id) > 0;
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < NLICENCES; k++) {
        int i = order[k], root = uf_find(parent, i);
        if (size[root] < 2)
            continue;
        if (!num[root])
            num[root] = ++ngroups;
        snprintf(label[i], sizeof label[i], "G%d", num[root]);
    }
}

static int check_groups(run *rn)
{
    char label[NLICENCES][8];
    consolidation_groups(label);
    for (int i = 0; i < NLICENCES; i++)
        if (strcmp(label[i], LICENCES[i].group) != 0)
            return fail(rn, "design: licence %s falls in consolidation group '%s', not '%s'",
                        LICENCES[i].id, label[i], LICENCES[i].group);
    return 0;
}

static int stage_design(run *rn)
{
    if (!OGRGetGEOSVersion(NULL, NULL, NULL))
        return fail(rn, "design: GDAL was built without GEOS");
    return check_events(rn) || check_counties(rn) || check_groups(rn) ? -1 : 0;
}

/* ---- rasters ---- */

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
    char *wkt = NULL;
    if (OSRExportToWkt(rn->utm, &wkt) != OGRERR_NONE) {
        CPLFree(wkt);
        return fail(rn, "scene: EPSG:32649 unavailable: %s", gdal_msg());
    }
    GDALDatasetH ds[2] = {create_tif(rn, rn->tmp[F_T1], T1_DATE, wkt), NULL};
    if (ds[0])
        ds[1] = create_tif(rn, rn->tmp[F_T2], T2_DATE, wkt);
    CPLFree(wkt);
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

/* ---- restoration plots: status from the written pixels ---- */

typedef struct {
    double veg1, veg2, bare2, disturbed;
    const char *status;
    int overdue, clear; /* clear: every deciding quantity is clear of its threshold */
} plot_result;

static plot_result plot_judge(const plot *pl, const tally *t)
{
    double n = t->n > 0 ? (double)t->n : 1, d;
    plot_result o = {t->veg1 / n, t->veg2 / n, t->bare2 / n, t->disturbed / n, NULL, 0, 0};
    d = o.veg2 - o.veg1;
    o.status = o.disturbed >= DISTURBED_SHARE ? "NEW_DISTURBANCE"
               : o.veg2 >= pl->target         ? "COMPLETED"
               : d <= -CHANGE_STEP            ? "REGRESSED"
               : d >= CHANGE_STEP             ? "IN_PROGRESS"
                                              : "NOT_STARTED";
    o.overdue = plot_overdue(pl, o.status);
    o.clear = t->n >= 400 && clear_of(o.disturbed, DISTURBED_SHARE, 0.03) &&
              clear_of(o.veg2, pl->target, 0.1) && clear_of(d, CHANGE_STEP, 0.03) &&
              clear_of(d, -CHANGE_STEP, 0.03);
    return o;
}

static int stage_plots(run *rn)
{
    FILE *f = fopen(rn->tmp[F_PLOTS], "w");
    if (!f)
        return fail(rn, "plots: cannot create %s", rn->tmp[F_PLOTS]);
    fputs("plot_id,county,status,overdue,target,veg_fraction_t1,veg_fraction_t2,pixels,"
          "bare_fraction_t2,disturbed_fraction\n", f);
    int rc = 0;
    for (int p = 0; p < NPLOTS && rc == 0; p++) {
        const plot *pl = &PLOTS[p];
        plot_result o = plot_judge(pl, &rn->plots[p]);
        if (strcmp(o.status, pl->status) != 0 || !o.clear)
            rc = fail(rn, "plots: %s is %s (veg %.3f -> %.3f, disturbed %.3f), designed %s%s",
                      pl->id, o.status, o.veg1, o.veg2, o.disturbed, pl->status,
                      o.clear ? "" : "; too close to a threshold");
        fprintf(f, "%s,%s,%s,%d,%.2f,%.4f,%.4f,%ld,%.4f,%.4f\n", pl->id,
                COUNTIES[pl->county].name, o.status, o.overdue, pl->target, o.veg1, o.veg2,
                rn->plots[p].n, o.bare2, o.disturbed);
    }
    if ((ferror(f) | fclose(f)) && rc == 0)
        rc = fail(rn, "plots: writing %s failed", rn->tmp[F_PLOTS]);
    return rc;
}

/* ---- vector layers ---- */

typedef struct { const char *name; OGRFieldType type; } field;
enum { MAXF = 8 };
/* One feature: text of the string fields, values of the real ones (NAN =
 * null), the design polygon. */
typedef struct { const char *s[MAXF]; double d[MAXF]; shape g; } row;
typedef struct {
    const char *name;
    int nfields;
    const field *f;
    int n;
    void (*get)(int i, row *out);
} layer_def;
#define NF(a) (int)(sizeof(a) / sizeof(a)[0])

static const field LICENCE_F[] = {{"licence_id", OFTString}, {"holder", OFTString},
                                  {"mineral", OFTString},    {"valid_from", OFTString},
                                  {"valid_to", OFTString},   {"status", OFTString},
                                  {"reserves_t", OFTReal}};
static void licence_row(int i, row *o)
{
    const licence *l = &LICENCES[i];
    *o = (row){{l->id, l->holder, l->mineral, l->from, l->to, l->status}, {[6] = l->reserves_t},
               l->g};
}

static const field EXPL_F[] = {{"right_id", OFTString}, {"holder", OFTString}};
static void expl_row(int i, row *o)
{
    *o = (row){{EXPLORATION[i].id, EXPLORATION[i].holder}, {0}, EXPLORATION[i].g};
}

static const field REDLINE_F[] = {{"name", OFTString}, {"kind", OFTString}};
static void redline_row(int i, row *o)
{
    *o = (row){{REDLINES[i].name, REDLINES[i].kind}, {0}, REDLINES[i].g};
}

static const field FARMLAND_F[] = {{"code", OFTString}};
static void farmland_row(int i, row *o) { *o = (row){{FARMLAND[i].code}, {0}, FARMLAND[i].g}; }

static const field URBAN_F[] = {{"name", OFTString}};
static void urban_row(int i, row *o) { *o = (row){{URBAN[i].name}, {0}, URBAN[i].g}; }

static const field PLOT_F[] = {{"plot_id", OFTString},  {"county", OFTString},
                               {"party", OFTString},    {"baseline", OFTString},
                               {"deadline", OFTString}, {"target", OFTReal}};
static void plot_row(int i, row *o)
{
    const plot *p = &PLOTS[i];
    *o = (row){{p->id, COUNTIES[p->county].name, p->party, p->baseline, p->deadline},
               {[5] = p->target}, rect_shape(p->r, 0)};
}

static const field COUNTY_F[] = {{"name", OFTString}, {"code", OFTString}};
static void county_row(int i, row *o)
{
    *o = (row){{COUNTIES[i].name, COUNTIES[i].code}, {0}, COUNTIES[i].g};
}

enum { LY_LICENCES, LY_EXPL, LY_REDLINE, LY_FARMLAND, LY_URBAN, LY_PLOTS, LY_COUNTIES, NLAYERS };
static const layer_def LAYERS[NLAYERS] = {
    [LY_LICENCES] = {"licences", NF(LICENCE_F), LICENCE_F, NLICENCES, licence_row},
    [LY_EXPL] = {"exploration", NF(EXPL_F), EXPL_F, NEXPL, expl_row},
    [LY_REDLINE] = {"redline", NF(REDLINE_F), REDLINE_F, NREDLINES, redline_row},
    [LY_FARMLAND] = {"farmland", NF(FARMLAND_F), FARMLAND_F, NFARMLAND, farmland_row},
    [LY_URBAN] = {"urban", NF(URBAN_F), URBAN_F, NURBAN, urban_row},
    [LY_PLOTS] = {"restoration", NF(PLOT_F), PLOT_F, NPLOTS, plot_row},
    [LY_COUNTIES] = {"counties", NF(COUNTY_F), COUNTY_F, NCOUNTIES, county_row},
};

/* Area of the design polygon s inside the design polygons of a layer. */
static double overlap_m2(const shape *s, const layer_def *ld)
{
    OGRGeometryH a = shape_utm(s);
    double sum = 0;
    for (int i = 0; i < ld->n; i++) {
        row o;
        ld->get(i, &o);
        OGRGeometryH b = shape_utm(&o.g), x = OGR_G_Intersection(a, b);
        if (x) {
            sum += OGR_G_Area(x);
            OGR_G_DestroyGeometry(x);
        }
        OGR_G_DestroyGeometry(b);
    }
    OGR_G_DestroyGeometry(a);
    return sum;
}

/* Text as written: UTF-8, or recoded to encoding (which must round-trip). */
static char *text_in(const char *s, const char *encoding)
{
    if (!encoding)
        return CPLStrdup(s);
    char *t = CPLRecode(s, CPL_ENC_UTF8, encoding), *back = CPLRecode(t, encoding, CPL_ENC_UTF8);
    int same = strcmp(back, s) == 0;
    CPLFree(back);
    if (!same)
        CPLFree(t);
    return same ? t : NULL;
}

static int write_feature(run *rn, OGRLayerH lyr, const layer_def *ld, int i,
                         const char *encoding)
{
    row o;
    ld->get(i, &o);
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
    OGRGeometryH g = shape_stored(rn, &o.g);
    int rc = g ? 0 : fail(rn, "layers: cannot transform %s feature %d: %s", ld->name, i + 1,
                          gdal_msg());
    for (int k = 0; k < ld->nfields && rc == 0; k++) {
        if (ld->f[k].type == OFTReal) {
            if (!isnan(o.d[k]))
                OGR_F_SetFieldDouble(f, k, o.d[k]);
            continue;
        }
        char *t = text_in(o.s[k], encoding);
        if (!t)
            rc = fail(rn, "layers: '%s' has no %s form", o.s[k], encoding);
        else
            OGR_F_SetFieldString(f, k, t);
        CPLFree(t);
    }
    OGR_F_SetGeometryDirectly(f, g);
    if (rc == 0 && OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
        rc = fail(rn, "layers: cannot write %s feature %d: %s", ld->name, i + 1, gdal_msg());
    OGR_F_Destroy(f);
    return rc;
}

/* One layer in EPSG:4547, in a transaction where the format has them. */
static int write_layer(run *rn, GDALDatasetH ds, const layer_def *ld, char **lco,
                       const char *encoding)
{
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, ld->name, rn->gk, wkbPolygon, lco);
    if (!lyr)
        return fail(rn, "layers: cannot create layer %s: %s", ld->name, gdal_msg());
    for (int k = 0; k < ld->nfields; k++) {
        OGRFieldDefnH fd = OGR_Fld_Create(ld->f[k].name, ld->f[k].type);
        int bad = OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE;
        OGR_Fld_Destroy(fd);
        if (bad)
            return fail(rn, "layers: cannot create field %s.%s: %s", ld->name, ld->f[k].name,
                        gdal_msg());
    }
    int tx = GDALDatasetTestCapability(ds, ODsCTransactions);
    if (tx && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
        return fail(rn, "layers: cannot start a transaction: %s", gdal_msg());
    for (int i = 0; i < ld->n; i++)
        if (write_feature(rn, lyr, ld, i, encoding)) {
            if (tx)
                GDALDatasetRollbackTransaction(ds);
            return -1;
        }
    if (tx && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        return fail(rn, "layers: commit of %s failed: %s", ld->name, gdal_msg());
    return 0;
}

static int stage_layers(run *rn)
{
    const char *path = rn->tmp[F_GPKG];
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    VSIUnlink(path); /* a leftover of a crashed run */
    /* gpkg_contents.last_change: a fixed date keeps the file reproducible */
    CPLSetConfigOption("OGR_CURRENT_DATE", T2_DATE "T00:00:00.000Z");
    GDALDatasetH ds = drv ? GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
    int rc = ds ? 0 : fail(rn, "layers: cannot create %s: %s", path, gdal_msg());
    for (int i = 0; i < NLAYERS && rc == 0; i++)
        rc = write_layer(rn, ds, &LAYERS[i], NULL, NULL);
    if (ds && close_checked(rn, ds, "layers", path))
        rc = -1;
    CPLSetConfigOption("OGR_CURRENT_DATE", NULL);
    return rc;
}

/* The counties as a shapefile in GBK, as local agencies hand them out: the
 * bytes recoded here, the driver told nothing (ENCODING="" leaves the DBF's
 * language driver id 0), and the empty .cpg it writes removed. */
static int stage_shapefile(run *rn)
{
    GDALDriverH drv = GDALGetDriverByName("ESRI Shapefile");
    for (int i = F_SHP; i <= F_PRJ; i++)
        VSIUnlink(rn->tmp[i]);
    VSIUnlink(rn->cpg_tmp);
    GDALDatasetH ds = drv ? GDALCreate(drv, rn->tmp[F_SHP], 0, 0, 0, GDT_Unknown, NULL) : NULL;
    if (!ds)
        return fail(rn, "shapefile: cannot create %s: %s", rn->tmp[F_SHP], gdal_msg());
    char **lco = CSLSetNameValue(NULL, "ENCODING", "");
    int rc = write_layer(rn, ds, &LAYERS[LY_COUNTIES], lco, "CP936");
    CSLDestroy(lco);
    if (close_checked(rn, ds, "shapefile", rn->tmp[F_SHP]))
        rc = -1;
    VSIUnlink(rn->cpg_tmp);
    VSIStatBufL st;
    for (int i = F_SHP; i <= F_PRJ && rc == 0; i++)
        if (VSIStatL(rn->tmp[i], &st) != 0)
            rc = fail(rn, "shapefile: the driver wrote no %s", rn->tmp[i]);
    return rc;
}

/* 拐点坐标: the stored polygons' vertices in EPSG:4526, X = northing,
 * Y = easting with the zone prefix 38; rings not closed. */
static int write_corners(run *rn, FILE *f, const licence *l)
{
    OGRGeometryH g = shape_stored(rn, &l->g);
    if (!g || OGR_G_Transform(g, rn->to_gkz) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(g);
        return fail(rn, "corners: cannot transform %s: %s", l->id, gdal_msg());
    }
    OGRGeometryH ring = OGR_G_GetGeometryRef(g, 0);
    int n = OGR_G_GetPointCount(ring), rc = 0;
    if (n < 4 || OGR_G_GetX(ring, 0) != OGR_G_GetX(ring, n - 1) ||
        OGR_G_GetY(ring, 0) != OGR_G_GetY(ring, n - 1))
        rc = fail(rn, "corners: the ring of %s is not closed", l->id);
    for (int j = 0; j < n - 1 && rc == 0; j++) {
        double north = OGR_G_GetY(ring, j), east = OGR_G_GetX(ring, j);
        if (east < 38.0e6 || east >= 39.0e6)
            rc = fail(rn, "corners: easting %.2f of %s is not in zone 38", east, l->id);
        else
            fprintf(f, "%s,1,%d,%.2f,%.2f\n", l->id, j + 1, north, east);
    }
    OGR_G_DestroyGeometry(g);
    return rc;
}

static int stage_corners(run *rn)
{
    FILE *f = fopen(rn->tmp[F_CORNERS], "w");
    if (!f)
        return fail(rn, "corners: cannot create %s", rn->tmp[F_CORNERS]);
    fputs("licence_id,ring,point,x,y\n", f);
    int rc = 0;
    for (int i = 0; i < NLICENCES && rc == 0; i++)
        rc = write_corners(rn, f, &LICENCES[i]);
    if ((ferror(f) | fclose(f)) && rc == 0)
        rc = fail(rn, "corners: writing %s failed", rn->tmp[F_CORNERS]);
    return rc;
}

/* What the licence audit must say: exemption, group, and the overlaps with
 * the control lines of the design polygons (0 for exempt licences). */
static int stage_licence_truth(run *rn)
{
    FILE *f = fopen(rn->tmp[F_LICENCES], "w");
    if (!f)
        return fail(rn, "licences: cannot create %s", rn->tmp[F_LICENCES]);
    fputs("licence_id,mineral,status,exempt,consolidation_group,redline_overlap_m2,"
          "farmland_overlap_m2,urban_overlap_m2\n", f);
    for (int i = 0; i < NLICENCES; i++) {
        const licence *l = &LICENCES[i];
        int ex = mineral_exempt(l->mineral);
        double red = ex ? 0 : overlap_m2(&l->g, &LAYERS[LY_REDLINE]);
        double farm = ex ? 0 : overlap_m2(&l->g, &LAYERS[LY_FARMLAND]);
        double urb = ex ? 0 : overlap_m2(&l->g, &LAYERS[LY_URBAN]);
        fprintf(f, "%s,%s,%s,%d,%s,%.1f,%.1f,%.1f\n", l->id, l->mineral, l->status, ex,
                l->group, red, farm, urb);
    }
    if (ferror(f) | fclose(f))
        return fail(rn, "licences: writing %s failed", rn->tmp[F_LICENCES]);
    return 0;
}

/* ---- truth.csv ---- */

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

static void write_row(FILE *f, int id, const event *ev, const stats *st)
{
    const char *lic = !ev->flagged      ? ""
                      : ev->licence >= 0 ? LICENCES[ev->licence].id
                      : ev->expl >= 0    ? EXPLORATION[ev->expl].id
                                         : "";
    const char *county = ev->flagged && ev->county >= 0 ? COUNTIES[ev->county].name : "";
    fprintf(f, "%d,%s,%s,%s,%d,%ld,%ld,%.3f,%.3f,%.0f,%.0f,%.0f,%.0f,%s\n", id, ev->kind,
            ev->rules, lic, ev->flagged, st->pixels, st->pixels * 100,
            ORIGIN_X + PIXEL * st->sc / st->n, ORIGIN_Y - PIXEL * st->sr / st->n,
            ORIGIN_X + PIXEL * st->cmin, ORIGIN_Y - PIXEL * (st->rmax + 1),
            ORIGIN_X + PIXEL * (st->cmax + 1), ORIGIN_Y - PIXEL * st->rmin, county);
}

/* One row per event; the nodata stripes' row (nrect 0) has their pixels
 * summed over both dates, centroid and bbox of their union. */
static int stage_truth(run *rn)
{
    stats st[NEVENTS];
    int stripes = 0;
    for (int e = 0; e < NEVENTS; e++) {
        st[e] = (stats){0, 0, 0, 0, W, H, -1, -1};
        stripes = EVENTS[e].nrect ? stripes : e;
    }
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int e = event_at(c, r);
            if (e >= 0)
                stats_add(&st[e], c, r);
            st[stripes].pixels += nodata_t1(r) + nodata_t2(c);
            if (nodata_t1(r) || nodata_t2(c))
                stats_add(&st[stripes], c, r);
        }
    FILE *f = fopen(rn->tmp[F_CSV], "w");
    if (!f)
        return fail(rn, "truth: cannot create %s", rn->tmp[F_CSV]);
    fputs("event,kind,expected_rules,licence_id,flagged,pixels,area_m2,"
          "centroid_x,centroid_y,min_x,min_y,max_x,max_y,county\n", f);
    for (int e = 0; e < NEVENTS; e++) {
        if (e != stripes)
            st[e].pixels = st[e].n;
        write_row(f, e + 1, &EVENTS[e], &st[e]);
    }
    if (ferror(f) | fclose(f))
        return fail(rn, "truth: writing %s failed", rn->tmp[F_CSV]);
    return 0;
}

/* ---- output folder ---- */

static int stage_outdir(run *rn, const char *dir)
{
    rn->dir = dir;
    if (strlen(dir) > sizeof rn->tmp[0] - 32)
        return fail(rn, "outdir: path too long: %s", dir);
    for (int i = 0; i < NFILES; i++) {
        snprintf(rn->tmp[i], sizeof rn->tmp[i], "%s/%s", dir, FILES[i][0]);
        snprintf(rn->out[i], sizeof rn->out[i], "%s/%s", dir, FILES[i][1]);
    }
    snprintf(rn->cpg_tmp, sizeof rn->cpg_tmp, "%s/counties_gbk.tmp.cpg", dir);
    snprintf(rn->cpg_out, sizeof rn->cpg_out, "%s/counties_gbk.cpg", dir);
    VSIStatBufL st;
    if (VSIStatL(dir, &st) != 0 && VSIMkdirRecursive(dir, 0755) != 0)
        return fail(rn, "outdir: cannot create %s", dir);
    if (VSIStatL(dir, &st) != 0 || !VSI_ISDIR(st.st_mode))
        return fail(rn, "outdir: %s is not a directory", dir);
    return 0;
}

static int stage_publish(run *rn)
{
    VSIUnlink(rn->cpg_out); /* the GBK shapefile goes without one */
    for (int i = 0; i < NFILES; i++)
        if (VSIRename(rn->tmp[i], rn->out[i]) != 0)
            return fail(rn, "publish: cannot rename %s to %s", rn->tmp[i], rn->out[i]);
    return 0;
}

static int nflagged(void)
{
    int n = 0;
    for (int e = 0; e < NEVENTS; e++)
        n += EVENTS[e].flagged;
    return n;
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

    int rc = stage_outdir(&rn, argv[1]) || stage_srs(&rn) || stage_design(&rn) ||
             stage_scene(&rn) || stage_plots(&rn) || stage_layers(&rn) ||
             stage_shapefile(&rn) || stage_corners(&rn) || stage_licence_truth(&rn) ||
             stage_truth(&rn) || stage_publish(&rn);
    srs_free(&rn);
    CPLPopErrorHandler();
    if (rc) {
        for (int i = 0; i < NFILES && rn.tmp[i][0]; i++)
            VSIUnlink(rn.tmp[i]);
        if (rn.cpg_tmp[0])
            VSIUnlink(rn.cpg_tmp);
        for (char *p = rn.err; *p; p++) /* one line, whatever GDAL said */
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(stderr, "gen_sample: %s\n", rn.err);
        return 1;
    }
    printf("gen_sample: wrote %s (%dx%d, %d events of which %d flagged, %d licences, "
           "%d exploration rights, %d red-line, %d farmland and %d urban polygons, "
           "%d restoration plots, %d counties)\n",
           rn.dir, W, H, NEVENTS, nflagged(), NLICENCES, NEXPL, NREDLINES, NFARMLAND, NURBAN,
           NPLOTS, NCOUNTIES);
    GDALDestroyDriverManager();
    return 0;
}
