/* sample.h - what the files of the sample generator share: the design of
 * the synthetic scene (design.c), the run's state and its files.
 *
 *   gen_sample.c  main: the output folder, the stages in order, the publish
 *   design.c      the design: counties, licences, rights, control lines,
 *                 restoration plots, planted events, nodata stripes
 *   scene.c       the imagery: land cover, sensor, the per-pixel self-check,
 *                 t1.tif and t2.tif, the plots judged on the written pixels
 *   layers.c      the vector layers, the shapefile, the corner table, the
 *                 licence truth, and the design checks (GEOS)
 *   truth.c       truth.csv
 */
#ifndef GEN_SAMPLE_H
#define GEN_SAMPLE_H

#include <stdint.h>

#include "gdal.h"
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
extern const float FOREST[NB], GRASS[NB], BARE[NB], ROAD[NB], WATER[NB], ROOF[NB],
    CONCRETE[NB], CROP_T1[NB], CROP_T2[NB], DRY[NB], PIT[NB];
extern const char *const BAND_NAME[NB];

/* ---- design: polygons in pixel-edge coordinates (col, row) ---- */

enum { MAXV = 12 };
typedef struct { int n; double v[MAXV][2]; } shape;
typedef struct { int c0, r0, c1, r1; } rect; /* half-open [c0,c1) x [r0,r1) */

/* Counties tile the scene and reach 1 km beyond it; the west-east line runs
 * (770,-100) - (720,500) - (790,1000) - (700,1500) - (745,2100), the
 * eastern half is split along (790,1000) - (1200,960) - (1600,1040). */
enum { SHANGDANG, PINGSHUN, HUGUAN, NCOUNTIES };
typedef struct { const char *name, *code; shape g; } county;
extern const county COUNTIES[NCOUNTIES];

/* Mining licences (采矿权).  status and valid_to are judged at t2; reserves
 * NAN = not given.  group: the consolidation group the audit must find. */
enum { L1, L2, L3, L4, L5, L6, L7, L8, L9, NLICENCES };
typedef struct {
    const char *id, *holder, *mineral, *from, *to, *status;
    double reserves_t;
    const char *group;
    shape g;
} licence;

extern licence LICENCES[NLICENCES];
/* L1's corners: a rectangle rotated 5 degrees (once, before any stage). */
void licence_init(void);
int licence_valid(const licence *l);
int mineral_exempt(const char *m);

/* Exploration rights (探矿权). */
enum { E1, E2, NEXPL };
typedef struct { const char *id, *holder; shape g; } exploration;
extern const exploration EXPLORATION[NEXPL];

/* Ecological red line and protected area; basic farmland; urban boundary. */
typedef struct { const char *name, *kind; shape g; } redline;
enum { NREDLINES = 2 };
extern const redline REDLINES[NREDLINES];

typedef struct { const char *code; shape g; } farmland;
enum { NFARMLAND = 2 };
extern const farmland FARMLAND[NFARMLAND];

typedef struct { const char *name; shape g; } urban;
enum { NURBAN = 1 };
extern const urban URBAN[NURBAN];

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

enum { NPLOTS = 6 };
extern const plot PLOTS[NPLOTS];
int plot_overdue(const plot *p, const char *status);
int in_rect(const rect *q, int c, int r);
/* The plot pixel (c, r) lies in, or -1. */
int plot_at(int c, int r);

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

enum { NEVENTS = 14 };
extern const event EVENTS[NEVENTS];
/* The event pixel (c, r) lies in, or -1. */
int event_at(int c, int r);
rect event_bbox(const event *ev);

/* Nodata (0 on all bands): t2 has two Landsat-7 SLC-off-like columns
 * 12 px wide, t1 one 8 px row band; all full length. */
extern const rect STRIPES[3];
int nodata_t1(int r);
int nodata_t2(int c);

/* ---- run state and errors (gen_sample.c) ---- */

enum { F_T1, F_T2, F_GPKG, F_SHP, F_SHX, F_DBF, F_PRJ, F_CORNERS, F_LICENCES, F_PLOTS, F_CSV,
       NFILES };
extern const char *const FILES[NFILES][2];

/* Pixels of one restoration plot valid on both dates, and how many of them
 * are vegetated at t1 / t2, bare at t2, disturbance. */
typedef struct { long n, veg1, veg2, bare2, disturbed; } tally;

/* A sinuous river running NNW-SSE: centre column and half-width per row. */
typedef struct { double river_c[H], river_hw[H]; } scene;

typedef struct {
    char err[1024];
    const char *dir;
    char tmp[NFILES][4096], out[NFILES][4096], cpg_tmp[4096], cpg_out[4096];
    scene sc;
    tally plots[NPLOTS];
    OGRSpatialReferenceH utm, gk, gkz;          /* EPSG:32649, 4547, 4526 */
    OGRCoordinateTransformationH to_gk, to_gkz; /* 32649 -> 4547 -> 4526 */
} run;

/* The run's error message (printf format); returns -1. */
int fail(run *rn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* GDAL's last message, or a placeholder. */
const char *gdal_msg(void);
/* Close ds (written by stage to path), checking that the write held. */
int close_checked(run *rn, GDALDatasetH ds, const char *stage, const char *path);

/* ---- the stages ---- */

/* scene.c */
void scene_init(scene *sc);
int stage_scene(run *rn);
int stage_plots(run *rn);
/* layers.c */
int stage_srs(run *rn);
void srs_free(run *rn);
int stage_design(run *rn);
int stage_layers(run *rn);
int stage_shapefile(run *rn);
int stage_corners(run *rn);
int stage_licence_truth(run *rn);
/* truth.c */
int stage_truth(run *rn);

#endif
