/* rules.c - the legal layers and the per-patch rules. */
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ogr_srs_api.h>

#include "audit.h"
#include "dates.h"
#include "digest.h"
#include "dist.h"
#include "mw.h"

static const struct { const char *code; int severity; } RULES[MW_RULE_COUNT] = {
    [MW_RULE_RED_LINE] = {"RED_LINE", 7},
    [MW_RULE_UNLICENSED] = {"UNLICENSED", 6},
    [MW_RULE_AFTER_EXPIRY] = {"AFTER_EXPIRY", 5},
    [MW_RULE_EXPLORATION_ONLY] = {"EXPLORATION_ONLY", 4},
    [MW_RULE_OUT_OF_BOUNDS] = {"OUT_OF_BOUNDS", 3},
    [MW_RULE_FARMLAND] = {"FARMLAND", 2},
    [MW_RULE_URBAN_BOUNDARY] = {"URBAN_BOUNDARY", 1},
};

const char *mw_rule_code(mw_rule r) { return RULES[r].code; }
int mw_rule_severity(mw_rule r) { return RULES[r].severity; }

const char *mw_finding_name(mw_finding f)
{
    switch (f) {
    case MW_FIND_INSIDE: return "INSIDE";
    case MW_FIND_OUT_OF_BOUNDS: return "OUT_OF_BOUNDS";
    case MW_FIND_UNLICENSED: return "UNLICENSED";
    case MW_FIND_NOT_JUDGED: return "NOT_JUDGED";
    case MW_FIND_COUNT: break;
    }
    return "?";
}

int mw_mineral_exempt(const char *m)
{
    return strstr(m, "地热") || strstr(m, "矿泉水") || strcasestr(m, "geothermal") ||
           strcasestr(m, "mineral water");
}

/* ---- geometry helpers ------------------------------------------------------ */

static int env_near(const OGREnvelope *a, const OGREnvelope *b, double d)
{
    return a->MinX - d <= b->MaxX && b->MinX - d <= a->MaxX &&
           a->MinY - d <= b->MaxY && b->MinY - d <= a->MaxY;
}

/* u := u ∪ g (g is cloned); returns the new union. */
static OGRGeometryH add_to(OGRGeometryH u, OGRGeometryH g)
{
    if (!u)
        return OGR_G_Clone(g);
    OGRGeometryH next = OGR_G_Union(u, g);
    OGR_G_DestroyGeometry(u);
    return next;
}

static double area_in(OGRGeometryH p, OGRGeometryH u)
{
    if (!u)
        return 0;
    OGRGeometryH in = OGR_G_Intersection(p, u);
    double a = in ? OGR_G_Area(in) : 0;
    if (in)
        OGR_G_DestroyGeometry(in);
    return a;
}

/* Largest distance from a vertex of g to target (the farthest point of a
 * polygon from a convex target is a vertex; close enough for licences). */
static double farthest_vertex(OGRGeometryH g, OGRGeometryH target)
{
    double far = 0;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            double d = farthest_vertex(OGR_G_GetGeometryRef(g, i), target);
            if (d > far)
                far = d;
        }
        return far;
    }
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    for (int i = 0; i < OGR_G_GetPointCount(g); i++) {
        OGR_G_SetPoint_2D(pt, 0, OGR_G_GetX(g, i), OGR_G_GetY(g, i));
        double d = OGR_G_Distance(pt, target);
        if (d > far)
            far = d;
    }
    OGR_G_DestroyGeometry(pt);
    return far;
}

/* Feature of l with the largest overlap with p (NULL if none); its area. */
/* ---- the rules --------------------------------------------------------------- */

static void set_rule(mw_verdict *v, mw_rule r)
{
    v->rules_mask |= 1u << r;
}

static void write_rules(mw_verdict *v)
{
    /* mw_rule order is worst first */
    v->rules[0] = '\0';
    v->severity = 0;
    size_t used = 0;
    for (int r = 0; r < MW_RULE_COUNT; r++) {
        if (!(v->rules_mask & (1u << r)))
            continue;
        used += (size_t)snprintf(v->rules + used, sizeof v->rules - used, "%s%s",
                                 used ? ";" : "", RULES[r].code);
        if (RULES[r].severity > v->severity)
            v->severity = RULES[r].severity;
    }
}

static void name_licence(mw_verdict *v, const mw_feature *f, int is_licence)
{
    mw_copy_utf8(v->licence_id, sizeof v->licence_id, f->attr[is_licence ? LIC_ID : EXPL_ID]);
    mw_copy_utf8(v->holder, sizeof v->holder, f->attr[is_licence ? LIC_HOLDER : EXPL_HOLDER]);
    if (is_licence)
        mw_copy_utf8(v->licence_status, sizeof v->licence_status, f->attr[LIC_STATUS]);
    else
        snprintf(v->licence_status, sizeof v->licence_status, "exploration");
}

/* Red line, farmland, urban boundary and county: they do not depend on the
 * licences.  A layer that is not configured leaves its area NaN (no value). */
static void control_lines(const mw_layers *L, mw_patch *p, OGRGeometryH g,
                          const OGREnvelope *env, double tol)
{
    mw_verdict *v = &p->v;
    double a;
    v->redline_m2 = v->farmland_m2 = v->urban_m2 = NAN;
    if (L->redline.present) {
        const mw_feature *red = mw_layer_best(&L->redline, g, env, NULL, 0, &a);
        v->redline_m2 = mw_layer_overlap(&L->redline, g, env);
        if (red)
            mw_copy_utf8(v->redline_name, sizeof v->redline_name, red->attr[RED_NAME]);
        if (v->redline_m2 > tol)
            set_rule(v, MW_RULE_RED_LINE);
    }
    if (L->farmland.present) {
        v->farmland_m2 = mw_layer_overlap(&L->farmland, g, env);
        if (v->farmland_m2 > tol)
            set_rule(v, MW_RULE_FARMLAND);
    }
    if (L->urban.present) {
        v->urban_m2 = mw_layer_overlap(&L->urban, g, env);
        if (v->urban_m2 > tol)
            set_rule(v, MW_RULE_URBAN_BOUNDARY);
    }
    mw_copy_utf8(v->county, sizeof v->county, mw_county_of(L, g));
}

static int judge(const mw_config *cfg, const mw_layers *L, mw_patch *p, OGRGeometryH g,
                 const OGREnvelope *envp, double tol)
{
    mw_verdict *v = &p->v;
    const OGREnvelope env = *envp;

    /* valid licences within near_m; invalid licences and exploration rights
     * that touch the patch */
    OGRGeometryH valid = NULL, rights = NULL, all = NULL;
    double nearest = INFINITY;
    const mw_feature *nearest_f = NULL;
    mw_hits h = {0};
    mw_index_query(&L->lic.ix, &env, cfg->near_m, &h);
    for (size_t k = 0; k < mw_hits_count(&h, L->lic.n); k++) {
        size_t i = mw_hits_at(&h, k);
        const mw_feature *f = &L->lic.f[i];
        int ok = L->lic_valid[i];
        if (!env_near(&env, &f->env, ok ? cfg->near_m : 0))
            continue;
        double d = OGR_G_Distance(g, f->geom);
        if (d < 0 || d > (ok ? cfg->near_m : 0))
            continue;
        if (ok) {
            valid = add_to(valid, f->geom);
            if (d < nearest) {
                nearest = d;
                nearest_f = f;
            }
        }
        rights = add_to(rights, f->geom);
    }
    all = rights ? OGR_G_Clone(rights) : NULL;
    mw_index_query(&L->expl.ix, &env, 0, &h);
    for (size_t k = 0; k < mw_hits_count(&h, L->expl.n); k++) {
        size_t i = mw_hits_at(&h, k);
        if (env_near(&env, &L->expl.f[i].env, 0) && OGR_G_Intersects(g, L->expl.f[i].geom))
            all = add_to(all, L->expl.f[i].geom);
    }
    mw_hits_free(&h);

    double in_valid = area_in(g, valid);
    double in_rights = area_in(g, rights);
    double in_all = area_in(g, all);
    v->inside_licence_m2 = in_valid;
    v->outside_licence_m2 = fmax(0, p->area_m2 - in_valid);
    v->after_expiry_m2 = fmax(0, in_rights - in_valid);
    v->exploration_m2 = L->expl.present ? fmax(0, in_all - in_rights) : NAN;
    v->nearest_licence_m = nearest_f ? nearest : NAN;
    v->beyond_boundary_m = nearest_f ? 0 : NAN;
    double elsewhere = p->area_m2 - in_all; /* outside every right */

    if (v->after_expiry_m2 > tol)
        set_rule(v, MW_RULE_AFTER_EXPIRY);
    if (v->exploration_m2 > tol)
        set_rule(v, MW_RULE_EXPLORATION_ONLY);
    if (elsewhere > tol) {
        if (nearest_f) {
            set_rule(v, MW_RULE_OUT_OF_BOUNDS);
            OGRGeometryH out = OGR_G_Difference(g, all);
            v->beyond_boundary_m = out ? farthest_vertex(out, valid) : 0;
            if (out)
                OGR_G_DestroyGeometry(out);
        } else {
            set_rule(v, MW_RULE_UNLICENSED);
        }
    }
    v->finding = v->outside_licence_m2 <= tol ? MW_FIND_INSIDE
                 : nearest_f                  ? MW_FIND_OUT_OF_BOUNDS
                                              : MW_FIND_UNLICENSED;

    /* the licence the row names: the valid one it lies in, else the invalid
     * one, else the exploration right, else the nearest valid licence */
    double a;
    const mw_feature *f = mw_layer_best(&L->lic, g, &env, L->lic_valid, 1, &a);
    if (!f)
        f = mw_layer_best(&L->lic, g, &env, L->lic_valid, 0, &a);
    if (f)
        name_licence(v, f, 1);
    else if ((f = mw_layer_best(&L->expl, g, &env, NULL, 0, &a)) != NULL)
        name_licence(v, f, 0);
    else if (nearest_f)
        name_licence(v, nearest_f, 1);

    if (valid) OGR_G_DestroyGeometry(valid);
    if (rights) OGR_G_DestroyGeometry(rights);
    if (all) OGR_G_DestroyGeometry(all);
    return 0;
}

int mw_rules_apply(const mw_config *cfg, const mw_scene *s, const mw_layers *L,
                   mw_patchset *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        mw_patch *p = &ps->p[i];
        mw_verdict *v = &p->v;
        OGRGeometryH g = mw_patch_mgeom(p);
        OGREnvelope env;
        OGR_G_GetEnvelope(g, &env);
        /* "part" = more than one pixel's area (at the patch's own rows) */
        const double tol =
            mw_scene_pixel_area(s, (double)p->stat.sum_row / (double)p->stat.count + 0.5);
        if (L->lic.present) {
            if (judge(cfg, L, p, g, &env, tol))
                return -1;
        } else {
            v->finding = MW_FIND_NOT_JUDGED;
            v->inside_licence_m2 = v->outside_licence_m2 = v->after_expiry_m2 = NAN;
            v->exploration_m2 = v->beyond_boundary_m = v->nearest_licence_m = NAN;
        }
        control_lines(L, p, g, &env, tol);
        write_rules(v);
    }
    return 0;
}
