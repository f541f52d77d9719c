/* tile_compute.c - one tile of the pass: read its haloed window (the rows
 * shared with the tile above carried), indices, classes, the opening, the
 * change objects, and the labels and statistics of the core's disturbance
 * components. */
#include "tiles_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mad.h"
#include "mw.h"
#include "stats.h"
#include "survey.h"

/* Pixels per piece of classify_dn: 1024 x 4 B x 16 planes = 64 kB. */
#define MW_CHUNK 1024
#define MW_CHUNK_FLOATS ((size_t)(2 * MW_NROLES + 4) * MW_CHUNK)

void mw_tile_buf_free(tile_buf *b)
{
    for (int d = 0; d < 2; d++) {
        for (int r = 0; r < MW_NROLES; r++)
            free(b->refl[d][r]);
        free(b->ndvi[d]);
        free(b->bsi[d]);
    }
    free(b->dndvi); free(b->dbsi); free(b->scratch);
    free(b->dn[0]); free(b->dn[1]); free(b->chunk);
    free(b->z); free(b->mag); free(b->boxtmp);
    free(b->cls); free(b->mask); free(b->tmp); free(b->tmp2); free(b->core);
    free(b->labels); free(b->parent);
    free(b->olab); free(b->opar);
    for (int k = 0; k < MW_LOOKS_MAX; k++)
        if (b->look_ds[k])
            GDALClose(b->look_ds[k]);
    free(b->look_cls); free(b->seen_first); free(b->seen_last); free(b->seen_count);
    mw_chipstore_scratch_free(&b->chip);
    memset(b, 0, sizeof *b);
}

int mw_tile_buf_looks(tile_buf *b, const mw_looks *looks, size_t n)
{
    if (!looks)
        return 0;
    for (int k = 0; k < looks->n; k++)
        if (!(b->look_ds[k] = GDALOpenEx(looks->path[k], GDAL_OF_RASTER | GDAL_OF_READONLY,
                                         NULL, NULL, NULL))) {
            mw_error(MW_EXIT_INTERNAL, "%s: cannot open an earlier look's classes",
                     looks->path[k]);
            return -1;
        }
    b->look_cls = malloc((size_t)(looks->n ? looks->n : 1) * n);
    b->seen_first = malloc(n);
    b->seen_last = malloc(n);
    b->seen_count = malloc(n);
    if (!b->look_cls || !b->seen_first || !b->seen_last || !b->seen_count) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for the looks of a series (%zu px)", n);
        return -1;
    }
    return 0;
}

/* A series: the earlier looks' classes of the window, and every pixel
 * confirmed over them and this pass's classes (the last look). */
static int confirm_looks(const mw_looks *looks, tile_buf *b, int hx, int hy, int ww, int wh)
{
    const size_t plane = (size_t)ww * (size_t)wh;
    const uint8_t *seq[MW_LOOKS_MAX + 1];
    for (int k = 0; k < looks->n; k++) {
        uint8_t *dst = b->look_cls + (size_t)k * plane;
        if (GDALRasterIO(GDALGetRasterBand(b->look_ds[k], 1), GF_Read, hx, hy, ww, wh, dst, ww,
                         wh, GDT_Byte, 0, 0) != CE_None) {
            mw_error(MW_EXIT_INTERNAL, "%s: cannot read an earlier look's classes",
                     looks->path[k]);
            return -1;
        }
        seq[k] = dst;
    }
    seq[looks->n] = b->cls;
    mw_confirm(seq, looks->n + 1, plane, looks->confirm, b->cls, b->seen_first, b->seen_last,
               b->seen_count);
    return 0;
}

int mw_tile_buf_alloc(tile_buf *b, const mw_scene *s, const mw_survey *sv, size_t n,
                      size_t core)
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
    if (mw_reader_dn_ok(s) && !sv) { /* reflectance a chunk at a time */
        size_t np = (size_t)mw_scene_nbands(s);
        ALLOC(b->dn[0], np * n);
        ALLOC(b->dn[1], np * n);
        /* zeros: an absent role reads as 0, as in the float path */
        ok = ok && (b->chunk = calloc(MW_CHUNK_FLOATS, sizeof(float))) != NULL;
    }
    if (sv) {
        ALLOC(b->z, n); ALLOC(b->mag, n); ALLOC(b->boxtmp, 2 * n);
    }
    if (mw_survey_objects_halo(sv) > 0) {
        ALLOC(b->olab, n); ALLOC(b->opar, n / 2 + 2);
    }
    ALLOC(b->cls, n); ALLOC(b->mask, n); ALLOC(b->tmp, n); ALLOC(b->tmp2, n);
    ALLOC(b->core, core);
    ALLOC(b->labels, core);
    ALLOC(b->parent, core / 2 + 2);
#undef ALLOC
    if (!ok) {
        mw_tile_buf_free(b);
        mw_error(MW_EXIT_INTERNAL, "out of memory for tile buffers (%zu px)", n);
        return -1;
    }
    return 0;
}

/* NDVI and BSI of one date's reflectances (SWIR BSI, or the VNIR one). */
static void indices(const mw_scene *s, float *const r[MW_NROLES], size_t n, float *ndvi,
                    float *bsi)
{
    mw_ndvi(r[MW_RED], r[MW_NIR], n, ndvi);
    if (s->band[MW_SWIR1])
        mw_bsi(r[MW_BLUE], r[MW_RED], r[MW_NIR], r[MW_SWIR1], n, bsi);
    else
        mw_bsi_vnir(r[MW_BLUE], r[MW_GREEN], r[MW_RED], r[MW_NIR], n, bsi);
}

/* classify_window from raw values (mw_reader_dn_ok, engine fixed).  With
 * blue, red, nir and swir1 the whole chain runs in one pass
 * (mw_change_u16); otherwise the same kernels as classify_window run
 * MW_CHUNK pixels at a time, so reflectances, NDVI and BSI
 * live in the L1/L2 cache and never go to memory; only dNDVI, dBSI (for
 * the component statistics) and the classes are whole planes.  Every kernel
 * is per pixel: the values are those of classify_window. */
static void classify_dn(const mw_config *cfg, const mw_scene *s, tile_buf *b, int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    static const int fused[4] = {MW_BLUE, MW_RED, MW_NIR, MW_SWIR1}; /* mw_change_u16 */
    const uint16_t *plane[2][4] = {{NULL}};
    int nfused = 0;
    for (int role = 0, k = 0; role < MW_NROLES; role++) {
        if (!s->band[role])
            continue;
        for (int j = 0; j < 4; j++)
            if (fused[j] == role) {
                plane[0][j] = b->dn[0] + (size_t)k * n;
                plane[1][j] = b->dn[1] + (size_t)k * n;
                nfused++;
            }
        k++;
    }
    if (nfused == 4) { /* the common band set: the whole chain in one pass */
        const mw_dn_scale sc[2] = {mw_scene_dn_scale(s, 0), mw_scene_dn_scale(s, 1)};
        mw_change_u16(plane, n, sc, &cfg->thr, b->dndvi, b->dbsi, b->cls);
        return;
    }
    float *ndvi[2], *bsi[2], *r[2][MW_NROLES];
    for (int d = 0; d < 2; d++) {
        for (int role = 0; role < MW_NROLES; role++)
            r[d][role] = b->chunk + (size_t)(d * MW_NROLES + role) * MW_CHUNK;
        ndvi[d] = b->chunk + (size_t)(2 * MW_NROLES + d) * MW_CHUNK;
        bsi[d] = b->chunk + (size_t)(2 * MW_NROLES + 2 + d) * MW_CHUNK;
    }
    for (size_t i0 = 0; i0 < n; i0 += MW_CHUNK) {
        size_t m = n - i0 < MW_CHUNK ? n - i0 : MW_CHUNK;
        for (int d = 0; d < 2; d++) {
            size_t k = 0; /* the planes of the present roles, in role order */
            for (int role = 0; role < MW_NROLES; role++)
                if (s->band[role])
                    mw_dn_to_refl(s, d, b->dn[d] + k++ * n + i0, m, r[d][role]);
            indices(s, r[d], m, ndvi[d], bsi[d]);
        }
        mw_diff(ndvi[0], ndvi[1], m, b->dndvi + i0);
        mw_diff(bsi[0], bsi[1], m, b->dbsi + i0);
        mw_classify(b->dndvi + i0, b->dbsi + i0, bsi[1], m, &cfg->thr, b->cls + i0);
    }
}

/* Indices and classes over the whole haloed window. */
static void classify_window(const mw_config *cfg, const mw_scene *s, const mw_survey *sv,
                            tile_buf *b, int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
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
    for (int d = 0; d < 2; d++)
        indices(s, b->refl[d], n, b->ndvi[d], b->bsi[d]);
    mw_diff(b->ndvi[0], b->ndvi[1], n, b->dndvi);
    mw_diff(b->bsi[0], b->bsi[1], n, b->dbsi);
    if (sv)
        mw_classify_mad(b->mag, (float)sv->threshold, b->dndvi, b->dbsi, n, &sv->dir,
                        b->cls);
    else
        mw_classify(b->dndvi, b->dbsi, b->bsi[1], n, &cfg->thr, b->cls);
}

/* Halo of a tile: the opening's, plus the smoothing's and the change
 * objects' with engine irmad. */
int mw_tile_halo(const mw_config *cfg, const mw_survey *sv)
{
    return 2 * cfg->open_radius + (sv ? cfg->smooth_radius : 0) + mw_survey_objects_halo(sv);
}

/* The change objects of the window (mad.h): the minimum mapping unit, the
 * peak test, the edges of kept objects; after the opening. */
static void change_objects(const mw_survey *sv, tile_buf *b, int w, int h)
{
    if (mw_survey_objects_halo(sv) <= 0)
        return;
    mw_change_objects(b->cls, b->mag, b->z, b->dndvi, b->dbsi, w, h, &sv->objects, &sv->dir,
                      b->mask, b->tmp, b->tmp2, b->olab, b->opar);
}

/* Opening of each change class on its own; removed pixels become no change. */
static void clean_classes(tile_buf *b, int w, int h, int radius)
{
    size_t n = (size_t)w * (size_t)h;
    if (radius <= 0)
        return;
    if (radius == 1) { /* every class at once */
        mw_open_classes3(b->cls, w, h, b->tmp, b->tmp2);
        return;
    }
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
static int label_core(const mw_survey *sv, const mw_looks *looks, tile_buf *b, mw_tile *t,
                      int hx, int hy, int ww, int scene_w)
{
    const int series = looks != NULL;
    int w = t->w, h = t->h;
    int ox = t->x0 - hx, oy = t->y0 - hy; /* core offset in the window */
    for (int y = 0; y < h; y++)
        mw_mask_eq(b->cls + (size_t)(y + oy) * ww + ox, (size_t)w, MW_CLASS_DISTURBANCE,
                   b->mask + (size_t)y * w);
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
        /* a pair: its one look */
        t->comp[i].look_first = series ? INT32_MAX : 0;
        t->comp[i].look_last = series ? -1 : 0;
        t->comp[i].looks_max = series ? 0 : 1;
    }
    for (int y = 0; y < h; y++) {
        const uint32_t *lab = b->labels + (size_t)y * w;
        size_t wrow = (size_t)(y + oy) * ww + ox;
        int32_t row = t->y0 + y;
        for (int x = 0; x < w; x++) {
            if (!lab[x]) {
                uint64_t a, b2; /* empty runs 4 labels at a time */
                while (x + 5 <= w && (memcpy(&a, lab + x + 1, 8),
                                      memcpy(&b2, lab + x + 3, 8), (a | b2) == 0))
                    x += 4;
                continue;
            }
            mw_comp *c = &t->comp[lab[x] - 1];
            int32_t col = t->x0 + x;
            float dn = b->dndvi[wrow + x], db = b->dbsi[wrow + x];
            mw_comp_add_pixel(c, col, row, scene_w);
            c->sum_dndvi += llrint((double)dn * MW_STAT_Q);
            c->sum_dbsi += llrint((double)db * MW_STAT_Q);
            if (dn < c->min_dndvi) c->min_dndvi = dn;
            if (series) {
                int32_t f = looks->index[b->seen_first[wrow + x]];
                int32_t l = looks->index[b->seen_last[wrow + x]];
                int32_t n = b->seen_count[wrow + x];
                if (f < c->look_first) c->look_first = f;
                if (l > c->look_last) c->look_last = l;
                if (n > c->looks_max) c->looks_max = n;
            }
            if (sv) {
                double m = (double)b->mag[wrow + x] / sv->threshold;
                c->sum_margin += llrint((m < 10 ? m : 10) * MW_STAT_Q);
                c->sum_change_p += llrint(
                    mw_survey_change_prob(sv, b->z[wrow + x]) * MW_STAT_Q);
                double v = b->ndvi[1][wrow + x]; /* finite: the pixel has a class */
                c->sum_ndvi2 += llrint(v * MW_STAT_Q);
                c->sum_ndvi2_sq += llrint(v * v * MW_STAT_Q);
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

static float *carry_at(const carry_rows *cy, int d, int role, size_t per)
{
    return cy->rows + ((size_t)d * MW_NROLES + (size_t)role) * per;
}

/* The same memory holding raw values: plane k of the present roles. */
static uint16_t *carry_dn(const carry_rows *cy, int d, int k, size_t per)
{
    return (uint16_t *)cy->rows + ((size_t)d * MW_NROLES + (size_t)k) * per;
}

int mw_tile_process(const tile_pass *p, mw_reader *rd, tile_buf *b, mw_tile *t,
                    uint64_t counts[256], int *resumed, carry_rows *cy, int row)
{
    const mw_config *cfg = p->cfg;
    const mw_scene *s = p->s;
    uint64_t cnt[256] = {0};
    int loaded = p->journal ? mw_tile_load(p->journal, p->ts, t, b->core, cnt, b, s->width) : 0;
    if (loaded < 0)
        return -1;
    if (loaded) {
        for (int c = 0; c < 256; c++)
            counts[c] += cnt[c];
        *resumed = 1;
        if (cy)
            cy->next = -1;
        return mw_class_write(p->out, t, b->core);
    }
    int halo = mw_tile_halo(cfg, p->sv);
    int hx = t->x0 - halo > 0 ? t->x0 - halo : 0;
    int hy = t->y0 - halo > 0 ? t->y0 - halo : 0;
    int hx1 = t->x0 + t->w + halo < s->width ? t->x0 + t->w + halo : s->width;
    int hy1 = t->y0 + t->h + halo < s->height ? t->y0 + t->h + halo : s->height;
    int ww = hx1 - hx, wh = hy1 - hy;

    const int lap = 2 * halo; /* rows shared with the window below */
    const size_t per = (size_t)lap * (size_t)ww;
    int skip = cy && lap > 0 && cy->next == row && hy == t->y0 - halo && wh > lap ? lap : 0;
    const int raw = b->dn[0] != NULL; /* raw values, classify_dn */
    const size_t plane = (size_t)ww * (size_t)wh;
    const int np = mw_scene_nbands(s);
    for (int d = 0; raw && d < 2; d++) {
        for (int k = 0; skip && k < np; k++)
            memcpy(b->dn[d] + (size_t)k * plane, carry_dn(cy, d, k, per),
                   per * sizeof(uint16_t));
        if (mw_reader_read_dn(rd, d, hx, hy + skip, ww, wh - skip,
                              b->dn[d] + (size_t)skip * ww, plane))
            return -1;
    }
    for (int d = 0; !raw && d < 2; d++) {
        float *out[MW_NROLES];
        for (int r = 0; r < MW_NROLES; r++) {
            out[r] = b->refl[d][r] ? b->refl[d][r] + (size_t)skip * ww : NULL;
            if (skip && s->band[r])
                memcpy(b->refl[d][r], carry_at(cy, d, r, per), per * sizeof(float));
        }
        if (mw_reader_read(rd, d, hx, hy + skip, ww, wh - skip, out, b->scratch))
            return -1;
    }
    if (cy) { /* the bottom rows, for the tile below (before t2 is normalized) */
        cy->next = -1;
        if (lap > 0 && hy1 == t->y0 + t->h + halo && t->y0 + t->h < s->height && wh > lap) {
            for (int d = 0; d < 2; d++) {
                for (int k = 0; raw && k < np; k++)
                    memcpy(carry_dn(cy, d, k, per),
                           b->dn[d] + (size_t)k * plane + (size_t)(wh - lap) * ww,
                           per * sizeof(uint16_t));
                for (int r = 0; !raw && r < MW_NROLES; r++)
                    if (s->band[r])
                        memcpy(carry_at(cy, d, r, per), b->refl[d][r] + (size_t)(wh - lap) * ww,
                               per * sizeof(float));
            }
            cy->next = row + 1;
        }
    }
    /* what the evidence chips show of the core, as read (before t2 is
     * normalized) */
    if (p->chips)
        mw_chipstore_put(p->chips, &b->chip, t->x0, t->y0, t->w, t->h, raw ? NULL : b->refl,
                         raw ? b->dn : NULL, hx, hy, ww, plane);
    if (raw)
        classify_dn(cfg, s, b, ww, wh);
    else
        classify_window(cfg, s, p->sv, b, ww, wh);
    clean_classes(b, ww, wh, cfg->open_radius);
    change_objects(p->sv, b, ww, wh);
    if (p->looks && confirm_looks(p->looks, b, hx, hy, ww, wh))
        return -1;
    if (label_core(p->sv, p->looks, b, t, hx, hy, ww, s->width))
        return -1;

    int ox = t->x0 - hx, oy = t->y0 - hy;
    uint32_t part[4][256] = {{0}}; /* four tables: runs of one class do not
                                      wait on the same counter */
    for (int y = 0; y < t->h; y++) {
        const uint8_t *src = b->cls + (size_t)(y + oy) * ww + ox;
        uint8_t *dst = b->core + (size_t)y * t->w;
        memcpy(dst, src, (size_t)t->w);
        int x = 0;
        for (; x + 4 <= t->w; x += 4) {
            part[0][src[x]]++;
            part[1][src[x + 1]]++;
            part[2][src[x + 2]]++;
            part[3][src[x + 3]]++;
        }
        for (; x < t->w; x++)
            part[0][src[x]]++;
    }
    for (int c = 0; c < 256; c++) {
        cnt[c] = (uint64_t)part[0][c] + part[1][c] + part[2][c] + part[3][c];
        counts[c] += cnt[c];
    }
    return mw_tile_finish(p, t, b->core, cnt);
}

