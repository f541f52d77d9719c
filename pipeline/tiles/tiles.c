/* tiles.c - the tile pass: the grid, the threads and the stripes they
 * take (tile_schedule.c), each tile (tile_compute.c), the class raster
 * (class_raster.c), the resume journal and the other ranks' tiles
 * (tile_journal.c), and the pass's end. */
#include "tiles_internal.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dist.h"
#include "mw.h"

/* The grid of tiles of size px; 0, or -1 with mw_error (out of memory). */
static int make_grid(mw_tileset *ts, const mw_scene *s, int size)
{
    memset(ts, 0, sizeof *ts);
    ts->size = size;
    ts->ntx = (s->width + size - 1) / size;
    ts->nty = (s->height + size - 1) / size;
    ts->ntiles = ts->ntx * ts->nty;
    ts->tile = mw_calloc((size_t)ts->ntiles, sizeof *ts->tile);
    if (!ts->tile)
        return -1;
    for (int i = 0; i < ts->ntiles; i++) {
        mw_tile *t = &ts->tile[i];
        t->x0 = (i % ts->ntx) * size;
        t->y0 = (i / ts->ntx) * size;
        t->w = s->width - t->x0 < size ? s->width - t->x0 : size;
        t->h = s->height - t->y0 < size ? s->height - t->y0 : size;
    }
    return 0;
}

/* What the threads of this rank share besides the tile_pass. */
typedef struct {
    tile_pass *pass;
    int nstripes, st0, st1; /* this rank's stripes [st0, st1) */
    int halo;
    size_t win, core;       /* px of a haloed window, of a core */
    GDALProgressFunc progress;
    void *progress_arg;
    int cancelled;          /* atomic */
    int done_all;           /* atomic: tiles finished by every thread */
} pass_run;

/* One tile in a thread's stripe, then what the other ranks sent meanwhile.
 * 0, or 1 when the pass must stop (cancelled set). */
static int run_one(pass_run *pr, mw_reader *rd, tile_buf *b, mw_tile *t, carry_rows *cy,
                   int r, int *done, int *resumed, uint64_t counts[256])
{
    int loaded = 0;
    int failed = mw_tile_process(pr->pass, rd, b, t, counts, &loaded, cy, r) != 0;
    /* rank 0 takes what the other ranks sent meanwhile */
    for (int got = 1; !failed && got == 1;)
        failed = (got = mw_tile_take_remote(pr->pass, b->core, counts)) < 0;
    if (failed) {
#pragma omp atomic write
        pr->cancelled = 1;
        return 1;
    }
    if (mw_dist_rank() != 0) { /* another rank: whether rank 0 failed */
        int stop_asked;
#pragma omp critical(mw_mpi)
        stop_asked = mw_dist_stop_asked();
        if (stop_asked) {
#pragma omp atomic write
            pr->cancelled = 1;
        }
    }
    int finished;
#pragma omp atomic capture
    finished = ++pr->done_all;
    (*done)++;
    *resumed += loaded;
    if (pr->progress && omp_get_thread_num() == 0 &&
        !pr->progress((double)finished / pr->pass->ts->ntiles, NULL, pr->progress_arg)) {
#pragma omp atomic write
        pr->cancelled = 1;
    }
    return 0;
}

/* Rank 0, its own stripes done: the rest of the other ranks' tiles. */
static void take_rest(pass_run *pr, uint8_t *core, int *errors, uint64_t counts[256])
{
    for (;;) {
        int stop;
#pragma omp atomic read
        stop = pr->cancelled;
        int got = stop ? 2 : mw_tile_take_remote(pr->pass, core, counts);
        if (got < 0) {
            (*errors)++;
#pragma omp atomic write
            pr->cancelled = 1;
        }
        if (got != 0 && got != 1)
            break;
        if (got == 0)
            usleep(200); /* nothing waiting yet */
    }
}

/* The work of one thread: its buffers and reader, the stripes it takes
 * (a tile row at a time, the rows above carried), then the other ranks'
 * tiles.  errors, done, resumed, counts: the thread's own (reductions). */
static void run_thread(pass_run *pr, int *errors, int *done, int *resumed,
                       uint64_t counts[256])
{
    const mw_tileset *ts = pr->pass->ts;
    const int size = ts->size, halo = pr->halo, ntx = ts->ntx, nty = ts->nty;
    const int nstripes = pr->nstripes;
    tile_buf b;
    mw_reader *rd = NULL;
    /* the rows carried down each column of a stripe (mw_tile_process) */
    const int cols_max = (ntx + nstripes - 1) / nstripes;
    const size_t carry_per = (size_t)2 * halo * (size_t)(size + 2 * halo);
    carry_rows *cy = calloc((size_t)cols_max, sizeof *cy);
    float *carry_mem = calloc((size_t)cols_max * 2 * MW_NROLES * carry_per + 1, sizeof(float));
    const int have_buf = cy && carry_mem &&
                         mw_tile_buf_alloc(&b, pr->pass->s, pr->pass->sv, pr->win,
                                           pr->core) == 0;
    const int ready = have_buf && (rd = mw_reader_new(pr->pass->s)) != NULL &&
                      mw_tile_buf_looks(&b, pr->pass->looks, pr->win) == 0 &&
                      (!pr->pass->chips ||
                       mw_chipstore_scratch_alloc(pr->pass->chips, &b.chip) == 0);
    if (rd) /* a stripe's width, a tile row at a time (the rows above carried) */
        mw_reader_span(rd, cols_max * size + 2 * halo, size);
    for (int k = 0; cy && carry_mem && k < cols_max; k++)
        cy[k] = (carry_rows){carry_mem + (size_t)k * 2 * MW_NROLES * carry_per, -1};
    if (!ready)
        (*errors)++;
#pragma omp for schedule(dynamic, 1) nowait
    for (int st = pr->st0; st < pr->st1; st++) {
        int c0 = mw_stripe_col(ts, nstripes, st), c1 = mw_stripe_col(ts, nstripes, st + 1);
        for (int k = 0; cy && k < cols_max; k++)
            cy[k].next = -1; /* a new stripe: nothing carried */
        for (int r = 0; r < nty; r++) {
            for (int c = c0; c < c1; c++) {
                int stop;
#pragma omp atomic read
                stop = pr->cancelled;
                if (!ready || stop)
                    continue;
                *errors += run_one(pr, rd, &b, &ts->tile[r * ntx + c], &cy[c - c0], r, done,
                                   resumed, counts);
            }
        }
    }
    if (ready)
        take_rest(pr, b.core, errors, counts);
    mw_reader_free(rd);
    if (have_buf)
        mw_tile_buf_free(&b);
    free(cy);
    free(carry_mem);
}

/* The end of the pass: the counts into ts, the journal closed, the other
 * ranks' failure (or this rank's) reported, the class raster closed. */
static int finish_pass(tile_pass *pass, GDALDatasetH cds, const char *class_path,
                       int errors, int cancelled, int resumed, const uint64_t counts[256],
                       GDALProgressFunc progress, void *progress_arg)
{
    mw_tileset *ts = pass->ts;
    const int rank = mw_dist_rank(), ranks = mw_dist_size();
    mw_journal_close(pass->journal);
    memcpy(ts->class_count, counts, sizeof ts->class_count);
    ts->resumed = resumed;
    ts->remote = pass->remote_received;
    if (ranks > 1 && rank == 0)
        mw_log("tiles: %d of %d computed by the other %d rank(s)", ts->remote, ts->ntiles,
               ranks - 1);
    if (resumed)
        mw_log("resumed %d of %d tiles from an interrupted run", resumed, ts->ntiles);
    if (rank != 0) { /* the caller's last message tells rank 0 (dist.h) */
        if (mw_dist_flush()) /* every tile on its way has arrived */
            errors++;
        if (cancelled && !errors)
            mw_error(MW_EXIT_INTERNAL, "tile pass interrupted");
        return errors || cancelled ? -1 : 0;
    }
    if (mw_gdal_close(cds, class_path))
        return -1;
    if (errors)
        return -1;
    if (cancelled) {
        mw_error(MW_EXIT_INTERNAL, "tile pass interrupted");
        return -1;
    }
    if (mw_dist_collect()) /* the other ranks' last messages */
        return -1;
    if (progress)
        progress(1.0, NULL, progress_arg);
    return 0;
}

int mw_tiles_run(const mw_config *cfg, const mw_scene *scene, const mw_coreg *coreg,
                 const mw_survey *survey, const mw_looks *looks, mw_chipstore *chips,
                 const char *resume, const char *class_path, int threads, mw_tileset *ts,
                 GDALProgressFunc progress, void *progress_arg)
{
    const mw_scene view = mw_coreg_view(scene, coreg); /* t2 as co-registered */
    const mw_scene *s = &view;
    const mw_survey *sv = survey && survey->enabled ? survey : NULL;
    const int size = cfg->tile_size;
    if (make_grid(ts, s, size))
        return -1;
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (threads > ts->ntiles)
        threads = ts->ntiles;
    ts->threads_used = threads;

    /* Under MPI each rank takes a contiguous run of the stripes (dist.h). */
    const int rank = mw_dist_rank(), ranks = mw_dist_size();
    tile_pass pass = {.cfg = cfg, .s = s, .sv = sv, .ts = ts, .looks = looks, .chips = chips};
    pass_run pr = {.pass = &pass, .progress = progress, .progress_arg = progress_arg};
    pr.nstripes = mw_stripe_count(ts, s, threads * ranks);
    pr.st0 = (int)((int64_t)rank * pr.nstripes / ranks);
    pr.st1 = (int)((int64_t)(rank + 1) * pr.nstripes / ranks);
    pass.remote_expected =
        rank == 0 ? ts->ntiles - mw_stripe_tiles(ts, pr.nstripes, pr.st0, pr.st1) : 0;

    GDALDatasetH cds = NULL;
    if (rank == 0) {
        if (!(cds = mw_class_raster_create(class_path, s, size)))
            return -1;
        pass.out = GDALGetRasterBand(cds, 1);
        if (resume && !(pass.journal = mw_journal_open(resume, (size_t)ts->ntiles, threads))) {
            mw_gdal_close(cds, class_path);
            return -1;
        }
    }

    pr.halo = mw_tile_halo(cfg, sv);
    pr.win = (size_t)(size + 2 * pr.halo) * (size_t)(size + 2 * pr.halo);
    pr.core = (size_t)size * (size_t)size;
    int errors = 0, done = 0, resumed = 0;
    uint64_t counts[256] = {0};
    GIntBig cache_before = GDALGetCacheMax64();
    mw_tiles_size_cache(s, ts, threads, pr.st1 - pr.st0);

#pragma omp parallel num_threads(threads) default(none) shared(pr) \
    reduction(+ : errors, done, resumed) reduction(+ : counts[:256])
    run_thread(&pr, &errors, &done, &resumed, counts);

    GDALSetCacheMax64(cache_before); /* the large cache is for the halos only */
    return finish_pass(&pass, cds, class_path, errors, pr.cancelled, resumed, counts,
                       progress, progress_arg);
}

void mw_tileset_free(mw_tileset *ts)
{
    if (!ts || !ts->tile)
        return;
    for (int i = 0; i < ts->ntiles; i++) {
        free(ts->tile[i].comp);
        for (int e = 0; e < 4; e++)
            free(ts->tile[i].edge[e]);
    }
    free(ts->tile);
    ts->tile = NULL;
}
