/* reports.c - the patch table (suspects.csv, the patches layer) and the
 * order a scan's reports are written in: the tables (tables.c), the evidence
 * (chips.c, mapsheet.c), suspects.xlsx, report.html, change.tif joined
 * (cog.c), the QGIS styles, manifest.json last (manifest.c). */
#include "reports.h"
#include "chips.h"
#include "mapsheet.h"
#include "draw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"
#include "report_html.h"
#include "styles.h"
#include "xlsx.h"

/* ---- the patch table (suspects.csv and the patches layer) ---------------- */

static const mw_column COLS[] = {
    {"patch_id", COL_S}, {"rules", COL_S}, {"severity", COL_I}, {"finding", COL_S},
    {"licence_id", COL_S}, {"holder", COL_S}, {"licence_status", COL_S},
    {"area_m2", COL_R}, {"area_ha", COL_R}, {"area_mu", COL_R}, {"pixels", COL_I},
    {"inside_licence_m2", COL_R}, {"outside_licence_m2", COL_R},
    {"beyond_boundary_m", COL_R}, {"nearest_licence_m", COL_R},
    {"after_expiry_m2", COL_R}, {"exploration_m2", COL_R},
    {"redline_m2", COL_R}, {"redline_name", COL_S}, {"farmland_m2", COL_R},
    {"urban_m2", COL_R}, {"county", COL_S}, {"county_code", COL_S},
    {"ledger_id", COL_S}, {"ledger_state", COL_S}, {"case_status", COL_S},
    {"centroid_x", COL_R}, {"centroid_y", COL_R}, {"lon", COL_R}, {"lat", COL_R},
    {"min_x", COL_R}, {"min_y", COL_R}, {"max_x", COL_R}, {"max_y", COL_R},
    {"mean_dndvi", COL_R}, {"min_dndvi", COL_R}, {"mean_dbsi", COL_R},
    {"field_check", COL_I}, {"t1_date", COL_S}, {"t2_date", COL_S},
    {"confidence", COL_R}, {"confidence_level", COL_S}, {"masked_fraction", COL_R},
    {"change_margin", COL_R},
    /* a series only (the pair's table ends before them) */
    {"confirmations", COL_I}, {"first_seen", COL_S}, {"last_seen", COL_S},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])
#define NCOLS_SERIES 3
/* the patch table's columns: a pair's table is the same as before series */
static size_t patch_ncols(const mw_config *cfg)
{
    return cfg->nlooks ? NCOLS : NCOLS - NCOLS_SERIES;
}

typedef struct { char v[NCOLS][MW_CELL]; } row;

static void format_row(const mw_patch *p, const mw_config *cfg, row *r)
{
    const mw_verdict *v = &p->v;
    int k = 0;
#define S(...) snprintf(r->v[k++], sizeof r->v[0], __VA_ARGS__)
#define N(fmt, x) mw_cell_num(r->v[k++], fmt, x) /* NaN: no value */
    S("%s", p->id);
    S("%s", v->rules);
    S("%d", v->severity);
    S("%s", mw_finding_name(v->finding));
    S("%s", v->licence_id);
    S("%s", v->holder);
    S("%s", v->licence_status);
    S("%.1f", p->area_m2);
    S("%.4f", p->area_ha);
    S("%.2f", p->area_mu);
    S("%lld", (long long)p->stat.count);
    N("%.1f", v->inside_licence_m2);
    N("%.1f", v->outside_licence_m2);
    N("%.1f", v->beyond_boundary_m);
    N("%.1f", v->nearest_licence_m);
    N("%.1f", v->after_expiry_m2);
    N("%.1f", v->exploration_m2);
    N("%.1f", v->redline_m2);
    S("%s", v->redline_name);
    N("%.1f", v->farmland_m2);
    N("%.1f", v->urban_m2);
    S("%s", v->county);
    S("%s", v->county_code);
    S("%s", v->ledger_id);
    S("%s", v->ledger_state);
    S("%s", v->case_status);
    S("%.2f", p->cx);
    S("%.2f", p->cy);
    N("%.7f", p->lon);
    N("%.7f", p->lat);
    S("%.2f", p->minx);
    S("%.2f", p->miny);
    S("%.2f", p->maxx);
    S("%.2f", p->maxy);
    S("%.4f", p->mean_dndvi);
    S("%.4f", p->min_dndvi);
    S("%.4f", p->mean_dbsi);
    S("%d", p->area_mu >= MW_FIELD_CHECK_MU);
    S("%s", cfg->t1_date);
    S("%s", cfg->t2_date);
    N("%.4f", p->confidence);
    S("%s", p->confidence_level);
    S("%.4f", p->masked_fraction);
    N("%.4f", p->change_margin);
    if (cfg->nlooks) { /* the looks of a series (mw_confirm) */
        const mw_comp *c = &p->stat;
        int f = c->look_first, l = c->look_last;
        S("%d", c->looks_max);
        S("%s", f >= 0 && f < cfg->nlooks ? cfg->look_date[f] : "");
        S("%s", l >= 0 && l < cfg->nlooks ? cfg->look_date[l] : "");
    }
#undef S
#undef N
}

/* Report order: worst rule first, then larger first, then id. */
static const mw_patchset *g_sort_ps;
static int by_severity(const void *a, const void *b)
{
    const mw_patch *x = &g_sort_ps->p[*(const size_t *)a];
    const mw_patch *y = &g_sort_ps->p[*(const size_t *)b];
    if (x->v.severity != y->v.severity)
        return y->v.severity - x->v.severity;
    if (x->stat.count != y->stat.count)
        return y->stat.count > x->stat.count ? 1 : -1;
    return strcmp(x->id, y->id);
}

static size_t *report_order(const mw_patchset *ps)
{
    size_t *order = mw_calloc(ps->n, sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < ps->n; i++)
        order[i] = i;
    g_sort_ps = ps;
    qsort(order, ps->n, sizeof *order, by_severity);
    g_sort_ps = NULL;
    return order;
}

typedef struct {
    const mw_run *run;
    const size_t *order;
} patch_ctx;

static void patch_format(const mw_table *t, size_t i, char (*cells)[MW_CELL])
{
    const patch_ctx *c = t->ctx;
    row *r = malloc(sizeof *r);
    if (!r)
        return;
    format_row(&c->run->patches->p[c->order[i]], c->run->cfg, r);
    memcpy(cells, r->v, t->ncols * sizeof r->v[0]);
    free(r);
}

static OGRGeometryH patch_geom(const mw_table *t, size_t i)
{
    const patch_ctx *c = t->ctx;
    return c->run->patches->p[c->order[i]].geom;
}

/* evidence/ (the chips) and maps/ (the map sheets) in the work folder */
static int write_evidence(const mw_run *run, const size_t *order, mw_outdir *od)
{
    char dir[MW_PATH_MAX + 64];
    size_t chips, sheets;
    mw_draw_font_check(run->cfg->font); /* a warning: fontconfig substitutes */
    double t0 = mw_now();
    mw_outdir_work_path(od, "evidence", dir, sizeof dir);
    if (mw_chips_write(run, order, dir, &chips)) {
        mw_draw_done();
        return -1;
    }
    /* evidence/ is made even with no chip: the set published has one */
    double t1 = mw_now();
    mw_outdir_work_path(od, "maps", dir, sizeof dir);
    int rc = mw_mapsheets_write(run, order, dir, &sheets);
    mw_draw_done(); /* pango's, cairo's and fontconfig's caches */
    if (rc)
        return -1;
    mw_log("evidence: %zu chip(s) in %.2f s, %zu map sheet(s) in %.2f s", chips, t1 - t0,
           sheets, mw_now() - t1);
    return 0;
}

int mw_reports_write(const mw_run *run, const char *class_path, mw_outdir *od)
{
    /* change.tif is written meanwhile by run->cog (or from now on): the
     * tables are written while it runs, then it is joined, on every path
     * before the work folder can go, and the manifest, which lists it,
     * comes last */
    mw_cog_job *cog = run->cog;
    if (!cog)
        cog = mw_cog_start(class_path, od, run->tiles->threads_used);
    size_t *order = report_order(run->patches);
    int rc = !order && run->patches->n ? -1 : 0;
    patch_ctx pc = {run, order};
    mw_table tables[8];
    size_t nt = 0;
    tables[nt++] = (mw_table){"suspects", "patches", COLS, patch_ncols(run->cfg),
                              run->patches->n,
                              patch_format, patch_geom, &pc, run->cfg};
    if (run->layers->resto.present) {
        tables[nt++] = mw_restoration_table(run->restoration, run->cfg);
        tables[nt++] = mw_restoration_county_table(run->restoration, run->cfg);
    }
    if (run->layers->lic.present)
        tables[nt++] = mw_licence_table(run->audit, run->cfg);

    char path[MW_PATH_MAX + 64], name[48];
    for (size_t i = 0; i < nt && rc == 0; i++) {
        snprintf(name, sizeof name, "%s.csv", tables[i].csv);
        mw_outdir_work_path(od, name, path, sizeof path);
        rc = mw_table_write_csv(&tables[i], run->cfg, path);
    }
    if (rc == 0) {
        mw_outdir_work_path(od, "patches.gpkg", path, sizeof path);
        rc = mw_tables_write_gpkg(run->scene->wkt, tables, nt, path);
    }
    if (rc == 0 && !strcmp(run->cfg->evidence, "on")) /* chips.h, mapsheet.h */
        rc = write_evidence(run, order, od);
    if (rc == 0) {
        mw_outdir_work_path(od, "suspects.xlsx", path, sizeof path);
        rc = mw_xlsx_write(&tables[0], run->cfg, od->work_dir, path);
    }
    if (rc == 0) {
        mw_outdir_work_path(od, "report.html", path, sizeof path);
        rc = mw_html_write(run, tables, nt, od->work_dir, path);
    }
    if (mw_cog_finish(cog)) /* joined whatever happened above */
        rc = -1;
    if (rc == 0)
        rc = mw_styles_change(od->work_dir);
    if (rc == 0) {
        mw_outdir_work_path(od, "manifest.json", path, sizeof path);
        rc = mw_manifest_write(run, path);
    }
    free(order);
    return rc ? -1 : 0;
}

int mw_reports_write_audit(const mw_config *cfg, const char *wkt, const mw_audit *audit,
                           mw_outdir *od)
{
    mw_table t = mw_licence_table(audit, cfg);
    char path[MW_PATH_MAX + 64];
    mw_outdir_work_path(od, "licences.csv", path, sizeof path);
    if (mw_table_write_csv(&t, cfg, path))
        return -1;
    mw_outdir_work_path(od, "licences.gpkg", path, sizeof path);
    if (mw_tables_write_gpkg(wkt, &t, 1, path))
        return -1;
    return 0;
}

