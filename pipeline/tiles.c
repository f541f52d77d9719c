/* tiles.c - the tile pass. */
#include "tiles.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <math.h>
#include <unistd.h>
#include <stdio.h>
#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mad.h"
#include "mw.h"
#include "stats.h"
#include "survey.h"

void mw_comp_merge(mw_comp *a, const mw_comp *b)
{
    if (b->first < a->first)
        a->first = b->first;
    a->count += b->count;
    a->sum_col += b->sum_col;
    a->sum_row += b->sum_row;
    if (b->min_col < a->min_col) a->min_col = b->min_col;
    if (b->min_row < a->min_row) a->min_row = b->min_row;
    if (b->max_col > a->max_col) a->max_col = b->max_col;
    if (b->max_row > a->max_row) a->max_row = b->max_row;
    a->sum_dndvi += b->sum_dndvi;
    a->sum_dbsi += b->sum_dbsi;
    if (b->min_dndvi < a->min_dndvi)
        a->min_dndvi = b->min_dndvi;
    a->sum_change_p += b->sum_change_p;
    a->sum_margin += b->sum_margin;
}

void mw_set_class_colors(GDALRasterBandH band)
{
    static const struct { int code; short r, g, b; const char *name; } C[] = {
        {MW_CLASS_NONE, 0, 0, 0, "no change"},
        {MW_CLASS_VEG_LOSS, 255, 200, 0, "vegetation loss"},
        {MW_CLASS_BARE_GAIN, 160, 82, 45, "bare-ground gain"},
        {MW_CLASS_DISTURBANCE, 230, 0, 0, "disturbance"},
        {MW_CLASS_REVEG, 0, 170, 0, "revegetation"},
        {MW_CLASS_OTHER, 0, 120, 255, "other change"},
    };
    GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
    GDALColorEntry none = {0, 0, 0, 0};
    for (int i = 0; i < 256; i++)
        GDALSetColorEntry(ct, i, &none);
    char **names = NULL;
    for (int i = 0; i < MW_CLASS_COUNT; i++) {
        GDALColorEntry e = {C[i].r, C[i].g, C[i].b, 255};
        GDALSetColorEntry(ct, C[i].code, &e);
    }
    for (int i = 0; i < 256; i++)
        names = CSLAddString(names, i < MW_CLASS_COUNT ? C[i].name
                                    : i == MW_CLASS_MASKED ? "masked" : "");
    GDALSetRasterColorTable(band, ct);
    GDALSetRasterCategoryNames(band, names);
    GDALSetRasterNoDataValue(band, MW_CLASS_MASKED);
    GDALSetDescription(band, "change class");
    GDALDestroyColorTable(ct);
    CSLDestroy(names);
}

/* Buffers of one thread, sized for the largest tile with its halo. */
typedef struct {
    float *refl[2][MW_NROLES];
    float *ndvi[2], *bsi[2], *dndvi, *dbsi;
    float *z, *mag, *boxtmp;   /* engine irmad */
    uint16_t *scratch;
    uint8_t *cls, *mask, *tmp, *tmp2, *core;
    uint32_t *labels, *parent;
} tile_buf;

static void buf_free(tile_buf *b)
{
    for (int d = 0; d < 2; d++) {
        for (int r = 0; r < MW_NROLES; r++)
            free(b->refl[d][r]);
        free(b->ndvi[d]);
        free(b->bsi[d]);
    }
    free(b->dndvi); free(b->dbsi); free(b->scratch);
    free(b->z); free(b->mag); free(b->boxtmp);
    free(b->cls); free(b->mask); free(b->tmp); free(b->tmp2); free(b->core);
    free(b->labels); free(b->parent);
    memset(b, 0, sizeof *b);
}

static int buf_alloc(tile_buf *b, const mw_scene *s, size_t n, size_t core)
{
    memset(b, 0, sizeof *b);
    int ok = 1;
#define ALLOC(p, count) ok = ok && ((p) = malloc((count) * sizeof *(p))) != NULL
    for (int d = 0; d < 2; d++) {
        for (int r = 0; r < MW_NROLES; r++)
            if (s->band[r])
                ALLOC(b->refl[d][r], n);
        if (!s->band[MW_BLUE]) /* absent: zeros, which the reader never touches */
            ok = ok && (b->refl[d][MW_BLUE] = calloc(n, sizeof(float))) != NULL;
        ALLOC(b->ndvi[d], n);
        ALLOC(b->bsi[d], n);
    }
    ALLOC(b->dndvi, n); ALLOC(b->dbsi, n); ALLOC(b->scratch, n);
    if (s->survey) {
        ALLOC(b->z, n); ALLOC(b->mag, n); ALLOC(b->boxtmp, 2 * n);
    }
    ALLOC(b->cls, n); ALLOC(b->mask, n); ALLOC(b->tmp, n); ALLOC(b->tmp2, n);
    ALLOC(b->core, core);
    ALLOC(b->labels, core);
    ALLOC(b->parent, core / 2 + 2);
#undef ALLOC
    if (!ok) {
        buf_free(b);
        mw_error(MW_EXIT_INTERNAL, "out of memory for tile buffers (%zu px)", n);
        return -1;
    }
    return 0;
}

/* Indices and classes over the whole haloed window. */
static void classify_window(const mw_config *cfg, const mw_scene *s, tile_buf *b,
                            int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    const mw_survey *sv = s->survey;
    if (sv) { /* the change statistic on the bands as read, then t2 normalized */
        const float *x[MW_MAD_MAX], *y[MW_MAD_MAX];
        for (int j = 0; j < sv->mad.p; j++) {
            x[j] = b->refl[0][sv->roles[j]];
            y[j] = b->refl[1][sv->roles[j]];
        }
        mw_mad_z(x, y, &sv->mad, n, b->z);
        mw_box_sqrt_mean(b->z, w, h, cfg->smooth_radius, b->boxtmp, b->mag);
        for (int r = 0; r < MW_NROLES; r++)
            if (s->band[r])
                mw_affine(b->refl[1][r], n, sv->gain[r], sv->bias[r]);
    }
    for (int d = 0; d < 2; d++) {
        float **r = b->refl[d];
        mw_ndvi(r[MW_RED], r[MW_NIR], n, b->ndvi[d]);
        if (s->band[MW_SWIR1])
            mw_bsi(r[MW_BLUE], r[MW_RED], r[MW_NIR], r[MW_SWIR1], n, b->bsi[d]);
        else
            mw_bsi_vnir(r[MW_BLUE], r[MW_GREEN], r[MW_RED], r[MW_NIR], n, b->bsi[d]);
    }
    mw_diff(b->ndvi[0], b->ndvi[1], n, b->dndvi);
    mw_diff(b->bsi[0], b->bsi[1], n, b->dbsi);
    if (sv)
        mw_classify_mad(b->mag, (float)sv->threshold, b->dndvi, b->dbsi, n, &sv->dir,
                        b->cls);
    else
        mw_classify(b->dndvi, b->dbsi, b->bsi[1], n, &cfg->thr, b->cls);
}

/* Halo of a tile: the opening's, plus the smoothing's with engine irmad. */
static int tile_halo(const mw_config *cfg, const mw_scene *s)
{
    return 2 * cfg->open_radius + (s->survey ? cfg->smooth_radius : 0);
}

/* Opening of each change class on its own; removed pixels become no change. */
static void clean_classes(tile_buf *b, int w, int h, int radius)
{
    size_t n = (size_t)w * (size_t)h;
    if (radius <= 0)
        return;
    size_t present[256] = {0};
    for (size_t i = 0; i < n; i++)
        present[b->cls[i]]++;
    for (uint8_t c = MW_CLASS_VEG_LOSS; c < MW_CLASS_COUNT; c++) {
        if (!present[c])
            continue; /* most windows hold few change classes */
        mw_mask_eq(b->cls, n, c, b->mask);
        mw_open(b->mask, w, h, radius, b->tmp, b->tmp2, b->mask);
        for (size_t i = 0; i < n; i++)
            if (b->cls[i] == c && !b->mask[i])
                b->cls[i] = MW_CLASS_NONE;
    }
}

/* Label the disturbance pixels of the core and collect their statistics. */
static int label_core(const mw_scene *s, tile_buf *b, mw_tile *t, int hx, int hy,
                      int ww, int scene_w)
{
    int w = t->w, h = t->h;
    int ox = t->x0 - hx, oy = t->y0 - hy; /* core offset in the window */
    for (int y = 0; y < h; y++) {
        const uint8_t *src = b->cls + (size_t)(y + oy) * ww + ox;
        uint8_t *dst = b->mask + (size_t)y * w;
        for (int x = 0; x < w; x++)
            dst[x] = src[x] == MW_CLASS_DISTURBANCE;
    }
    t->ncomp = mw_label(b->mask, w, h, b->labels, b->parent);
    t->comp = mw_calloc(t->ncomp, sizeof *t->comp);
    for (int e = 0; e < 4; e++)
        t->edge[e] = mw_calloc(e < 2 ? (size_t)w : (size_t)h, sizeof(uint32_t));
    if (!t->comp || !t->edge[0] || !t->edge[1] || !t->edge[2] || !t->edge[3])
        return -1;
    for (uint32_t i = 0; i < t->ncomp; i++) {
        t->comp[i].first = UINT64_MAX;
        t->comp[i].min_col = t->comp[i].min_row = INT32_MAX;
        t->comp[i].max_col = t->comp[i].max_row = -1;
        t->comp[i].min_dndvi = INFINITY;
    }
    for (int y = 0; y < h; y++) {
        const uint32_t *lab = b->labels + (size_t)y * w;
        size_t wrow = (size_t)(y + oy) * ww + ox;
        int32_t row = t->y0 + y;
        for (int x = 0; x < w; x++) {
            if (!lab[x])
                continue;
            mw_comp *c = &t->comp[lab[x] - 1];
            int32_t col = t->x0 + x;
            uint64_t idx = (uint64_t)row * (uint64_t)scene_w + (uint64_t)col;
            float dn = b->dndvi[wrow + x], db = b->dbsi[wrow + x];
            if (idx < c->first) c->first = idx;
            c->count++;
            c->sum_col += col;
            c->sum_row += row;
            if (col < c->min_col) c->min_col = col;
            if (col > c->max_col) c->max_col = col;
            if (row < c->min_row) c->min_row = row;
            if (row > c->max_row) c->max_row = row;
            c->sum_dndvi += llrint((double)dn * MW_STAT_Q);
            c->sum_dbsi += llrint((double)db * MW_STAT_Q);
            if (dn < c->min_dndvi) c->min_dndvi = dn;
            if (s->survey) {
                double m = (double)b->mag[wrow + x] / s->survey->threshold;
                c->sum_margin += llrint((m < 10 ? m : 10) * MW_STAT_Q);
                c->sum_change_p += llrint(
                    mw_survey_change_prob(s->survey, b->z[wrow + x]) * MW_STAT_Q);
            }
        }
    }
    memcpy(t->edge[MW_EDGE_TOP], b->labels, (size_t)w * sizeof(uint32_t));
    memcpy(t->edge[MW_EDGE_BOTTOM], b->labels + (size_t)(h - 1) * w,
           (size_t)w * sizeof(uint32_t));
    for (int y = 0; y < h; y++) {
        t->edge[MW_EDGE_LEFT][y] = b->labels[(size_t)y * w];
        t->edge[MW_EDGE_RIGHT][y] = b->labels[(size_t)y * w + w - 1];
    }
    return 0;
}

/* ---- resume: a finished tile is saved whole; a re-run loads it ------------ */

static void tile_file(const char *dir, const mw_tile *t, char *buf, size_t n)
{
    snprintf(buf, n, "%s/tile_%d_%d.bin", dir, t->x0, t->y0);
}

/* Header, class counts, components, edge labels, class codes; written to a
 * temporary name and renamed, so a file is whole or absent. */
static int tile_save(const char *dir, const mw_tile *t, const uint8_t *core,
                     const uint64_t cnt[256])
{
    char path[MW_PATH_MAX + 64], tmp[MW_PATH_MAX + 80];
    tile_file(dir, t, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int32_t head[5] = {t->x0, t->y0, t->w, t->h, (int32_t)t->ncomp};
    int ok = f && fwrite(head, sizeof head, 1, f) == 1 &&
             fwrite(cnt, sizeof(uint64_t), 256, f) == 256 &&
             fwrite(t->comp, sizeof *t->comp, t->ncomp, f) == t->ncomp &&
             fwrite(t->edge[0], sizeof(uint32_t), (size_t)t->w, f) == (size_t)t->w &&
             fwrite(t->edge[1], sizeof(uint32_t), (size_t)t->w, f) == (size_t)t->w &&
             fwrite(t->edge[2], sizeof(uint32_t), (size_t)t->h, f) == (size_t)t->h &&
             fwrite(t->edge[3], sizeof(uint32_t), (size_t)t->h, f) == (size_t)t->h &&
             fwrite(core, 1, (size_t)t->w * t->h, f) == (size_t)t->w * t->h;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot save the tile for resuming: %s", path,
                 strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* 1 if the tile was loaded, 0 if there is no (whole) file for it. */
static int tile_load(const char *dir, mw_tile *t, uint8_t *core, uint64_t cnt[256])
{
    char path[MW_PATH_MAX + 64];
    tile_file(dir, t, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int32_t head[5];
    int ok = fread(head, sizeof head, 1, f) == 1 && head[0] == t->x0 && head[1] == t->y0 &&
             head[2] == t->w && head[3] == t->h && head[4] >= 0 &&
             fread(cnt, sizeof(uint64_t), 256, f) == 256;
    if (ok) {
        t->ncomp = (uint32_t)head[4];
        t->comp = mw_calloc(t->ncomp, sizeof *t->comp);
        for (int e = 0; e < 4; e++)
            t->edge[e] = mw_calloc(e < 2 ? (size_t)t->w : (size_t)t->h, sizeof(uint32_t));
        ok = t->comp && t->edge[0] && t->edge[1] && t->edge[2] && t->edge[3] &&
             fread(t->comp, sizeof *t->comp, t->ncomp, f) == t->ncomp &&
             fread(t->edge[0], sizeof(uint32_t), (size_t)t->w, f) == (size_t)t->w &&
             fread(t->edge[1], sizeof(uint32_t), (size_t)t->w, f) == (size_t)t->w &&
             fread(t->edge[2], sizeof(uint32_t), (size_t)t->h, f) == (size_t)t->h &&
             fread(t->edge[3], sizeof(uint32_t), (size_t)t->h, f) == (size_t)t->h &&
             fread(core, 1, (size_t)t->w * t->h, f) == (size_t)t->w * t->h;
    }
    fclose(f);
    if (!ok) { /* damaged: compute the tile again */
        free(t->comp);
        t->comp = NULL;
        t->ncomp = 0;
        for (int e = 0; e < 4; e++) {
            free(t->edge[e]);
            t->edge[e] = NULL;
        }
        memset(cnt, 0, 256 * sizeof *cnt);
    }
    return ok;
}

static int write_classes(GDALRasterBandH out, const mw_tile *t, const uint8_t *core)
{
    CPLErr err;
#pragma omp critical(mw_class_write)
    err = GDALRasterIO(out, GF_Write, t->x0, t->y0, t->w, t->h, (void *)core, t->w, t->h,
                       GDT_Byte, 0, 0);
    if (err != CE_None) {
        mw_error(MW_EXIT_OUTPUT, "cannot write change classes (%s)", mw_gdal_message());
        return -1;
    }
    return 0;
}

static int process_tile(const mw_config *cfg, const mw_scene *s, mw_reader *rd,
                        tile_buf *b, mw_tile *t, GDALRasterBandH out,
                        uint64_t counts[256], const char *resume, int *resumed)
{
    uint64_t cnt[256] = {0};
    if (resume && tile_load(resume, t, b->core, cnt)) {
        for (int c = 0; c < 256; c++)
            counts[c] += cnt[c];
        *resumed = 1;
        return write_classes(out, t, b->core);
    }
    int halo = tile_halo(cfg, s);
    int hx = t->x0 - halo > 0 ? t->x0 - halo : 0;
    int hy = t->y0 - halo > 0 ? t->y0 - halo : 0;
    int hx1 = t->x0 + t->w + halo < s->width ? t->x0 + t->w + halo : s->width;
    int hy1 = t->y0 + t->h + halo < s->height ? t->y0 + t->h + halo : s->height;
    int ww = hx1 - hx, wh = hy1 - hy;
    size_t n = (size_t)ww * (size_t)wh;

    for (int d = 0; d < 2; d++)
        if (mw_reader_read(rd, d, hx, hy, ww, wh, b->refl[d], b->scratch))
            return -1;
    (void)n;
    classify_window(cfg, s, b, ww, wh);
    clean_classes(b, ww, wh, cfg->open_radius);
    if (label_core(s, b, t, hx, hy, ww, s->width))
        return -1;

    int ox = t->x0 - hx, oy = t->y0 - hy;
    for (int y = 0; y < t->h; y++) {
        const uint8_t *src = b->cls + (size_t)(y + oy) * ww + ox;
        uint8_t *dst = b->core + (size_t)y * t->w;
        memcpy(dst, src, (size_t)t->w);
        for (int x = 0; x < t->w; x++)
            cnt[src[x]]++;
    }
    for (int c = 0; c < 256; c++)
        counts[c] += cnt[c];
    if (write_classes(out, t, b->core))
        return -1;
    return resume ? tile_save(resume, t, b->core, cnt) : 0;
}

static GDALDatasetH create_class_raster(const char *path, const mw_scene *s, int block)
{
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    char bs[32];
    snprintf(bs, sizeof bs, "%d", block);
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "TILED", "YES");
    opt = CSLSetNameValue(opt, "BLOCKXSIZE", bs);
    opt = CSLSetNameValue(opt, "BLOCKYSIZE", bs);
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    opt = CSLSetNameValue(opt, "ZLEVEL", "1");
    opt = CSLSetNameValue(opt, "SPARSE_OK", "YES");
    GDALDatasetH ds = GDALCreate(drv, path, s->width, s->height, 1, GDT_Byte, opt);
    CSLDestroy(opt);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", path, mw_gdal_message());
        return NULL;
    }
    GDALSetGeoTransform(ds, (double *)s->gt);
    GDALSetProjection(ds, s->wkt);
    mw_set_class_colors(GDALGetRasterBand(ds, 1));
    return ds;
}

/* The order of work.  The grid is cut into vertical stripes of whole tile
 * columns, at least one per thread and at most MW_STRIPE_PX wide; a thread
 * takes a whole stripe and runs its tiles row by row with its own GDAL
 * handles.  A source block it decodes for one tile is then still in GDAL's
 * block cache when the tiles beside and below need it as their halo, so
 * each block is decoded about once, in parallel across stripes, and the
 * cache needs only a few block rows of each stripe (size_cache): bounded by
 * the stripe width, not by the scene.  Results do not depend on the order
 * (integer statistics, labels numbered by first pixel). */
#define MW_STRIPE_PX 4096
#define MW_SOURCE_BLOCK_ROWS 512 /* the tallest source block planned for */

static int stripe_count(const mw_tileset *ts, const mw_scene *s, int threads)
{
    int min_for_width = (s->width + MW_STRIPE_PX - 1) / MW_STRIPE_PX;
    /* stripes never wider than MW_STRIPE_PX, so the cache they need does not
     * grow with the scene */
    int n = threads > min_for_width ? threads : min_for_width;
    return n < ts->ntx ? n : ts->ntx;
}

/* Unless the user set GDAL_CACHEMAX: the block rows a tile row and its halo
 * span (tile / 512 + 2) of every running stripe, for every band read and
 * both dates, plus slack for the class raster; at least 64 MB. */
static void size_cache(const mw_scene *s, const mw_tileset *ts, int threads, int stripes)
{
    if (CPLGetConfigOption("GDAL_CACHEMAX", NULL))
        return;
    int bands = 0;
    for (int r = 0; r < MW_NROLES; r++)
        bands += s->band[r] != 0;
    int64_t stripe_w = ((int64_t)ts->ntx + stripes - 1) / stripes * ts->size;
    int running = threads < stripes ? threads : stripes;
    int64_t rows = (ts->size + MW_SOURCE_BLOCK_ROWS - 1) / MW_SOURCE_BLOCK_ROWS + 2;
    int64_t need = rows * MW_SOURCE_BLOCK_ROWS * stripe_w * running * (s->read_u16 ? 2 : 4) *
                       bands * 2 + ((int64_t)32 << 20);
    if (need < ((int64_t)64 << 20))
        need = (int64_t)64 << 20;
    GDALSetCacheMax64(need);
}

int mw_tiles_run(const mw_config *cfg, const mw_scene *s, const char *resume,
                 const char *class_path,
                 int threads, mw_tileset *ts, GDALProgressFunc progress,
                 void *progress_arg)
{
    memset(ts, 0, sizeof *ts);
    int size = cfg->tile_size;
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
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (threads > ts->ntiles)
        threads = ts->ntiles;
    ts->threads_used = threads;

    GDALDatasetH cds = create_class_raster(class_path, s, size);
    if (!cds)
        return -1;
    GDALRasterBandH cband = GDALGetRasterBand(cds, 1);

    int halo = tile_halo(cfg, s);
    size_t win = (size_t)(size + 2 * halo) * (size_t)(size + 2 * halo);
    size_t core = (size_t)size * (size_t)size;
    int errors = 0, done = 0, cancelled = 0, resumed = 0;
    uint64_t counts[256] = {0};
    const int ntiles = ts->ntiles, ntx = ts->ntx, nty = ts->nty;
    mw_tile *tiles = ts->tile;
    const int nstripes = stripe_count(ts, s, threads);
    const int stripe_cols = (ntx + nstripes - 1) / nstripes;
    int done_all = 0;
    GIntBig cache_before = GDALGetCacheMax64();
    size_cache(s, ts, threads, nstripes);

#pragma omp parallel num_threads(threads) default(none) \
    shared(cfg, s, tiles, ntiles, ntx, nty, nstripes, stripe_cols, cband, progress, \
           progress_arg, win, core, cancelled, done_all, resume) \
    reduction(+ : errors, done, resumed) reduction(+ : counts[:256])
    {
        tile_buf b;
        mw_reader *rd = NULL;
        int ready = buf_alloc(&b, s, win, core) == 0 && (rd = mw_reader_new(s)) != NULL;
        if (!ready)
            errors++;
#pragma omp for schedule(dynamic, 1)
        for (int st = 0; st < nstripes; st++) {
            int c0 = st * stripe_cols, c1 = c0 + stripe_cols < ntx ? c0 + stripe_cols : ntx;
            for (int r = 0; r < nty; r++) {
                for (int c = c0; c < c1; c++) {
                    int stop;
#pragma omp atomic read
                    stop = cancelled;
                    if (!ready || stop)
                        continue;
                    int loaded = 0;
                    if (process_tile(cfg, s, rd, &b, &tiles[r * ntx + c], cband, counts, resume,
                                     &loaded)) {
                        errors++;
#pragma omp atomic write
                        cancelled = 1;
                        continue;
                    }
                    int finished;
#pragma omp atomic capture
                    finished = ++done_all;
                    done++;
                    resumed += loaded;
                    if (progress && omp_get_thread_num() == 0 &&
                        !progress((double)finished / ntiles, NULL, progress_arg)) {
#pragma omp atomic write
                        cancelled = 1;
                    }
                }
            }
        }
        mw_reader_free(rd);
        if (ready)
            buf_free(&b);
    }
    memcpy(ts->class_count, counts, sizeof counts);
    ts->resumed = resumed;
    if (resumed)
        mw_log("resumed %d of %d tiles from an interrupted run", resumed, ntiles);
    GDALSetCacheMax64(cache_before); /* the large cache is for the halos only */
    if (mw_gdal_close(cds, class_path))
        return -1;
    if (errors)
        return -1;
    if (cancelled) {
        mw_error(MW_EXIT_INTERNAL, "tile pass interrupted");
        return -1;
    }
    if (progress)
        progress(1.0, NULL, progress_arg);
    return 0;
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
