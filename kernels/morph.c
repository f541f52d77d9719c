/* morph.c - binary morphology and connected-component labelling. */
#include "kernels.h"

#include <string.h>

/* One separable pass of a running min (erode) or max (dilate) along rows
 * (horizontal) or columns.  Neighbours outside the buffer are ignored. */
static void pass(const uint8_t *restrict in, int w, int h, int r, int dilate,
                 int vertical, uint8_t *restrict out)
{
    int len = vertical ? h : w, lines = vertical ? w : h;
    size_t step = vertical ? (size_t)w : 1, lstep = vertical ? 1 : (size_t)w;
    for (int l = 0; l < lines; l++) {
        const uint8_t *src = in + (size_t)l * lstep;
        uint8_t *dst = out + (size_t)l * lstep;
        /* count of set pixels in the window [i-r, i+r] clipped to the line */
        int lo = 0, hi = -1, set = 0;
        for (int i = 0; i < len; i++) {
            int want_hi = i + r < len ? i + r : len - 1;
            int want_lo = i - r > 0 ? i - r : 0;
            while (hi < want_hi)
                set += src[(size_t)++hi * step];
            while (lo < want_lo)
                set -= src[(size_t)lo++ * step];
            int n = hi - lo + 1;
            dst[(size_t)i * step] = dilate ? set > 0 : set == n;
        }
    }
}

/* Radius 1, the common case: min/max of three neighbours with plain loops
 * over contiguous rows that the compiler vectorizes (masks are 0/1, so min
 * is AND and max is OR).  Same edge rule as pass(): outside is ignored. */
static void pass3_rows(const uint8_t *restrict in, int w, int h, int dilate,
                       uint8_t *restrict out)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *a = in + (size_t)y * w;
        uint8_t *o = out + (size_t)y * w;
        if (w == 1) {
            o[0] = a[0];
            continue;
        }
        o[0] = dilate ? (a[0] | a[1]) : (a[0] & a[1]);
        if (dilate)
            for (int x = 1; x < w - 1; x++)
                o[x] = a[x - 1] | a[x] | a[x + 1];
        else
            for (int x = 1; x < w - 1; x++)
                o[x] = a[x - 1] & a[x] & a[x + 1];
        o[w - 1] = dilate ? (a[w - 2] | a[w - 1]) : (a[w - 2] & a[w - 1]);
    }
}

static void pass3_cols(const uint8_t *restrict in, int w, int h, int dilate,
                       uint8_t *restrict out)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *up = in + (size_t)(y > 0 ? y - 1 : y) * w;
        const uint8_t *mid = in + (size_t)y * w;
        const uint8_t *dn = in + (size_t)(y + 1 < h ? y + 1 : y) * w;
        uint8_t *o = out + (size_t)y * w;
        if (dilate)
            for (int x = 0; x < w; x++)
                o[x] = up[x] | mid[x] | dn[x];
        else
            for (int x = 0; x < w; x++)
                o[x] = up[x] & mid[x] & dn[x];
    }
}

void mw_open(const uint8_t *in, int w, int h, int r, uint8_t *restrict tmp,
             uint8_t *restrict tmp2, uint8_t *out)
{
    size_t n = (size_t)w * (size_t)h;
    if (r <= 0) {
        if (out != in)
            memmove(out, in, n);
        return;
    }
    if (r == 1) {
        pass3_rows(in, w, h, 0, tmp);
        pass3_cols(tmp, w, h, 0, tmp2);
        pass3_rows(tmp2, w, h, 1, tmp);
        pass3_cols(tmp, w, h, 1, out);
        return;
    }
    pass(in, w, h, r, 0, 0, tmp);   /* erode rows */
    pass(tmp, w, h, r, 0, 1, tmp2); /* erode columns */
    pass(tmp2, w, h, r, 1, 0, tmp); /* dilate rows */
    pass(tmp, w, h, r, 1, 1, out);  /* dilate columns */
}

void mw_open_classes3(uint8_t *restrict cls, int w, int h, uint8_t *restrict tmp,
                      uint8_t *restrict tmp2)
{
    if (w <= 0 || h <= 0)
        return;
    /* tmp: the pixel equals its left and right neighbours (those inside) */
    for (int y = 0; y < h; y++) {
        const uint8_t *a = cls + (size_t)y * w;
        uint8_t *o = tmp + (size_t)y * w;
        if (w == 1) {
            o[0] = 1;
            continue;
        }
        o[0] = a[0] == a[1];
        for (int x = 1; x < w - 1; x++)
            o[x] = (a[x - 1] == a[x]) & (a[x + 1] == a[x]);
        o[w - 1] = a[w - 2] == a[w - 1];
    }
    /* tmp2: a change pixel whose clipped 3 x 3 box is all its class (the
     * erosion of its class) */
    for (int y = 0; y < h; y++) {
        size_t up = (size_t)(y > 0 ? y - 1 : y) * w, mid = (size_t)y * w,
               dn = (size_t)(y + 1 < h ? y + 1 : y) * w;
        const uint8_t *cu = cls + up, *cm = cls + mid, *cd = cls + dn;
        const uint8_t *ru = tmp + up, *rm = tmp + mid, *rd = tmp + dn;
        uint8_t *o = tmp2 + mid;
        for (int x = 0; x < w; x++) {
            uint8_t c = cm[x];
            uint8_t change = (uint8_t)(c - MW_CLASS_VEG_LOSS) <
                             (uint8_t)(MW_CLASS_COUNT - MW_CLASS_VEG_LOSS);
            o[x] = change & rm[x] & ru[x] & rd[x] & (cu[x] == c) & (cd[x] == c);
        }
    }
    /* its dilation: a box of one class reaches the pixel */
    pass3_rows(tmp2, w, h, 1, tmp);
    pass3_cols(tmp, w, h, 1, tmp2);
    size_t n = (size_t)w * (size_t)h;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = cls[i];
        uint8_t change = (uint8_t)(c - MW_CLASS_VEG_LOSS) <
                         (uint8_t)(MW_CLASS_COUNT - MW_CLASS_VEG_LOSS);
        cls[i] = change && !tmp2[i] ? (uint8_t)MW_CLASS_NONE : c;
    }
}

uint32_t mw_uf_find(uint32_t *parent, uint32_t x)
{
    uint32_t root = x;
    while (parent[root] != root)
        root = parent[root];
    while (parent[x] != root) { /* path compression */
        uint32_t next = parent[x];
        parent[x] = root;
        x = next;
    }
    return root;
}

void mw_uf_union(uint32_t *parent, uint32_t a, uint32_t b)
{
    a = mw_uf_find(parent, a);
    b = mw_uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

uint32_t mw_label(const uint8_t *restrict mask, int w, int h,
                  uint32_t *restrict labels, uint32_t *restrict parent)
{
    /* First pass: provisional labels in raster order, equivalences in the
     * union-find.  Provisional labels are created in raster order of the
     * first pixel of each run, and unions keep the smaller label as root, so
     * each root is the provisional label of its component's first pixel. */
    uint32_t next = 1;
    parent[0] = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *m = mask + (size_t)y * w;
        uint32_t *lab = labels + (size_t)y * w;
        const uint32_t *up = y > 0 ? lab - w : NULL;
        for (int x = 0; x < w; x++) {
            if (!m[x]) { /* most of a mask is empty: 16 pixels at a time */
                uint64_t a = 0, b = 0;
                if (x + 16 <= w && (memcpy(&a, m + x, 8), memcpy(&b, m + x + 8, 8),
                                    (a | b) == 0)) {
                    memset(lab + x, 0, 16 * sizeof *lab);
                    x += 15;
                } else {
                    lab[x] = 0;
                }
                continue;
            }
            uint32_t left = x > 0 ? lab[x - 1] : 0;
            uint32_t above = up ? up[x] : 0;
            if (left && above) {
                lab[x] = left < above ? left : above;
                mw_uf_union(parent, left, above);
            } else if (left || above) {
                lab[x] = left ? left : above;
            } else {
                parent[next] = next;
                lab[x] = next++;
            }
        }
    }
    /* Roots in increasing order get final numbers 1..n: increasing root order
     * is raster order of the components' first pixels. */
    uint32_t n = 0;
    for (uint32_t i = 1; i < next; i++) {
        uint32_t p = parent[i]; /* p <= i: unions keep the smaller root */
        if (p == i)
            parent[i] = ++n | 0x80000000u; /* root: next final number */
        else
            parent[i] = parent[p]; /* p < i is already resolved */
    }
    size_t total = (size_t)w * (size_t)h, i = 0;
    for (; i + 4 <= total; i += 4) { /* empty runs 4 labels at a time */
        uint64_t a, b;
        memcpy(&a, labels + i, 8);
        memcpy(&b, labels + i + 2, 8);
        if ((a | b) == 0)
            continue;
        for (size_t k = i; k < i + 4; k++)
            if (labels[k])
                labels[k] = parent[labels[k]] & 0x7fffffffu;
    }
    for (; i < total; i++)
        if (labels[i])
            labels[i] = parent[labels[i]] & 0x7fffffffu;
    return n;
}
