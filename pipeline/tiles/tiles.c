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

#include "dist.h"
#include "journal.h"
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
    a->sum_ndvi2 += b->sum_ndvi2;
    a->sum_ndvi2_sq += b->sum_ndvi2_sq;
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

/* Pixels per piece of classify_dn: 1024 x 4 B x 16 planes = 64 kB. */
#define MW_CHUNK 1024
#define MW_CHUNK_FLOATS ((size_t)(2 * MW_NROLES + 4) * MW_CHUNK)

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
    free(b->dn[0]); free(b->dn[1]); free(b->chunk);
    free(b->z); free(b->mag); free(b->boxtmp);
    free(b->cls); free(b->mask); free(b->tmp); free(b->tmp2); free(b->core);
    free(b->labels); free(b->parent);
    free(b->olab); free(b->opar);
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
    if (mw_reader_dn_ok(s) && !s->survey) { /* reflectance a chunk at a time */
        size_t np = (size_t)mw_scene_nbands(s);
        ALLOC(b->dn[0], np * n);
        ALLOC(b->dn[1], np * n);
        /* zeros: an absent role reads as 0, as in the float path */
        ok = ok && (b->chunk = calloc(MW_CHUNK_FLOATS, sizeof(float))) != NULL;
    }
    if (s->survey) {
        ALLOC(b->z, n); ALLOC(b->mag, n); ALLOC(b->boxtmp, 2 * n);
    }
    if (mw_survey_objects_halo(s->survey) > 0) {
        ALLOC(b->olab, n); ALLOC(b->opar, n / 2 + 2);
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
static int tile_halo(const mw_config *cfg, const mw_scene *s)
{
    return 2 * cfg->open_radius + (s->survey ? cfg->smooth_radius : 0) +
           mw_survey_objects_halo(s->survey);
}

/* The change objects of the window (mad.h): the minimum mapping unit, the
 * peak test, the edges of kept objects; after the opening. */
static void change_objects(const mw_scene *s, tile_buf *b, int w, int h)
{
    const mw_survey *sv = s->survey;
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
static int label_core(const mw_scene *s, tile_buf *b, mw_tile *t, int hx, int hy,
                      int ww, int scene_w)
{
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

/* ---- a finished tile, packed: for resuming, and for rank 0 ---------------- */

/* Header (x0, y0, w, h, ncomp), class counts, components, edge labels, class
 * codes; malloc'ed, its size in *n. */
static char *tile_pack(const mw_tile *t, const uint8_t *core, const uint64_t cnt[256],
                       size_t *n)
{
    int32_t head[5] = {t->x0, t->y0, t->w, t->h, (int32_t)t->ncomp};
    size_t part[9] = {sizeof head, 256 * sizeof(uint64_t), t->ncomp * sizeof *t->comp,
                      (size_t)t->w * sizeof(uint32_t), (size_t)t->w * sizeof(uint32_t),
                      (size_t)t->h * sizeof(uint32_t), (size_t)t->h * sizeof(uint32_t),
                      (size_t)t->w * (size_t)t->h, 0};
    const void *src[8] = {head, cnt, t->comp, t->edge[0], t->edge[1], t->edge[2],
                          t->edge[3], core};
    size_t total = 0;
    for (int i = 0; i < 8; i++)
        total += part[i];
    char *buf = mw_calloc(total, 1);
    if (!buf)
        return NULL;
    size_t at = 0;
    for (int i = 0; i < 8; at += part[i], i++)
        if (part[i])
            memcpy(buf + at, src[i], part[i]);
    *n = total;
    return buf;
}

/* The header of a packed tile: its core window. */
static int tile_head(const char *buf, size_t n, int32_t head[5])
{
    if (n < 5 * sizeof(int32_t))
        return -1;
    memcpy(head, buf, 5 * sizeof(int32_t));
    return head[2] > 0 && head[3] > 0 && head[4] >= 0 ? 0 : -1;
}

/* 1 when code is a class the tile pass writes. */
static int class_code_ok(uint8_t code)
{
    return code < MW_CLASS_COUNT || code == MW_CLASS_MASKED;
}

/* The checks of a packed tile that keep the stages after the pass safe and
 * its counts true: every class code valid and the class counts those of the
 * codes; the component count possible for the window; each component
 * inside the window, its first pixel a disturbance pixel on its top row,
 * its sums within its box, the components in raster order of their first
 * pixels and their pixels the window's disturbance pixels; every edge label
 * a component (or 0), exactly where the edge pixel is disturbance.  0, or
 * -1. */
static int tile_consistent(const mw_tile *t, const mw_comp *comp, uint32_t ncomp,
                           uint32_t *const edge[4], const uint8_t *core,
                           const uint64_t cnt[256], int scene_w)
{
    const size_t w = (size_t)t->w, h = (size_t)t->h;
    uint64_t hist[256] = {0};
    for (size_t i = 0; i < w * h; i++)
        hist[core[i]]++;
    for (int c = 0; c < 256; c++)
        if (hist[c] != cnt[c] || (hist[c] && !class_code_ok((uint8_t)c)))
            return -1;
    if ((uint64_t)ncomp > (w * h + 1) / 2) /* 4-connected: at most every other pixel */
        return -1;
    uint64_t pixels = 0;
    for (uint32_t l = 0; l < ncomp; l++) {
        const mw_comp *c = &comp[l];
        if (c->count < 1 || c->min_col < t->x0 || c->max_col >= t->x0 + t->w ||
            c->min_row < t->y0 || c->max_row >= t->y0 + t->h || c->min_col > c->max_col ||
            c->min_row > c->max_row)
            return -1;
        int64_t bw = (int64_t)c->max_col - c->min_col + 1, bh = (int64_t)c->max_row - c->min_row + 1;
        uint64_t row = c->first / (uint64_t)scene_w, col = c->first % (uint64_t)scene_w;
        if (c->count > bw * bh || row != (uint64_t)c->min_row || col < (uint64_t)c->min_col ||
            col > (uint64_t)c->max_col || (l > 0 && c->first <= comp[l - 1].first) ||
            core[(row - (uint64_t)t->y0) * w + (col - (uint64_t)t->x0)] != MW_CLASS_DISTURBANCE ||
            c->sum_col < c->count * c->min_col || c->sum_col > c->count * c->max_col ||
            c->sum_row < c->count * c->min_row || c->sum_row > c->count * c->max_row)
            return -1;
        pixels += (uint64_t)c->count;
    }
    if (pixels != cnt[MW_CLASS_DISTURBANCE])
        return -1;
    for (int e = 0; e < 4; e++) {
        size_t len = e < 2 ? w : h;
        for (size_t i = 0; i < len; i++) {
            size_t at = e == MW_EDGE_TOP      ? i
                        : e == MW_EDGE_BOTTOM ? (h - 1) * w + i
                        : e == MW_EDGE_LEFT   ? i * w
                                              : i * w + w - 1;
            if (edge[e][i] > ncomp || (edge[e][i] != 0) != (core[at] == MW_CLASS_DISTURBANCE))
                return -1;
        }
    }
    return 0;
}

/* Unpack into t (whose window must match) and core; 0, or -1 if the buffer
 * is not a whole, consistent tile of that window (tile_consistent; nothing
 * is kept then). */
static int tile_unpack(const char *buf, size_t n, mw_tile *t, uint8_t *core,
                       uint64_t cnt[256], int scene_w)
{
    int32_t head[5];
    if (tile_head(buf, n, head) || head[0] != t->x0 || head[1] != t->y0 || head[2] != t->w ||
        head[3] != t->h)
        return -1;
    size_t ncomp = (size_t)head[4], w = (size_t)t->w, h = (size_t)t->h;
    if (ncomp > (w * h + 1) / 2)
        return -1;
    size_t need = sizeof head + 256 * sizeof(uint64_t) + ncomp * sizeof *t->comp +
                  (2 * w + 2 * h) * sizeof(uint32_t) + w * h;
    if (n != need)
        return -1;
    mw_comp *comp = mw_calloc(ncomp ? ncomp : 1, sizeof *comp);
    uint32_t *edge[4];
    for (int e = 0; e < 4; e++)
        edge[e] = mw_calloc(e < 2 ? w : h, sizeof(uint32_t));
    int ok = comp && edge[0] && edge[1] && edge[2] && edge[3];
    if (ok) {
        const char *p = buf + sizeof head;
        memcpy(cnt, p, 256 * sizeof(uint64_t));
        p += 256 * sizeof(uint64_t);
        memcpy(comp, p, ncomp * sizeof *comp);
        p += ncomp * sizeof *comp;
        for (int e = 0; e < 4; e++) {
            size_t len = (e < 2 ? w : h) * sizeof(uint32_t);
            memcpy(edge[e], p, len);
            p += len;
        }
        memcpy(core, p, w * h);
        ok = tile_consistent(t, comp, (uint32_t)ncomp, edge, core, cnt, scene_w) == 0;
    }
    if (!ok) {
        free(comp);
        for (int e = 0; e < 4; e++)
            free(edge[e]);
        return -1;
    }
    t->ncomp = (uint32_t)ncomp;
    t->comp = comp;
    for (int e = 0; e < 4; e++)
        t->edge[e] = edge[e];
    return 0;
}

/* Forget what tile_unpack (or label_core) kept in t. */
static void tile_clear(mw_tile *t)
{
    free(t->comp);
    t->comp = NULL;
    t->ncomp = 0;
    for (int e = 0; e < 4; e++) {
        free(t->edge[e]);
        t->edge[e] = NULL;
    }
}

/* A tile loaded from a journal, checked once more against its own class
 * codes: its disturbance pixels labelled again (the labels depend on them
 * alone) give the same component count, edge labels, and pixel count, box,
 * first pixel and column and row sums of every component.  Only the index
 * sums (dNDVI, dBSI...), which need the imagery, are left to the record's
 * CRC.  labels, parent and mask: the tile buffers.  0, or -1. */
static int tile_labels_match(const mw_tile *t, const uint8_t *core, uint8_t *mask,
                             uint32_t *labels, uint32_t *parent, int scene_w)
{
    const int w = t->w, h = t->h;
    mw_mask_eq(core, (size_t)w * (size_t)h, MW_CLASS_DISTURBANCE, mask);
    if (mw_label(mask, w, h, labels, parent) != t->ncomp)
        return -1;
    for (int x = 0; x < w; x++)
        if (t->edge[MW_EDGE_TOP][x] != labels[x] ||
            t->edge[MW_EDGE_BOTTOM][x] != labels[(size_t)(h - 1) * w + x])
            return -1;
    for (int y = 0; y < h; y++)
        if (t->edge[MW_EDGE_LEFT][y] != labels[(size_t)y * w] ||
            t->edge[MW_EDGE_RIGHT][y] != labels[(size_t)y * w + w - 1])
            return -1;
    mw_comp *re = mw_calloc(t->ncomp ? t->ncomp : 1, sizeof *re);
    if (!re)
        return -1;
    for (uint32_t i = 0; i < t->ncomp; i++) {
        re[i].first = UINT64_MAX;
        re[i].min_col = re[i].min_row = INT32_MAX;
        re[i].max_col = re[i].max_row = -1;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t l = labels[(size_t)y * w + x];
            if (!l)
                continue;
            mw_comp *c = &re[l - 1];
            int32_t col = t->x0 + x, row = t->y0 + y;
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
    int rc = 0;
    for (uint32_t i = 0; i < t->ncomp && !rc; i++) {
        const mw_comp *a = &t->comp[i], *b = &re[i];
        rc = a->first != b->first || a->count != b->count || a->sum_col != b->sum_col ||
             a->sum_row != b->sum_row || a->min_col != b->min_col ||
             a->max_col != b->max_col || a->min_row != b->min_row || a->max_row != b->max_row
                 ? -1 : 0;
    }
    free(re);
    return rc;
}

/* Save a finished tile in this thread's resume journal (journal.h). */
static int tile_save(mw_journal *j, const mw_tileset *ts, const mw_tile *t,
                     const uint8_t *core, const uint64_t cnt[256])
{
    size_t n = 0;
    char *buf = tile_pack(t, core, cnt, &n);
    if (!buf)
        return -1;
    int rc = mw_journal_put(j, omp_get_thread_num(), (size_t)(t - ts->tile), buf, n);
    free(buf);
    return rc;
}

/* 1 if the tile was loaded, 0 if the journal has no whole record of it, or
 * none that checks (CRC: journal.h; a record of another window, or one
 * whose counts, labels or codes do not hold together: tile_unpack,
 * tile_labels_match): it is computed again; -1 on a read error. */
static int tile_load(mw_journal *j, const mw_tileset *ts, mw_tile *t, uint8_t *core,
                     uint64_t cnt[256], tile_buf *b, int scene_w)
{
    char *buf = NULL;
    size_t n = 0;
    size_t key = (size_t)(t - ts->tile);
    int got = mw_journal_get(j, key, &buf, &n);
    int ok = got == 1 && tile_unpack(buf, n, t, core, cnt, scene_w) == 0;
    if (ok && tile_labels_match(t, core, b->mask, b->labels, b->parent, scene_w)) {
        tile_clear(t);
        ok = 0;
    }
    if (got == 1 && !ok)
        mw_log("resume: the saved tile %zu (%d,%d) does not hold together; it is computed "
               "again", key, t->x0, t->y0);
    free(buf);
    if (!ok)
        memset(cnt, 0, 256 * sizeof *cnt);
    return got < 0 ? -1 : ok;
}

/* The nearest-neighbour overviews of the class raster, filled tile by tile
 * so that the COG copy (reports.c) only copies them.  Pixel X of the
 * overview of factor f is base pixel X f, as GDAL's NEAREST takes it, so
 * each overview pixel comes from exactly one tile, whatever the grid. */
static int write_overviews(GDALRasterBandH out, const mw_tile *t, const uint8_t *core)
{
    int bw = GDALGetRasterBandXSize(out), bh = GDALGetRasterBandYSize(out);
    int nov = GDALGetOverviewCount(out);
    uint8_t *buf = NULL;
    int rc = 0;
    for (int i = 0, f = 1; i < nov && !rc; i++) {
        GDALRasterBandH ov = GDALGetOverview(out, i);
        int ow = GDALGetRasterBandXSize(ov), oh = GDALGetRasterBandYSize(ov);
        /* the factor: the next power of two whose sizes, DIV_ROUND_UP(size,
         * f) as GTiff makes them, are the overview's on both sides (one
         * side alone is ambiguous where it is a pixel or two: 3 px give 1
         * px for every f >= 3) */
        do
            f *= 2;
        while (f < (1 << 30) && ((bw + f - 1) / f != ow || (bh + f - 1) / f != oh));
        if ((bw + f - 1) / f != ow || (bh + f - 1) / f != oh) {
            mw_error(MW_EXIT_INTERNAL, "class overview %d is %d x %d px: no power of two "
                     "gives that from %d x %d px", i, ow, oh, bw, bh);
            rc = -1;
            break;
        }
        /* the overview pixels whose base pixel X f lies in the tile */
        int xa = (t->x0 + f - 1) / f, xb = (t->x0 + t->w + f - 1) / f;
        int ya = (t->y0 + f - 1) / f, yb = (t->y0 + t->h + f - 1) / f;
        int xn = xb - xa, yn = yb - ya;
        if (xn <= 0 || yn <= 0)
            continue;
        if (!buf && !(buf = malloc((size_t)xn * (size_t)yn))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for the class overviews");
            return -1;
        }
        for (int y = 0; y < yn; y++) {
            const uint8_t *row = core + (size_t)((ya + y) * f - t->y0) * (size_t)t->w;
            for (int x = 0; x < xn; x++)
                buf[(size_t)y * xn + x] = row[(xa + x) * f - t->x0];
        }
        if (GDALRasterIO(ov, GF_Write, xa, ya, xn, yn, buf, xn, yn, GDT_Byte, 0, 0) !=
            CE_None) {
            mw_error(MW_EXIT_OUTPUT, "cannot write the class overviews (%s)",
                     mw_gdal_message());
            rc = -1;
        }
    }
    free(buf);
    return rc;
}

static int write_classes(GDALRasterBandH out, const mw_tile *t, const uint8_t *core)
{
    CPLErr err;
    int rc = 0;
#pragma omp critical(mw_class_write)
    {
        err = GDALRasterIO(out, GF_Write, t->x0, t->y0, t->w, t->h, (void *)core, t->w, t->h,
                           GDT_Byte, 0, 0);
        if (err == CE_None)
            rc = write_overviews(out, t, core);
    }
    if (err != CE_None) {
        mw_error(MW_EXIT_OUTPUT, "cannot write change classes (%s)", mw_gdal_message());
        return -1;
    }
    return rc;
}

/* What every thread of the pass shares. */
typedef struct {
    const mw_config *cfg;
    const mw_scene *s;
    mw_tileset *ts;
    GDALRasterBandH out;  /* rank 0: the class raster; NULL on the other ranks */
    mw_journal *journal;  /* NULL: no resuming */
    int remote_expected;  /* rank 0: tiles the other ranks send */
    int remote_received;
} tile_pass;

/* A computed tile leaves the thread: rank 0 writes its classes (and saves
 * it for resuming); another rank sends it to rank 0. */
static int finish_tile(const tile_pass *p, const mw_tile *t, const uint8_t *core,
                       const uint64_t cnt[256])
{
    if (p->out)
        return write_classes(p->out, t, core) ||
               (p->journal && tile_save(p->journal, p->ts, t, core, cnt)) ? -1 : 0;
    size_t n = 0;
    char *buf = tile_pack(t, core, cnt, &n);
    if (!buf)
        return -1;
    int rc;
#pragma omp critical(mw_mpi)
    rc = mw_dist_send_tile(buf, n); /* takes buf */
    return rc;
}

/* The rows a tile's window shares with the window of the tile below it in
 * the same column (2 x halo rows), kept by the thread that runs the column:
 * that window then reads only what is new, so GDAL needs two block rows of
 * a stripe at a time instead of three.  The reader's values depend on the
 * pixel only (scale, nodata, masks), so the result is the same. */
typedef struct {
    float *rows;   /* [2 dates][MW_NROLES][2 * halo * window width] */
    int next;      /* the tile row these rows lead into; -1: none */
} carry_rows;

static float *carry_at(const carry_rows *cy, int d, int role, size_t per)
{
    return cy->rows + ((size_t)d * MW_NROLES + (size_t)role) * per;
}

/* The same memory holding raw values: plane k of the present roles. */
static uint16_t *carry_dn(const carry_rows *cy, int d, int k, size_t per)
{
    return (uint16_t *)cy->rows + ((size_t)d * MW_NROLES + (size_t)k) * per;
}

static int process_tile(const tile_pass *p, mw_reader *rd, tile_buf *b, mw_tile *t,
                        uint64_t counts[256], int *resumed, carry_rows *cy, int row)
{
    const mw_config *cfg = p->cfg;
    const mw_scene *s = p->s;
    uint64_t cnt[256] = {0};
    int loaded = p->journal ? tile_load(p->journal, p->ts, t, b->core, cnt, b, s->width) : 0;
    if (loaded < 0)
        return -1;
    if (loaded) {
        for (int c = 0; c < 256; c++)
            counts[c] += cnt[c];
        *resumed = 1;
        if (cy)
            cy->next = -1;
        return write_classes(p->out, t, b->core);
    }
    int halo = tile_halo(cfg, s);
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
    if (raw)
        classify_dn(cfg, s, b, ww, wh);
    else
        classify_window(cfg, s, b, ww, wh);
    clean_classes(b, ww, wh, cfg->open_radius);
    change_objects(s, b, ww, wh);
    if (label_core(s, b, t, hx, hy, ww, s->width))
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
    return finish_tile(p, t, b->core, cnt);
}

/* Rank 0: take one tile another rank sent, if one is waiting: write its
 * classes and keep its components.  1: took one; 0: none waiting; 2: all
 * have arrived; -1: error (a malformed tile, or another rank's failure). */
static int take_remote(tile_pass *p, uint8_t *core, uint64_t counts[256])
{
    void *buf = NULL;
    size_t n = 0;
    int got = 2;
#pragma omp critical(mw_mpi)
    if (p->remote_received < p->remote_expected) {
        got = mw_dist_recv_tile(&buf, &n);
        if (got == 1)
            p->remote_received++;
    }
    if (got != 1)
        return got;
    const mw_tileset *ts = p->ts;
    int32_t head[5];
    mw_tile *t = NULL;
    if (!tile_head(buf, n, head) && head[0] >= 0 && head[1] >= 0 &&
        head[0] % ts->size == 0 && head[1] % ts->size == 0 && head[0] / ts->size < ts->ntx &&
        head[1] / ts->size < ts->nty)
        t = &ts->tile[(head[1] / ts->size) * ts->ntx + head[0] / ts->size];
    uint64_t cnt[256];
    int bad = !t || t->comp || tile_unpack(buf, n, t, core, cnt, p->s->width);
    free(buf);
    if (bad) {
        mw_error(MW_EXIT_INTERNAL, "a tile received from another rank is malformed or "
                                   "repeated");
        return -1;
    }
    for (int c = 0; c < 256; c++)
        counts[c] += cnt[c];
    return write_classes(p->out, t, core) ? -1 : 1;
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
    /* the levels the COG driver would make (factors 2, 4, ... until the
     * last is within one 512 block), left empty here: write_overviews fills them */
    int levels[32], nlev = 0;
    for (int f = 2; nlev < 32; f *= 2) {
        levels[nlev++] = f;
        if ((s->width + f - 1) / f <= 512 && (s->height + f - 1) / f <= 512)
            break;
    }
    if (s->width > 512 || s->height > 512) {
        CPLErr err = GDALBuildOverviews(ds, "NONE", nlev, levels, 0, NULL, NULL, NULL);
        if (err != CE_None) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot create overviews (%s)", path,
                     mw_gdal_message());
            mw_gdal_close(ds, path);
            return NULL;
        }
    }
    return ds;
}

/* The order of work.  The grid is cut into vertical stripes of whole tile
 * columns, at least one per thread and at most MW_STRIPE_PX wide; a thread
 * takes a whole stripe and runs its tiles row by row with its own GDAL
 * handles.  A source block it decodes for one tile is then still in GDAL's
 * block cache when the tiles beside and below need it as their halo, so
 * each block is decoded about once, in parallel across stripes, and the
 * cache needs only two block rows of each stripe (the rows a window shares
 * with the one above are carried: process_tile; size_cache): bounded by the
 * stripe width, not by the scene.  Results do not depend on the order
 * (integer statistics, labels numbered by first pixel). */
#define MW_STRIPE_PX 6144
#define MW_SOURCE_BLOCK_ROWS 512 /* the tallest source block planned for */

static int stripe_count(const mw_tileset *ts, const mw_scene *s, int threads)
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
static int stripe_col(const mw_tileset *ts, int nstripes, int st)
{
    return (int)((int64_t)st * ts->ntx / nstripes);
}

/* Unless the user set GDAL_CACHEMAX: the block rows a tile row's reads span
 * (tile / 512 + 1, the rows above being carried) of every running stripe of
 * the widest kind (MW_STRIPE_PX) and the block column on each side its halo
 * reaches into, for every band read and both dates, plus slack for the
 * class raster.  (Measured on the bench pair: a cache short of the halo
 * columns and the 2-thread pass decoded a third of its blocks twice.) */
static void size_cache(const mw_scene *s, const mw_tileset *ts, int threads, int mine)
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
static int stripe_tiles(const mw_tileset *ts, int nstripes, int st0, int st1)
{
    return (stripe_col(ts, nstripes, st1) - stripe_col(ts, nstripes, st0)) * ts->nty;
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

    /* Under MPI each rank takes a contiguous run of the stripes (dist.h). */
    const int rank = mw_dist_rank(), ranks = mw_dist_size();
    const int ntiles = ts->ntiles, ntx = ts->ntx, nty = ts->nty;
    const int nstripes = stripe_count(ts, s, threads * ranks);
    const int st0 = (int)((int64_t)rank * nstripes / ranks);
    const int st1 = (int)((int64_t)(rank + 1) * nstripes / ranks);
    tile_pass pass = {.cfg = cfg, .s = s, .ts = ts};
    pass.remote_expected = rank == 0 ? ntiles - stripe_tiles(ts, nstripes, st0, st1) : 0;

    GDALDatasetH cds = NULL;
    if (rank == 0) {
        if (!(cds = create_class_raster(class_path, s, size)))
            return -1;
        pass.out = GDALGetRasterBand(cds, 1);
        if (resume && !(pass.journal = mw_journal_open(resume, (size_t)ntiles, threads))) {
            mw_gdal_close(cds, class_path);
            return -1;
        }
    }

    int halo = tile_halo(cfg, s);
    size_t win = (size_t)(size + 2 * halo) * (size_t)(size + 2 * halo);
    size_t core = (size_t)size * (size_t)size;
    int errors = 0, done = 0, cancelled = 0, resumed = 0;
    uint64_t counts[256] = {0};
    mw_tile *tiles = ts->tile;
    int done_all = 0;
    GIntBig cache_before = GDALGetCacheMax64();
    size_cache(s, ts, threads, st1 - st0);

#pragma omp parallel num_threads(threads) default(none) \
    shared(s, ts, tiles, ntiles, ntx, nty, nstripes, st0, st1, progress, progress_arg, win, \
           core, cancelled, done_all, pass, halo, size) \
    reduction(+ : errors, done, resumed) reduction(+ : counts[:256])
    {
        tile_buf b;
        mw_reader *rd = NULL;
        /* the rows carried down each column of a stripe (process_tile) */
        const int cols_max = (ntx + nstripes - 1) / nstripes;
        const size_t carry_per = (size_t)2 * halo * (size_t)(size + 2 * halo);
        carry_rows *cy = calloc((size_t)cols_max, sizeof *cy);
        float *carry_mem = calloc((size_t)cols_max * 2 * MW_NROLES * carry_per + 1, sizeof(float));
        int ready = cy && carry_mem && buf_alloc(&b, s, win, core) == 0 &&
                    (rd = mw_reader_new(s)) != NULL;
        if (rd) /* a stripe's width, a tile row at a time (the rows above carried) */
            mw_reader_span(rd, cols_max * size + 2 * halo, size);
        for (int k = 0; cy && carry_mem && k < cols_max; k++)
            cy[k] = (carry_rows){carry_mem + (size_t)k * 2 * MW_NROLES * carry_per, -1};
        if (!ready)
            errors++;
#pragma omp for schedule(dynamic, 1) nowait
        for (int st = st0; st < st1; st++) {
            int c0 = stripe_col(ts, nstripes, st), c1 = stripe_col(ts, nstripes, st + 1);
            for (int k = 0; cy && k < cols_max; k++)
                cy[k].next = -1; /* a new stripe: nothing carried */
            for (int r = 0; r < nty; r++) {
                for (int c = c0; c < c1; c++) {
                    int stop;
#pragma omp atomic read
                    stop = cancelled;
                    if (!ready || stop)
                        continue;
                    int loaded = 0;
                    int failed = process_tile(&pass, rd, &b, &tiles[r * ntx + c], counts,
                                              &loaded, &cy[c - c0], r) != 0;
                    /* rank 0 takes what the other ranks sent meanwhile */
                    for (int got = 1; !failed && got == 1;)
                        failed = (got = take_remote(&pass, b.core, counts)) < 0;
                    if (failed) {
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
        /* rank 0, its own stripes done: the rest of the other ranks' tiles */
        while (ready) {
            int stop;
#pragma omp atomic read
            stop = cancelled;
            int got = stop ? 2 : take_remote(&pass, b.core, counts);
            if (got < 0) {
                errors++;
#pragma omp atomic write
                cancelled = 1;
            }
            if (got != 0 && got != 1)
                break;
            if (got == 0)
                usleep(200); /* nothing waiting yet */
        }
        mw_reader_free(rd);
        if (ready)
            buf_free(&b);
        free(cy);
        free(carry_mem);
    }
    mw_journal_close(pass.journal);
    memcpy(ts->class_count, counts, sizeof counts);
    ts->resumed = resumed;
    ts->remote = pass.remote_received;
    if (ranks > 1 && rank == 0)
        mw_log("tiles: %d of %d computed by the other %d rank(s)", ts->remote, ntiles,
               ranks - 1);
    if (resumed)
        mw_log("resumed %d of %d tiles from an interrupted run", resumed, ntiles);
    GDALSetCacheMax64(cache_before); /* the large cache is for the halos only */
    if (rank != 0) {
        if (mw_dist_flush()) /* every tile on its way has arrived */
            errors++;
        /* rank 0 reports the failure (dist.h) */
        if (errors || cancelled)
            mw_dist_send_error(mw_error_code(), errors ? mw_error_message()
                                                       : "tile pass interrupted");
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
