/* test_kernels.c - unit tests of the numeric kernels (kernels/kernels.h).
 *
 * Hand-computed cases state their expected numbers; the bigger checks compare
 * the kernels with independent brute-force references (flood fill, windowed
 * min/max) and verify that tiling with a halo / border merge reproduces the
 * whole-image result exactly.  Every buffer handed to a kernel is allocated
 * with its documented size, so the sanitizers catch any overrun.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A picture: NULL-terminated rows of equal width.  Masks use '#' (1) and
 * '.' (0); label pictures use '.' (0), '1'..'9' (1..9), 'a'..'z' (10..35). */
#define PIC(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    assert_non_null(p);
    return p;
}

static void pic_dims(const char *const *rows, int *w, int *h)
{
    *w = (int)strlen(rows[0]);
    for (*h = 0; rows[*h]; ++*h)
        assert_int_equal(strlen(rows[*h]), *w);
}

static uint8_t *pic_mask(const char *const *rows, int *w, int *h)
{
    pic_dims(rows, w, h);
    uint8_t *m = xmalloc((size_t)*w * *h);
    for (int y = 0; y < *h; y++)
        for (int x = 0; x < *w; x++) {
            char c = rows[y][x];
            assert_true(c == '#' || c == '.');
            m[(size_t)y * *w + x] = c == '#';
        }
    return m;
}

static uint32_t pic_label(char c)
{
    if (c == '.')
        return 0;
    if (c >= '1' && c <= '9')
        return (uint32_t)(c - '0');
    assert_true(c >= 'a' && c <= 'z');
    return (uint32_t)(c - 'a' + 10);
}

static char label_char(uint32_t v)
{
    return v == 0 ? '.' : v < 10 ? (char)('0' + v) : v < 36 ? (char)('a' + v - 10) : '?';
}

static void print_mask(const char *title, const uint8_t *m, int w, int h)
{
    print_error("%s:\n", title);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            print_error("%c", m[(size_t)y * w + x] ? '#' : '.');
        print_error("\n");
    }
}

static void print_labels(const char *title, const uint32_t *l, int w, int h)
{
    print_error("%s:\n", title);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            print_error("%c", label_char(l[(size_t)y * w + x]));
        print_error("\n");
    }
}

static void assert_masks_equal(const char *what, const uint8_t *got,
                               const uint8_t *want, int w, int h)
{
    for (int i = 0; i < w * h; i++)
        if (got[i] != want[i]) {
            if (w <= 64 && h <= 64) {
                print_mask("got", got, w, h);
                print_mask("want", want, w, h);
            }
            fail_msg("%s: first difference at x=%d y=%d: got %d want %d", what,
                     i % w, i / w, got[i], want[i]);
        }
}

static void assert_labels_equal(const char *what, const uint32_t *got,
                                const uint32_t *want, int w, int h)
{
    for (int i = 0; i < w * h; i++)
        if (got[i] != want[i]) {
            if (w <= 64 && h <= 64) {
                print_labels("got", got, w, h);
                print_labels("want", want, w, h);
            }
            fail_msg("%s: first difference at x=%d y=%d: got %u want %u", what,
                     i % w, i / w, got[i], want[i]);
        }
}

/* got matches want: both NaN, or within 1e-6 (relative above magnitude 1). */
static int same_float(float got, float want)
{
    if (isnan(want))
        return isnan(got);
    return !isnan(got) && fabsf(got - want) <= 1e-6f * fmaxf(1.0f, fabsf(want));
}

/* splitmix64: a fixed-seed PRNG of our own, independent of libc. */
static uint32_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

/* mw_label with exactly the documented scratch (w*h/2 + 2), labels prefilled
 * with garbage so that every pixel must be written. */
static uint32_t label(const uint8_t *mask, int w, int h, uint32_t *labels)
{
    size_t np = (size_t)w * h / 2 + 2;
    uint32_t *parent = xmalloc(np * sizeof *parent);
    memset(labels, 0xA5, (size_t)w * h * sizeof *labels);
    uint32_t n = mw_label(mask, w, h, labels, parent);
    free(parent);
    return n;
}

/* mw_open with exactly the documented scratch (w*h bytes each). */
static void open_mask(const uint8_t *in, int w, int h, int r, uint8_t *out)
{
    uint8_t *tmp = xmalloc((size_t)w * h), *tmp2 = xmalloc((size_t)w * h);
    mw_open(in, w, h, r, tmp, tmp2, out);
    free(tmp);
    free(tmp2);
}

/* Labels are 0 exactly on the background, lie in 1..n, every one of 1..n is
 * used, and they first appear in raster order 1, 2, ..., n. */
static void assert_canonical(const uint8_t *mask, const uint32_t *lab, int w,
                             int h, uint32_t n)
{
    uint32_t seen = 0;
    for (int i = 0; i < w * h; i++) {
        if (!mask[i]) {
            assert_int_equal(lab[i], 0);
            continue;
        }
        assert_true(lab[i] >= 1 && lab[i] <= n);
        assert_true(lab[i] <= seen + 1); /* a new label is the next number */
        if (lab[i] == seen + 1)
            seen++;
    }
    assert_int_equal(seen, n);
}

/* ------------------------------------------------------------------------ */
/* Brute-force references                                                    */
/* ------------------------------------------------------------------------ */

/* 4-connected flood fill from seeds taken in raster order: labels are 1..n in
 * raster order of each component's first pixel by construction. */
static uint32_t ref_label(const uint8_t *m, int w, int h, uint32_t *lab)
{
    size_t total = (size_t)w * h;
    size_t *stack = xmalloc(total * sizeof *stack);
    memset(lab, 0, total * sizeof *lab);
    uint32_t n = 0;
    for (size_t s = 0; s < total; s++) {
        if (!m[s] || lab[s])
            continue;
        size_t top = 0;
        lab[s] = ++n;
        stack[top++] = s;
        while (top) {
            size_t p = stack[--top];
            int x = (int)(p % w), y = (int)(p / w);
            const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
            for (int k = 0; k < 4; k++) {
                int nx = x + dx[k], ny = y + dy[k];
                if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                    continue;
                size_t q = (size_t)ny * w + nx;
                if (m[q] && !lab[q]) {
                    lab[q] = n;
                    stack[top++] = q;
                }
            }
        }
    }
    free(stack);
    return n;
}

/* min (erode) or max (dilate) over the (2r+1)^2 window clipped to the image. */
static void ref_window(const uint8_t *in, int w, int h, int r, int dilate,
                       uint8_t *out)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = !dilate;
            for (int j = y - r; j <= y + r; j++)
                for (int i = x - r; i <= x + r; i++)
                    if (i >= 0 && j >= 0 && i < w && j < h)
                        v = dilate ? v | in[j * w + i] : v & in[j * w + i];
            out[y * w + x] = (uint8_t)v;
        }
}

static void ref_open(const uint8_t *in, int w, int h, int r, uint8_t *out)
{
    uint8_t *e = xmalloc((size_t)w * h);
    ref_window(in, w, h, r, 0, e);
    ref_window(e, w, h, r, 1, out);
    free(e);
}

/* ------------------------------------------------------------------------ */
/* Random test masks                                                         */
/* ------------------------------------------------------------------------ */

enum { RW = 300, RH = 217 };

static void fill_rect(uint8_t *m, int w, int h, int x0, int y0, int rw, int rh,
                      uint8_t v)
{
    for (int y = y0; y < y0 + rh && y < h; y++)
        for (int x = x0; x < x0 + rw && x < w; x++)
            m[y * w + x] = v;
}

/* Random pixels of the given density (per mille) plus shapes that cross many
 * tile borders: bars, a 1-px frame and a 3-px frame (rings only close across
 * several tiles), shapes on the image edges, and a comb whose teeth only
 * join in the bottom row of tiles. */
static void random_mask(uint8_t *m, int w, int h, uint64_t seed,
                        unsigned permille)
{
    for (int i = 0; i < w * h; i++)
        m[i] = rng_next(&seed) % 1000u < permille;
    static const struct { int x, y, w, h; } rects[] = {
        {5, 5, 140, 12},    {200, 30, 60, 150}, {30, 100, 250, 6},
        {120, 180, 170, 30}, {0, 0, 3, 217},     {290, 150, 10, 67},
    };
    for (size_t k = 0; k < COUNT(rects); k++)
        fill_rect(m, w, h, rects[k].x, rects[k].y, rects[k].w, rects[k].h, 1);
    /* 1-px frame 40..259 x 40..199, then a 3-px frame inside it */
    fill_rect(m, w, h, 40, 40, 220, 160, 1);
    fill_rect(m, w, h, 41, 41, 218, 158, 0);
    fill_rect(m, w, h, 60, 60, 180, 120, 1);
    fill_rect(m, w, h, 63, 63, 174, 114, 0);
    /* comb on a cleared background: teeth every 9 px, joined at the bottom */
    fill_rect(m, w, h, 66, 66, 168, 108, 0);
    for (int x = 70; x < 230; x += 9)
        fill_rect(m, w, h, x, 70, 2, 95, 1);
    fill_rect(m, w, h, 70, 165, 155, 2, 1);
}

static const struct { uint64_t seed; unsigned permille; } random_masks[] = {
    {12345, 450}, /* near the percolation threshold: many components */
    {777, 800},   /* dense: large merged components, opening keeps more */
    {4242, 150},  /* sparse */
};

/* ------------------------------------------------------------------------ */
/* 1. mw_scale_u16                                                            */
/* ------------------------------------------------------------------------ */

static void test_scale_u16(void **state)
{
    (void)state;
    /* out = dn * 0.25 + 1.5 (all values exact in binary); nodata = 7. */
    static const uint16_t dn[] = {0, 2, 6, 7, 8, 65535};
    static const float with_nodata[] = {1.5f, 2.0f, 3.0f, NAN, 3.5f, 16385.25f};
    static const float without[] = {1.5f, 2.0f, 3.0f, 3.25f, 3.5f, 16385.25f};
    float out[COUNT(dn)];

    mw_scale_u16(dn, COUNT(dn), 0.25f, 1.5f, 1, 7, out);
    for (size_t i = 0; i < COUNT(dn); i++)
        if (!same_float(out[i], with_nodata[i]))
            fail_msg("has_nodata=1 dn=%u: got %.9g want %.9g", dn[i], out[i],
                     with_nodata[i]);

    mw_scale_u16(dn, COUNT(dn), 0.25f, 1.5f, 0, 7, out);
    for (size_t i = 0; i < COUNT(dn); i++)
        if (!same_float(out[i], without[i]))
            fail_msg("has_nodata=0 dn=%u: got %.9g want %.9g", dn[i], out[i],
                     without[i]);

    /* Sentinel-2 style: 10000 * 1e-4 - 0.1 = 0.9; 1000 * 1e-4 - 0.1 = 0;
     * nodata 0 -> NaN. */
    static const uint16_t s2[] = {0, 1000, 10000};
    static const float s2_want[] = {NAN, 0.0f, 0.9f};
    float s2_out[3];
    mw_scale_u16(s2, 3, 1e-4f, -0.1f, 1, 0, s2_out);
    for (size_t i = 0; i < 3; i++)
        if (!same_float(s2_out[i], s2_want[i]))
            fail_msg("S2 dn=%u: got %.9g want %.9g", s2[i], s2_out[i], s2_want[i]);
}

/* ------------------------------------------------------------------------ */
/* 2-4. Per-pixel band kernels, table driven                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
    float in[4]; /* bands in the order of the kernel's parameters */
    float want;
} band_case;

typedef void (*band_kernel)(float *const *in, size_t n, float *out);

static void k_ndvi(float *const *b, size_t n, float *out) { mw_ndvi(b[0], b[1], n, out); }
static void k_bsi(float *const *b, size_t n, float *out) { mw_bsi(b[0], b[1], b[2], b[3], n, out); }
static void k_bsi_vnir(float *const *b, size_t n, float *out) { mw_bsi_vnir(b[0], b[1], b[2], b[3], n, out); }
static void k_diff(float *const *b, size_t n, float *out) { mw_diff(b[0], b[1], n, out); }

/* Runs all cases in one call (so the loop over n is exercised as well). */
static void run_band_cases(const char *what, band_kernel k, int nbands,
                           const band_case *c, size_t n)
{
    float *in[4], *out = xmalloc(n * sizeof *out);
    for (int b = 0; b < 4; b++) {
        in[b] = xmalloc(n * sizeof *in[b]);
        for (size_t i = 0; i < n; i++)
            in[b][i] = c[i].in[b];
    }
    k(in, n, out);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (same_float(out[i], c[i].want))
            continue;
        bad = 1;
        print_error("%s case %zu (", what, i);
        for (int b = 0; b < nbands; b++)
            print_error("%s%.9g", b ? ", " : "", c[i].in[b]);
        print_error("): got %.9g, want %.9g\n", out[i], c[i].want);
    }
    for (int b = 0; b < 4; b++)
        free(in[b]);
    free(out);
    if (bad)
        fail_msg("%s: mismatches listed above", what);
}

/* NDVI = (nir - red) / (nir + red); in = {red, nir}. */
static const band_case ndvi_cases[] = {
    {{0.05f, 0.45f}, 0.8f},     /* 0.40 / 0.50 */
    {{0.45f, 0.05f}, -0.8f},    /* -0.40 / 0.50 */
    {{0.30f, 0.30f}, 0.0f},     /* red == nir */
    {{0.0f, 0.2f}, 1.0f},       /* 0.2 / 0.2 */
    {{0.2f, 0.0f}, -1.0f},      /* -0.2 / 0.2 */
    {{0.1f, 0.3f}, 0.5f},       /* 0.2 / 0.4 */
    {{-0.1f, 0.3f}, 2.0f},      /* negative red: 0.4 / 0.2 */
    {{0.3f, -0.1f}, -2.0f},     /* negative nir: -0.4 / 0.2 */
    {{-0.2f, -0.6f}, 0.5f},     /* both negative: -0.4 / -0.8 */
    {{0.0f, 0.0f}, NAN},        /* 0 / 0 */
    {{0.25f, -0.25f}, NAN},     /* 0.5 / 0: nonzero numerator */
    {{3e-7f, 2e-7f}, NAN},      /* |sum| = 5e-7 < MW_INDEX_EPS */
    {{0.5f, -0.4999997f}, NAN}, /* sum ~3e-7 < eps, numerator ~-1 */
    {{-3e-7f, -3e-7f}, NAN},    /* sum -6e-7: |sum| < eps */
    {{1e-6f, 1e-6f}, 0.0f},     /* sum 2e-6 >= eps: defined */
    {{0.0f, 2e-6f}, 1.0f},      /* 2e-6 / 2e-6 */
    {{-2e-6f, 0.0f}, -1.0f},    /* (0 + 2e-6) / -2e-6: |sum| >= eps */
    {{NAN, 0.3f}, NAN},
    {{0.3f, NAN}, NAN},
    {{NAN, NAN}, NAN},
};

static void test_ndvi(void **state)
{
    (void)state;
    run_band_cases("ndvi", k_ndvi, 2, ndvi_cases, COUNT(ndvi_cases));
}

/* BSI = ((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue));
 * in = {blue, red, nir, swir1}.  The first case has all bands distinct so a
 * swapped band changes the result (blue<->red: 1/6, nir<->swir1: -1/6). */
static const band_case bsi_cases[] = {
    {{0.1f, 0.2f, 0.3f, 0.6f}, 1.0f / 3.0f}, /* (0.8 - 0.4) / 1.2 */
    {{0.05f, 0.05f, 0.5f, 0.2f}, -0.375f},   /* (0.25 - 0.55) / 0.8 */
    {{0.1f, 0.1f, 0.1f, 0.1f}, 0.0f},        /* 0.2 - 0.2 */
    {{0.1f, 0.0f, 0.1f, 0.0f}, -1.0f},       /* (0 - 0.2) / 0.2 */
    {{0.0f, 0.3f, 0.0f, 0.1f}, 1.0f},        /* (0.4 - 0) / 0.4 */
    {{0.0f, 0.0f, 0.0f, 0.0f}, NAN},         /* 0 / 0 */
    {{-0.5f, 0.1f, 0.2f, 0.2f}, NAN},        /* 0.3 + -0.3 ~ 0 */
    {{2e-7f, 1e-7f, 1e-7f, 1e-7f}, NAN},     /* sum 5e-7 < eps */
    {{NAN, 0.1f, 0.2f, 0.3f}, NAN},
    {{0.1f, NAN, 0.2f, 0.3f}, NAN},
    {{0.1f, 0.2f, NAN, 0.3f}, NAN},
    {{0.1f, 0.2f, 0.3f, NAN}, NAN},
};

static void test_bsi(void **state)
{
    (void)state;
    run_band_cases("bsi", k_bsi, 4, bsi_cases, COUNT(bsi_cases));
}

/* BSI_vnir = ((red + green) - (nir + blue)) / ((red + green) + (nir + blue));
 * in = {blue, green, red, nir}.  First case: blue<->green gives 0.125. */
static const band_case bsi_vnir_cases[] = {
    {{0.05f, 0.15f, 0.4f, 0.2f}, 0.375f},        /* (0.55 - 0.25) / 0.8 */
    {{0.1f, 0.2f, 0.3f, 0.6f}, -1.0f / 6.0f},    /* (0.5 - 0.7) / 1.2 */
    {{0.08f, 0.06f, 0.04f, 0.02f}, 0.0f},        /* water: 0.10 - 0.10 */
    {{0.0f, 0.0f, 0.0f, 0.5f}, -1.0f},           /* (0 - 0.5) / 0.5 */
    {{0.0f, 0.0f, 0.0f, 0.0f}, NAN},             /* 0 / 0 */
    {{0.3f, -0.1f, -0.2f, 0.0f}, NAN},           /* -0.3 + 0.3 ~ 0 */
    {{NAN, 0.1f, 0.2f, 0.3f}, NAN},
    {{0.1f, NAN, 0.2f, 0.3f}, NAN},
    {{0.1f, 0.2f, NAN, 0.3f}, NAN},
    {{0.1f, 0.2f, 0.3f, NAN}, NAN},
};

static void test_bsi_vnir(void **state)
{
    (void)state;
    run_band_cases("bsi_vnir", k_bsi_vnir, 4, bsi_vnir_cases,
                   COUNT(bsi_vnir_cases));
}

/* out = t2 - t1; in = {t1, t2}.  Values exact in binary. */
static const band_case diff_cases[] = {
    {{0.25f, 0.75f}, 0.5f},  {{0.75f, 0.25f}, -0.5f}, {{-0.5f, 0.25f}, 0.75f},
    {{0.3f, 0.3f}, 0.0f},    {{NAN, 0.1f}, NAN},      {{0.1f, NAN}, NAN},
    {{NAN, NAN}, NAN},
};

static void test_diff(void **state)
{
    (void)state;
    run_band_cases("diff", k_diff, 2, diff_cases, COUNT(diff_cases));
}

/* ------------------------------------------------------------------------ */
/* 5. mw_classify                                                            */
/* ------------------------------------------------------------------------ */

static const struct {
    float dndvi, dbsi, bsi2;
    uint8_t want;
    const char *why;
} classify_cases[] = {
    {0.0f, 0.0f, 0.0f, MW_CLASS_NONE, "no change"},
    {-0.19f, 0.09f, 0.5f, MW_CLASS_NONE, "just inside every threshold"},
    {-0.3f, 0.0f, 0.0f, MW_CLASS_VEG_LOSS, "veg loss"},
    {-0.2f, 0.0f, 0.0f, MW_CLASS_VEG_LOSS, "dNDVI == -0.2: loss (<=)"},
    {0.0f, 0.3f, 0.2f, MW_CLASS_BARE_GAIN, "bare gain"},
    {0.0f, 0.1f, 0.05f, MW_CLASS_BARE_GAIN, "dBSI == 0.1, BSI2 == 0.05 (>=)"},
    {0.0f, 0.3f, 0.04f, MW_CLASS_NONE, "bare gain refused: BSI2 < bare_min"},
    {-0.3f, 0.3f, 0.2f, MW_CLASS_DISTURBANCE, "loss + bare gain"},
    {-0.2f, 0.1f, 0.05f, MW_CLASS_DISTURBANCE, "disturbance at the boundaries"},
    {-0.3f, 0.3f, 0.0f, MW_CLASS_VEG_LOSS, "loss; bare gain refused by BSI2"},
    {0.3f, 0.0f, 0.0f, MW_CLASS_REVEG, "revegetation"},
    {0.2f, 0.0f, 0.0f, MW_CLASS_REVEG, "dNDVI == 0.2: reveg (>=)"},
    {0.19f, 0.0f, 0.0f, MW_CLASS_NONE, "dNDVI just below ndvi_gain"},
    {0.3f, -0.3f, 0.0f, MW_CLASS_REVEG, "greening wins over bare loss"},
    {0.0f, -0.3f, 0.0f, MW_CLASS_OTHER, "bare ground lost, no greening"},
    {0.0f, -0.15f, 0.0f, MW_CLASS_OTHER, "dBSI == -0.15: other (<=)"},
    {0.0f, -0.14f, 0.0f, MW_CLASS_NONE, "dBSI just above -bsi_loss"},
    {-0.3f, -0.3f, 0.0f, MW_CLASS_VEG_LOSS, "loss wins over bare loss"},
    {NAN, 0.0f, 0.0f, MW_CLASS_MASKED, "NaN dNDVI"},
    {0.0f, NAN, 0.0f, MW_CLASS_MASKED, "NaN dBSI"},
    {0.0f, 0.0f, NAN, MW_CLASS_MASKED, "NaN BSI2"},
    {-0.3f, 0.3f, NAN, MW_CLASS_MASKED, "NaN BSI2 on a disturbance"},
};

static void test_classify(void **state)
{
    (void)state;
    const mw_thresholds t = {.ndvi_loss = 0.2f, .bsi_gain = 0.1f,
                             .bare_min = 0.05f, .ndvi_gain = 0.2f,
                             .bsi_loss = 0.15f};
    enum { N = COUNT(classify_cases) };
    float dn[N], db[N], b2[N];
    uint8_t cls[N];
    for (size_t i = 0; i < N; i++) {
        dn[i] = classify_cases[i].dndvi;
        db[i] = classify_cases[i].dbsi;
        b2[i] = classify_cases[i].bsi2;
    }
    memset(cls, 0xEE, sizeof cls);
    mw_classify(dn, db, b2, N, &t, cls);
    int bad = 0;
    for (size_t i = 0; i < N; i++)
        if (cls[i] != classify_cases[i].want) {
            bad = 1;
            print_error("classify (%g, %g, %g) [%s]: got %u want %u\n", dn[i],
                        db[i], b2[i], classify_cases[i].why, cls[i],
                        classify_cases[i].want);
        }
    if (bad)
        fail_msg("classify: mismatches listed above");
}

static void test_mask_eq(void **state)
{
    (void)state;
    static const uint8_t cls[] = {0, 3, 255, 3, 1, 3};
    static const uint8_t want[] = {0, 1, 0, 1, 0, 1};
    uint8_t mask[COUNT(cls)];
    mw_mask_eq(cls, COUNT(cls), MW_CLASS_DISTURBANCE, mask);
    assert_memory_equal(mask, want, sizeof want);
}

/* ------------------------------------------------------------------------ */
/* 6. mw_open: pictures                                                       */
/* ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    int r;
    const char *const *in, *const *want;
} open_cases[] = {
    {"r=0 copies", 0,
     PIC("#.#..", ".#...", "....#"),
     PIC("#.#..", ".#...", "....#")},
    {"isolated pixel vanishes", 1,
     PIC(".....", ".....", "..#..", ".....", "....."),
     PIC(".....", ".....", ".....", ".....", ".....")},
    {"2-px-wide lines vanish", 1,
     PIC(".............",
         ".########....",
         ".########....",
         "..........##.",
         "..........##.",
         ".##.......##.",
         ".##.......##.",
         ".##..........",
         ".##..........",
         "............."),
     PIC(".............", ".............", ".............", ".............",
         ".............", ".............", ".............", ".............",
         ".............", ".............")},
    {"3x3 block survives", 1,
     PIC(".......", ".......", "..###..", "..###..", "..###..", ".......", "......."),
     PIC(".......", ".......", "..###..", "..###..", "..###..", ".......", ".......")},
    {"6x4 rectangle survives", 1,
     PIC("..........", "..######..", "..######..", "..######..", "..######..", ".........."),
     PIC("..........", "..######..", "..######..", "..######..", "..######..", "..........")},
    {"L of 3-px-thick rectangles survives", 1,
     PIC(".........",
         ".###.....",
         ".###.....",
         ".###.....",
         ".###.....",
         ".#######.",
         ".#######.",
         ".#######.",
         "........."),
     PIC(".........",
         ".###.....",
         ".###.....",
         ".###.....",
         ".###.....",
         ".#######.",
         ".#######.",
         ".#######.",
         ".........")},
    {"spur and 2-px tail removed from a block", 1,
     PIC("..........",
         ".####.....",
         ".#####....",
         ".####.....",
         ".######...",
         ".######...",
         ".........."),
     PIC("..........",
         ".####.....",
         ".####.....",
         ".####.....",
         ".####.....",
         ".####.....",
         "..........")},
    /* every 3x3 window inside a 5x5 block holds the hole or the outside:
     * the erosion is empty, so the opening is empty */
    {"5x5 block with a centre hole vanishes", 1,
     PIC(".......", ".#####.", ".#####.", ".##.##.", ".#####.", ".#####.", "......."),
     PIC(".......", ".......", ".......", ".......", ".......", ".......", ".......")},
    /* 7x7 with a hole: the erosion is the ring around the hole's 3x3, whose
     * dilation is the block minus the hole */
    {"7x7 block with a centre hole survives", 1,
     PIC(".........", ".#######.", ".#######.", ".#######.", ".###.###.",
         ".#######.", ".#######.", ".#######.", "........."),
     PIC(".........", ".#######.", ".#######.", ".#######.", ".###.###.",
         ".#######.", ".#######.", ".#######.", ".........")},
    /* outside neighbours are ignored: a corner 3x3, a corner 2x2 and a 2-px
     * bar on the right edge keep their eroded core on the edge */
    {"shapes touching the edge are kept", 1,
     PIC("###.......",
         "###.....##",
         "###.....##",
         "........##",
         "........##",
         "........##",
         "##........",
         "##........"),
     PIC("###.......",
         "###.....##",
         "###.....##",
         "........##",
         "........##",
         "........##",
         "##........",
         "##........")},
    {"1-px bars on the edges vanish", 1,
     PIC(".#######..", "..........", "#.........", "#.........", "#.........",
         "..........", "....######"),
     PIC("..........", "..........", "..........", "..........", "..........",
         "..........", "..........")},
    {"r=2: 5x5 block survives, 4x5 block vanishes", 2,
     PIC("..............",
         ".#####..####..",
         ".#####..####..",
         ".#####..####..",
         ".#####..####..",
         ".#####..####..",
         ".............."),
     PIC("..............",
         ".#####........",
         ".#####........",
         ".#####........",
         ".#####........",
         ".#####........",
         "..............")},
    {"r larger than the image: full mask kept", 3,
     PIC("####", "####", "####"),
     PIC("####", "####", "####")},
    {"r larger than the image: one hole empties it", 3,
     PIC("####", "###.", "####"),
     PIC("....", "....", "....")},
};

static void test_open_pictures(void **state)
{
    (void)state;
    for (size_t k = 0; k < COUNT(open_cases); k++) {
        int w, h, ww, wh;
        uint8_t *in = pic_mask(open_cases[k].in, &w, &h);
        uint8_t *want = pic_mask(open_cases[k].want, &ww, &wh);
        assert_int_equal(w, ww);
        assert_int_equal(h, wh);
        size_t n = (size_t)w * h;
        uint8_t *orig = xmalloc(n), *out = xmalloc(n);
        memcpy(orig, in, n);

        char what[128];
        snprintf(what, sizeof what, "open \"%s\"", open_cases[k].name);
        memset(out, 0x77, n);
        open_mask(in, w, h, open_cases[k].r, out);
        assert_masks_equal(what, out, want, w, h);
        assert_memory_equal(in, orig, n); /* input untouched */

        snprintf(what, sizeof what, "open in place \"%s\"", open_cases[k].name);
        open_mask(in, w, h, open_cases[k].r, in); /* out == in */
        assert_masks_equal(what, in, want, w, h);
        free(in);
        free(want);
        free(orig);
        free(out);
    }
}

/* Every mask of a few small sizes, and random masks, against the windowed
 * min/max reference. */
static void check_open_vs_ref(const uint8_t *m, int w, int h, int r,
                              uint8_t *got, uint8_t *want)
{
    open_mask(m, w, h, r, got);
    ref_open(m, w, h, r, want);
    if (memcmp(got, want, (size_t)w * h)) {
        print_mask("input", m, w, h);
        char what[64];
        snprintf(what, sizeof what, "open r=%d %dx%d vs reference", r, w, h);
        assert_masks_equal(what, got, want, w, h);
    }
}

static void test_open_exhaustive_small(void **state)
{
    (void)state;
    static const int sizes[][2] = {{4, 4}, {3, 5}, {5, 3}, {2, 7}, {7, 2}, {1, 9}, {9, 1}};
    for (size_t s = 0; s < COUNT(sizes); s++) {
        int w = sizes[s][0], h = sizes[s][1], n = w * h;
        uint8_t *m = xmalloc(n), *got = xmalloc(n), *want = xmalloc(n);
        for (uint32_t bits = 0; bits < (1u << n); bits++) {
            for (int i = 0; i < n; i++)
                m[i] = (bits >> i) & 1u;
            for (int r = 1; r <= 2; r++)
                check_open_vs_ref(m, w, h, r, got, want);
        }
        free(m);
        free(got);
        free(want);
    }
}

static void test_open_random_vs_reference(void **state)
{
    (void)state;
    size_t n = (size_t)RW * RH;
    uint8_t *m = xmalloc(n), *got = xmalloc(n), *want = xmalloc(n);
    for (size_t k = 0; k < COUNT(random_masks); k++) {
        random_mask(m, RW, RH, random_masks[k].seed, random_masks[k].permille);
        for (int r = 1; r <= 3; r++)
            check_open_vs_ref(m, RW, RH, r, got, want);
    }
    free(m);
    free(got);
    free(want);
}

/* ------------------------------------------------------------------------ */
/* 7. mw_label: pictures                                                      */
/* ------------------------------------------------------------------------ */

static void check_label_picture(const char *name, const char *const *mask_pic,
                                const char *const *want_pic, uint32_t want_n)
{
    int w, h, ww, wh;
    uint8_t *mask = pic_mask(mask_pic, &w, &h);
    pic_dims(want_pic, &ww, &wh);
    assert_int_equal(w, ww);
    assert_int_equal(h, wh);
    size_t n = (size_t)w * h;
    uint32_t *want = xmalloc(n * sizeof *want), *got = xmalloc(n * sizeof *got);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            want[(size_t)y * w + x] = pic_label(want_pic[y][x]);

    uint32_t got_n = label(mask, w, h, got);
    if (got_n != want_n) {
        print_labels("got", got, w, h);
        fail_msg("label \"%s\": got %u components, want %u", name, got_n, want_n);
    }
    char what[128];
    snprintf(what, sizeof what, "label \"%s\"", name);
    assert_labels_equal(what, got, want, w, h);
    assert_canonical(mask, got, w, h, got_n);
    free(mask);
    free(want);
    free(got);
}

static const struct {
    const char *name;
    const char *const *mask, *const *want;
    uint32_t n;
} label_cases[] = {
    {"empty", PIC(".....", ".....", "....."), PIC(".....", ".....", "....."), 0},
    {"full", PIC("####", "####", "####"), PIC("1111", "1111", "1111"), 1},
    {"single pixel", PIC("#"), PIC("1"), 1},
    /* the right blob's first pixel (6,0) comes first in raster order */
    {"two blobs numbered by first pixel",
     PIC("......##", ".###..##", ".###....", ".###...."),
     PIC("......11", ".222..11", ".222....", ".222...."), 2},
    /* the U's right arm gets its own provisional label, merged at the
     * bottom row; a blob between the U's arms and one outside */
    {"U with blobs (union of provisional labels)",
     PIC("#...#.##", "#.#.#...", "#...#.#.", "#####.#."),
     PIC("1...1.22", "1.3.1...", "1...1.4.", "11111.4."), 4},
    {"diagonal contact only (4-connectivity)",
     PIC("##..", "##..", "..##", "..##"),
     PIC("11..", "11..", "..22", "..22"), 2},
    {"diagonal line", PIC("#..", ".#.", "..#"), PIC("1..", ".2.", "..3"), 3},
    /* each row starts a new provisional label that is then merged upwards */
    {"anti-diagonal staircase",
     PIC(".....#", "....##", "...##.", "..##..", ".##...", "##...."),
     PIC(".....1", "....11", "...11.", "..11..", ".11...", "11...."), 1},
    {"comb, teeth up",
     PIC("#.#.#.#.#", "#.#.#.#.#", "#.#.#.#.#", "#.#.#.#.#", "#########"),
     PIC("1.1.1.1.1", "1.1.1.1.1", "1.1.1.1.1", "1.1.1.1.1", "111111111"), 1},
    {"two interleaved combs",
     PIC("###########",
         ".#...#...#.",
         ".#.#.#.#.#.",
         ".#.#.#.#.#.",
         ".#.#.#.#.#.",
         "...#...#...",
         "###########"),
     PIC("11111111111",
         ".1...1...1.",
         ".1.2.1.2.1.",
         ".1.2.1.2.1.",
         ".1.2.1.2.1.",
         "...2...2...",
         "22222222222"), 2},
    {"spiral",
     PIC("#########",
         "........#",
         "#######.#",
         "#.....#.#",
         "#.###.#.#",
         "#.#...#.#",
         "#.#####.#",
         "#.......#",
         "#########"),
     PIC("111111111",
         "........1",
         "1111111.1",
         "1.....1.1",
         "1.111.1.1",
         "1.1...1.1",
         "1.11111.1",
         "1.......1",
         "111111111"), 1},
    {"one row", PIC("#.##.#"), PIC("1.22.3"), 3},
    {"one column", PIC("#", "#", ".", "#", "."), PIC("1", "1", ".", "2", "."), 2},
    {"nested rings and a centre island",
     PIC("#########",
         "#.......#",
         "#.#####.#",
         "#.#...#.#",
         "#.#.#.#.#",
         "#.#...#.#",
         "#.#####.#",
         "#.......#",
         "#########"),
     PIC("111111111",
         "1.......1",
         "1.22222.1",
         "1.2...2.1",
         "1.2.3.2.1",
         "1.2...2.1",
         "1.22222.1",
         "1.......1",
         "111111111"), 3},
};

static void test_label_pictures(void **state)
{
    (void)state;
    for (size_t k = 0; k < COUNT(label_cases); k++)
        check_label_picture(label_cases[k].name, label_cases[k].mask,
                            label_cases[k].want, label_cases[k].n);
}

/* Checkerboards: every set pixel is its own component, numbered in raster
 * order; this is the worst case of provisional labels, so it also checks the
 * documented parent size (w*h/2 + 2) under the sanitizers. */
static void check_checkerboard(int w, int h, int phase, uint32_t want_n)
{
    size_t n = (size_t)w * h;
    uint8_t *m = xmalloc(n);
    uint32_t *got = xmalloc(n * sizeof *got), *want = xmalloc(n * sizeof *want);
    uint32_t count = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            m[y * w + x] = (x + y + phase) % 2 == 0;
            want[y * w + x] = m[y * w + x] ? ++count : 0;
        }
    assert_int_equal(count, want_n);
    assert_int_equal(label(m, w, h, got), want_n);
    assert_labels_equal("checkerboard", got, want, w, h);
    free(m);
    free(got);
    free(want);
}

static void test_label_checkerboard(void **state)
{
    (void)state;
    check_checkerboard(8, 8, 0, 32);  /* 64 / 2 */
    check_checkerboard(8, 8, 1, 32);
    check_checkerboard(7, 5, 0, 18);  /* ceil(35 / 2): parent 35/2 + 2 = 19 */
    check_checkerboard(9, 9, 0, 41);  /* ceil(81 / 2) */
    check_checkerboard(1, 1, 0, 1);
    check_checkerboard(11, 1, 0, 6);
}

/* Every mask of a few small sizes against the flood-fill reference. */
static void test_label_exhaustive_small(void **state)
{
    (void)state;
    static const int sizes[][2] = {{4, 4}, {3, 5}, {5, 3}, {2, 8}, {8, 2}, {1, 12}, {12, 1}};
    for (size_t s = 0; s < COUNT(sizes); s++) {
        int w = sizes[s][0], h = sizes[s][1], n = w * h;
        uint8_t *m = xmalloc(n);
        uint32_t *got = xmalloc(n * sizeof *got), *want = xmalloc(n * sizeof *want);
        for (uint32_t bits = 0; bits < (1u << n); bits++) {
            for (int i = 0; i < n; i++)
                m[i] = (bits >> i) & 1u;
            uint32_t got_n = label(m, w, h, got), want_n = ref_label(m, w, h, want);
            if (got_n != want_n || memcmp(got, want, n * sizeof *got)) {
                print_mask("input", m, w, h);
                print_labels("got", got, w, h);
                print_labels("want", want, w, h);
                fail_msg("label %dx%d mask 0x%x: got n=%u want n=%u", w, h,
                         bits, got_n, want_n);
            }
        }
        free(m);
        free(got);
        free(want);
    }
}

static void test_label_random_vs_reference(void **state)
{
    (void)state;
    size_t n = (size_t)RW * RH;
    uint8_t *m = xmalloc(n);
    uint32_t *got = xmalloc(n * sizeof *got), *want = xmalloc(n * sizeof *want);
    for (size_t k = 0; k < COUNT(random_masks); k++) {
        random_mask(m, RW, RH, random_masks[k].seed, random_masks[k].permille);
        uint32_t got_n = label(m, RW, RH, got), want_n = ref_label(m, RW, RH, want);
        assert_true(want_n > 1);
        assert_int_equal(got_n, want_n);
        assert_labels_equal("label random vs flood fill", got, want, RW, RH);
        assert_canonical(m, got, RW, RH, got_n);
    }
    free(m);
    free(got);
    free(want);
}

/* ------------------------------------------------------------------------ */
/* 8. Tiling invariance                                                      */
/* ------------------------------------------------------------------------ */

static const struct { int tw, th; } tilings[] = {
    {16, 16},  {37, 37},  {64, 64},  {100, 100}, {37, 100}, {100, 16},
    {299, 216}, /* leaves 1-px-wide/-high tiles on the right and bottom */
    {1, RH},    {RW, 1},  {RW, RH},
};

/* Labels the mask tile by tile with mw_label, gives every tile's labels global
 * provisional ids (tile base + local label), unions ids that meet across the
 * border rows/columns of 4-neighbouring tiles, and renumbers the merged
 * components in raster order of their first pixel. */
static uint32_t label_tiled(const uint8_t *mask, int w, int h, int tw, int th,
                            uint32_t *out)
{
    size_t n = (size_t)w * h;
    uint32_t *prov = xmalloc(n * sizeof *prov);
    uint32_t *uf = xmalloc((n + 1) * sizeof *uf); /* ids are at most n */
    uint8_t *sub = xmalloc((size_t)tw * th);
    uint32_t *sublab = xmalloc((size_t)tw * th * sizeof *sublab);
    uint32_t base = 0;
    uf[0] = 0;
    for (int ty = 0; ty < h; ty += th)
        for (int tx = 0; tx < w; tx += tw) {
            int cw = tw < w - tx ? tw : w - tx, ch = th < h - ty ? th : h - ty;
            for (int y = 0; y < ch; y++)
                memcpy(sub + (size_t)y * cw, mask + (size_t)(ty + y) * w + tx, cw);
            uint32_t k = label(sub, cw, ch, sublab);
            assert_canonical(sub, sublab, cw, ch, k);
            for (int y = 0; y < ch; y++)
                for (int x = 0; x < cw; x++) {
                    uint32_t l = sublab[y * cw + x];
                    prov[(size_t)(ty + y) * w + tx + x] = l ? base + l : 0;
                }
            for (uint32_t i = 1; i <= k; i++)
                uf[base + i] = base + i;
            base += k;
        }
    for (int x = tw; x < w; x += tw) /* vertical seams: columns x-1 | x */
        for (int y = 0; y < h; y++) {
            uint32_t a = prov[(size_t)y * w + x - 1], b = prov[(size_t)y * w + x];
            if (a && b)
                mw_uf_union(uf, a, b);
        }
    for (int y = th; y < h; y += th) /* horizontal seams: rows y-1 / y */
        for (int x = 0; x < w; x++) {
            uint32_t a = prov[(size_t)(y - 1) * w + x], b = prov[(size_t)y * w + x];
            if (a && b)
                mw_uf_union(uf, a, b);
        }
    uint32_t *final = calloc(base + 1, sizeof *final), count = 0;
    assert_non_null(final);
    for (size_t i = 0; i < n; i++) {
        if (!prov[i]) {
            out[i] = 0;
            continue;
        }
        uint32_t root = mw_uf_find(uf, prov[i]);
        if (!final[root])
            final[root] = ++count;
        out[i] = final[root];
    }
    free(prov);
    free(uf);
    free(sub);
    free(sublab);
    free(final);
    return count;
}

static void test_label_tiling_invariance(void **state)
{
    (void)state;
    size_t n = (size_t)RW * RH;
    uint8_t *m = xmalloc(n);
    uint32_t *whole = xmalloc(n * sizeof *whole), *tiled = xmalloc(n * sizeof *tiled);
    for (size_t k = 0; k < COUNT(random_masks); k++) {
        random_mask(m, RW, RH, random_masks[k].seed, random_masks[k].permille);
        uint32_t whole_n = label(m, RW, RH, whole);
        assert_true(whole_n > 1);
        for (size_t t = 0; t < COUNT(tilings); t++) {
            char what[96];
            snprintf(what, sizeof what, "label mask %zu tiles %dx%d", k,
                     tilings[t].tw, tilings[t].th);
            uint32_t tiled_n = label_tiled(m, RW, RH, tilings[t].tw,
                                           tilings[t].th, tiled);
            if (tiled_n != whole_n)
                fail_msg("%s: %u components tiled, %u whole", what, tiled_n, whole_n);
            assert_labels_equal(what, tiled, whole, RW, RH);
        }
    }
    free(m);
    free(whole);
    free(tiled);
}

/* Opens each tile extended by a halo (clipped to the image) and keeps the
 * tile's own pixels. */
static void open_tiled(const uint8_t *in, int w, int h, int r, int halo, int tw,
                       int th, uint8_t *out)
{
    for (int ty = 0; ty < h; ty += th)
        for (int tx = 0; tx < w; tx += tw) {
            int cw = tw < w - tx ? tw : w - tx, ch = th < h - ty ? th : h - ty;
            int x0 = tx - halo > 0 ? tx - halo : 0, y0 = ty - halo > 0 ? ty - halo : 0;
            int x1 = tx + cw + halo < w ? tx + cw + halo : w;
            int y1 = ty + ch + halo < h ? ty + ch + halo : h;
            int ew = x1 - x0, eh = y1 - y0;
            uint8_t *ext = xmalloc((size_t)ew * eh), *eo = xmalloc((size_t)ew * eh);
            for (int y = 0; y < eh; y++)
                memcpy(ext + (size_t)y * ew, in + (size_t)(y0 + y) * w + x0, ew);
            open_mask(ext, ew, eh, r, eo);
            for (int y = 0; y < ch; y++)
                memcpy(out + (size_t)(ty + y) * w + tx,
                       eo + (size_t)(ty - y0 + y) * ew + (tx - x0), cw);
            free(ext);
            free(eo);
        }
}

static void test_open_tiling_invariance(void **state)
{
    (void)state;
    size_t n = (size_t)RW * RH;
    uint8_t *m = xmalloc(n), *whole = xmalloc(n), *tiled = xmalloc(n);
    for (size_t k = 0; k < COUNT(random_masks); k++) {
        random_mask(m, RW, RH, random_masks[k].seed, random_masks[k].permille);
        for (int r = 1; r <= 2; r++) {
            open_mask(m, RW, RH, r, whole);
            size_t kept = 0;
            for (size_t i = 0; i < n; i++)
                kept += whole[i];
            assert_true(kept > 0 && kept < n); /* not a trivial result */
            for (size_t t = 0; t < COUNT(tilings); t++) {
                char what[96];
                snprintf(what, sizeof what, "open r=%d halo %d mask %zu tiles %dx%d",
                         r, 2 * r, k, tilings[t].tw, tilings[t].th);
                memset(tiled, 0x55, n);
                open_tiled(m, RW, RH, r, 2 * r, tilings[t].tw, tilings[t].th, tiled);
                assert_masks_equal(what, tiled, whole, RW, RH);
            }
        }
    }
    free(m);
    free(whole);
    free(tiled);
}

/* mw_open_classes3 against the class-by-class reference it replaces (mask,
 * mw_open r = 1, write back), on class images with blobs, speckle and
 * masked pixels, at sizes down to one pixel wide or tall. */
static void open_classes_reference(uint8_t *cls, int w, int h)
{
    size_t n = (size_t)w * h;
    uint8_t *mask = xmalloc(n), *tmp = xmalloc(n), *tmp2 = xmalloc(n);
    for (uint8_t c = MW_CLASS_VEG_LOSS; c < MW_CLASS_COUNT; c++) {
        mw_mask_eq(cls, n, c, mask);
        mw_open(mask, w, h, 1, tmp, tmp2, mask);
        for (size_t i = 0; i < n; i++)
            if (cls[i] == c && !mask[i])
                cls[i] = MW_CLASS_NONE;
    }
    free(mask);
    free(tmp);
    free(tmp2);
}

static void test_open_classes3_vs_reference(void **state)
{
    (void)state;
    static const struct { int w, h; } sizes[] = {
        {1, 1}, {1, 9}, {9, 1}, {2, 2}, {3, 3}, {7, 5}, {64, 48}, {131, 97}};
    static const uint8_t codes[] = {MW_CLASS_NONE, MW_CLASS_VEG_LOSS, MW_CLASS_BARE_GAIN,
                                    MW_CLASS_DISTURBANCE, MW_CLASS_REVEG, MW_CLASS_OTHER,
                                    MW_CLASS_MASKED};
    size_t changed_total = 0, kept_total = 0;
    for (size_t k = 0; k < COUNT(sizes); k++) {
        int w = sizes[k].w, h = sizes[k].h;
        size_t n = (size_t)w * h;
        uint8_t *cls = xmalloc(n), *want = xmalloc(n), *tmp = xmalloc(n), *tmp2 = xmalloc(n);
        for (uint64_t seed = 1; seed <= 40; seed++) {
            uint64_t r = seed * 0x9E3779B97F4A7C15ull;
            /* blobs: a class per 4 x 4 cell, then speckle over 1 pixel in 6 */
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    uint64_t cell = ((uint64_t)(y / 4) * 977 + (uint64_t)(x / 4)) * 31 + seed;
                    cls[(size_t)y * w + x] = codes[(cell * 2654435761u >> 7) % COUNT(codes)];
                }
            for (size_t i = 0; i < n; i++)
                if (rng_next(&r) % 6 == 0)
                    cls[i] = codes[rng_next(&r) % COUNT(codes)];
            memcpy(want, cls, n);
            open_classes_reference(want, w, h);
            mw_open_classes3(cls, w, h, tmp, tmp2);
            for (size_t i = 0; i < n; i++) {
                if (cls[i] != want[i])
                    fail_msg("%dx%d seed %llu: pixel %zu is %u, reference %u", w, h,
                             (unsigned long long)seed, i, cls[i], want[i]);
                kept_total += want[i] >= MW_CLASS_VEG_LOSS && want[i] < MW_CLASS_COUNT;
            }
            memcpy(want, cls, n); /* the opening is idempotent */
            mw_open_classes3(cls, w, h, tmp, tmp2);
            assert_memory_equal(cls, want, n);
            changed_total += n;
        }
        free(cls);
        free(want);
        free(tmp);
        free(tmp2);
    }
    assert_true(kept_total > 0 && kept_total < changed_total); /* not trivial */
}

/* ------------------------------------------------------------------------ */
/* 9. Union-find                                                             */
/* ------------------------------------------------------------------------ */

static void test_uf_hand(void **state)
{
    (void)state;
    uint32_t p[10];
    for (uint32_t i = 0; i < 10; i++)
        p[i] = i;
    mw_uf_union(p, 9, 4); /* {4,9} root 4 even though 9 was given first */
    assert_int_equal(mw_uf_find(p, 9), 4);
    assert_int_equal(mw_uf_find(p, 4), 4);
    mw_uf_union(p, 2, 6); /* {2,6} root 2 */
    mw_uf_union(p, 9, 6); /* {2,4,6,9} root 2: non-roots given */
    for (uint32_t x = 0; x < 10; x++) {
        uint32_t want = (x == 2 || x == 4 || x == 6 || x == 9) ? 2 : x;
        assert_int_equal(mw_uf_find(p, x), want);
    }
    mw_uf_union(p, 6, 6); /* self: no-op */
    mw_uf_union(p, 4, 9); /* already joined: no-op */
    assert_int_equal(mw_uf_find(p, 6), 2);
    assert_int_equal(p[2], 2);
}

/* The same unions in every order and orientation give the same roots: the
 * smallest member of each set.  Sets: {2,3,5,7} {4,6} {0} {1}. */
static void test_uf_order_independent(void **state)
{
    (void)state;
    static const uint32_t pairs[][2] = {{5, 3}, {2, 7}, {7, 5}, {6, 4}, {3, 7}};
    static const uint32_t want[8] = {0, 1, 2, 2, 4, 2, 4, 2};
    enum { NP = COUNT(pairs) };
    int perm[NP];
    for (int i = 0; i < NP; i++)
        perm[i] = i;
    int runs = 0;
    for (;;) {
        for (unsigned flip = 0; flip < (1u << NP); flip++) {
            uint32_t p[8];
            for (uint32_t i = 0; i < 8; i++)
                p[i] = i;
            for (int i = 0; i < NP; i++) {
                const uint32_t *e = pairs[perm[i]];
                int f = (flip >> i) & 1;
                mw_uf_union(p, e[f], e[!f]);
            }
            for (uint32_t x = 0; x < 8; x++)
                if (mw_uf_find(p, x) != want[x])
                    fail_msg("run %d: find(%u) = %u, want %u", runs, x,
                             mw_uf_find(p, x), want[x]);
            runs++;
        }
        /* next permutation in lexicographic order */
        int i = NP - 2;
        while (i >= 0 && perm[i] > perm[i + 1])
            i--;
        if (i < 0)
            break;
        int j = NP - 1;
        while (perm[j] < perm[i])
            j--;
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
        for (int a = i + 1, b = NP - 1; a < b; a++, b--) {
            t = perm[a];
            perm[a] = perm[b];
            perm[b] = t;
        }
    }
    assert_int_equal(runs, 120 * 32); /* 5! orders x 2^5 orientations */
}

/* mw_stretch_u8: the display codes of the chips, worked by hand (lo 0.02,
 * hi 0.30: k = 255 / 0.28). */
static void test_stretch_u8(void **state)
{
    (void)state;
    const float lo = 0.02f, k = 255.0f / 0.28f;
    const float v[] = {NAN, 0.02f, 0.0f, -1.0f, 0.30f, 0.9f, 0.16f, INFINITY, -INFINITY, 0.0207f};
    /* NaN -> 0 (no data); lo and below -> 1; hi and above -> 255; the middle
     * of the range: 0.14 * k + 0.5 = 128.0 -> 128; 0.0007 * k + 0.5 = 1.1 -> 1 */
    const uint8_t want[] = {0, 1, 1, 1, 255, 255, 128, 255, 1, 1};
    uint8_t out[sizeof want];
    mw_stretch_u8(v, sizeof want, lo, k, out);
    assert_memory_equal(out, want, sizeof want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_u16),
        cmocka_unit_test(test_ndvi),
        cmocka_unit_test(test_bsi),
        cmocka_unit_test(test_bsi_vnir),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_mask_eq),
        cmocka_unit_test(test_open_pictures),
        cmocka_unit_test(test_open_exhaustive_small),
        cmocka_unit_test(test_open_random_vs_reference),
        cmocka_unit_test(test_label_pictures),
        cmocka_unit_test(test_label_checkerboard),
        cmocka_unit_test(test_label_exhaustive_small),
        cmocka_unit_test(test_label_random_vs_reference),
        cmocka_unit_test(test_label_tiling_invariance),
        cmocka_unit_test(test_open_tiling_invariance),
        cmocka_unit_test(test_open_classes3_vs_reference),
        cmocka_unit_test(test_uf_hand),
        cmocka_unit_test(test_uf_order_independent),
        cmocka_unit_test(test_stretch_u8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
