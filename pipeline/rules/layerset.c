/* layerset.c - the legal layers of a run (mw_layers_load, rules.h): every
 * configured layer read through layers.c, cut to what the scene touches,
 * licence validity at t2 and the mineral-water exemption worked out once;
 * the county a geometry lies in (mw_county_of). */
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

/* ---- which county --------------------------------------------------------- */

const char *mw_county_of(const mw_layers *L, OGRGeometryH g)
{
    OGREnvelope env;
    OGR_G_GetEnvelope(g, &env);
    double a;
    const mw_feature *c = mw_layer_best(&L->counties, g, &env, NULL, 0, &a);
    return c ? c->attr[CNTY_NAME] : "";
}
