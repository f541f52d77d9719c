/* tile_journal.c - a finished tile, packed: saved to and loaded from the
 * resume journal (journal.h), sent to rank 0 and taken there (dist.h). */
#include "tiles_internal.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "kernels.h"
#include "mw.h"

/* Header (x0, y0, w, h, ncomp), class counts, components, edge labels, class
 * codes; malloc'ed, its size in *n. */
char *mw_tile_pack(const mw_tile *t, const uint8_t *core, const uint64_t cnt[256],
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
int mw_tile_head(const char *buf, size_t n, int32_t head[5])
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
            c->sum_row < c->count * c->min_row || c->sum_row > c->count * c->max_row ||
            c->look_first != 0 || c->look_last != 0 || c->looks_max != 1)
            return -1; /* (a series is neither journaled nor spread over ranks:
                        * a tile read back is a pair's, of its one look) */
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
int mw_tile_unpack(const char *buf, size_t n, mw_tile *t, uint8_t *core,
                   uint64_t cnt[256], int scene_w)
{
    int32_t head[5];
    if (mw_tile_head(buf, n, head) || head[0] != t->x0 || head[1] != t->y0 || head[2] != t->w ||
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

/* Forget what mw_tile_unpack (or label_core) kept in t. */
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
            mw_comp_add_pixel(c, col, row, scene_w);
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
int mw_tile_save(mw_journal *j, const mw_tileset *ts, const mw_tile *t,
                 const uint8_t *core, const uint64_t cnt[256])
{
    size_t n = 0;
    char *buf = mw_tile_pack(t, core, cnt, &n);
    if (!buf)
        return -1;
    int rc = mw_journal_put(j, omp_get_thread_num(), (size_t)(t - ts->tile), buf, n);
    free(buf);
    return rc;
}

/* 1 if the tile was loaded, 0 if the journal has no whole record of it, or
 * none that checks (CRC: journal.h; a record of another window, or one
 * whose counts, labels or codes do not hold together: mw_tile_unpack,
 * tile_labels_match): it is computed again; -1 on a read error. */
int mw_tile_load(mw_journal *j, const mw_tileset *ts, mw_tile *t, uint8_t *core,
                 uint64_t cnt[256], tile_buf *b, int scene_w)
{
    char *buf = NULL;
    size_t n = 0;
    size_t key = (size_t)(t - ts->tile);
    int got = mw_journal_get(j, key, &buf, &n);
    int ok = got == 1 && mw_tile_unpack(buf, n, t, core, cnt, scene_w) == 0;
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

/* A computed tile leaves the thread: rank 0 writes its classes (and saves
 * it for resuming); another rank sends it to rank 0. */
int mw_tile_finish(const tile_pass *p, const mw_tile *t, const uint8_t *core,
                   const uint64_t cnt[256])
{
    if (p->out)
        return mw_class_write(p->out, t, core) ||
               (p->journal && mw_tile_save(p->journal, p->ts, t, core, cnt)) ? -1 : 0;
    size_t n = 0;
    char *buf = mw_tile_pack(t, core, cnt, &n);
    if (!buf)
        return -1;
    int rc;
#pragma omp critical(mw_mpi)
    rc = mw_dist_send_tile(buf, n); /* takes buf */
    return rc;
}

/* Rank 0: take one tile another rank sent, if one is waiting: write its
 * classes and keep its components.  1: took one; 0: none waiting; 2: all
 * have arrived; -1: error (a malformed tile, or another rank's failure). */
int mw_tile_take_remote(tile_pass *p, uint8_t *core, uint64_t counts[256])
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
    if (got == 0 && mw_dist_all_ended()) { /* ended, and tiles missing */
        mw_error(MW_EXIT_INTERNAL, "the other ranks ended with %d of their tiles not sent",
                 p->remote_expected - p->remote_received);
        return -1;
    }
    if (got != 1)
        return got;
    const mw_tileset *ts = p->ts;
    int32_t head[5];
    mw_tile *t = NULL;
    if (!mw_tile_head(buf, n, head) && head[0] >= 0 && head[1] >= 0 &&
        head[0] % ts->size == 0 && head[1] % ts->size == 0 && head[0] / ts->size < ts->ntx &&
        head[1] / ts->size < ts->nty)
        t = &ts->tile[(head[1] / ts->size) * ts->ntx + head[0] / ts->size];
    uint64_t cnt[256];
    int bad = !t || t->comp || mw_tile_unpack(buf, n, t, core, cnt, p->s->width);
    free(buf);
    if (bad) {
        mw_error(MW_EXIT_INTERNAL, "a tile received from another rank is malformed or "
                                   "repeated");
        return -1;
    }
    for (int c = 0; c < 256; c++)
        counts[c] += cnt[c];
    return mw_class_write(p->out, t, core) ? -1 : 1;
}

