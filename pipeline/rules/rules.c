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

/* ---- loading -------------------------------------------------------------- */

static int status_valid(const char *s)
{
    return !strcasecmp(s, "valid") || !strcasecmp(s, "active") || !strcmp(s, "有效") ||
           !strcmp(s, "正常") || !s[0];
}

/* Validity at day t2: status valid and t2 within [valid_from, valid_to]
 * (parsed once at load, dates.h); an empty date is no limit. */
static int licence_valid_at(const mw_feature *f, int t2)
{
    int from = f->day[LIC_FROM], to = f->day[LIC_TO];
    return status_valid(f->attr[LIC_STATUS]) && (from == MW_NO_DATE || from <= t2) &&
           (to == MW_NO_DATE || t2 <= to);
}

/* The scene's rectangle in the measuring CRS, grown by the larger of near_m
 * and the consolidation distance and two pixels. */
static int scene_rect(const mw_config *cfg, const mw_scene *s, OGREnvelope *r)
{
    double x0 = s->gt[0], x1 = s->gt[0] + s->width * s->gt[1];
    double y0 = s->gt[3] + s->height * s->gt[5], y1 = s->gt[3];
    *r = (OGREnvelope){fmin(x0, x1), fmax(x0, x1), fmin(y0, y1), fmax(y0, y1)};
    if (strcmp(s->wkt, s->measure_wkt) != 0) {
        OGRSpatialReferenceH a = OSRNewSpatialReference(s->wkt);
        OGRSpatialReferenceH b = OSRNewSpatialReference(s->measure_wkt);
        OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(a, b);
        OGREnvelope m;
        int ok = ct && OCTTransformBounds(ct, r->MinX, r->MinY, r->MaxX, r->MaxY, &m.MinX,
                                          &m.MinY, &m.MaxX, &m.MaxY, 21);
        if (ct)
            OCTDestroyCoordinateTransformation(ct);
        OSRDestroySpatialReference(a);
        OSRDestroySpatialReference(b);
        if (!ok) {
            mw_error(MW_EXIT_VECTOR, "cannot take the scene's extent to the measuring CRS "
                     "(%s)", mw_gdal_message());
            return -1;
        }
        *r = m;
    }
    double grow = fmax(cfg->near_m, MW_CONSOLIDATE_DIST_M) + 2 * sqrt(s->pixel_area_m2);
    r->MinX -= grow;
    r->MinY -= grow;
    r->MaxX += grow;
    r->MaxY += grow;
    return 0;
}

#define SPEC(sec, lc, ...)                                                     \
    (mw_layer_spec)                                                            \
    {                                                                          \
        sec, lc.path, lc.layer, lc.encoding, __VA_ARGS__                       \
    }

int mw_layers_load(const mw_config *cfg, const mw_scene *s, mw_layers *L)
{
    memset(L, 0, sizeof *L);
    mw_layer_cfg lic = {{0}, {0}, {0}};
    snprintf(lic.path, sizeof lic.path, "%s", cfg->lic_path);
    snprintf(lic.layer, sizeof lic.layer, "%s", cfg->lic_layer);
    snprintf(lic.encoding, sizeof lic.encoding, "%s", cfg->lic_encoding);
    const mw_layer_spec specs[] = {
        SPEC("licences", lic, LIC_NFIELDS,
             {cfg->lic_id_field, cfg->lic_holder_field, cfg->lic_mineral_field,
              cfg->lic_from_field, cfg->lic_to_field, cfg->lic_status_field,
              cfg->lic_reserves_field},
             {"id_field", "holder_field", "mineral_field", "valid_from_field",
              "valid_to_field", "status_field", "reserves_field"},
             1u << LIC_FROM | 1u << LIC_TO, 1u << LIC_RESERVES),
        SPEC("exploration", cfg->expl, EXPL_NFIELDS,
             {cfg->expl_id_field, cfg->expl_holder_field}, {"id_field", "holder_field"}, 0, 0),
        SPEC("redline", cfg->redline, RED_NFIELDS, {cfg->redline_name_field}, {"name_field"},
             0, 0),
        SPEC("farmland", cfg->farmland, 0, {NULL}, {NULL}, 0, 0),
        SPEC("urban", cfg->urban, 0, {NULL}, {NULL}, 0, 0),
        SPEC("restoration", cfg->resto, RES_NFIELDS,
             {cfg->resto_id_field, cfg->resto_county_field, cfg->resto_party_field,
              cfg->resto_baseline_field, cfg->resto_deadline_field, cfg->resto_target_field},
             {"id_field", "county_field", "party_field", "baseline_field", "deadline_field",
              "target_field"},
             1u << RES_DEADLINE, 1u << RES_TARGET),
        SPEC("counties", cfg->counties, CNTY_NFIELDS, {cfg->county_name_field},
             {"name_field"}, 0, 0),
    };
    mw_layer *dst[] = {&L->lic, &L->expl, &L->redline, &L->farmland,
                       &L->urban, &L->resto, &L->counties};
    /* A scan reads what its scene touches: the rights and plots that meet
     * the scene (licences within the larger of near_m and the consolidation
     * distance), then the control lines and counties that meet the scene or
     * one of those (a licence's overlap is the whole licence's).  The audit
     * without imagery reads every licence and what meets one of them. */
    OGREnvelope scene_r;
    int scan = s->width > 0 && s->height > 0;
    if (scan && scene_rect(cfg, s, &scene_r)) {
        mw_layers_free(L);
        return -1;
    }
    /* the rights and plots are few: every record is looked at (one without
     * geometry is reported), only those near the scene kept */
    const mw_region near_scene = {1, &scene_r, 1};
    enum { FIRST_PASS = 3 }; /* licences, exploration, restoration: then the rest */
    const size_t order[] = {0, 1, 5, 2, 3, 4, 6};
    OGREnvelope *touched = NULL;
    mw_region rest = {0, NULL, 0};
    int rc = 0;
    for (size_t k = 0; k < sizeof order / sizeof order[0] && rc == 0; k++) {
        size_t i = order[k];
        if (k == FIRST_PASS) {
            size_t n = (scan ? 1 + L->lic.n + L->expl.n + L->resto.n : L->lic.n);
            touched = mw_calloc(n + 1, sizeof *touched);
            if (!touched) {
                rc = -1;
                break;
            }
            if (scan)
                touched[rest.n++] = scene_r;
            for (size_t j = 0; j < L->lic.n; j++)
                touched[rest.n++] = L->lic.f[j].env;
            for (size_t j = 0; scan && j < L->expl.n; j++)
                touched[rest.n++] = L->expl.f[j].env;
            for (size_t j = 0; scan && j < L->resto.n; j++)
                touched[rest.n++] = L->resto.f[j].env;
            rest.r = touched;
        }
        const mw_region *region = k < FIRST_PASS ? (scan ? &near_scene : NULL)
                                                 : (scan || L->lic.present ? &rest : NULL);
        rc = mw_layer_load(&specs[i], s->wkt, s->measure_wkt, region, dst[i]);
    }
    free(touched);
    if (rc) {
        mw_layers_free(L);
        return -1;
    }
    L->lic_valid = mw_calloc(L->lic.n, 1);
    L->lic_exempt = mw_calloc(L->lic.n, 1);
    if (!L->lic_valid || !L->lic_exempt) {
        mw_layers_free(L);
        return -1;
    }
    int t2;
    if (mw_date_parse(cfg->t2_date, &t2) || t2 == MW_NO_DATE) { /* config.c checked it */
        mw_error(MW_EXIT_CONFIG, "[scene] t2_date '%s' is not a date", cfg->t2_date);
        mw_layers_free(L);
        return -1;
    }
    for (size_t i = 0; i < L->lic.n; i++) {
        L->lic_valid[i] = (unsigned char)licence_valid_at(&L->lic.f[i], t2);
        L->lic_exempt[i] = (unsigned char)mw_mineral_exempt(L->lic.f[i].attr[LIC_MINERAL]);
    }
    /* the files' checksums, while the scan runs (only the rank that writes
     * the manifest); none started: hashed when the manifest asks */
    const char *paths[sizeof dst / sizeof dst[0]];
    size_t np = 0;
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++) {
        int seen = !dst[i]->present;
        for (size_t j = 0; j < np && !seen; j++)
            seen = !strcmp(paths[j], dst[i]->path);
        if (!seen)
            paths[np++] = dst[i]->path;
    }
    if (np && mw_dist_rank() == 0)
        L->digests = mw_digests_start(paths, NULL, np, NULL, NULL);
    return 0;
}

void mw_layers_free(mw_layers *L)
{
    if (!L)
        return;
    mw_layer *all[] = {&L->lic, &L->expl, &L->redline, &L->farmland,
                       &L->urban, &L->resto, &L->counties};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        mw_layer_free(all[i]);
    free(L->lic_valid);
    free(L->lic_exempt);
    L->lic_valid = L->lic_exempt = NULL;
    mw_digests_free(L->digests);
    L->digests = NULL;
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
static const mw_feature *best_overlap(const mw_layer *l, OGRGeometryH p,
                                      const OGREnvelope *env, const unsigned char *want,
                                      unsigned char want_value, double *area)
{
    const mw_feature *best = NULL;
    *area = 0;
    mw_hits h = {0};
    mw_index_query(&l->ix, env, 0, &h);
    for (size_t k = 0; k < mw_hits_count(&h, l->n); k++) {
        size_t i = mw_hits_at(&h, k);
        if ((want && want[i] != want_value) || !env_near(env, &l->f[i].env, 0))
            continue;
        double a = area_in(p, l->f[i].geom);
        if (a > *area) {
            *area = a;
            best = &l->f[i];
        }
    }
    mw_hits_free(&h);
    return best;
}

const char *mw_county_of(const mw_layers *L, OGRGeometryH g)
{
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    double a;
    const mw_feature *c = best_overlap(&L->counties, g, &env, NULL, 0, &a);
    return c ? c->attr[CNTY_NAME] : "";
}

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
        const mw_feature *red = best_overlap(&L->redline, g, env, NULL, 0, &a);
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
    const mw_feature *f = best_overlap(&L->lic, g, &env, L->lic_valid, 1, &a);
    if (!f)
        f = best_overlap(&L->lic, g, &env, L->lic_valid, 0, &a);
    if (f)
        name_licence(v, f, 1);
    else if ((f = best_overlap(&L->expl, g, &env, NULL, 0, &a)) != NULL)
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
