/* tiles.h - the tile pass: read, index, classify, clean, label, per tile.
 *
 * The common grid is cut into square tiles of cfg->tile_size pixels.  Each
 * tile is read with a halo of 2 * open_radius pixels so that the
 * morphological clean-up of its core is exactly what it would be on the whole
 * scene.  Tiles run in parallel (OpenMP); each thread owns its buffers and
 * its GDAL handles, so memory is threads x one tile, whatever the scene size.
 *
 * With [detect] engine = irmad a tile's classes come from the survey's MAD
 * transformation (survey.h): t2 normalized, the change statistic
 * smoothed over a (2 smooth_radius + 1)^2 box and thresholded, the direction
 * from the standardized dNDVI / dBSI; the halo grows by smooth_radius.
 *
 * Per tile the pass keeps only what the patch stage needs: the statistics of
 * each disturbance component of the core, and the component labels along the
 * four core edges, to merge components across tile borders.  Class codes go
 * to a tiled work GeoTIFF (the future change.tif).
 */
#ifndef MW_TILES_H
#define MW_TILES_H

#include <gdal.h>
#include <stdint.h>

#include "config.h"
#include "ingest.h"

struct mw_coreg;  /* coreg.h */
struct mw_survey; /* survey.h */
struct mw_chipstore; /* chipstore.h */

/* Fixed-point scale of the index sums: integer sums are associative, so the
 * means do not depend on the tile size or the merge order. */
#define MW_STAT_Q 1e6

/* Statistics of one connected disturbance component (or a merged patch). */
typedef struct {
    uint64_t first;      /* row * width + col of its first pixel, raster order */
    int64_t count;
    int64_t sum_col, sum_row;
    int32_t min_col, min_row, max_col, max_row;
    int64_t sum_dndvi, sum_dbsi; /* sums of round(d * MW_STAT_Q) */
    float min_dndvi;
    int64_t sum_change_p; /* sum of round(P(change) * MW_STAT_Q) (engine irmad) */
    int64_t sum_margin;   /* sum of round(min(magnitude / threshold, 10) * MW_STAT_Q) */
    int64_t sum_ndvi2, sum_ndvi2_sq; /* sums of round(NDVI(t2) * Q), round(NDVI(t2)^2 * Q)
                                      * (engine irmad: the patch's surface now) */
    int32_t look_first, look_last; /* a series: earliest first look and latest
                                    * last clear look of its pixels (mw_confirm) */
    int32_t looks_max;             /* a series: most confirmations of a pixel */
} mw_comp;

enum { MW_EDGE_TOP, MW_EDGE_BOTTOM, MW_EDGE_LEFT, MW_EDGE_RIGHT };

typedef struct {
    int x0, y0, w, h;    /* core window in the grid */
    uint32_t ncomp;
    mw_comp *comp;       /* [ncomp]; local label l is comp[l - 1] */
    uint32_t *edge[4];   /* local labels along the core edges (w or h each) */
} mw_tile;

typedef struct {
    int size, ntx, nty, ntiles;
    mw_tile *tile;       /* [ntiles], row-major */
    uint64_t class_count[256];
    int threads_used;
    int resumed;         /* tiles loaded from an interrupted run */
    int remote;          /* MPI, rank 0: tiles computed by the other ranks */
} mw_tileset;

/* A series (issue 16): the class rasters of the earlier looks, each a tile
 * pass of (t1, look k) on this grid, in date order; the pass's own classes
 * are the last look.  Before labelling, every pixel is confirmed over the
 * looks (mw_confirm, kernels.h) and its components carry the looks. */
typedef struct {
    int n;                         /* earlier looks (0 when all were left out) */
    const char *path[MW_LOOKS_MAX];
    int index[MW_LOOKS_MAX + 1];   /* the look (cfg->look_date) of each raster,
                                    * then of the pass itself */
    int confirm;
} mw_looks;

/* Run the tile pass over the scene as co-registered (coreg: the coreg
 * stage's result, mw_coreg_view; NULL: the scene as opened) with the
 * survey's transformation, threshold and change objects (survey: the survey
 * stage's result; NULL or not enabled: engine threshold), and write classes
 * to class_path (a tiled GeoTIFF, created here).  threads <= 0: all cores.
 * resume_dir (NULL = none): each finished tile is saved there, and tiles
 * already saved by an interrupted run with the same inputs are loaded
 * instead of computed (the caller keys the folder to the run).  looks: a
 * series' earlier looks (NULL: a pair).  chips: the evidence chips' store,
 * given each computed tile's core (NULL: none).  Returns 0, or -1 with
 * mw_error. */
int mw_tiles_run(const mw_config *cfg, const mw_scene *scene, const struct mw_coreg *coreg,
                 const struct mw_survey *survey, const mw_looks *looks,
                 struct mw_chipstore *chips, const char *resume_dir, const char *class_path,
                 int threads, mw_tileset *out, GDALProgressFunc progress, void *progress_arg);
void mw_tileset_free(mw_tileset *ts);

/* The colour table of change classes, for every writer of a class raster. */
void mw_set_class_colors(GDALRasterBandH band);

#endif
