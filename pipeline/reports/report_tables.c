/* report_tables.c - the restoration, county and licence tables. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports.h"

#define CELL(...) snprintf(c[k++], MW_CELL, __VA_ARGS__)
#define NUM(fmt, v) mw_cell_num(c[k++], fmt, v) /* NaN: no value */

/* ---- restoration.csv ------------------------------------------------------ */

static const mw_column PLOT_COLS[] = {
    {"plot_id", COL_S}, {"county", COL_S}, {"party", COL_S}, {"baseline", COL_S},
    {"deadline", COL_S}, {"target", COL_R}, {"area_m2", COL_R}, {"area_ha", COL_R},
    {"pixels", COL_I}, {"valid_pixels", COL_I}, {"veg_fraction_t1", COL_R},
    {"veg_fraction_t2", COL_R}, {"veg_change", COL_R}, {"bare_fraction_t2", COL_R},
    {"disturbed_m2", COL_R}, {"status", COL_S}, {"overdue", COL_I},
    {"t1_date", COL_S}, {"t2_date", COL_S},
};

static void plot_format(const mw_table *t, size_t i, char (*c)[MW_CELL])
{
    const mw_restoration *r = t->ctx;
    const mw_plot *p = &r->p[i];
    const mw_feature *f = p->f;
    int k = 0;
    CELL("%s", f->attr[RES_ID]);
    CELL("%s", f->attr[RES_COUNTY]);
    CELL("%s", f->attr[RES_PARTY]);
    CELL("%s", f->attr[RES_BASELINE]);
    CELL("%s", f->attr[RES_DEADLINE]);
    NUM("%.4f", p->target);
    CELL("%.1f", p->area_m2);
    CELL("%.4f", p->area_m2 / 10000.0);
    CELL("%lld", p->pixels);
    CELL("%lld", p->valid);
    /* fractions of the valid pixels: none without any */
    NUM("%.4f", p->veg_t1);
    NUM("%.4f", p->veg_t2);
    NUM("%.4f", p->veg_t2 - p->veg_t1);
    NUM("%.4f", p->bare_t2);
    NUM("%.1f", p->valid ? (double)p->disturbed * p->area_m2 / (double)p->pixels : NAN);
    CELL("%s", p->status);
    CELL("%d", p->overdue);
    CELL("%s", t->cfg->t1_date);
    CELL("%s", t->cfg->t2_date);
}

static OGRGeometryH plot_geom(const mw_table *t, size_t i)
{
    const mw_restoration *r = t->ctx;
    return mw_feature_scene_geom(r->p[i].f);
}

mw_table mw_restoration_table(const mw_restoration *r, const mw_config *cfg)
{
    return (mw_table){"restoration", "restoration", PLOT_COLS,
                      sizeof PLOT_COLS / sizeof PLOT_COLS[0], r->n, plot_format, plot_geom,
                      r, cfg};
}

/* ---- restoration_by_county.csv -------------------------------------------- */

static const mw_column COUNTY_COLS[] = {
    {"county", COL_S}, {"county_code", COL_S}, {"plots", COL_I}, {"ha", COL_R}, {"restored_ha", COL_R},
    {"pct_of_target", COL_R}, {"completed", COL_I}, {"in_progress", COL_I},
    {"not_started", COL_I}, {"regressed", COL_I}, {"new_disturbance", COL_I},
    {"no_data", COL_I}, {"overdue", COL_I}, {"plan_plots", COL_I}, {"plan_ha", COL_R},
    {"t1_date", COL_S}, {"t2_date", COL_S},
};

/* The last row is the total over all counties. */
static mw_county_progress county_total(const mw_restoration *r, int zh)
{
    mw_county_progress s = {.plan_plots = r->has_plan ? 0 : -1};
    snprintf(s.county, sizeof s.county, "%s", zh ? "合计" : "TOTAL");
    for (size_t i = 0; i < r->ncounty; i++) {
        const mw_county_progress *c = &r->c[i];
        s.plots += c->plots, s.completed += c->completed, s.in_progress += c->in_progress;
        s.not_started += c->not_started, s.regressed += c->regressed;
        s.new_disturbance += c->new_disturbance, s.no_data += c->no_data;
        s.overdue += c->overdue, s.ha += c->ha, s.restored_ha += c->restored_ha;
        if (c->plan_plots >= 0 && s.plan_plots >= 0) {
            s.plan_plots += c->plan_plots;
            s.plan_ha += c->plan_ha;
        }
    }
    return s;
}

static void county_format(const mw_table *t, size_t i, char (*c)[MW_CELL])
{
    const mw_restoration *r = t->ctx;
    mw_county_progress total;
    const mw_county_progress *p = &r->c[i];
    if (i == r->ncounty) {
        total = county_total(r, !strcmp(t->cfg->language, "zh"));
        p = &total;
    }
    /* percent of the plan's hectares when a plan is given, else of the
     * plots' own hectares */
    double base = p->plan_plots >= 0 && p->plan_ha > 0 ? p->plan_ha : p->ha;
    int k = 0;
    CELL("%s", p->county);
    CELL("%s", p->county_code);
    CELL("%d", p->plots);
    CELL("%.4f", p->ha);
    CELL("%.4f", p->restored_ha);
    NUM("%.2f", base > 0 ? 100.0 * p->restored_ha / base : NAN);
    CELL("%d", p->completed);
    CELL("%d", p->in_progress);
    CELL("%d", p->not_started);
    CELL("%d", p->regressed);
    CELL("%d", p->new_disturbance);
    CELL("%d", p->no_data);
    CELL("%d", p->overdue);
    if (p->plan_plots >= 0) {
        CELL("%d", p->plan_plots);
        CELL("%.2f", p->plan_ha);
    } else {
        CELL("%s", "");
        CELL("%s", "");
    }
    CELL("%s", t->cfg->t1_date);
    CELL("%s", t->cfg->t2_date);
}

mw_table mw_restoration_county_table(const mw_restoration *r, const mw_config *cfg)
{
    return (mw_table){"restoration_by_county", "restoration_by_county", COUNTY_COLS,
                      sizeof COUNTY_COLS / sizeof COUNTY_COLS[0],
                      r->ncounty ? r->ncounty + 1 : 0, county_format,
                      NULL, r, cfg};
}

/* ---- licences.csv ------------------------------------------------------------ */

static const mw_column LIC_COLS[] = {
    {"licence_id", COL_S}, {"holder", COL_S}, {"mineral", COL_S}, {"status", COL_S},
    {"valid_from", COL_S}, {"valid_to", COL_S}, {"valid_at_t2", COL_I},
    {"area_m2", COL_R}, {"exempt", COL_I}, {"redline_overlap_m2", COL_R},
    {"farmland_overlap_m2", COL_R}, {"urban_overlap_m2", COL_R},
    {"disturbed_inside_m2", COL_R}, {"disturbed_outside_m2", COL_R},
    {"consolidation_candidate", COL_I}, {"consolidation_group", COL_S},
    {"t1_date", COL_S}, {"t2_date", COL_S},
};

static void licence_format(const mw_table *t, size_t i, char (*c)[MW_CELL])
{
    const mw_audit *a = t->ctx;
    const mw_licence_row *l = &a->l[i];
    const mw_feature *f = l->f;
    int k = 0;
    CELL("%s", f->attr[LIC_ID]);
    CELL("%s", f->attr[LIC_HOLDER]);
    CELL("%s", f->attr[LIC_MINERAL]);
    CELL("%s", f->attr[LIC_STATUS]);
    CELL("%s", f->attr[LIC_FROM]);
    CELL("%s", f->attr[LIC_TO]);
    CELL("%d", l->valid);
    CELL("%.1f", l->area_m2);
    CELL("%d", l->exempt);
    NUM("%.1f", l->redline_m2);
    NUM("%.1f", l->farmland_m2);
    NUM("%.1f", l->urban_m2);
    NUM("%.1f", l->disturbed_inside_m2);
    NUM("%.1f", l->disturbed_outside_m2);
    CELL("%d", l->candidate);
    if (l->group)
        CELL("G%d", l->group);
    else
        CELL("%s", "");
    CELL("%s", t->cfg->t1_date);
    CELL("%s", t->cfg->t2_date);
}

static OGRGeometryH licence_geom(const mw_table *t, size_t i)
{
    const mw_audit *a = t->ctx;
    return mw_feature_scene_geom(a->l[i].f);
}

mw_table mw_licence_table(const mw_audit *a, const mw_config *cfg)
{
    return (mw_table){"licences", "licences", LIC_COLS, sizeof LIC_COLS / sizeof LIC_COLS[0],
                      a->n, licence_format, licence_geom, a, cfg};
}
