/* design.c - the design of the sample scene: counties, licences,
 * exploration rights, control lines, restoration plots and planted events in
 * pixel-edge coordinates (col, row), and the lookups on them (sample.h). */
#include "sample.h"

#include <math.h>
#include <string.h>

const float FOREST[NB] = {.030f, .055f, .035f, .320f, .150f}; /* NDVI .80 BSI -.31 */
const float GRASS[NB] = {.050f, .080f, .070f, .280f, .220f};  /* NDVI .60 BSI -.06 */
const float BARE[NB] = {.120f, .150f, .190f, .230f, .300f};   /* NDVI .10 BSI .17 */
const float ROAD[NB] = {.130f, .150f, .170f, .210f, .260f};   /* NDVI .10 BSI .12 */
const float WATER[NB] = {.060f, .050f, .030f, .015f, .008f};  /* -.33/-.40 -.33/-.30 */
const float ROOF[NB] = {.090f, .100f, .150f, .180f, .220f};   /* NDVI .09 BSI .16 */
const float CONCRETE[NB] = {.160f, .170f, .180f, .210f, .230f}; /* .08 .05 */
/* Crop field: green in May (NDVI .76, BSI -.11); in September a thinner,
 * yellowing canopy over moist soil (NDVI .46, BSI -.15): dNDVI -.30 is
 * vegetation loss, but BSI falls, so it is never bare-ground gain. */
const float CROP_T1[NB] = {.030f, .070f, .050f, .360f, .260f};
const float CROP_T2[NB] = {.060f, .090f, .100f, .280f, .150f};
/* Failed revegetation: the sown grass died back to a sparse, wilted cover
 * over damp soil (NDVI .22, BSI -.10 at t2).  From grass that is dNDVI -.38,
 * dBSI -.04: vegetation loss, no longer vegetated, but not bare ground. */
const float DRY[NB] = {.060f, .085f, .090f, .150f, .080f};
/* Fresh excavation (rock, spoil): NDVI .02, BSI .23.  From grass that is
 * dNDVI -.58, dBSI +.29; from forest more. */
const float PIT[NB] = {.130f, .160f, .220f, .230f, .360f};

const char *const BAND_NAME[NB] = {"blue", "green", "red", "nir", "swir1"};

const county COUNTIES[NCOUNTIES] = {
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

licence LICENCES[NLICENCES] = {
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

void licence_init(void)
{
    const double cx = 1000.3, cy = 420.7, a = 85, b = 65, t = 5.0 * M_PI / 180.0;
    const double u[4] = {-a, a, a, -a}, v[4] = {-b, -b, b, b};
    for (int i = 0; i < 4; i++) {
        LICENCES[L1].g.v[i][0] = cx + u[i] * cos(t) - v[i] * sin(t);
        LICENCES[L1].g.v[i][1] = cy + u[i] * sin(t) + v[i] * cos(t);
    }
}

int licence_valid(const licence *l)
{
    return strcmp(l->status, "valid") == 0 && strcmp(l->to, T2_DATE) >= 0;
}

int mineral_exempt(const char *m) { return strstr(m, "地热") || strstr(m, "矿泉水"); }

const exploration EXPLORATION[NEXPL] = {
    {"T14000020090301025978", "平顺县鑫磊矿业有限公司",
     {4, {{1140, 120}, {1330, 130}, {1340, 320}, {1150, 335}}}},
    {"T14000020120801047311", "长治市上党区华宇矿产勘查有限公司",
     {4, {{450, 300}, {560, 300}, {560, 450}, {450, 450}}}},
};

const redline REDLINES[NREDLINES] = {
    {"上党区老顶山生态保护红线", "生态保护红线",
     {7, {{-20, 90}, {150, 100}, {185, 200}, {175, 290}, {120, 380}, {80, 480}, {-20, 470}}}},
    {"太行山大峡谷自然保护区", "自然保护区",
     {4, {{1900, 760}, {2020, 740}, {2020, 980}, {1930, 960}}}},
};

const farmland FARMLAND[NFARMLAND] = {
    {"140404JB0012",
     {6, {{300, 1640}, {540, 1630}, {570, 1760}, {560, 1900}, {310, 1910}, {290, 1780}}}},
    {"140427JB0031", {4, {{800, 1570}, {935, 1575}, {935, 1700}, {805, 1705}}}}, /* crop */
};

const urban URBAN[NURBAN] = {
    {"壶关县店上镇城镇开发边界",
     {6, {{945, 1650}, {1180, 1640}, {1300, 1700}, {1310, 1900}, {960, 1910}, {945, 1800}}}},
};

const plot PLOTS[NPLOTS] = {
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

int plot_overdue(const plot *p, const char *status)
{
    return strcmp(p->deadline, T2_DATE) < 0 && strcmp(status, "COMPLETED") != 0;
}

int in_rect(const rect *q, int c, int r)
{
    return c >= q->c0 && c < q->c1 && r >= q->r0 && r < q->r1;
}

int plot_at(int c, int r)
{
    for (int p = 0; p < NPLOTS; p++)
        if (in_rect(&PLOTS[p].r, c, r))
            return p;
    return -1;
}

/* Every rectangle side >= 3 px, so a 3x3 opening leaves each union as it is;
 * events are >= 150 px from each other and from the nodata stripes
 * (stage_design).  Rows keep their ids in truth.csv: new ones come last. */
const event EVENTS[NEVENTS] = {
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

int event_at(int c, int r)
{
    for (int e = 0; e < NEVENTS; e++)
        for (const rect *q = EVENTS[e].r; q < EVENTS[e].r + EVENTS[e].nrect; q++)
            if (in_rect(q, c, r))
                return e;
    return -1;
}

rect event_bbox(const event *ev)
{
    rect b = ev->r[0];
    for (int i = 1; i < ev->nrect; i++) {
        const rect *q = &ev->r[i];
        b = (rect){q->c0 < b.c0 ? q->c0 : b.c0, q->r0 < b.r0 ? q->r0 : b.r0,
                   q->c1 > b.c1 ? q->c1 : b.c1, q->r1 > b.r1 ? q->r1 : b.r1};
    }
    return b;
}

const rect STRIPES[3] = {{0, 1000, W, 1008}, {600, 0, 612, H}, {1400, 0, 1412, H}};
int nodata_t1(int r) { return r >= 1000 && r < 1008; }
int nodata_t2(int c) { return (c >= 600 && c < 612) || (c >= 1400 && c < 1412); }

