/* tile_schedule.c - the order of the tile pass: the grid of tiles, the
 * stripes threads and ranks take, and the GDAL block cache they need. */
#include "tiles_internal.h"

#include <cpl_conv.h>

#include "mw.h"

/* The order of work.  The grid is cut into vertical stripes of whole tile
 * columns, at least one per thread and at most MW_STRIPE_PX wide; a thread
 * takes a whole stripe and runs its tiles row by row with its own GDAL
 * handles.  A source block it decodes for one tile is then still in GDAL's
 * block cache when the tiles beside and below need it as their halo, so
 * each block is decoded about once, in parallel across stripes, and the
 * cache needs only two block rows of each stripe (the rows a window shares
 * with the one above are carried: mw_tile_process; mw_tiles_size_cache): bounded by the
 * stripe width, not by the scene.  Results do not depend on the order
 * (integer statistics, labels numbered by first pixel). */
#define MW_STRIPE_PX 6144
#define MW_SOURCE_BLOCK_ROWS 512 /* the tallest source block planned for */

int mw_stripe_count(const mw_tileset *ts, const mw_scene *s, int threads)
{
    int min_for_width = (s->width + MW_STRIPE_PX - 1) / MW_STRIPE_PX;
    /* stripes never wider than MW_STRIPE_PX, so the cache they need does not
     * grow with the scene; a multiple of the threads, so that each thread
     * gets as many (equal) stripes as the others */
    int n = (min_for_width + threads - 1) / threads * threads;
    return n < ts->ntx ? n : ts->ntx;
}

/* First tile column of stripe st: the columns are shared out evenly (widths
 * differ by one at most). */
int mw_stripe_col(const mw_tileset *ts, int nstripes, int st)
{
    return (int)((int64_t)st * ts->ntx / nstripes);
}

/* Unless the user set GDAL_CACHEMAX: the block rows a tile row's reads span
 * (tile / 512 + 1, the rows above being carried) of every running stripe of
 * the widest kind (MW_STRIPE_PX) and the block column on each side its halo
 * reaches into, for every band read and both dates, plus slack for the
 * class raster.  (Measured on the bench pair: a cache short of the halo
 * columns and the 2-thread pass decoded a third of its blocks twice.) */
void mw_tiles_size_cache(const mw_scene *s, const mw_tileset *ts, int threads, int mine)
{
    if (CPLGetConfigOption("GDAL_CACHEMAX", NULL) || (s->direct[0] && s->direct[1]))
        return; /* the user's; or GDAL reads no source blocks (tiffdirect.h) */
    int bands = mw_scene_nbands(s);
    /* the widest stripe allowed, not this scene's: a limit that depends on
     * the thread count only, so peak memory is flat in the scene size */
    int64_t stripe_w = (int64_t)MW_STRIPE_PX + 2 * MW_SOURCE_BLOCK_ROWS; /* + halo blocks */
    int running = threads < mine ? threads : mine;
    if (running < 1)
        running = 1;
    /* a window reads the tile's rows shifted down by the halo (the rows
     * above are carried from the tile above): they span one block row more
     * than the tile */
    int64_t rows = (ts->size + MW_SOURCE_BLOCK_ROWS - 1) / MW_SOURCE_BLOCK_ROWS + 1;
    int64_t need = rows * MW_SOURCE_BLOCK_ROWS * stripe_w * running * (s->read_u16 ? 2 : 4) *
                       bands * 2 + ((int64_t)48 << 20);
    if (need < ((int64_t)64 << 20))
        need = (int64_t)64 << 20;
    GDALSetCacheMax64(need);
}

/* Tiles in stripes [st0, st1). */
int mw_stripe_tiles(const mw_tileset *ts, int nstripes, int st0, int st1)
{
    return (mw_stripe_col(ts, nstripes, st1) - mw_stripe_col(ts, nstripes, st0)) * ts->nty;
}

