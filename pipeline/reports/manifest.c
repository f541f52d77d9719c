/* manifest.c - manifest.json: the inputs with their checksums, the config,
 * the scene, co-registration, survey, tiles, counts, timings, outputs. */
#include "reports.h"

#include <errno.h>
#include <gdal.h>
#include <json-c/json.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "coreg.h"
#include "digest.h"
#include "dist.h"
#include "mw.h"
#include "survey.h"

/* ---- manifest.json ------------------------------------------------------ */

static int add_input(json_object *arr, const char *role, const char *path,
                     mw_digests *digests)
{
    char hex[65] = "";
    long long bytes = 0;
    if (mw_digest_get(digests, path, hex, &bytes)) {
        mw_error(MW_EXIT_RASTER, "%s: cannot read for its checksum: %s", path,
                 strerror(errno));
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "role", json_object_new_string(role));
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object_object_add(o, "bytes", json_object_new_int64(bytes));
    json_object_object_add(o, "sha256", json_object_new_string(hex));
    json_object_array_add(arr, o);
    return 0;
}

/* Every configured vector layer, by its section name. */
static int add_layer_inputs(json_object *arr, const mw_layers *L)
{
    const struct { const char *role; const mw_layer *l; } all[] = {
        {"licences", &L->lic}, {"exploration", &L->expl}, {"redline", &L->redline},
        {"farmland", &L->farmland}, {"urban", &L->urban}, {"restoration", &L->resto},
        {"counties", &L->counties}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].l->present && add_input(arr, all[i].role, all[i].l->path, L->digests))
            return -1;
    return 0;
}

static void visit_config(const char *section, const char *key, const char *value,
                         void *arg)
{
    json_object *root = arg, *sec;
    if (!json_object_object_get_ex(root, section, &sec)) {
        sec = json_object_new_object();
        json_object_object_add(root, section, sec);
    }
    json_object_object_add(sec, key, json_object_new_string(value));
}

static json_object *counts_json(const mw_run *run)
{
    static const char *names[MW_CLASS_COUNT] = {
        "no_change", "vegetation_loss", "bare_ground_gain", "disturbance",
        "revegetation", "other_change"};
    json_object *o = json_object_new_object(), *px = json_object_new_object();
    for (int c = 0; c < MW_CLASS_COUNT; c++)
        json_object_object_add(px, names[c],
                               json_object_new_int64((int64_t)run->tiles->class_count[c]));
    json_object_object_add(px, "masked",
                           json_object_new_int64(
                               (int64_t)run->tiles->class_count[MW_CLASS_MASKED]));
    json_object_object_add(o, "pixels_by_class", px);
    json_object_object_add(o, "disturbance_components",
                           json_object_new_int64((int64_t)run->patches->n_components));
    json_object_object_add(o, "dropped_below_mmu",
                           json_object_new_int64((int64_t)run->patches->n_dropped));
    json_object_object_add(o, "patches", json_object_new_int64((int64_t)run->patches->n));
    int64_t by[MW_FIND_COUNT] = {0};
    for (size_t i = 0; i < run->patches->n; i++)
        by[run->patches->p[i].v.finding]++;
    json_object *f = json_object_new_object();
    for (int k = 0; k < MW_FIND_COUNT; k++)
        json_object_object_add(f, mw_finding_name((mw_finding)k), json_object_new_int64(by[k]));
    json_object_object_add(o, "patches_by_finding", f);
    json_object_object_add(o, "licences", json_object_new_int64((int64_t)run->layers->lic.n));
    return o;
}

static json_object *shift_json(const mw_shift *sh)
{
    json_object *o = json_object_new_object();
    int win[4] = {sh->x, sh->y, sh->w, sh->h};
    json_object *w = json_object_new_array();
    for (int i = 0; i < 4; i++)
        json_object_array_add(w, json_object_new_int(win[i]));
    json_object_object_add(o, "window", w);
    json_object_object_add(o, "dx", json_object_new_double(sh->dx));
    json_object_object_add(o, "dy", json_object_new_double(sh->dy));
    json_object_object_add(o, "match", json_object_new_double(sh->peak));
    json_object_object_add(o, "valid", json_object_new_double(sh->valid));
    json_object_object_add(o, "reliable", json_object_new_boolean(sh->reliable));
    return o;
}

/* The co-registration: shifts of t2 relative to t1 in pixels (t2's content
 * lies at x + dx, y + dy of t1's grid). */
static json_object *coreg_json(const mw_coreg *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(c != NULL));
    if (!c)
        return o;
    json_object_object_add(o, "band", json_object_new_string(MW_ROLE_NAMES[c->role]));
    json_object_object_add(o, "method", json_object_new_string(
        "phase correlation, Hann window, Gaussian low-pass sigma 1 px, 3-point Gaussian peak fit"));
    json_object_object_add(o, "global", shift_json(&c->global));
    json_object *b = json_object_new_array();
    for (int i = 0; i < c->nblocks; i++)
        json_object_array_add(b, shift_json(&c->block[i]));
    json_object_object_add(o, "blocks", b);
    json_object_object_add(o, "block_spread_px", json_object_new_double(c->block_spread));
    json_object_object_add(o, "apply_above_px", json_object_new_double(MW_COREG_APPLY_PX));
    json_object_object_add(o, "applied", json_object_new_boolean(c->applied));
    json_object_object_add(o, "applied_dx", json_object_new_double(c->applied_dx));
    json_object_object_add(o, "applied_dy", json_object_new_double(c->applied_dy));
    if (c->applied)
        json_object_object_add(o, "residual", shift_json(&c->residual));
    return o;
}

/* config_file, config and the program that wrote the manifest */
static void add_head(json_object *m, const mw_run *run)
{
    const mw_scene *s = run->scene;
    json_object_object_add(m, "minewatch_version", json_object_new_string(MW_VERSION));
    json_object_object_add(m, "build", json_object_new_string(mw_build_id()));
    json_object_object_add(m, "gdal_version",
                           json_object_new_string(GDALVersionInfo("RELEASE_NAME")));
    json_object_object_add(m, "command", json_object_new_string("scan"));
    json_object_object_add(m, "simd", json_object_new_string(mw_simd_name()));
    json_object *rd = json_object_new_object(); /* how each date's pixels were read */
    for (int d = 0; d < 2; d++)
        json_object_object_add(rd, d ? "t2" : "t1",
                               json_object_new_string(s->direct[d] ? "libtiff" : "gdal"));
    json_object_object_add(m, "reader", rd);
    json_object_object_add(m, "config_file", json_object_new_string(run->cfg->file));
    json_object *cfg = json_object_new_object();
    mw_config_visit(run->cfg, visit_config, cfg);
    json_object_object_add(m, "config", cfg);
    if (run->cfg->nlooks) { /* a series: every later look, in date order */
        const mw_config *c = run->cfg;
        json_object *se = json_object_new_object(), *looks = json_object_new_array();
        for (int k = 0; k < c->nlooks; k++) {
            json_object *l = json_object_new_object();
            json_object_object_add(l, "date", json_object_new_string(c->look_date[k]));
            json_object_object_add(l, "t2", json_object_new_string(c->look[k]));
            if (c->nlook_qa)
                json_object_object_add(l, "qa_t2", json_object_new_string(c->look_qa[k]));
            json_object_array_add(looks, l);
        }
        json_object_object_add(se, "looks", looks);
        json_object_object_add(se, "confirm", json_object_new_int(c->confirm));
        json_object_object_add(m, "series", se);
    }
}

/* Each input with its size and checksum: the dates' files (a {band}
 * pattern: each band file) and every configured layer. */
static int add_inputs(json_object *m, const mw_run *run)
{
    const mw_scene *s = run->scene;
    json_object *in = json_object_new_array();
    json_object_object_add(m, "inputs", in);
    for (int d = 0; d < 2; d++) { /* a {band} pattern: each band file */
        const char *role = d ? "t2" : "t1";
        int bad = 0;
        if (s->files[d])
            for (char **f = s->files[d]; *f && !bad; f++)
                bad = add_input(in, role, *f, run->digests);
        else
            bad = add_input(in, role, s->path[d], run->digests);
        if (bad)
            return -1;
    }
    return add_layer_inputs(in, run->layers);
}

static json_object *scene_json(const mw_scene *s)
{
    json_object *sc = json_object_new_object();
    json_object_object_add(sc, "width", json_object_new_int(s->width));
    json_object_object_add(sc, "height", json_object_new_int(s->height));
    json_object *gt = json_object_new_array();
    for (int i = 0; i < 6; i++)
        json_object_array_add(gt, json_object_new_double(s->gt[i]));
    json_object_object_add(sc, "geotransform", gt);
    json_object_object_add(sc, "crs_wkt", json_object_new_string(s->wkt));
    /* the CRS areas and distances are measured in (the scene's own when it
     * is projected in metres) and a pixel's area there (at the centre row) */
    json_object_object_add(sc, "measure_crs_wkt", json_object_new_string(s->measure_wkt));
    json_object_object_add(sc, "pixel_area_m2", json_object_new_double(s->pixel_area_m2));
    json_object_object_add(sc, "bare_soil_index",
                           json_object_new_string(s->band[MW_SWIR1] ? "BSI" : "BSI_vnir"));
    json_object_object_add(sc, "t2_warped", json_object_new_boolean(s->warped));
    return sc;
}

#define NUM(o, k, v) json_object_object_add(o, k, json_object_new_double(v))
#define ARR(o, k, v, n)                                                        \
    do {                                                                       \
        json_object *a_ = json_object_new_array();                             \
        for (int i_ = 0; i_ < (n); i_++)                                       \
            json_object_array_add(a_, json_object_new_double((v)[i_]));        \
        json_object_object_add(o, k, a_);                                      \
    } while (0)

/* IR-MAD: the bands, the canonical correlations, t2's normalization */
static void add_mad(json_object *su, const mw_survey *sv, const mw_scene *s)
{
    int p = sv->mad.p;
    json_object_object_add(su, "decimation", json_object_new_int(sv->decimation));
    json_object_object_add(su, "width", json_object_new_int(sv->width));
    json_object_object_add(su, "height", json_object_new_int(sv->height));
    json_object *roles = json_object_new_array();
    for (int j = 0; j < p; j++)
        json_object_array_add(roles, json_object_new_string(MW_ROLE_NAMES[sv->roles[j]]));
    json_object_object_add(su, "mad_bands", roles);
    json_object_object_add(su, "iterations", json_object_new_int(sv->iterations));
    json_object_object_add(su, "converged", json_object_new_boolean(sv->converged));
    ARR(su, "canonical_correlations", sv->rho, p);
    ARR(su, "mad_center", sv->mad.center, p);
    ARR(su, "mad_scale", sv->mad.scale, p);
    json_object_object_add(su, "pixels", json_object_new_int64(sv->pixels));
    json_object_object_add(su, "valid", json_object_new_int64(sv->valid));
    json_object_object_add(su, "clipped_extreme", json_object_new_int64(sv->clipped));
    json_object_object_add(su, "invariant", json_object_new_int64(sv->invariant));
    json_object *norm = json_object_new_object();
    for (int r = 0; r < MW_NROLES; r++) {
        if (!s->band[r])
            continue;
        json_object *g = json_object_new_object();
        NUM(g, "gain", sv->gain[r]);
        NUM(g, "bias", sv->bias[r]);
        json_object_object_add(norm, MW_ROLE_NAMES[r], g);
    }
    json_object_object_add(su, "t2_normalization", norm);
}

/* the threshold, the direction test and the objects (issue 16) */
static void add_survey_tests(json_object *su, const mw_survey *sv, const mw_config *cfg)
{
    json_object *th = json_object_new_object();
    json_object_object_add(th, "statistic",
                           json_object_new_string("box mean of sqrt(chi-square)"));
    json_object_object_add(th, "smooth_radius", json_object_new_int(cfg->smooth_radius));
    NUM(th, "otsu", sv->t_otsu);
    NUM(th, "kittler_illingworth", sv->t_kittler);
    NUM(th, "chi2_quantile", sv->t_chi2);
    NUM(th, "histogram_max", sv->hist_hi);
    NUM(th, "used", sv->threshold);
    json_object_object_add(th, "method", json_object_new_string(sv->method));
    json_object_object_add(su, "threshold", th);
    json_object *dir = json_object_new_object();
    NUM(dir, "dndvi_center", sv->dir.ndvi_center);
    NUM(dir, "dndvi_scale", sv->dir.ndvi_scale);
    NUM(dir, "dbsi_center", sv->dir.bsi_center);
    NUM(dir, "dbsi_scale", sv->dir.bsi_scale);
    NUM(dir, "z", sv->dir.z);
    json_object_object_add(su, "direction", dir);
    json_object *ob = json_object_new_object(); /* issue 16: survey.h */
    json_object_object_add(ob, "mode", json_object_new_string(cfg->objects));
    if (sv->objects_on) {
        json_object_object_add(ob, "min_pixels", json_object_new_int(sv->objects.min_px));
        NUM(ob, "seed", sv->objects.seed);
        NUM(ob, "seed_quantile", sv->seed_quantile);
        json_object_object_add(ob, "seed_objects", json_object_new_int64(sv->seed_objects));
        json_object_object_add(ob, "reach_px", json_object_new_int(sv->objects.reach));
        json_object_object_add(ob, "edge_refined", json_object_new_boolean(sv->objects.refine));
        json_object_object_add(ob, "halo_px", json_object_new_int(mw_survey_objects_halo(sv)));
    }
    json_object_object_add(su, "objects", ob);
}
#undef NUM
#undef ARR

static json_object *survey_json(const mw_run *run, const mw_survey *sv)
{
    json_object *su = json_object_new_object();
    json_object_object_add(su, "engine", json_object_new_string(run->cfg->engine));
    if (sv) {
        add_mad(su, sv, run->scene);
        add_survey_tests(su, sv, run->cfg);
    }
    return su;
}

static void add_tiles_timings(json_object *m, const mw_run *run)
{
    json_object *t = json_object_new_object();
    json_object_object_add(t, "size", json_object_new_int(run->tiles->size));
    json_object_object_add(t, "count", json_object_new_int(run->tiles->ntiles));
    json_object_object_add(t, "threads", json_object_new_int(run->tiles->threads_used));
    json_object_object_add(t, "ranks", json_object_new_int(mw_dist_size()));
    json_object_object_add(t, "from_other_ranks", json_object_new_int(run->tiles->remote));
    json_object_object_add(t, "halo", json_object_new_int(2 * run->cfg->open_radius));
    json_object_object_add(m, "tiles", t);
    json_object_object_add(m, "counts", counts_json(run));

    json_object *tm = json_object_new_object();
    for (int i = 0; i < run->timings->nstages; i++)
        json_object_object_add(tm, run->timings->stage[i],
                               json_object_new_double(round(run->timings->seconds[i] * 1e3) / 1e3));
    json_object_object_add(m, "timings_s", tm);
    json_object_object_add(m, "started_unix", json_object_new_int64((int64_t)run->timings->started_unix));
}

static json_object *outputs_json(const mw_config *cfg)
{
    json_object *out = json_object_new_array();
    static const char *files[] = {"change.tif", "change.tif.aux.xml", "change.qml",
                                  "suspects.csv", "patches.gpkg", "suspects.xlsx",
                                  "report.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        json_object_array_add(out, json_object_new_string(files[i]));
    if (!strcmp(cfg->evidence, "on")) { /* folders: the chips, the map sheets */
        json_object_array_add(out, json_object_new_string("evidence/"));
        json_object_array_add(out, json_object_new_string("maps/"));
    }
    return out;
}

int mw_manifest_write(const mw_run *run, const char *path)
{
    json_object *m = json_object_new_object();
    add_head(m, run);
    if (add_inputs(m, run)) {
        json_object_put(m);
        return -1;
    }
    json_object_object_add(m, "scene", scene_json(run->scene));
    json_object_object_add(m, "coregistration", coreg_json(run->coreg));
    json_object_object_add(m, "survey", survey_json(run, run->survey));
    add_tiles_timings(m, run);
    json_object_object_add(m, "outputs", outputs_json(run->cfg));

    int rc = json_object_to_file_ext(path, m, JSON_C_TO_STRING_PRETTY |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_put(m);
    if (rc != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", path, json_util_get_last_err());
        return -1;
    }
    return 0;
}
