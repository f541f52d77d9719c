/* test_simd.c - the AVX2 and scalar variants of the streaming kernels give
 * the same bits, on ordinary values and on the edge cases (zero and tiny
 * denominators, NaN, negative reflectance, nodata).  Where there is no AVX2
 * variant to compare (a CPU without AVX2, or MW_SIMD=scalar, which the
 * binary honours the same way) the comparisons are skipped, not passed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernels.h"
#include "simd.h"

#define N 1037 /* not a multiple of any vector width: the tails run too */

static uint32_t rng = 12345;
static float next(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / (float)(1u << 24);
}

static void fill(float *v, int k)
{
    for (int i = 0; i < N; i++) {
        switch ((i + k) % 9) {
        case 0: v[i] = 0.0f; break;            /* zero denominators */
        case 1: v[i] = NAN; break;             /* nodata */
        case 2: v[i] = 3e-7f; break;           /* below MW_INDEX_EPS */
        case 3: v[i] = -0.05f * next(); break; /* negative reflectance */
        default: v[i] = next(); break;
        }
    }
}

typedef struct {
    float out[6][N];
    uint8_t code[2][N]; /* mw_stretch_u8 */
} results;

static void run_all(const float *a, const float *b, const float *c, const float *d,
                    const uint16_t *dn, results *r)
{
    mw_ndvi(a, b, N, r->out[0]);
    mw_bsi(a, b, c, d, N, r->out[1]);
    mw_bsi_vnir(a, b, c, d, N, r->out[2]);
    mw_diff(a, b, N, r->out[3]);
    mw_scale_u16(dn, N, 0.0001f, -0.1f, 1, 0, r->out[4]);
    mw_scale_u16(dn, N, 2.75e-5f, -0.2f, 0, 0, r->out[5]);
    mw_stretch_u8(a, N, 0.02f, 255.0f / 0.28f, r->code[0]);
    mw_stretch_u8(c, N, 0.5f, 1e6f, r->code[1]); /* saturates: 1 and 255 */
}

static void test_variants_identical(void **state)
{
    (void)state;
    static float a[N], b[N], c[N], d[N];
    static uint16_t dn[N];
    static results scalar, simd;
    fill(a, 0), fill(b, 4), fill(c, 7), fill(d, 2);
    for (int i = 0; i < N; i++)
        dn[i] = (uint16_t)(i % 7 == 0 ? 0 : (i * 7919) % 65536);
    if (strcmp(mw_simd_choose(), "avx2")) {
        mw_simd_select(0);
        skip(); /* scalar against scalar would prove nothing */
    }
    assert_string_equal(mw_simd_select(0), "scalar");
    run_all(a, b, c, d, dn, &scalar);
    assert_string_equal(mw_simd_select(1), "avx2");
    run_all(a, b, c, d, dn, &simd);
    /* bitwise, NaN included */
    assert_memory_equal(&scalar, &simd, sizeof scalar);
    /* the edge cases were exercised: undefined NDVI (NaN) where a band is
     * nodata or the denominator is below MW_INDEX_EPS, finite elsewhere */
    int nan = 0;
    for (int i = 0; i < N; i++)
        nan += isnan(scalar.out[0][i]);
    assert_in_range(nan, N / 9 * 2, N - N / 2);
    mw_simd_select(0);
}

/* mw_change_u16 against the chain it fuses (scale, saturation, NDVI, BSI,
 * differences, classes), each variant against itself and the scalar chain
 * against the AVX2 fused kernel: the same bits and classes.  The raw values
 * hit nodata (0 on t1, 9 on t2), saturation (>= 60001 on t1), equal bands
 * (zero NDVI denominators once the offset cancels them) and every class. */
static void change_fused(int variants)
{
    static uint16_t dn[2][4][N];
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < N; i++) {
                uint32_t v = (uint32_t)(i * 2654435761u + (uint32_t)(d * 4 + k) * 97u) >> 18;
                dn[d][k][i] = (uint16_t)(i % 11 == 0 ? 0 : i % 13 == 0 ? 9 : v);
            }
    for (int i = 0; i < N; i += 17)
        dn[0][2][i] = 60001; /* saturated nir */
    for (int i = 5; i < N; i += 19)
        dn[1][1][i] = dn[1][2][i] = 1000; /* red == nir */
    /* one pixel of each class, worked by hand (blue, red, nir, swir1) */
    static const struct {
        int i;
        uint16_t t1[4], t2[4];
        uint8_t cls;
    } known[] = {
        {1, {1500, 1500, 5000, 3000}, {1000, 2500, 3000, 4000}, MW_CLASS_DISTURBANCE},
        {2, {1500, 1500, 5000, 3000}, {500, 1000, 2000, 1500}, MW_CLASS_VEG_LOSS},
        {3, {2000, 3000, 4000, 4000}, {1000, 2500, 3500, 5000}, MW_CLASS_BARE_GAIN},
        {4, {2000, 3500, 4000, 5000}, {500, 500, 4000, 2000}, MW_CLASS_REVEG},
        {6, {2000, 3500, 4000, 5000}, {1000, 1000, 1500, 1000}, MW_CLASS_OTHER},
        {7, {2000, 3000, 4000, 4000}, {1000, 2000, 3000, 3000}, MW_CLASS_NONE},
    };
    for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
        for (int k = 0; k < 4; k++) {
            dn[0][k][known[j].i] = known[j].t1[k];
            dn[1][k][known[j].i] = known[j].t2[k];
        }
    const mw_dn_scale sc[2] = {{0.0001f, -0.1f, 1, 0, 60001}, {0.0001f, 0.0f, 1, 9, 65536}};
    const mw_thresholds t = {.ndvi_loss = 0.2f, .bsi_gain = 0.1f, .bare_min = 0.05f,
                             .ndvi_gain = 0.2f, .bsi_loss = 0.15f};
    const uint16_t *const planes[2][4] = {{dn[0][0], dn[0][1], dn[0][2], dn[0][3]},
                                          {dn[1][0], dn[1][1], dn[1][2], dn[1][3]}};
    static float refl[2][4][N], ndvi[2][N], bsi[2][N], dv[2][N], db[2][N];
    static uint8_t cls[2][N];
    for (int v = 0; v < variants; v++) {
        assert_string_equal(mw_simd_select(v), v ? "avx2" : "scalar");
        /* the chain, as classify_dn runs it for other band sets */
        static float cdv[N], cdb[N];
        static uint8_t ccls[N];
        for (int d = 0; d < 2; d++) {
            for (int k = 0; k < 4; k++) {
                mw_scale_u16(dn[d][k], N, sc[d].scale, sc[d].offset, 1, sc[d].nodata,
                             refl[d][k]);
                if (sc[d].sat_min <= 65535)
                    mw_mask_saturated_u16(dn[d][k], N, 60000.5, refl[d][k]);
            }
            mw_ndvi(refl[d][1], refl[d][2], N, ndvi[d]);
            mw_bsi(refl[d][0], refl[d][1], refl[d][2], refl[d][3], N, bsi[d]);
        }
        mw_diff(ndvi[0], ndvi[1], N, cdv);
        mw_diff(bsi[0], bsi[1], N, cdb);
        mw_classify(cdv, cdb, bsi[1], N, &t, ccls);
        mw_change_u16(planes, N, sc, &t, dv[v], db[v], cls[v]);
        assert_memory_equal(cdv, dv[v], sizeof cdv);
        assert_memory_equal(cdb, db[v], sizeof cdb);
        assert_memory_equal(ccls, cls[v], sizeof ccls);
    }
    if (variants == 2)
        assert_memory_equal(cls[0], cls[1], N);
    for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
        assert_int_equal(cls[0][known[j].i], known[j].cls);
    int masked = 0;
    for (int i = 0; i < N; i++)
        masked += cls[0][i] == MW_CLASS_MASKED;
    /* nodata on either date (i % 11, i % 13) and saturated t1 nir (i % 17) */
    int want = 0;
    for (int i = 0; i < N; i++)
        want += i % 11 == 0 || i % 13 == 0 || i % 17 == 0;
    assert_true(masked >= want);
    mw_simd_select(0);
}

/* the scalar fused kernel against the scalar chain: needs no AVX2 */
static void test_change_fused_scalar(void **state)
{
    (void)state;
    change_fused(1);
}

/* and the AVX2 one against its chain and against the scalar one */
static void test_change_fused_avx2(void **state)
{
    (void)state;
    if (strcmp(mw_simd_choose(), "avx2")) {
        mw_simd_select(0);
        skip();
    }
    change_fused(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_variants_identical),
                                       cmocka_unit_test(test_change_fused_scalar),
                                       cmocka_unit_test(test_change_fused_avx2)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
