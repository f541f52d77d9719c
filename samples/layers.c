/* layers.c - the vector side of the sample: the design in UTM and as
 * stored, its checks (GEOS), layers.gpkg, the GBK shapefile, the corner
 * table and the licence truth. */
#include "sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"
#include "gdal.h"
#include "ogr_api.h"

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

int stage_srs(run *rn)
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

void srs_free(run *rn)
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

int stage_design(run *rn)
{
    if (!OGRGetGEOSVersion(NULL, NULL, NULL))
        return fail(rn, "design: GDAL was built without GEOS");
    return check_events(rn) || check_counties(rn) || check_groups(rn) ? -1 : 0;
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

int stage_layers(run *rn)
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
int stage_shapefile(run *rn)
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

int stage_corners(run *rn)
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
int stage_licence_truth(run *rn)
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

