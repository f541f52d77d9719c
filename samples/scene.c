/* scene.c - the imagery of the sample: deterministic noise, land cover,
 * the sensor, the pipeline's per-pixel classes as a self-check, t1.tif and
 * t2.tif, and the restoration plots judged on the written pixels. */
#include "sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "gdal.h"

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


void scene_init(scene *sc)
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
/* ---- rasters ---- */

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
int stage_scene(run *rn)
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

int stage_plots(run *rn)
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
