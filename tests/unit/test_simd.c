/* test_simd.c - the AVX2 and scalar variants of the streaming kernels give
 * the same bits, on ordinary values and on the edge cases (zero and tiny
 * denominators, NaN, negative reflectance, nodata). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernels.h"

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
    assert_string_equal(mw_simd_select(0), "scalar");
    run_all(a, b, c, d, dn, &scalar);
    const char *v = mw_simd_select(1);
    print_message("SIMD variant compared with the scalar reference: %s\n", v);
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

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_variants_identical)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
