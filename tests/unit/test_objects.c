/* test_objects.c - unit tests of the change objects (kernels/mad.h,
 * mw_change_objects): the minimum mapping unit, the peak test with its
 * bounded growth, the edge refinement, and that a window read with
 * mw_objects_halo around a tile gives the whole image's result in its core. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mad.h"

/* Every buffer the kernel needs, at its documented size. */
typedef struct {
    uint8_t *keep, *a, *b;
    uint32_t *labels, *parent;
} scratch;

static scratch scratch_new(int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    scratch s = {malloc(n), malloc(n), malloc(n), malloc(n * sizeof(uint32_t)),
                 malloc((n / 2 + 2) * sizeof(uint32_t))};
    assert_non_null(s.keep);
    assert_non_null(s.parent);
    return s;
}

static void scratch_free(scratch *s)
{
    free(s->keep); free(s->a); free(s->b); free(s->labels); free(s->parent);
}

/* dNDVI -1, dBSI +1 with this direction: disturbance. */
static const mw_direction DIR = {0, 0.1f, 0, 0.1f, 1};

/* A 12 x 6 window from a picture: '.' no change (mag 1, z 1), 'o' a changed
 * pixel (mag 3), 'S' a seed (mag 9), 'e' no change but z over the threshold
 * (mag 1, z 9), 'x' masked.  thr = 2: cls from mw_classify_mad. */
#define W 12
#define H 6
static void window(const char *const *pic, uint8_t *cls, float *mag, float *z, float *dn,
                   float *db)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            size_t i = (size_t)y * W + x;
            char c = pic[y][x];
            mag[i] = c == 'o' ? 3 : c == 'S' ? 9 : c == 'x' ? NAN : 1;
            z[i] = c == 'e' ? 9 : mag[i] * mag[i];
            dn[i] = -1;
            db[i] = 1;
        }
    mw_classify_mad(mag, 2, dn, db, W * H, &DIR, cls);
}

static int count(const uint8_t *cls, uint8_t c)
{
    int n = 0;
    for (int i = 0; i < W * H; i++)
        n += cls[i] == c;
    return n;
}

static void test_mmu_and_peak(void **state)
{
    (void)state;
    static const char *const pic[H] = {
        "oo......oooo", /* top left: 2 px (below the MMU of 4); right: 4 px, no seed */
        "............",
        ".oooS.......", /* 4 px with a seed: kept */
        "...........x",
        "..oo..oooooS", /* 2 px; 6 px with a seed at its end */
        "............",
    };
    uint8_t cls[W * H];
    float mag[W * H], z[W * H], dn[W * H], db[W * H];
    scratch s = scratch_new(W, H);
    /* the MMU alone: the 2 px objects go, both 4 px and the 6 px stay */
    window(pic, cls, mag, z, dn, db);
    mw_objects mmu = {2, 2, 4, 0, 0};
    assert_int_equal(mw_objects_halo(&mmu), 3);
    mw_change_objects(cls, mag, z, dn, db, W, H, &mmu, &DIR, s.keep, s.a, s.b, s.labels,
                      s.parent);
    assert_int_equal(count(cls, MW_CLASS_DISTURBANCE), 14);
    assert_int_equal(cls[0], MW_CLASS_NONE);
    assert_int_equal(cls[4 * W + 2], MW_CLASS_NONE);
    assert_int_equal(cls[3 * W + 11], MW_CLASS_MASKED);
    /* and the peak test: the 4 px object without a seed goes too */
    window(pic, cls, mag, z, dn, db);
    mw_objects peak = {2, 5, 4, 24, 0};
    assert_int_equal(mw_objects_halo(&peak), 24); /* max(4 - 1, 24) */
    mw_change_objects(cls, mag, z, dn, db, W, H, &peak, &DIR, s.keep, s.a, s.b, s.labels,
                      s.parent);
    assert_int_equal(count(cls, MW_CLASS_DISTURBANCE), 10);
    assert_int_equal(cls[8], MW_CLASS_NONE);
    /* a reach of 3 steps from the seed at (11, 4): (6, 4) is 5 steps away */
    window(pic, cls, mag, z, dn, db);
    mw_objects near = {2, 5, 4, 3, 0};
    mw_change_objects(cls, mag, z, dn, db, W, H, &near, &DIR, s.keep, s.a, s.b, s.labels,
                      s.parent);
    assert_int_equal(cls[4 * W + 8], MW_CLASS_DISTURBANCE); /* 3 steps */
    assert_int_equal(cls[4 * W + 7], MW_CLASS_NONE);        /* 4 steps */
    assert_int_equal(count(cls, MW_CLASS_DISTURBANCE), 4 + 4);
    scratch_free(&s);
}

static void test_refine(void **state)
{
    (void)state;
    static const char *const pic[H] = {
        "e...........", /* z over the threshold but next to nothing kept: stays */
        "............",
        "..eooSe.....", /* next to the kept object (left, right): added */
        "....e.......", /* below it: added */
        ".....x.e....", /* masked: stays masked; two rows away: stays */
        "............",
    };
    uint8_t cls[W * H];
    float mag[W * H], z[W * H], dn[W * H], db[W * H];
    scratch s = scratch_new(W, H);
    window(pic, cls, mag, z, dn, db);
    mw_objects o = {2, 5, 3, 24, 1};
    mw_change_objects(cls, mag, z, dn, db, W, H, &o, &DIR, s.keep, s.a, s.b, s.labels,
                      s.parent);
    assert_int_equal(count(cls, MW_CLASS_DISTURBANCE), 3 + 3);
    assert_int_equal(cls[2 * W + 2], MW_CLASS_DISTURBANCE);
    assert_int_equal(cls[2 * W + 6], MW_CLASS_DISTURBANCE);
    assert_int_equal(cls[3 * W + 4], MW_CLASS_DISTURBANCE);
    assert_int_equal(cls[0], MW_CLASS_NONE);
    assert_int_equal(cls[4 * W + 7], MW_CLASS_NONE);
    assert_int_equal(cls[4 * W + 5], MW_CLASS_MASKED);
    scratch_free(&s);
}

/* Run o over the SW x SH field whole, and as T x T tiles read with the given
 * halo; returns the number of core pixels where the two differ. */
enum { SW = 96, SH = 64, T = 32 };
static int tiles_differ(const float *mag, const float *z, const float *dn, const float *db,
                        const mw_objects *o, int halo, uint8_t *whole)
{
    size_t n = (size_t)SW * SH;
    mw_classify_mad(mag, o->thr, dn, db, n, &DIR, whole);
    scratch s = scratch_new(SW, SH);
    mw_change_objects(whole, mag, z, dn, db, SW, SH, o, &DIR, s.keep, s.a, s.b, s.labels,
                      s.parent);
    scratch_free(&s);
    int differ = 0;
    for (int ty = 0; ty < SH; ty += T)
        for (int tx = 0; tx < SW; tx += T) {
            int x0 = tx - halo > 0 ? tx - halo : 0, y0 = ty - halo > 0 ? ty - halo : 0;
            int x1 = tx + T + halo < SW ? tx + T + halo : SW;
            int y1 = ty + T + halo < SH ? ty + T + halo : SH;
            int ww = x1 - x0, wh = y1 - y0;
            size_t m = (size_t)ww * wh;
            float *wm = malloc(m * sizeof *wm), *wz = malloc(m * sizeof *wz);
            float *wn = malloc(m * sizeof *wn), *wb = malloc(m * sizeof *wb);
            uint8_t *wc = malloc(m);
            assert_non_null(wc);
            for (int y = 0; y < wh; y++)
                for (int x = 0; x < ww; x++) {
                    size_t i = (size_t)(y0 + y) * SW + x0 + x, j = (size_t)y * ww + x;
                    wm[j] = mag[i]; wz[j] = z[i]; wn[j] = dn[i]; wb[j] = db[i];
                }
            mw_classify_mad(wm, o->thr, wn, wb, m, &DIR, wc);
            scratch t = scratch_new(ww, wh);
            mw_change_objects(wc, wm, wz, wn, wb, ww, wh, o, &DIR, t.keep, t.a, t.b, t.labels,
                              t.parent);
            scratch_free(&t);
            for (int y = ty; y < ty + T; y++)
                for (int x = tx; x < tx + T; x++)
                    differ += wc[(size_t)(y - y0) * ww + (x - x0)] != whole[(size_t)y * SW + x];
            free(wm); free(wz); free(wn); free(wb); free(wc);
        }
    return differ;
}

/* The halo is what the objects need, and not more than they need: fields
 * that put the decisive pixel exactly mw_objects_halo away from a tile's
 * core, and pseudo-random change around them.  With the halo the tiles give
 * the whole field's result; with one pixel less they do not. */
static void test_tiles_agree(void **state)
{
    (void)state;
    size_t n = (size_t)SW * SH;
    float *mag = malloc(n * sizeof *mag), *z = malloc(n * sizeof *z);
    float *dn = malloc(n * sizeof *dn), *db = malloc(n * sizeof *db);
    uint8_t *whole = malloc(n);
    assert_non_null(whole);
    uint32_t r = 12345;
    for (size_t i = 0; i < n; i++) { /* noise: blobs of change below the seed */
        r = r * 1103515245u + 12345u;
        mag[i] = 1.5f + 2.0f * (float)((r >> 8) & 0xffff) / 65535.0f;
        z[i] = mag[i] * mag[i];
        dn[i] = i % 3 ? -1.0f : 0.05f;
        db[i] = i % 5 ? 1.0f : -0.05f;
        if (i % 97 == 0)
            mag[i] = NAN;
    }
#define AT(x, y) ((size_t)(y) * SW + (size_t)(x))
    /* 1. the peak test and the edge step (reach 9, halo 10): a line of change
     * along row 20, its only seed at column 22; (31, 20) is kept (9 steps),
     * (32, 20) is not but comes back as an edge pixel (its z is over the
     * threshold), as does (32, 21); (33, 20) stays out.  The tile whose core
     * starts at column 32 must see column 22 */
    for (int x = 0; x < SW; x++) {
        for (int y = 19; y <= 21; y++) {
            mag[AT(x, y)] = 1;
            z[AT(x, y)] = 1;
        }
        mag[AT(x, 20)] = 3.2f;
        z[AT(x, 20)] = 3.2f * 3.2f;
    }
    mag[AT(22, 20)] = 9;
    z[AT(32, 21)] = 10;
    mw_objects peak = {3.0f, 5.0f, 1, 9, 1};
    assert_int_equal(mw_objects_halo(&peak), 10);
    assert_int_equal(tiles_differ(mag, z, dn, db, &peak, 10, whole), 0);
    assert_int_equal(whole[AT(31, 20)], MW_CLASS_DISTURBANCE);
    assert_int_equal(whole[AT(32, 20)], MW_CLASS_DISTURBANCE);
    assert_int_equal(whole[AT(32, 21)], MW_CLASS_DISTURBANCE);
    assert_int_equal(whole[AT(33, 20)], MW_CLASS_NONE);
    assert_int_equal(whole[AT(33, 21)], MW_CLASS_NONE);
    assert_true(tiles_differ(mag, z, dn, db, &peak, 9, whole) > 0);
    /* 2. the minimum mapping unit (12 px, halo 11): a segment of exactly 12
     * px along row 45, columns 21-32, crossing into the core at column 32 */
    for (int x = 0; x < SW; x++)
        for (int y = 44; y <= 46; y++) {
            mag[AT(x, y)] = 1;
            z[AT(x, y)] = 1;
        }
    for (int x = 21; x <= 32; x++)
        mag[AT(x, 45)] = 3.2f;
    mw_objects mmu = {3.0f, 3.0f, 12, 0, 0};
    assert_int_equal(mw_objects_halo(&mmu), 11);
    assert_int_equal(tiles_differ(mag, z, dn, db, &mmu, 11, whole), 0);
    assert_int_equal(whole[AT(32, 45)], MW_CLASS_DISTURBANCE);
    assert_true(tiles_differ(mag, z, dn, db, &mmu, 10, whole) > 0);
    /* 3. everything at once on the same field (halo max(11, 9) + 1) */
    mw_objects all = {3.0f, 5.0f, 12, 9, 1};
    assert_int_equal(mw_objects_halo(&all), 12);
    assert_int_equal(tiles_differ(mag, z, dn, db, &all, 12, whole), 0);
#undef AT
    free(mag); free(z); free(dn); free(db); free(whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mmu_and_peak),
        cmocka_unit_test(test_refine),
        cmocka_unit_test(test_tiles_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
