/* fuzz_merge.c - libFuzzer harness for the merge of components across tile
 * borders (mw_patches_merge).
 *
 * The input is a binary mask (the first bytes pick its size and the tile
 * size).  Each tile is labelled on its own, as the tile pass does, with its
 * components' statistics and edge labels; the merge must then give exactly
 * the components of the whole mask labelled at once: same count, and for
 * each the same first pixel, pixel count and bounding box.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mw.h"
#include "patches.h"

static void tile_components(const uint8_t *mask, int W, mw_tile *t, uint8_t *sub,
                            uint32_t *lab, uint32_t *par)
{
    for (int y = 0; y < t->h; y++)
        memcpy(sub + (size_t)y * t->w, mask + (size_t)(t->y0 + y) * W + t->x0, (size_t)t->w);
    t->ncomp = mw_label(sub, t->w, t->h, lab, par);
    t->comp = calloc(t->ncomp + 1, sizeof *t->comp);
    for (uint32_t i = 0; i < t->ncomp; i++) {
        t->comp[i].first = UINT64_MAX;
        t->comp[i].min_col = t->comp[i].min_row = INT32_MAX;
        t->comp[i].max_col = t->comp[i].max_row = -1;
    }
    for (int y = 0; y < t->h; y++)
        for (int x = 0; x < t->w; x++) {
            uint32_t l = lab[(size_t)y * t->w + x];
            if (!l)
                continue;
            mw_comp *c = &t->comp[l - 1];
            int32_t row = t->y0 + y, col = t->x0 + x;
            uint64_t idx = (uint64_t)row * (uint64_t)W + (uint64_t)col;
            if (idx < c->first) c->first = idx;
            c->count++;
            if (col < c->min_col) c->min_col = col;
            if (col > c->max_col) c->max_col = col;
            if (row < c->min_row) c->min_row = row;
            if (row > c->max_row) c->max_row = row;
        }
    for (int e = 0; e < 4; e++)
        t->edge[e] = calloc(e < 2 ? (size_t)t->w : (size_t)t->h, sizeof(uint32_t));
    memcpy(t->edge[MW_EDGE_TOP], lab, (size_t)t->w * sizeof *lab);
    memcpy(t->edge[MW_EDGE_BOTTOM], lab + (size_t)(t->h - 1) * t->w, (size_t)t->w * sizeof *lab);
    for (int y = 0; y < t->h; y++) {
        t->edge[MW_EDGE_LEFT][y] = lab[(size_t)y * t->w];
        t->edge[MW_EDGE_RIGHT][y] = lab[(size_t)y * t->w + t->w - 1];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int W = 1 + data[0] % 64, H = 1 + data[1] % 64, T = 1 + data[2] % 20;
    data += 3, size -= 3;
    size_t n = (size_t)W * H;
    uint8_t *mask = calloc(n, 1), *sub = calloc(n, 1);
    uint32_t *lab = calloc(n, sizeof *lab), *par = calloc(n / 2 + 2, sizeof *par);
    for (size_t i = 0; i < n; i++) /* one bit of input per pixel */
        mask[i] = size ? (data[(i / 8) % size] >> (i % 8)) & 1 : 0;

    mw_tileset ts = {.size = T, .ntx = (W + T - 1) / T, .nty = (H + T - 1) / T};
    ts.ntiles = ts.ntx * ts.nty;
    ts.tile = calloc((size_t)ts.ntiles, sizeof *ts.tile);
    for (int i = 0; i < ts.ntiles; i++) {
        mw_tile *t = &ts.tile[i];
        t->x0 = (i % ts.ntx) * T, t->y0 = (i / ts.ntx) * T;
        t->w = W - t->x0 < T ? W - t->x0 : T;
        t->h = H - t->y0 < T ? H - t->y0 : T;
        tile_components(mask, W, t, sub, lab, par);
    }
    mw_comp *merged = NULL;
    long nm = mw_patches_merge(&ts, &merged);

    /* the whole mask at once */
    mw_tile whole = {.x0 = 0, .y0 = 0, .w = W, .h = H};
    tile_components(mask, W, &whole, sub, lab, par);
    if (nm != (long)whole.ncomp)
        __builtin_trap();
    for (long i = 0; i < nm; i++) {
        const mw_comp *a = &merged[i], *b = &whole.comp[i];
        if (a->first != b->first || a->count != b->count || a->min_col != b->min_col ||
            a->max_col != b->max_col || a->min_row != b->min_row || a->max_row != b->max_row)
            __builtin_trap();
    }
    free(merged);
    for (int i = 0; i < ts.ntiles; i++) {
        free(ts.tile[i].comp);
        for (int e = 0; e < 4; e++)
            free(ts.tile[i].edge[e]);
    }
    free(ts.tile);
    free(whole.comp);
    for (int e = 0; e < 4; e++)
        free(whole.edge[e]);
    free(mask), free(sub), free(lab), free(par);
    mw_error_clear();
    return 0;
}
