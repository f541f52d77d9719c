/* tiles_internal.h - what the files of the tile pass share (tiles/ only;
 * the pass's interface is tiles.h).
 *
 *   tiles.c          mw_tiles_run: the threads, the stripes they take, the
 *                    pass's counts and its end
 *   tile_schedule.c  the order of work: stripes, the GDAL block cache
 *   tile_compute.c   one tile: read, classify, clean, objects, label
 *   class_raster.c   the work class raster and its overviews
 *   tile_journal.c   a finished tile packed: resume journal, MPI ranks
 */
#ifndef MW_TILES_INTERNAL_H
#define MW_TILES_INTERNAL_H

#include <gdal.h>
#include <stdint.h>

#include "chipstore.h"
#include "config.h"
#include "ingest.h"
#include "journal.h"
#include "survey.h"
#include "tiles.h"

/* Buffers of one thread, sized for the largest tile with its halo. */
typedef struct {
    float *refl[2][MW_NROLES];
    float *ndvi[2], *bsi[2], *dndvi, *dbsi;
    float *z, *mag, *boxtmp;   /* engine irmad */
    uint16_t *scratch;
    uint16_t *dn[2];   /* raw values of each date, band after band (mw_reader_dn_ok) */
    float *chunk;      /* MW_CHUNK pixels of every role, index and date */
    uint8_t *cls, *mask, *tmp, *tmp2, *core;
    uint32_t *labels, *parent;
    uint32_t *olab, *opar; /* change objects: labels of the whole window */
    /* a series: this thread's handles on the earlier looks' class rasters,
     * their windows, and each pixel's first and last look and count */
    GDALDatasetH look_ds[MW_LOOKS_MAX];
    uint8_t *look_cls, *seen_first, *seen_last, *seen_count;
    mw_chipstore_scratch chip; /* the evidence chips' store (chipstore.h) */
} tile_buf;

/* Allocate b for windows of n px and cores of core px (the survey's buffers
 * when a survey is on).  0, or -1 with mw_error (b freed).  _free: NULL-safe
 * members, b zeroed. */
int mw_tile_buf_alloc(tile_buf *b, const mw_scene *s, const mw_survey *sv, size_t n,
                      size_t core);
void mw_tile_buf_free(tile_buf *b);
/* A series: open the earlier looks' class rasters for this thread and size
 * their windows (n px).  0, or -1 with mw_error. */
int mw_tile_buf_looks(tile_buf *b, const mw_looks *looks, size_t n);

/* The rows a tile's window shares with the window of the tile below it in
 * the same column (2 x halo rows), kept by the thread that runs the column:
 * that window then reads only what is new, so GDAL needs two block rows of
 * a stripe at a time instead of three.  The reader's values depend on the
 * pixel only (scale, nodata, masks), so the result is the same. */
typedef struct {
    float *rows;   /* [2 dates][MW_NROLES][2 * halo * window width] */
    int next;      /* the tile row these rows lead into; -1: none */
} carry_rows;

/* What every thread of the pass shares. */
typedef struct {
    const mw_config *cfg;
    const mw_scene *s;    /* the scene as co-registered (mw_coreg_view) */
    const mw_survey *sv;  /* NULL: engine threshold */
    mw_tileset *ts;
    GDALRasterBandH out;  /* rank 0: the class raster; NULL on the other ranks */
    mw_journal *journal;  /* NULL: no resuming */
    const mw_looks *looks; /* NULL: a pair */
    mw_chipstore *chips;   /* NULL: no chip store (chipstore.h) */
    int remote_expected;  /* rank 0: tiles the other ranks send */
    int remote_received;
} tile_pass;

/* ---- tile_schedule.c ---- */

/* Stripes of the grid for this many threads (of all ranks). */
int mw_stripe_count(const mw_tileset *ts, const mw_scene *s, int threads);
/* First tile column of stripe st. */
int mw_stripe_col(const mw_tileset *ts, int nstripes, int st);
/* Tiles in stripes [st0, st1). */
int mw_stripe_tiles(const mw_tileset *ts, int nstripes, int st0, int st1);
/* GDAL's block cache for threads threads running mine stripes. */
void mw_tiles_size_cache(const mw_scene *s, const mw_tileset *ts, int threads, int mine);

/* ---- tile_compute.c ---- */

/* Halo of a tile in px. */
int mw_tile_halo(const mw_config *cfg, const mw_survey *sv);
/* Load (from the journal) or compute tile t, counting its classes into
 * counts, and hand it on (mw_tile_finish).  cy: the rows carried down the
 * column (NULL: none), row: t's tile row.  0, or -1 with mw_error. */
int mw_tile_process(const tile_pass *p, mw_reader *rd, tile_buf *b, mw_tile *t,
                    uint64_t counts[256], int *resumed, carry_rows *cy, int row);

/* ---- class_raster.c ---- */

/* The tiled work GeoTIFF of the classes at path, with empty overviews.
 * NULL with mw_error (MW_EXIT_OUTPUT). */
GDALDatasetH mw_class_raster_create(const char *path, const mw_scene *s, int block);
/* Write tile t's classes and its overview pixels (one thread at a time).
 * 0, or -1 with mw_error. */
int mw_class_write(GDALRasterBandH out, const mw_tile *t, const uint8_t *core);

/* ---- tile_journal.c ---- */

/* Header, class counts, components, edge labels, class codes; malloc'ed,
 * its size in *n. */
char *mw_tile_pack(const mw_tile *t, const uint8_t *core, const uint64_t cnt[256],
                   size_t *n);
/* The header of a packed tile: its core window.  0, or -1 if too short. */
int mw_tile_head(const char *buf, size_t n, int32_t head[5]);
/* Unpack into t (whose window must match) and core.  0, or -1. */
int mw_tile_unpack(const char *buf, size_t n, mw_tile *t, uint8_t *core, uint64_t cnt[256],
                   int scene_w);
/* Save a finished tile in this thread's resume journal. */
int mw_tile_save(mw_journal *j, const mw_tileset *ts, const mw_tile *t, const uint8_t *core,
                 const uint64_t cnt[256]);
/* 1 if the tile was loaded from the journal, 0 if not (computed again), -1
 * on a read error. */
int mw_tile_load(mw_journal *j, const mw_tileset *ts, mw_tile *t, uint8_t *core,
                 uint64_t cnt[256], tile_buf *b, int scene_w);
/* A computed tile leaves the thread: rank 0 writes (and saves) it, another
 * rank sends it to rank 0. */
int mw_tile_finish(const tile_pass *p, const mw_tile *t, const uint8_t *core,
                   const uint64_t cnt[256]);
/* Rank 0: take one tile another rank sent.  1: took one; 0: none waiting;
 * 2: all have arrived; -1: error. */
int mw_tile_take_remote(tile_pass *p, uint8_t *core, uint64_t counts[256]);

/* One disturbance pixel (col, row of the scene, scene_w wide) added to its
 * component's first pixel, count, sums and box: the tile pass, and the
 * check of a tile loaded from a journal, count the same way. */
static inline void mw_comp_add_pixel(mw_comp *c, int32_t col, int32_t row, int32_t scene_w)
{
    uint64_t idx = (uint64_t)row * (uint64_t)scene_w + (uint64_t)col;
    if (idx < c->first) c->first = idx;
    c->count++;
    c->sum_col += col;
    c->sum_row += row;
    if (col < c->min_col) c->min_col = col;
    if (col > c->max_col) c->max_col = col;
    if (row < c->min_row) c->min_row = row;
    if (row > c->max_row) c->max_row = row;
}

#endif
