/* test_index.c - the STR index over envelopes (layers.h, issue 18): a query
 * finds every item a loop over all of them finds, in ascending order, and
 * nothing farther than its slack. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "layers.h"

static uint64_t state = 18;
static double uniform(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(state >> 11) * 0x1.0p-53;
}

static int meets(const OGREnvelope *a, const OGREnvelope *q, double d)
{
    return a->MinX - d <= q->MaxX && q->MinX - d <= a->MaxX && a->MinY - d <= q->MaxY &&
           q->MinY - d <= a->MaxY;
}

/* n items in a 400 km square (UTM-sized coordinates), queries of every size */
static void check_against_loop(size_t n)
{
    OGREnvelope *e = calloc(n + 1, sizeof *e);
    assert_non_null(e);
    for (size_t i = 0; i < n; i++) {
        double x = 500000 + 400000 * uniform(), y = 3900000 + 400000 * uniform();
        double w = 2000 * uniform() * uniform(), h = 2000 * uniform() * uniform();
        e[i] = (OGREnvelope){x, x + w, y, y + h};
    }
    mw_index ix;
    assert_int_equal(mw_index_build(&ix, e, n, sizeof *e), 0);
    mw_hits h = {0};
    for (int q = 0; q < 300; q++) {
        double x = 480000 + 440000 * uniform(), y = 3880000 + 440000 * uniform();
        double s = q % 3 == 0 ? 50 : q % 3 == 1 ? 5000 : 60000;
        OGREnvelope r = {x, x + s * uniform(), y, y + s * uniform()};
        double margin = q % 2 ? 500 : 0;
        mw_index_query(&ix, &r, margin, &h);
        assert_false(h.all);
        size_t k = 0, want = 0;
        for (size_t i = 0; i < n; i++) {
            if (!meets(&e[i], &r, margin))
                continue;
            want++;
            while (k < h.n && h.i[k] < i) { /* an extra: within the slack only */
                assert_true(meets(&e[h.i[k]], &r, margin + 10.0));
                k++;
            }
            assert_true(k < h.n);
            assert_int_equal(h.i[k], i);
            k++;
        }
        for (size_t j = 1; j < h.n; j++)
            assert_true(h.i[j - 1] < h.i[j]);
        assert_true(h.n >= want);
    }
    mw_hits_free(&h);
    mw_index_free(&ix);
    free(e);
}

static void test_small(void **st) { (void)st; check_against_loop(1); check_against_loop(17); }
static void test_large(void **st) { (void)st; check_against_loop(20000); }

static void test_empty(void **st)
{
    (void)st;
    mw_index ix;
    assert_int_equal(mw_index_build(&ix, NULL, 0, sizeof(OGREnvelope)), 0);
    mw_hits h = {0};
    OGREnvelope r = {0, 1, 0, 1};
    mw_index_query(&ix, &r, 10, &h);
    assert_int_equal(h.n, 0);
    mw_hits_free(&h);
    mw_index_free(&ix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
