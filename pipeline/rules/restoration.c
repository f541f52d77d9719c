/* restoration.c - per-plot and per-county restoration progress. */
#include "restoration.h"

#include <cpl_csv.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal_alg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "kernels.h"
#include "mw.h"

/* Pixel window of an envelope, clipped to the grid; 0 if empty. */
static int window_of(const mw_scene *s, const OGREnvelope *e, int *x0, int *y0, int *w,
                     int *h)
{
    int a = (int)floor((e->MinX - s->gt[0]) / s->gt[1]);
    int b = (int)ceil((e->MaxX - s->gt[0]) / s->gt[1]);
    int c = (int)floor((e->MaxY - s->gt[3]) / s->gt[5]);
    int d = (int)ceil((e->MinY - s->gt[3]) / s->gt[5]);
    a = a < 0 ? 0 : a;
    c = c < 0 ? 0 : c;
    b = b > s->width ? s->width : b;
    d = d > s->height ? s->height : d;
    *x0 = a, *y0 = c, *w = b - a, *h = d - c;
    return *w > 0 && *h > 0;
}

/* 1 where a pixel centre lies in g (GDAL's default rasterization rule). */
static int burn_mask(const mw_scene *s, OGRGeometryH g, int x0, int y0, int w, int h,
                     uint8_t *mask)
{
    GDALDatasetH mem = GDALCreate(GDALGetDriverByName("MEM"), "", w, h, 1, GDT_Byte, NULL);
    if (!mem)
        return -1;
    double gt[6] = {s->gt[0] + x0 * s->gt[1], s->gt[1], 0, s->gt[3] + y0 * s->gt[5], 0,
                    s->gt[5]};
    GDALSetGeoTransform(mem, gt);
    GDALSetProjection(mem, s->wkt);
    int band = 1;
    double burn = 1;
    CPLErr e = GDALRasterizeGeometries(mem, 1, &band, 1, &g, NULL, NULL, &burn, NULL, NULL,
                                       NULL);
    if (e == CE_None)
        e = GDALRasterIO(GDALGetRasterBand(mem, 1), GF_Read, 0, 0, w, h, mask, w, h,
                         GDT_Byte, 0, 0);
    GDALClose(mem);
    return e == CE_None ? 0 : -1;
}

typedef struct {
    float *refl[2][MW_NROLES], *ndvi[2], *bsi2;
    uint16_t *scratch;
    uint8_t *mask, *cls;
} plot_buf;

static void plot_buf_free(plot_buf *b)
{
    for (int d = 0; d < 2; d++) {
        for (int r = 0; r < MW_NROLES; r++)
            free(b->refl[d][r]);
        free(b->ndvi[d]);
    }
    free(b->bsi2);
    free(b->scratch);
    free(b->mask);
    free(b->cls);
    memset(b, 0, sizeof *b);
}

static int plot_buf_alloc(plot_buf *b, const mw_scene *s, size_t n)
{
    memset(b, 0, sizeof *b);
    int ok = 1;
    for (int d = 0; d < 2; d++) {
        for (int r = 0; r < MW_NROLES; r++)
            if (s->band[r])
                ok = ok && (b->refl[d][r] = malloc(n * sizeof(float)));
            else if (r == MW_BLUE) /* absent: zeros, which the reader never touches */
                ok = ok && (b->refl[d][r] = calloc(n, sizeof(float)));
        ok = ok && (b->ndvi[d] = malloc(n * sizeof(float)));
    }
    ok = ok && (b->bsi2 = malloc(n * sizeof(float))) &&
         (b->scratch = malloc(n * sizeof(uint16_t))) && (b->mask = malloc(n)) &&
         (b->cls = malloc(n));
    if (!ok) {
        plot_buf_free(b);
        mw_error(MW_EXIT_INTERNAL, "out of memory measuring a restoration plot (%zu px)", n);
    }
    return ok ? 0 : -1;
}

static const char *plot_status(const mw_plot *p)
{
    if (p->valid * 2 < p->pixels || p->valid == 0)
        return "NO_DATA";
    if ((double)p->disturbed / (double)p->valid >= MW_RESTO_STEP)
        return "NEW_DISTURBANCE";
    if (p->veg_t2 >= p->target)
        return "COMPLETED";
    if (p->veg_t2 - p->veg_t1 <= -MW_RESTO_STEP)
        return "REGRESSED";
    if (p->veg_t2 - p->veg_t1 >= MW_RESTO_STEP)
        return "IN_PROGRESS";
    return "NOT_STARTED";
}

static int measure_plot(const mw_config *cfg, const mw_scene *s, int t2, mw_reader *rd,
                        GDALDatasetH cls_ds, mw_plot *p)
{
    p->area_m2 = OGR_G_Area(p->f->geom);
    p->target = p->f->num[RES_TARGET]; /* NaN: none given, never COMPLETED */
    if (p->target > 1.0) /* given in percent */
        p->target /= 100.0;
    p->veg_t1 = p->veg_t2 = p->bare_t2 = NAN;
    /* the plot on the scene grid: in the scene CRS */
    OGRGeometryH sg = mw_feature_scene_geom(p->f);
    OGREnvelope senv;
    OGR_G_GetEnvelope(sg, &senv);
    int x0, y0, w, h;
    if (!window_of(s, &senv, &x0, &y0, &w, &h)) {
        p->status = "NO_DATA";
        return 0;
    }
    size_t n = (size_t)w * (size_t)h;
    plot_buf b;
    if (plot_buf_alloc(&b, s, n))
        return -1;
    int rc = -1;
    if (burn_mask(s, sg, x0, y0, w, h, b.mask)) {
        mw_error(MW_EXIT_INTERNAL, "cannot rasterize restoration plot '%s' (%s)",
                 p->f->attr[RES_ID], mw_gdal_message());
        goto done;
    }
    for (int d = 0; d < 2; d++)
        if (mw_reader_read(rd, d, x0, y0, w, h, b.refl[d], b.scratch))
            goto done;
    if (GDALRasterIO(GDALGetRasterBand(cls_ds, 1), GF_Read, x0, y0, w, h, b.cls, w, h,
                     GDT_Byte, 0, 0) != CE_None) {
        mw_error(MW_EXIT_INTERNAL, "cannot read back change classes (%s)", mw_gdal_message());
        goto done;
    }
    for (int d = 0; d < 2; d++)
        mw_ndvi(b.refl[d][MW_RED], b.refl[d][MW_NIR], n, b.ndvi[d]);
    float **r = b.refl[1];
    if (s->band[MW_SWIR1])
        mw_bsi(r[MW_BLUE], r[MW_RED], r[MW_NIR], r[MW_SWIR1], n, b.bsi2);
    else
        mw_bsi_vnir(r[MW_BLUE], r[MW_GREEN], r[MW_RED], r[MW_NIR], n, b.bsi2);
    const float veg = cfg->resto_veg_ndvi, bare = cfg->thr.bare_min;
    for (size_t i = 0; i < n; i++) {
        if (!b.mask[i])
            continue;
        p->pixels++;
        if (isnan(b.ndvi[0][i]) || isnan(b.ndvi[1][i]) || isnan(b.bsi2[i]) ||
            b.cls[i] == MW_CLASS_MASKED)
            continue;
        p->valid++;
        p->veg1 += b.ndvi[0][i] >= veg;
        p->veg2 += b.ndvi[1][i] >= veg;
        p->bare2 += b.bsi2[i] >= bare;
        p->disturbed += b.cls[i] == MW_CLASS_DISTURBANCE;
    }
    rc = 0;
done:
    plot_buf_free(&b);
    if (rc == 0 && p->valid > 0) {
        double v = (double)p->valid;
        p->veg_t1 = (double)p->veg1 / v;
        p->veg_t2 = (double)p->veg2 / v;
        p->bare_t2 = (double)p->bare2 / v;
    }
    if (rc == 0) {
        p->status = plot_status(p);
        /* the deadline was parsed at load (dates.h); empty = none */
        int deadline = p->f->day[RES_DEADLINE];
        p->overdue = deadline != MW_NO_DATE && deadline < t2 &&
                     strcmp(p->status, "COMPLETED") != 0;
    }
    return rc;
}

static mw_county_progress *county_row(mw_restoration *r, const char *full)
{
    char name[sizeof r->c->county];
    mw_copy_utf8(name, sizeof name, full); /* as it is kept */
    for (size_t i = 0; i < r->ncounty; i++)
        if (!strcmp(r->c[i].county, name))
            return &r->c[i];
    mw_county_progress *grown = realloc(r->c, (r->ncounty + 1) * sizeof *r->c);
    if (!grown) {
        mw_error(MW_EXIT_INTERNAL, "out of memory (county table)");
        return NULL;
    }
    r->c = grown;
    mw_county_progress *c = &r->c[r->ncounty++];
    memset(c, 0, sizeof *c);
    mw_copy_utf8(c->county, sizeof c->county, name);
    c->plan_plots = -1;
    return c;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return m > 0 && n >= m && !strcmp(s + n - m, tail);
}

/* A plan cell as a number >= 0 (blanks around it allowed). */
static int plan_number(const char *cell, double *v)
{
    char *end;
    *v = CPLStrtod(cell, &end);
    if (end == cell)
        return -1;
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    return *end || !(*v >= 0) || !isfinite(*v) ? -1 : 0;
}

/* The plan table: a CSV with a header naming county_zh and/or county_en (or
 * county), plots and target_ha.  Records are split by GDAL's CSV reader
 * (quoted fields, commas and line breaks inside quotes, empty fields, a
 * UTF-8 BOM). */
static int read_plan(const char *path, mw_restoration *r)
{
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot read restoration plan: %s", path, strerror(errno));
        return -1;
    }
    int col_zh = -1, col_en = -1, col_plots = -1, col_ha = -1, rec = 0, rc = 0;
    char **cell;
    while (rc == 0 && (cell = CSVReadParseLine3L(f, 1 << 20, ",", true, false, false,
                                                 true)) != NULL) {
        rec++;
        int nc = CSLCount(cell);
        if (rec == 1) {
            for (int i = 0; i < nc; i++) {
                const char *h = cell[i];
                if (!strcmp(h, "county_zh") || !strcmp(h, "county"))
                    col_zh = i;
                else if (!strcmp(h, "county_en"))
                    col_en = i;
                else if (!strcmp(h, "plots"))
                    col_plots = i;
                else if (!strcmp(h, "target_ha"))
                    col_ha = i;
            }
            if ((col_zh < 0 && col_en < 0) || col_plots < 0 || col_ha < 0) {
                mw_error(MW_EXIT_VECTOR, "%s: row 1: restoration plan needs columns "
                         "county_zh (or county_en), plots, target_ha", path);
                rc = -1;
            }
            CSLDestroy(cell);
            continue;
        }
        if (nc == 0 || (nc == 1 && !cell[0][0])) { /* a blank line */
            CSLDestroy(cell);
            continue;
        }
        int need = col_zh > col_en ? col_zh : col_en;
        need = need > col_plots ? need : col_plots;
        need = need > col_ha ? need : col_ha;
        double plots = 0, ha = 0;
        const char *zh = col_zh >= 0 && col_zh < nc ? cell[col_zh] : "";
        const char *en = col_en >= 0 && col_en < nc ? cell[col_en] : "";
        if (nc <= need) {
            mw_error(MW_EXIT_VECTOR, "%s: row %d: restoration plan row has %d cells, the "
                     "header names %d", path, rec, nc, need + 1);
            rc = -1;
        } else if (!zh[0] && !en[0]) {
            mw_error(MW_EXIT_VECTOR, "%s: row %d: restoration plan row names no county", path,
                     rec);
            rc = -1;
        } else if (plan_number(cell[col_plots], &plots) || plots != floor(plots) ||
                   plots > 1e9 || plan_number(cell[col_ha], &ha)) {
            mw_error(MW_EXIT_VECTOR, "%s: row %d: restoration plan plots '%s' / target_ha "
                     "'%s' are not numbers", path, rec, cell[col_plots], cell[col_ha]);
            rc = -1;
        } else {
            /* match a county the plots name, in Chinese or in English; a
             * plot's county may carry its city in front (长治市上党区 for
             * 上党区) */
            mw_county_progress *c = NULL;
            for (size_t i = 0; i < r->ncounty && !c; i++)
                if ((zh[0] && ends_with(r->c[i].county, zh)) ||
                    (en[0] && !strcasecmp(r->c[i].county, en)))
                    c = &r->c[i];
            if (!c && !(c = county_row(r, zh[0] ? zh : en)))
                rc = -1;
            else if (c) {
                c->plan_plots = (int)plots;
                c->plan_ha = ha;
            }
        }
        CSLDestroy(cell);
    }
    VSIFCloseL(f);
    r->has_plan = rc == 0;
    return rc;
}

static int by_county(const void *a, const void *b)
{
    return strcmp(((const mw_county_progress *)a)->county,
                  ((const mw_county_progress *)b)->county);
}

static int aggregate(const mw_config *cfg, const mw_layers *L, mw_restoration *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const mw_plot *p = &r->p[i];
        const char *name = p->f->attr[RES_COUNTY];
        if (!name[0])
            name = mw_county_of(L, p->f->geom);
        mw_county_progress *c = county_row(r, name);
        if (!c)
            return -1;
        c->plots++;
        c->ha += p->area_m2 / 10000.0;
        const char *st = p->status;
        c->completed += !strcmp(st, "COMPLETED");
        c->in_progress += !strcmp(st, "IN_PROGRESS");
        c->not_started += !strcmp(st, "NOT_STARTED");
        c->regressed += !strcmp(st, "REGRESSED");
        c->new_disturbance += !strcmp(st, "NEW_DISTURBANCE");
        c->no_data += !strcmp(st, "NO_DATA");
        c->overdue += p->overdue;
        if (!strcmp(st, "COMPLETED"))
            c->restored_ha += p->area_m2 / 10000.0;
    }
    if (cfg->resto_plan[0] && read_plan(cfg->resto_plan, r))
        return -1;
    if (r->ncounty > 1)
        qsort(r->c, r->ncounty, sizeof *r->c, by_county);
    return 0;
}

int mw_restoration_run(const mw_config *cfg, const mw_scene *s, const mw_layers *L,
                       const char *class_path, mw_restoration *r)
{
    memset(r, 0, sizeof *r);
    if (!L->resto.present)
        return 0;
    r->p = mw_calloc(L->resto.n, sizeof *r->p);
    mw_reader *rd = r->p ? mw_reader_new(s) : NULL;
    GDALDatasetH cls = rd ? GDALOpenEx(class_path, GDAL_OF_RASTER | GDAL_OF_READONLY,
                                       NULL, NULL, NULL)
                          : NULL;
    int rc = cls ? 0 : -1, t2 = 0;
    if (rd && !cls)
        mw_error(MW_EXIT_INTERNAL, "%s: cannot reopen (%s)", class_path, mw_gdal_message());
    if (rc == 0 && mw_date_parse(cfg->t2_date, &t2)) { /* config.c checked it */
        mw_error(MW_EXIT_CONFIG, "[scene] t2_date '%s' is not a date", cfg->t2_date);
        rc = -1;
    }
    for (size_t i = 0; i < L->resto.n && rc == 0; i++) {
        r->p[i].f = &L->resto.f[i];
        r->n = i + 1;
        rc = measure_plot(cfg, s, t2, rd, cls, &r->p[i]);
    }
    if (cls)
        GDALClose(cls);
    mw_reader_free(rd);
    if (rc == 0)
        rc = aggregate(cfg, L, r);
    return rc;
}

void mw_restoration_free(mw_restoration *r)
{
    if (!r)
        return;
    free(r->p);
    free(r->c);
    memset(r, 0, sizeof *r);
}
