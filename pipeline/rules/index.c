/* index.c - the packed R-tree (sort-tile-recursive) over envelopes that the
 * layers, rules, overlaps and the licence audit query (layers.h, mw_index). */
#include "layers.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

/* ---- the spatial index ----------------------------------------------------- */

typedef struct {
    double cx, cy;
    uint32_t i;
} str_item;

static int by_cx(const void *a, const void *b)
{
    const str_item *x = a, *y = b;
    int c = (x->cx > y->cx) - (x->cx < y->cx);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int by_cy(const void *a, const void *b)
{
    const str_item *x = a, *y = b;
    int c = (x->cy > y->cy) - (x->cy < y->cy);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

void mw_env_grow(OGREnvelope *a, const OGREnvelope *b)
{
    a->MinX = fmin(a->MinX, b->MinX);
    a->MinY = fmin(a->MinY, b->MinY);
    a->MaxX = fmax(a->MaxX, b->MaxX);
    a->MaxY = fmax(a->MaxY, b->MaxY);
}

void mw_index_free(mw_index *ix)
{
    for (int k = 0; k < MW_INDEX_LEVELS; k++)
        free(ix->box[k]);
    free(ix->item);
    memset(ix, 0, sizeof *ix);
}

int mw_index_build(mw_index *ix, const OGREnvelope *env, size_t n, size_t stride)
{
    memset(ix, 0, sizeof *ix);
    ix->n = n;
    if (n == 0)
        return 0;
    if (n > UINT32_MAX) {
        mw_error(MW_EXIT_INTERNAL, "too many features to index (%zu)", n);
        return -1;
    }
    str_item *it = mw_calloc(n, sizeof *it);
    ix->item = mw_calloc(n, sizeof *ix->item);
    ix->box[0] = mw_calloc(n, sizeof *ix->box[0]);
    if (!it || !ix->item || !ix->box[0]) {
        free(it);
        mw_index_free(ix);
        return -1;
    }
#define ENV(i) ((const OGREnvelope *)((const char *)env + (i) * stride))
    for (size_t i = 0; i < n; i++) {
        const OGREnvelope *e = ENV(i);
        it[i] = (str_item){0.5 * (e->MinX + e->MaxX), 0.5 * (e->MinY + e->MaxY), (uint32_t)i};
    }
    /* Sort-Tile-Recursive: vertical slices of about sqrt(n / M) leaves, each
     * sorted by y */
    qsort(it, n, sizeof *it, by_cx);
    size_t leaves = (n + MW_INDEX_FANOUT - 1) / MW_INDEX_FANOUT;
    size_t slices = (size_t)ceil(sqrt((double)leaves));
    size_t per = slices * MW_INDEX_FANOUT;
    for (size_t s = 0; s < n; s += per)
        qsort(it + s, n - s < per ? n - s : per, sizeof *it, by_cy);
    for (size_t i = 0; i < n; i++) {
        ix->item[i] = it[i].i;
        ix->box[0][i] = *ENV(it[i].i);
    }
#undef ENV
    free(it);
    ix->count[0] = n;
    ix->levels = 1;
    /* every level above groups M consecutive nodes of the one below */
    while (ix->count[ix->levels - 1] > 1 && ix->levels < MW_INDEX_LEVELS) {
        int k = ix->levels;
        size_t below = ix->count[k - 1], m = (below + MW_INDEX_FANOUT - 1) / MW_INDEX_FANOUT;
        if (k == MW_INDEX_LEVELS - 1)
            m = 1; /* cannot happen below 16^11 items */
        ix->box[k] = mw_calloc(m, sizeof *ix->box[k]);
        if (!ix->box[k]) {
            mw_index_free(ix);
            return -1;
        }
        size_t group = k == MW_INDEX_LEVELS - 1 ? below : MW_INDEX_FANOUT;
        for (size_t j = 0; j < m; j++) {
            ix->box[k][j] = ix->box[k - 1][j * group];
            for (size_t c = j * group + 1; c < below && c < (j + 1) * group; c++)
                mw_env_grow(&ix->box[k][j], &ix->box[k - 1][c]);
        }
        ix->count[k] = m;
        ix->levels++;
    }
    return 0;
}

void mw_hits_free(mw_hits *h)
{
    free(h->i);
    memset(h, 0, sizeof *h);
}

static void hit(mw_hits *h, uint32_t i)
{
    if (h->all)
        return;
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        uint32_t *p = realloc(h->i, cap * sizeof *p);
        if (!p) { /* stands for every item: slow, still right */
            h->all = 1;
            return;
        }
        h->i = p;
        h->cap = cap;
    }
    h->i[h->n++] = i;
}

int mw_env_meets(const OGREnvelope *b, const OGREnvelope *q)
{
    return b->MinX <= q->MaxX && q->MinX <= b->MaxX && b->MinY <= q->MaxY &&
           q->MinY <= b->MaxY;
}

static void query(const mw_index *ix, int level, size_t node, const OGREnvelope *q, mw_hits *h)
{
    if (level == 0) {
        if (mw_env_meets(&ix->box[0][node], q))
            hit(h, ix->item[node]);
        return;
    }
    if (!mw_env_meets(&ix->box[level][node], q))
        return;
    size_t group = level == MW_INDEX_LEVELS - 1 ? ix->count[level - 1] : MW_INDEX_FANOUT;
    for (size_t c = node * group; c < ix->count[level - 1] && c < (node + 1) * group; c++)
        query(ix, level - 1, c, q, h);
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void mw_index_query(const mw_index *ix, const OGREnvelope *q, double margin, mw_hits *h)
{
    h->n = 0;
    h->all = 0;
    if (ix->levels == 0)
        return;
    /* grown a little more than asked: the callers' own tests decide */
    double slack = 1e-6 * fmax(1.0, fmax(fmax(fabs(q->MinX), fabs(q->MaxX)),
                                         fmax(fabs(q->MinY), fabs(q->MaxY))));
    double m = margin + slack;
    OGREnvelope g = {q->MinX - m, q->MaxX + m, q->MinY - m, q->MaxY + m};
    int top = ix->levels - 1;
    for (size_t j = 0; j < ix->count[top]; j++)
        query(ix, top, j, &g, h);
    if (!h->all && h->n > 1)
        qsort(h->i, h->n, sizeof *h->i, by_u32);
}
