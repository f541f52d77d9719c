/* test_stats.c - unit tests of the statistics kernels (kernels/stats.h):
 * confusion matrix and scores against hand-computed numbers, chi-square
 * tails against tabulated values, thresholds on separable histograms,
 * selection against sorting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* |a - b| <= tol (cmocka 1.1 has no double assertion) */
#define ASSERT_NEAR(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

static void test_confusion_hand(void **state)
{
    (void)state;
    /* pixel by pixel: TP TP FN FP TN TN TN(masked) skip FN(masked) TN */
    const uint8_t ref[10] = {1, 1, 1, 0, 0, 0, 0, 255, 1, 0};
    const uint8_t pred[10] = {1, 3, 0, 1, 0, 0, 255, 5, 255, 0};
    uint64_t cm[MW_NCM] = {0};
    mw_confusion_add(pred, ref, 10, cm);
    assert_int_equal(cm[MW_TP], 2);
    assert_int_equal(cm[MW_FP], 1);
    assert_int_equal(cm[MW_FN], 2);
    assert_int_equal(cm[MW_TN], 4);
    mw_scores s;
    mw_scores_compute(cm, &s);
    assert_int_equal(s.n, 9);
    /* OA = 6/9; chance agreement pe = (3*4 + 6*5) / 81 = 42/81;
     * kappa = (54/81 - 42/81) / (39/81) = 12/39 */
    ASSERT_NEAR(s.oa, 6.0 / 9.0, 1e-12);
    ASSERT_NEAR(s.kappa, 12.0 / 39.0, 1e-12);
    ASSERT_NEAR(s.precision, 2.0 / 3.0, 1e-12);
    ASSERT_NEAR(s.recall, 0.5, 1e-12);
    ASSERT_NEAR(s.f1, 4.0 / 7.0, 1e-12);
}

static void test_confusion_accumulates(void **state)
{
    (void)state;
    const uint8_t ref[4] = {1, 0, 1, 0};
    const uint8_t pred[4] = {2, 4, 0, 0};
    uint64_t cm[MW_NCM] = {0};
    mw_confusion_add(pred, ref, 2, cm);
    mw_confusion_add(pred + 2, ref + 2, 2, cm);
    assert_int_equal(cm[MW_TP], 1);
    assert_int_equal(cm[MW_FP], 1);
    assert_int_equal(cm[MW_FN], 1);
    assert_int_equal(cm[MW_TN], 1);
    mw_scores s;
    mw_scores_compute(cm, &s);
    /* marginals all 2 of 4: pe = 0.5, OA = 0.5, kappa 0 */
    ASSERT_NEAR(s.kappa, 0.0, 1e-12);
    ASSERT_NEAR(s.f1, 0.5, 1e-12);
}

static void test_scores_degenerate(void **state)
{
    (void)state;
    mw_scores s;
    uint64_t none[MW_NCM] = {0};
    mw_scores_compute(none, &s);
    assert_int_equal(s.n, 0);
    ASSERT_NEAR(s.kappa, 0.0, 0);
    /* perfect agreement */
    uint64_t perfect[MW_NCM] = {[MW_TP] = 5, [MW_TN] = 15};
    mw_scores_compute(perfect, &s);
    ASSERT_NEAR(s.oa, 1.0, 1e-12);
    ASSERT_NEAR(s.kappa, 1.0, 1e-12);
    ASSERT_NEAR(s.f1, 1.0, 1e-12);
    /* nothing predicted, nothing changed: precision, recall, F1 are 0, not NaN */
    uint64_t all_tn[MW_NCM] = {[MW_TN] = 7};
    mw_scores_compute(all_tn, &s);
    ASSERT_NEAR(s.oa, 1.0, 1e-12);
    assert_false(isnan(s.kappa));
    ASSERT_NEAR(s.f1, 0.0, 0);
}

static void test_chi2_sf(void **state)
{
    (void)state;
    ASSERT_NEAR(mw_chi2_sf(2.0, 2), exp(-1.0), 1e-12);
    ASSERT_NEAR(mw_chi2_sf(3.841458821, 1), 0.05, 1e-8);
    ASSERT_NEAR(mw_chi2_sf(12.59158724, 6), 0.05, 1e-8);
    ASSERT_NEAR(mw_chi2_sf(6.634896601, 1), 0.01, 1e-8);
    ASSERT_NEAR(mw_chi2_sf(0.0, 6), 1.0, 0);
    /* k = 6: Q = exp(-x/2) (1 + x/2 + (x/2)^2 / 2) */
    ASSERT_NEAR(mw_chi2_sf(100.0, 6) / (1301.0 * exp(-50.0)), 1.0, 1e-10);
    assert_true(isnan(mw_chi2_sf(NAN, 3)));
}

static void test_thresholds_bimodal(void **state)
{
    (void)state;
    /* modes around bins 2 and 9 of 12 over [0, 12) */
    const uint64_t h[12] = {1, 20, 50, 20, 1, 0, 0, 2, 10, 25, 10, 2};
    double t_otsu = mw_otsu(h, 12, 0, 12);
    double t_ki = mw_kittler(h, 12, 0, 12);
    assert_true(t_otsu >= 5 && t_otsu <= 7);
    assert_true(t_ki >= 5 && t_ki <= 7);
    /* a histogram with one occupied bin cannot be split */
    const uint64_t one[4] = {0, 9, 0, 0};
    ASSERT_NEAR(mw_otsu(one, 4, 0, 4), 0.0, 0);
    ASSERT_NEAR(mw_kittler(one, 4, 0, 4), 0.0, 0);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_select_vs_sort(void **state)
{
    (void)state;
    enum { N = 1001 };
    float v[N], sorted[N], work[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (float)((seed >> 16) % 97); /* many ties */
    }
    memcpy(sorted, v, sizeof v);
    qsort(sorted, N, sizeof *sorted, cmp_float);
    const size_t ks[] = {0, 1, 250, 500, 999, 1000};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        memcpy(work, v, sizeof v);
        assert_true(mw_select(work, N, ks[i]) == sorted[ks[i]]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confusion_hand),
        cmocka_unit_test(test_confusion_accumulates),
        cmocka_unit_test(test_scores_degenerate),
        cmocka_unit_test(test_chi2_sf),
        cmocka_unit_test(test_thresholds_bimodal),
        cmocka_unit_test(test_select_vs_sort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
