/* patches.c - merge components across tiles, measure and polygonize. */
#include "patches.h"

#include <cpl_string.h>
#include <gdal_alg.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mw.h"
#include "survey.h"

void mw_comp_merge(mw_comp *a, const mw_comp *b)
{
    if (b->first < a->first)
        a->first = b->first;
    a->count += b->count;
    a->sum_col += b->sum_col;
    a->sum_row += b->sum_row;
    if (b->min_col < a->min_col) a->min_col = b->min_col;
    if (b->min_row < a->min_row) a->min_row = b->min_row;
    if (b->max_col > a->max_col) a->max_col = b->max_col;
    if (b->max_row > a->max_row) a->max_row = b->max_row;
    a->sum_dndvi += b->sum_dndvi;
    a->sum_dbsi += b->sum_dbsi;
    if (b->min_dndvi < a->min_dndvi)
        a->min_dndvi = b->min_dndvi;
    a->sum_change_p += b->sum_change_p;
    a->sum_margin += b->sum_margin;
    a->sum_ndvi2 += b->sum_ndvi2;
    a->sum_ndvi2_sq += b->sum_ndvi2_sq;
    if (b->look_first < a->look_first) a->look_first = b->look_first;
    if (b->look_last > a->look_last) a->look_last = b->look_last;
    if (b->looks_max > a->looks_max) a->looks_max = b->looks_max;
}

/* Union the labels of two facing edges of neighbouring tiles. */
static void join_edges(uint32_t *parent, const uint32_t *a, uint32_t base_a,
                       const uint32_t *b, uint32_t base_b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] && b[i])
            mw_uf_union(parent, base_a + a[i], base_b + b[i]);
}

static int by_first(const void *a, const void *b)
{
    const mw_comp *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

long mw_patches_merge(const mw_tileset *ts, mw_comp **out)
{
    uint32_t *base = mw_calloc((size_t)ts->ntiles + 1, sizeof *base);
    if (!base)
        return -1;
    for (int i = 0; i < ts->ntiles; i++)
        base[i + 1] = base[i] + ts->tile[i].ncomp;
    uint32_t total = base[ts->ntiles];
    uint32_t *parent = mw_calloc((size_t)total + 1, sizeof *parent);
    mw_comp *acc = mw_calloc((size_t)total + 1, sizeof *acc);
    unsigned char *have = mw_calloc((size_t)total + 1, 1);
    if (!parent || !acc || !have) {
        free(base); free(parent); free(acc); free(have);
        return -1;
    }
    for (uint32_t i = 0; i <= total; i++)
        parent[i] = i;
    for (int ty = 0; ty < ts->nty; ty++) {
        for (int tx = 0; tx < ts->ntx; tx++) {
            int i = ty * ts->ntx + tx;
            const mw_tile *t = &ts->tile[i];
            if (tx + 1 < ts->ntx)
                join_edges(parent, t->edge[MW_EDGE_RIGHT], base[i],
                           ts->tile[i + 1].edge[MW_EDGE_LEFT], base[i + 1], t->h);
            if (ty + 1 < ts->nty)
                join_edges(parent, t->edge[MW_EDGE_BOTTOM], base[i],
                           ts->tile[i + ts->ntx].edge[MW_EDGE_TOP],
                           base[i + ts->ntx], t->w);
        }
    }
    long n = 0;
    for (int i = 0; i < ts->ntiles; i++) {
        for (uint32_t l = 1; l <= ts->tile[i].ncomp; l++) {
            uint32_t r = mw_uf_find(parent, base[i] + l);
            const mw_comp *c = &ts->tile[i].comp[l - 1];
            if (!have[r]) {
                acc[r] = *c;
                have[r] = 1;
                n++;
            } else {
                mw_comp_merge(&acc[r], c);
            }
        }
    }
    mw_comp *comps = mw_calloc((size_t)n, sizeof *comps);
    if (comps) {
        long k = 0;
        for (uint32_t r = 1; r <= total; r++)
            if (have[r] && parent[r] == r)
                comps[k++] = acc[r];
        qsort(comps, (size_t)n, sizeof *comps, by_first);
    }
    free(base); free(parent); free(acc); free(have);
    if (!comps)
        return -1;
    *out = comps;
    return n;
}

/* The polygon of one patch: its bounding box is read from the class raster,
 * the disturbance pixels there are labelled, and the component that holds
 * the patch's first pixel is polygonized. */
static OGRGeometryH polygonize_patch(GDALDatasetH cls_ds, const mw_scene *s,
                                     const mw_comp *c, OGRSpatialReferenceH srs,
                                     double *masked_fraction)
{
    int x0 = c->min_col, y0 = c->min_row;
    int w = c->max_col - x0 + 1, h = c->max_row - y0 + 1;
    size_t n = (size_t)w * (size_t)h;
    uint8_t *cls = malloc(n), *mask = malloc(n);
    uint32_t *lab = malloc(n * sizeof *lab), *par = malloc((n / 2 + 2) * sizeof *par);
    OGRGeometryH geom = NULL;
    GDALDatasetH mem = NULL;
    OGRDataSourceH ods = NULL;
    if (!cls || !mask || !lab || !par) {
        mw_error(MW_EXIT_INTERNAL, "out of memory polygonizing a %dx%d patch", w, h);
        goto done;
    }
    if (GDALRasterIO(GDALGetRasterBand(cls_ds, 1), GF_Read, x0, y0, w, h, cls, w, h,
                     GDT_Byte, 0, 0) != CE_None) {
        mw_error(MW_EXIT_INTERNAL, "cannot read back change classes (%s)", mw_gdal_message());
        goto done;
    }
    size_t masked = 0;
    for (size_t i = 0; i < n; i++)
        masked += cls[i] == MW_CLASS_MASKED;
    *masked_fraction = (double)masked / (double)n;
    mw_mask_eq(cls, n, MW_CLASS_DISTURBANCE, mask);
    mw_label(mask, w, h, lab, par);
    size_t first = (size_t)(c->first / (uint64_t)s->width - (uint64_t)y0) * w +
                   (size_t)(c->first % (uint64_t)s->width - (uint64_t)x0);
    uint32_t want = lab[first];
    for (size_t i = 0; i < n; i++)
        mask[i] = want && lab[i] == want;

    mem = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 1, GDT_Byte, NULL);
    double gt[6] = {s->gt[0] + x0 * s->gt[1], s->gt[1], 0,
                    s->gt[3] + y0 * s->gt[5], 0, s->gt[5]};
    GDALSetGeoTransform(mem, gt);
    GDALRasterBandH band = GDALGetRasterBand(mem, 1);
    if (GDALRasterIO(band, GF_Write, 0, 0, w, h, mask, w, h, GDT_Byte, 0, 0) != CE_None)
        goto fail;
    ods = OGR_Dr_CreateDataSource(OGRGetDriverByName("Memory"), "", NULL);
    OGRLayerH lyr = ods ? OGR_DS_CreateLayer(ods, "p", srs, wkbPolygon, NULL) : NULL;
    if (!lyr)
        goto fail;
    OGRFieldDefnH fd = OGR_Fld_Create("v", OFTInteger);
    OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (GDALPolygonize(band, band, lyr, 0, NULL, NULL, NULL) != CE_None)
        goto fail;
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            if (!geom) {
                geom = OGR_G_Clone(g);
            } else { /* cannot happen for one 4-connected component */
                OGRGeometryH u = OGR_G_Union(geom, g);
                OGR_G_DestroyGeometry(geom);
                geom = u;
            }
        }
        OGR_F_Destroy(f);
    }
    if (!geom)
        goto fail;
    goto done;
fail:
    mw_error(MW_EXIT_INTERNAL, "cannot polygonize the patch at pixel %d,%d (%s)", x0,
             y0, mw_gdal_message());
done:
    if (ods)
        OGR_DS_Destroy(ods);
    if (mem)
        GDALClose(mem);
    free(cls); free(mask); free(lab); free(par);
    return geom;
}

/* Confidence of a patch (engine irmad), from the evidence that a change is
 * real and that what is there now is new bare ground:
 * - how far above the threshold its pixels' change magnitude lies (margin
 *   r = mean magnitude / threshold) and how large it is against the minimum
 *   mapping unit (k = pixels / MMU pixels);
 * - bare now: the mean NDVI of the later date (b = 1 - NDVI, in [0, 1]);
 * - one new surface: an excavation, a dump or a site is a homogeneous new
 *   surface, a patch of mixed pixels (vegetation that changed in part) is
 *   not: the spread s of the later date's NDVI over the patch, against
 *   MW_CONF_SPREAD;
 *
 *   confidence = (1 - e^{-(r - 1) / 0.3}) (1 - e^{-k / 3}) b e^{-s / 0.1}
 *                (1 - masked fraction)
 *
 * Levels as enforcement alerts use them: highest >= 0.5, high >= 0.25, else
 * low.  The mean per-pixel probability does not separate (every pixel over
 * the threshold has P ~ 1).  On the reference scenes the top third of the
 * patches by confidence is truly changed at least twice as often as the
 * bottom third, and the share of truly changed patches rises with the levels
 * (tests/real_data.sh; docs/detection.md for the numbers). */
#define MW_CONF_HIGHEST 0.5
#define MW_CONF_HIGH 0.25
#define MW_CONF_MARGIN 0.3
#define MW_CONF_SIZE 3.0
#define MW_CONF_SPREAD 0.1

static void set_confidence(mw_patch *p, const mw_config *cfg, const mw_scene *s,
                           const mw_survey *sv)
{
    if (!sv) {
        p->confidence = NAN;
        p->change_margin = NAN;
        p->confidence_level = "";
        return;
    }
    double n = (double)p->stat.count;
    p->change_margin = (double)p->stat.sum_margin / MW_STAT_Q / n;
    /* at the patch's own pixel size */
    double mmu_px = cfg->min_area_m2 / mw_scene_pixel_area(s, (double)p->stat.sum_row / n + 0.5);
    if (mmu_px < 1)
        mmu_px = 1;
    double r = p->change_margin - 1 > 0 ? p->change_margin - 1 : 0;
    double nd = (double)p->stat.sum_ndvi2 / MW_STAT_Q / n;
    double var = (double)p->stat.sum_ndvi2_sq / MW_STAT_Q / n - nd * nd;
    double bare = 1 - nd < 0 ? 0 : 1 - nd > 1 ? 1 : 1 - nd;
    double spread = var > 0 ? sqrt(var) : 0;
    p->confidence = (1 - exp(-r / MW_CONF_MARGIN)) * (1 - exp(-n / mmu_px / MW_CONF_SIZE)) *
                    bare * exp(-spread / MW_CONF_SPREAD) * (1.0 - p->masked_fraction);
    p->confidence_level = p->confidence >= MW_CONF_HIGHEST ? "highest"
                          : p->confidence >= MW_CONF_HIGH  ? "high"
                                                           : "low";
}

/* Area of a component: its pixels at the pixel area of its mean row (a
 * geographic grid's pixels shrink towards the pole; a projected one's are
 * all pixel_area_m2). */
static double comp_area(const mw_comp *c, const mw_scene *s)
{
    double n = (double)c->count;
    return n * mw_scene_pixel_area(s, (double)c->sum_row / n + 0.5);
}

static void measure(mw_patch *p, const mw_scene *s, OGRCoordinateTransformationH to_ll)
{
    const mw_comp *c = &p->stat;
    double n = (double)c->count;
    p->area_m2 = comp_area(c, s);
    p->area_ha = p->area_m2 / 10000.0;
    p->area_mu = p->area_m2 / MW_M2_PER_MU;
    p->cx = s->gt[0] + ((double)c->sum_col / n + 0.5) * s->gt[1];
    p->cy = s->gt[3] + ((double)c->sum_row / n + 0.5) * s->gt[5];
    p->minx = s->gt[0] + c->min_col * s->gt[1];
    p->maxx = s->gt[0] + (c->max_col + 1) * s->gt[1];
    p->maxy = s->gt[3] + c->min_row * s->gt[5];
    p->miny = s->gt[3] + (c->max_row + 1) * s->gt[5];
    p->mean_dndvi = (double)c->sum_dndvi / MW_STAT_Q / n;
    p->mean_dbsi = (double)c->sum_dbsi / MW_STAT_Q / n;
    p->min_dndvi = c->min_dndvi;
    double x = p->cx, y = p->cy;
    if (to_ll && OCTTransform(to_ll, 1, &x, &y, NULL)) {
        p->lon = x;
        p->lat = y;
    } else {
        p->lon = p->lat = NAN;
    }
}

int mw_patches_build(const mw_config *cfg, const mw_scene *s, const mw_survey *survey,
                     const mw_tileset *ts, const char *class_path, mw_patchset *ps)
{
    const mw_survey *sv = survey && survey->enabled ? survey : NULL;
    memset(ps, 0, sizeof *ps);
    mw_comp *comps = NULL;
    long nc = mw_patches_merge(ts, &comps);
    if (nc < 0)
        return -1;
    ps->n_components = (size_t)nc;
    size_t keep = 0;
    for (long i = 0; i < nc; i++)
        if (comp_area(&comps[i], s) >= cfg->min_area_m2)
            comps[keep++] = comps[i];
    ps->n_dropped = (size_t)nc - keep;
    ps->p = mw_calloc(keep, sizeof *ps->p);
    if (!ps->p) {
        free(comps);
        return -1;
    }

    /* Each patch is read back and polygonized on its own, in parallel: every
     * thread has its own class raster handle, SRS and transformation (none
     * of them may be shared between threads). */
    int failed = 0;
    size_t done = 0;
#pragma omp parallel num_threads(ts->threads_used > 0 ? ts->threads_used : 1) default(none) \
    shared(cfg, s, sv, ts, class_path, ps, comps, keep, failed) reduction(+ : done)
    {
        OGRSpatialReferenceH srs = OSRNewSpatialReference(s->wkt);
        OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
        OSRSetWellKnownGeogCS(wgs, "WGS84");
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH to_ll = OCTNewCoordinateTransformation(srs, wgs);
        /* the polygons in the CRS they are measured in, when it is another */
        OGRSpatialReferenceH msrs = NULL;
        OGRCoordinateTransformationH to_m = NULL;
        if (strcmp(s->wkt, s->measure_wkt) != 0) {
            msrs = OSRNewSpatialReference(s->measure_wkt);
            OSRSetAxisMappingStrategy(msrs, OAMS_TRADITIONAL_GIS_ORDER);
            if (!(to_m = OCTNewCoordinateTransformation(srs, msrs))) {
                mw_error(MW_EXIT_INTERNAL, "cannot transform patches to the measuring CRS "
                         "(%s)", mw_gdal_message());
#pragma omp atomic write
                failed = 1;
            }
        }
        GDALDatasetH cls_ds = GDALOpenEx(class_path, GDAL_OF_RASTER | GDAL_OF_READONLY,
                                         NULL, NULL, NULL);
        if (!cls_ds) {
            mw_error(MW_EXIT_INTERNAL, "%s: cannot reopen (%s)", class_path,
                     mw_gdal_message());
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 16)
        for (size_t i = 0; i < keep; i++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop)
                continue;
            mw_patch *p = &ps->p[i];
            snprintf(p->id, sizeof p->id, "P%06zu", i + 1);
            p->stat = comps[i];
            measure(p, s, to_ll);
            p->geom = polygonize_patch(cls_ds, s, &comps[i], srs, &p->masked_fraction);
            if (p->geom && to_m) {
                p->mgeom = OGR_G_Clone(p->geom);
                if (OGR_G_Transform(p->mgeom, to_m) != OGRERR_NONE) {
                    mw_error(MW_EXIT_INTERNAL, "cannot transform patch %s to the measuring "
                             "CRS (%s)", p->id, mw_gdal_message());
                    OGR_G_DestroyGeometry(p->geom);
                    p->geom = NULL;
                }
            }
            set_confidence(p, cfg, s, sv);
            done++;
            if (!p->geom) {
#pragma omp atomic write
                failed = 1;
            }
        }
        if (cls_ds)
            GDALClose(cls_ds);
        if (to_ll)
            OCTDestroyCoordinateTransformation(to_ll);
        if (to_m)
            OCTDestroyCoordinateTransformation(to_m);
        OSRDestroySpatialReference(msrs);
        OSRDestroySpatialReference(srs);
        OSRDestroySpatialReference(wgs);
    }
    ps->n = keep; /* mw_patchset_free skips the geometries never made */
    free(comps);
    return failed || done != keep ? -1 : 0;
}

void mw_patchset_free(mw_patchset *ps)
{
    if (!ps || !ps->p)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->p[i].geom)
            OGR_G_DestroyGeometry(ps->p[i].geom);
        if (ps->p[i].mgeom)
            OGR_G_DestroyGeometry(ps->p[i].mgeom);
    }
    free(ps->p);
    ps->p = NULL;
    ps->n = 0;
}
