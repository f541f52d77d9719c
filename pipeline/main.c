/* main.c - the minewatch commands: each a straight list of stages.
 *
 *   minewatch scan CONFIG.ini [-o OUTDIR] [--threads N] [--tile-size N] ...
 *   minewatch evaluate | nightly | ledger set-status | licences ... | version
 *
 * (every command and option: the tables of cli.c, `minewatch --help`)
 *
 * Each stage returns 0 or -1; on -1 main prints the one recorded error line,
 * names the stage, removes the run's partial output and exits with the
 * error's code (see README.md, "Exit codes").
 */
#include <cpl_conv.h>
#include <errno.h>
#include <gdal.h>
#include <getopt.h>
#include <malloc.h>
#include <ogr_api.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "chipstore.h"
#include "cli.h"
#include "codes.h"
#include "config.h"
#include "coreg.h"
#include "corners.h"
#include "digest.h"
#include "dist.h"
#include "evaluate.h"
#include "ingest.h"
#include "ledger.h"
#include "nightly.h"
#include "mw.h"
#include "patches.h"
#include "report_html.h"
#include "reports.h"
#include "resume.h"
#include "rules.h"
#include "simd.h"
#include "survey.h"
#include "tiles.h"


/* A pair with no pixel valid on both dates is an input error, not an empty
 * report: all nodata, all NaN/Inf, or valid data that never overlaps. */
/* A ledger the scan would refuse after its tile pass (another program's
 * database, one it cannot write) refused now, before the scan's work: opened
 * and closed again.  A path not there yet or an empty file is a new ledger,
 * made when the patches are recorded. */
static int check_ledger(const char *target)
{
    struct stat st;
    if (!target[0] || (strncmp(target, "PG:", 3) && (stat(target, &st) != 0 || st.st_size == 0)))
        return 0;
    mw_ledger *l;
    if (mw_ledger_open(target, 1, &l))
        return -1;
    mw_ledger_close(l);
    return 0;
}

static int require_valid_pixels(const mw_tileset *t, const mw_scene *s)
{
    uint64_t total = (uint64_t)s->width * (uint64_t)s->height;
    if (t->class_count[255] < total)
        return 0;
    mw_error(MW_EXIT_RASTER, "%s, %s: no pixel is valid on both dates (all nodata, NaN or "
             "Inf, or the valid parts do not overlap)", s->path[0], s->path[1]);
    return -1;
}

/* The images' checksums, hashed while the tiles run: every input file of
 * the scene (ingest.h); when they are done, the resume key is written
 * (resume.h).  The DEFLATE streams of every file GDAL reads itself are
 * checked after its hash (a date read through libtiff is checked tile by
 * tile as it is read: tiffdirect.h). */
static mw_digests *start_digests(const mw_scene *s, mw_resume *r)
{
    size_t n = 0;
    while (s->inputs && s->inputs[n])
        n++;
    unsigned char *check = calloc(n ? n : 1, 1);
    for (size_t i = 0; check && i < n; i++)
        check[i] = !((s->direct[0] && !strcmp(s->inputs[i], s->src[0])) ||
                     (s->direct[1] && !strcmp(s->inputs[i], s->src[1])));
    mw_digests *d = mw_digests_start((const char *const *)s->inputs, check, n,
                                     mw_resume_digested, r);
    free(check);
    return d;
}

/* Every input's DEFLATE streams checked (those the background has not
 * done, here): a damaged one is an input error, before any report. */
static int check_inputs(mw_digests *d)
{
    char why[MW_PATH_MAX + 600];
    if (!mw_digests_check(d, why, sizeof why))
        return 0;
    mw_error(MW_EXIT_RASTER, "%s", why);
    return -1;
}

/* change.tif being written in the background (see mw_cog_start) */
static mw_cog_job *g_cog;
/* the resume key, written from the digests (resume.h) */
static mw_resume *g_resume;

/* Print the error line, remove the run's work folder (after the background
 * writer has stopped writing into it); under MPI, let the other ranks of
 * the scan end (dist.h). */
/* scan and licences audit without -q: a failed stage's warnings are printed
 * too, before its error line (with -q, and for the other commands, a
 * failure is its one error line) */
static int g_verbose;

static int fail(const char *stage, mw_outdir *od)
{
    if (g_cog) {
        mw_cog_finish(g_cog); /* its own error, if any, comes second */
        g_cog = NULL;
    }
    mw_warn_release(g_verbose);
    if (mw_dist_rank() == 0)
        fprintf(stderr, "minewatch: error: %s (stage: %s)\n", mw_error_message(), stage);
    else
        fprintf(stderr, "minewatch: error: rank %d: %s (stage: %s)\n", mw_dist_rank(),
                mw_error_message(), stage);
    if (od) { /* an error, not a crash: nothing is worth resuming */
        mw_resume_cancel(g_resume);
        mw_outdir_discard(od);
        mw_outdir_resume_done(od);
    }
    if (mw_dist_rank() == 0)
        mw_dist_release((int)mw_error_code());
    else /* another rank fails here only when MPI does */
        mw_dist_abort((int)mw_error_code());
    return (int)mw_error_code();
}

/* What matters to the morning: each patch counted once, under its worst
 * rule (a red-line patch inside a licence is a red-line patch), the area,
 * the field checks, and where the report is. */
static void summary(const mw_run *run, const mw_outdir *od)
{
    const mw_patchset *ps = run->patches;
    mw_night n;
    mw_night_count(ps, &n);
    printf("minewatch scan %s -> %s\n", run->cfg->t1_date, run->cfg->t2_date);
    printf("  scene      %d x %d px, %d tiles of %d px, %d threads\n", run->scene->width,
           run->scene->height, run->tiles->ntiles, run->tiles->size,
           run->tiles->threads_used);
    if (run->cfg->nlooks)
        printf("  series     %d later looks %s .. %s, a change confirmed on %d clear looks in "
               "a row up to the last\n", run->cfg->nlooks, run->cfg->look_date[0],
               run->cfg->t2_date, run->cfg->confirm);
    printf("  patches    %zu (%zu below the minimum mapping unit dropped), %.1f mu = %.2f ha\n",
           ps->n, ps->n_dropped, n.area_m2 / MW_M2_PER_MU, n.area_m2 / 10000.0);
    if (!ps->n) {
        printf("  by rule    none: no suspect patch\n");
    } else {
        printf("  by rule   ");
        for (int r = 0; r < MW_RULE_COUNT; r++)
            if (n.worst[r])
                printf(" %zu %s (%.1f mu),", n.worst[r], mw_rule_code((mw_rule)r),
                       n.worst_m2[r] / MW_M2_PER_MU);
        printf(" %zu no rule broken (%.1f mu); each patch under its worst rule\n",
               n.worst[MW_RULE_COUNT], n.worst_m2[MW_RULE_COUNT] / MW_M2_PER_MU);
    }
    if (!run->layers->lic.present)
        printf("  licences   not judged: no licence layer configured\n");
    printf("  field      %zu patch(es) of %.0f mu or more need a field check\n", n.field_check,
           MW_FIELD_CHECK_MU);
    if (run->restoration->n)
        printf("  restoration %zu plots in %zu counties\n", run->restoration->n,
               run->restoration->ncounty);
    if (run->audit->ngroups)
        printf("  licences   %zu audited, %d consolidation group(s)\n", run->audit->n,
               run->audit->ngroups);
    printf("  report     %s/report.html\n", od->out_dir);
    printf("  reports    %s/{change.tif,change.tif.aux.xml,change.qml,suspects.csv,suspects.xlsx,"
           "patches.gpkg,report.html,"
           "manifest.json%s%s%s}\n",
           od->out_dir, run->restoration->n ? ",restoration.csv,restoration_by_county.csv" : "",
           run->layers->lic.present ? ",licences.csv" : "",
           strcmp(run->cfg->evidence, "on") ? "" : ",evidence/,maps/");
}

/* --threads and --tile-size over the configuration's [tiles] */
static void scan_overrides(const scan_args *a, mw_config *cfg)
{
    if (a->threads >= 0)
        cfg->threads = a->threads;
    if (a->tile_size > 0)
        cfg->tile_size = a->tile_size;
}

/* one more entry of the manifest's timings, while there is room */
static void note_time(mw_timings *tm, const char *name, double seconds)
{
    if (tm->nstages < (int)(sizeof tm->stage / sizeof tm->stage[0])) {
        tm->stage[tm->nstages] = name;
        tm->seconds[tm->nstages++] = seconds;
    }
}

#define STAGE(name, call)                                                      \
    do {                                                                       \
        double t0_ = mw_now();                                                 \
        if (!a.quiet)                                                          \
            mw_log("%s", name);                                                \
        mw_warn_hold(); /* printed if the stage goes on, see fail() */         \
        if ((call) != 0) {                                                     \
            rc = fail(name, od_ready ? &od : NULL);                            \
            goto done;                                                         \
        }                                                                      \
        mw_warn_release(1);                                                    \
        note_time(&tm, name, mw_now() - t0_);                                 \
    } while (0)

/* An MPI rank other than 0: the scene as rank 0 reads it (its shift and
 * survey, received), then this rank's share of the tiles, sent to rank 0,
 * and its last message: DONE, or its failure, which rank 0 reports (the
 * job's one error line and exit code; this rank exits 0, dist.h). */
static int scan_worker(const scan_args *a)
{
    mw_config cfg;
    mw_scene scene = {0};
    mw_tileset tiles = {0};
    mw_coreg coreg;
    mw_survey survey;
    mw_set_quiet(1);
    int shared = mw_dist_share(&coreg, &survey);
    if (shared < 0)
        return fail("share", NULL);
    if (shared > 0)
        return MW_OK; /* rank 0 failed before the survey and says so */
    int failed = mw_config_load(a->config, &cfg) != 0;
    if (!failed) {
        scan_overrides(a, &cfg);
        failed = mw_scene_open(&cfg, &scene) || mw_dist_apply(&scene, &coreg) ||
                 mw_tiles_run(&cfg, &scene, &coreg, &survey, NULL, NULL, NULL, NULL,
                              cfg.threads, &tiles, NULL, NULL);
    }
    if (mw_dist_flush() && !failed) /* every tile sent has arrived */
        failed = 1;
    int code = failed ? (int)mw_error_code() : 0;
    if (failed && !code)
        code = MW_EXIT_INTERNAL;
    if (mw_dist_end(code, failed ? mw_error_message() : ""))
        mw_dist_abort((int)mw_error_code());
    mw_tileset_free(&tiles);
    mw_coreg_free(&coreg);
    mw_scene_free(&scene);
    return MW_OK;
}

/* A series (issue 16): the earlier looks' class rasters in the work folder
 * and what the tile pass needs to confirm over them. */
typedef struct {
    mw_looks looks;
    char path[MW_LOOKS_MAX][MW_PATH_MAX + 64];
} series_looks;

/* One earlier look k of a series: the pair (t1, look k) as a scan reads it
 * (ingest, co-registration, survey, tile pass), its classes written to
 * out_path; it must be on the grid of scene (the last look's).  0; 1 when
 * the survey finds fewer than 100 pixels valid on both dates (a look
 * clouded over: left out, with a warning); or -1 with mw_error. */
static int scan_look(const mw_config *cfg, int k, const mw_scene *last, const char *out_path)
{
    mw_config *c = malloc(sizeof *c);
    if (!c) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for a look's configuration");
        return -1;
    }
    *c = *cfg;
    snprintf(c->t2, sizeof c->t2, "%s", cfg->look[k]);
    snprintf(c->t2_date, sizeof c->t2_date, "%s", cfg->look_date[k]);
    if (cfg->nlook_qa)
        snprintf(c->qa_t2, sizeof c->qa_t2, "%s", cfg->look_qa[k]);
    mw_scene scene = {0};
    mw_coreg coreg = {0};
    mw_survey survey;
    mw_tileset tiles = {0};
    int rc = mw_scene_open(c, &scene);
    if (rc == 0 && (scene.width != last->width || scene.height != last->height ||
                    memcmp(scene.gt, last->gt, sizeof scene.gt) != 0)) {
        mw_error(MW_EXIT_RASTER, "%s: look %d of the series (%s) is not on the grid of the "
                                 "last look (%d x %d px here, %d x %d there)", c->t2, k + 1,
                 c->t2_date, scene.width, scene.height, last->width, last->height);
        rc = -1;
    }
    if (rc == 0)
        rc = mw_coreg_run(c, &scene, &coreg) ? -1 : 0;
    if (rc == 0 && mw_survey_run(c, &scene, &coreg, &survey)) {
        rc = -1;
        if (survey.enabled && survey.valid < 100) { /* clouded over: not a clear look */
            mw_warn("look %d of the series (%s) left out: %s", k + 1, c->t2_date,
                    mw_error_message());
            mw_error_clear();
            rc = 1;
        }
    }
    if (rc == 0)
        rc = mw_tiles_run(c, &scene, &coreg, &survey, NULL, NULL, NULL, out_path, c->threads,
                          &tiles, NULL, NULL)
                 ? -1
                 : 0;
    if (rc == 0)
        mw_log("look %d of %d (%s): %llu disturbance px before confirmation", k + 1,
               cfg->nlooks, c->t2_date, (unsigned long long)tiles.class_count[MW_CLASS_DISTURBANCE]);
    mw_tileset_free(&tiles);
    mw_coreg_free(&coreg);
    mw_scene_free(&scene);
    free(c);
    return rc;
}

/* A series runs as one process: the other ranks would need its earlier
 * looks' class rasters.  0, or -1 with mw_error (checked with the
 * configuration, before any work). */
static int series_one_process(const mw_config *cfg)
{
    if (!cfg->nlooks || mw_dist_size() <= 1)
        return 0;
    mw_error(MW_EXIT_CONFIG, "%s: a series ([scene] t2 lists %d looks) runs as one process, "
                             "not over MPI ranks", cfg->file, cfg->nlooks);
    return -1;
}

/* Every earlier look of a series into sl (zeroed). */
static int scan_looks(const mw_config *cfg, const mw_scene *scene, const mw_outdir *od,
                      series_looks *sl)
{
    sl->looks.confirm = cfg->confirm;
    for (int k = 0; k + 1 < cfg->nlooks; k++) {
        char name[32];
        int n = sl->looks.n;
        snprintf(name, sizeof name, "look%02d.work.tif", k + 1);
        mw_outdir_work_path(od, name, sl->path[n], sizeof sl->path[n]);
        int rc = scan_look(cfg, k, scene, sl->path[n]);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            sl->looks.path[n] = sl->path[n];
            sl->looks.index[n] = k;
            sl->looks.n = n + 1;
        }
    }
    sl->looks.index[sl->looks.n] = cfg->nlooks - 1; /* the last look: the pass itself */
    if (sl->looks.n + 1 < cfg->confirm)
        mw_warn("%d of the series' %d looks are left: none can hold a change on confirm = %d "
                "looks", sl->looks.n + 1, cfg->nlooks, cfg->confirm);
    return 0;
}

/* The chips' pixels kept by the tile pass (chipstore.h) when chips are
 * drawn, for view (the scene as co-registered); per process: under MPI
 * every chip reads the scene.  NULL: none (the chips read the scene; the
 * same bytes). */
static mw_chipstore *open_chip_store(const mw_config *cfg, const mw_scene *view,
                                     const mw_outdir *od)
{
    char path[MW_PATH_MAX + 64];
    if (strcmp(cfg->evidence, "on") || cfg->evidence_max <= 0 || mw_dist_size() > 1)
        return NULL;
    mw_outdir_work_path(od, "chips.work", path, sizeof path);
    return mw_chipstore_open(view, cfg->tile_size, cfg->threads, path);
}

static int cmd_scan(int argc, char **argv)
{
    scan_args a;
    int parsed = parse_scan_args(&CMD_SCAN, argc, argv, &a);
    if (parsed)
        return PARSED(parsed);
    if (mw_dist_rank() != 0)
        return scan_worker(&a);
    mw_dist_scan_begin(); /* the other ranks wait for the survey */
    mw_set_quiet(a.quiet);
    g_verbose = !a.quiet;
    mw_config cfg;
    mw_scene scene = {0};
    mw_tileset tiles = {0};
    mw_patchset patches = {0};
    mw_layers layers;
    mw_restoration resto;
    mw_audit audit;
    mw_ledger *ledger = NULL;
    mw_digests *digests = NULL;
    mw_survey survey;
    mw_coreg coreg = {0};
    mw_county_codes codes = {0};
    series_looks *sl = NULL; /* a series' earlier looks */
    memset(&layers, 0, sizeof layers);
    memset(&resto, 0, sizeof resto);
    memset(&audit, 0, sizeof audit);
    mw_outdir od;
    int od_ready = 0, rc = MW_OK;
    mw_timings tm = {.started_unix = (double)time(NULL)};
    char class_path[MW_PATH_MAX + 64];
    mw_chipstore *chips = NULL; /* the chips' pixels (chipstore.h) */
    double t_start = mw_now();

    STAGE("config", mw_config_load(a.config, &cfg) || series_one_process(&cfg));
    scan_overrides(&a, &cfg);
    STAGE("output", mw_outdir_check_path(a.out_dir ? a.out_dir : cfg.out_dir,
                                         a.out_dir ? MW_EXIT_USAGE : MW_EXIT_CONFIG) ||
                        mw_outdir_prepare(a.out_dir ? a.out_dir : cfg.out_dir, &od));
    od_ready = 1;
    if (a.ledger)
        snprintf(cfg.ledger, sizeof cfg.ledger, "%s", a.ledger);
    STAGE("ledger_check", check_ledger(cfg.ledger));
    mw_outdir_work_path(&od, "classes.work.tif", class_path, sizeof class_path);
    STAGE("ingest", mw_scene_open(&cfg, &scene));
    STAGE("resume_key", (g_resume = mw_resume_new(&cfg, &scene)) ? 0 : -1);
    /* hashed at nice 19 from now on, in what the stages leave idle */
    digests = start_digests(&scene, g_resume);
    STAGE("coreg", mw_coreg_run(&cfg, &scene, &coreg));
    STAGE("survey", mw_survey_run(&cfg, &scene, &coreg, &survey));
    STAGE("share", mw_dist_share(&coreg, &survey)); /* MPI: to the other ranks */
    STAGE("layers", mw_layers_load(&cfg, &scene, &layers));
    STAGE("county_codes", mw_county_codes_load(&cfg, &layers, &codes));
    GDALProgressFunc progress = !a.quiet && isatty(STDERR_FILENO) ? GDALTermProgress : NULL;
    /* resuming is per process: under MPI every tile is computed again; a
     * series' tiles depend on its earlier looks too: computed again */
    const int journaled = mw_dist_size() <= 1 && !cfg.nlooks;
    if (cfg.nlooks) /* a series: its earlier looks first */
        STAGE("looks", (sl = calloc(1, sizeof *sl)) ? scan_looks(&cfg, &scene, &od, sl) : -1);
    STAGE("resume", mw_resume_prepare(g_resume, &od, digests, journaled));
    STAGE("space", mw_resume_check_space(&od, &scene, cfg.tile_size, journaled));
    /* the chips' store, restoration and the reports read the scene as
     * co-registered */
    const mw_scene seen = mw_coreg_view(&scene, &coreg);
    chips = open_chip_store(&cfg, &seen, &od);
    STAGE("tiles", mw_tiles_run(&cfg, &scene, &coreg, &survey, sl ? &sl->looks : NULL, chips,
                                journaled ? od.resume_dir : NULL, class_path, cfg.threads,
                                &tiles, progress, NULL));
    STAGE("valid_pixels", require_valid_pixels(&tiles, &scene));
    /* change.tif, while the stages below run */
    g_cog = mw_cog_start(class_path, &od, tiles.threads_used);
    STAGE("patches", mw_patches_build(&cfg, &scene, &survey, &tiles, class_path, &patches));
    STAGE("rules", mw_rules_apply(&cfg, &scene, &layers, &patches));
    STAGE("restoration", mw_restoration_run(&cfg, &seen, &layers, class_path, &resto));
    STAGE("audit", mw_audit_run(&cfg, &layers, &patches, &audit));
    mw_county_codes_apply(&codes, &layers, &patches, &resto);
    if (cfg.ledger[0]) {
        STAGE("ledger_open", mw_ledger_open(cfg.ledger, 1, &ledger));
        STAGE("ledger", mw_ledger_record(ledger, &cfg, &scene, &patches));
    }
    note_time(&tm, "total_before_reports", mw_now() - t_start);
    STAGE("input_check", check_inputs(digests));
    /* the tiles are all saved: the key too, if the digests were late */
    STAGE("resume_commit", mw_resume_commit(g_resume, digests));
    mw_run run = {&cfg, &seen, &tiles, &patches, &layers, &tm, &resto, &audit, digests, g_cog,
                  &codes, coreg.enabled ? &coreg : NULL, survey.enabled ? &survey : NULL, chips};
    g_cog = NULL; /* the reports stage joins it */
    STAGE("reports", mw_reports_write(&run, class_path, &od));
    mw_chipstore_close(chips); /* its file is not a report */
    chips = NULL;
    STAGE("publish_check", mw_outdir_publish_check(&od));
    /* the ledger lasts only once the reports that show it are written */
    if (ledger)
        STAGE("ledger_commit", mw_ledger_commit(ledger));
    STAGE("publish", mw_outdir_publish(&od));
    mw_outdir_resume_done(&od);
    mw_outdir_discard(&od);
    if (!a.quiet)
        summary(&run, &od);
done:
    mw_chipstore_close(chips);
    mw_patchset_free(&patches);
    mw_tileset_free(&tiles);
    mw_digests_free(digests); /* before the key they write into */
    mw_resume_free(g_resume);
    g_resume = NULL;
    mw_ledger_close(ledger);
    mw_audit_free(&audit);
    mw_restoration_free(&resto);
    mw_county_codes_free(&codes);
    mw_layers_free(&layers);
    mw_scene_free(&scene);
    mw_coreg_free(&coreg);
    free(sl);
    return rc;
}

/* minewatch licences import-corners CSV --epsg N -o OUT.gpkg [--layer NAME]
 * [--encoding NAME] */
static int cmd_import_corners(int argc, char **argv)
{
    cli_args a;
    int parsed = cli_parse(&CMD_CORNERS, argc, argv, &a), epsg;
    if (parsed)
        return PARSED(parsed);
    if (parse_int_arg(&CMD_CORNERS, "--epsg", opt_value(&a, "epsg"), 1, 999999, &epsg))
        return MW_EXIT_USAGE;
    const char *layer = opt_value(&a, "layer");
    if (mw_corners_import(a.pos[0], epsg, opt_value(&a, "out"), layer ? layer : "licences",
                          opt_value(&a, "encoding")))
        return fail("import-corners", NULL);
    return MW_OK;
}

/* minewatch licences audit CONFIG.ini [-o OUTDIR]: no imagery; areas in the
 * licence layer's own CRS when it is projected in metres, else in an
 * equal-area CRS at the layer's centre. */
static int cmd_audit(int argc, char **argv)
{
    scan_args a;
    int parsed = parse_scan_args(&CMD_AUDIT, argc, argv, &a);
    if (parsed)
        return PARSED(parsed);
    mw_set_quiet(a.quiet);
    g_verbose = !a.quiet;
    mw_config cfg;
    mw_layers layers;
    mw_audit audit;
    mw_outdir od;
    memset(&layers, 0, sizeof layers);
    memset(&audit, 0, sizeof audit);
    mw_scene scene = {0};
    int od_ready = 0, rc = MW_OK;
    mw_timings tm = {0};
    char *wkt = NULL, *mwkt = NULL;

    STAGE("config", mw_config_load_mode(a.config, &cfg, 0));
    if (!cfg.lic_path[0]) {
        mw_error(MW_EXIT_CONFIG, "%s: the audit needs [licences] path", a.config);
        rc = fail("config", NULL);
        goto done;
    }
    STAGE("crs", mw_layer_crs(cfg.lic_path, cfg.lic_layer, &wkt, &mwkt));
    scene.wkt = wkt;
    scene.measure_wkt = mwkt;
    STAGE("layers", mw_layers_load(&cfg, &scene, &layers));
    STAGE("audit", mw_audit_run(&cfg, &layers, NULL, &audit));
    /* not the scan's folder, whose licences.csv is the scan's: its own */
    char audit_dir[MW_PATH_MAX + 8];
    snprintf(audit_dir, sizeof audit_dir, "%s/audit", cfg.out_dir);
    const char *dir = a.out_dir ? a.out_dir : audit_dir;
    STAGE("output", mw_outdir_check_path(dir, a.out_dir ? MW_EXIT_USAGE : MW_EXIT_CONFIG) ||
                        mw_outdir_prepare(dir, &od));
    od_ready = 1;
    STAGE("reports", mw_reports_write_audit(&cfg, wkt, &audit, &od));
    STAGE("publish", mw_outdir_publish(&od));
    mw_outdir_discard(&od);
    if (!a.quiet)
        printf("minewatch licences audit: %zu licences, %d consolidation group(s) -> "
               "%s/licences.csv\n", audit.n, audit.ngroups, od.out_dir);
done:
    mw_audit_free(&audit);
    mw_layers_free(&layers);
    free(wkt);
    free(mwkt);
    return rc;
}

/* minewatch evaluate PRED.tif REFERENCE.tif [--json] */
static int cmd_evaluate(int argc, char **argv)
{
    cli_args a;
    int parsed = cli_parse(&CMD_EVALUATE, argc, argv, &a);
    if (parsed)
        return PARSED(parsed);
    mw_evaluation ev;
    if (mw_evaluate(a.pos[0], a.pos[1], &ev))
        return fail("evaluate", NULL);
    mw_evaluation_print(&ev, a.pos[0], a.pos[1], opt_value(&a, "json") != NULL);
    return MW_OK;
}

/* minewatch nightly CONFIG.ini [-q] */
static int cmd_nightly(int argc, char **argv)
{
    scan_args a;
    int parsed = parse_scan_args(&CMD_NIGHTLY, argc, argv, &a);
    if (parsed)
        return PARSED(parsed);
    mw_set_quiet(a.quiet);
    mw_config cfg;
    char self[MW_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "minewatch: cannot find its own executable\n");
        return MW_EXIT_INTERNAL;
    }
    self[n] = '\0';
    if (mw_config_load_mode(a.config, &cfg, 0))
        return fail("config", NULL);
    if (a.ledger)
        snprintf(cfg.ledger, sizeof cfg.ledger, "%s", a.ledger);
    int rc = mw_nightly_run(&cfg, self, a.quiet);
    return rc < 0 ? fail("nightly", NULL) : rc > 0 ? fail("nightly", NULL) : MW_OK;
}

/* minewatch ledger set-status ID STATUS --ledger PATH_OR_PG */
static int cmd_ledger(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        command_help(&CMD_SET_STATUS, stdout);
        return MW_OK;
    }
    if (argc < 2 || strcmp(argv[1], "set-status")) {
        fprintf(stderr, "minewatch: ledger: %s%s%s (see minewatch ledger --help)\n",
                argc < 2 ? "needs set-status" : "unknown verb '", argc < 2 ? "" : argv[1],
                argc < 2 ? "" : "'; the verb is set-status");
        return MW_EXIT_USAGE;
    }
    cli_args a;
    int parsed = cli_parse(&CMD_SET_STATUS, argc - 1, argv + 1, &a);
    if (parsed)
        return PARSED(parsed);
    const char *target = opt_value(&a, "ledger");
    mw_ledger *l;
    if (mw_ledger_open(target, 0, &l)) /* set-status: an existing ledger */
        return fail("ledger", NULL);
    int rc = mw_ledger_set_status(l, a.pos[0], a.pos[1]);
    mw_ledger_close(l);
    if (rc)
        return fail("ledger", NULL);
    printf("%s: %s is now %s\n", target, a.pos[0], a.pos[1]);
    return MW_OK;
}

/* minewatch licences import-corners ... | audit ... */
static int cmd_licences(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "import-corners"))
        return cmd_import_corners(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "audit"))
        return cmd_audit(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        command_help(&CMD_CORNERS, stdout);
        fputc('\n', stdout);
        command_help(&CMD_AUDIT, stdout);
        return MW_OK;
    }
    if (argc < 2)
        fprintf(stderr, "minewatch: licences: needs import-corners or audit (see minewatch "
                        "licences --help)\n");
    else
        fprintf(stderr, "minewatch: licences: unknown verb '%s'; the verbs are import-corners "
                        "and audit (see minewatch licences --help)\n", argv[1]);
    return MW_EXIT_USAGE;
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv)
{
    /* One malloc arena: GDAL's cache blocks (512 KB) freed by one thread and
     * allocated by another otherwise fragment per-thread arenas (bench pair,
     * 2 threads: peak RSS 418 MB with one arena, 610 MB without, and slower). */
    mallopt(M_ARENA_MAX, 1);
    mw_dist_init(&argc, &argv); /* MPI (make MPI=1); nothing otherwise */
    int rc = run_command(argc, argv);
    mw_dist_finalize();
    return rc;
}

static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MW_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    /* under MPI a scan (its tiles) and a nightly run (its scene pairs) are
     * spread over the ranks; rank 0 alone runs the other commands */
    if (mw_dist_rank() != 0 && strcmp(cmd, "scan") != 0 && strcmp(cmd, "nightly") != 0)
        return MW_OK;
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        cli_args a;
        int parsed = cli_parse(&CMD_VERSION, argc - 1, argv + 1, &a);
        if (parsed)
            return PARSED(parsed);
        printf("minewatch %s (build %s, GDAL %s%s)\n", MW_VERSION, mw_build_id(),
               GDALVersionInfo("RELEASE_NAME"), mw_dist_size() > 1 ? ", MPI" : "");
        return MW_OK;
    }
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return MW_OK;
    }
    if (strcmp(cmd, "scan") != 0 && strcmp(cmd, "licences") != 0 &&
        strcmp(cmd, "ledger") != 0 && strcmp(cmd, "nightly") != 0 && strcmp(cmd, "evaluate") != 0) {
        fprintf(stderr, "minewatch: unknown command '%s' (see minewatch --help)\n", cmd);
        return MW_EXIT_USAGE;
    }
    GDALAllRegister();
    mw_install_gdal_error_handler();
    mw_simd_choose(); /* once, before any thread: AVX2 unless MW_SIMD=scalar */
    /* a full disk or a file-size limit must fail a write, not kill us */
    signal(SIGXFSZ, SIG_IGN);
    /* A 64 MB block cache reads faster than GDAL's 5 %-of-RAM default and
     * keeps memory bounded (peers measured 2-6x slower with the default). */
    if (!CPLGetConfigOption("GDAL_CACHEMAX", NULL))
        GDALSetCacheMax64((GIntBig)64 << 20);
    /* a failing run prints its one error line, not the warnings raised on
     * the way to it: they are held, and printed once the work went on (a
     * scan's stages each release theirs); a night's are printed as they
     * come, each pair's scan being a run of its own */
    if (strcmp(cmd, "nightly") != 0)
        mw_warn_hold();
    int rc = !strcmp(cmd, "scan")     ? cmd_scan(argc - 1, argv + 1)
             : !strcmp(cmd, "ledger") ? cmd_ledger(argc - 1, argv + 1)
             : !strcmp(cmd, "nightly") ? cmd_nightly(argc - 1, argv + 1)
             : !strcmp(cmd, "evaluate") ? cmd_evaluate(argc - 1, argv + 1)
                                      : cmd_licences(argc - 1, argv + 1);
    mw_warn_release(rc == MW_OK || g_verbose);
    GDALDestroyDriverManager();
    return rc;
}
