/* test_confirm.c - unit tests of the multi-date confirmation kernel
 * (mw_confirm, kernels.h): a change that persists is confirmed from its
 * first look, a one-look flicker is not, a cloud between looks neither
 * breaks nor counts, a change that recovers is not, and a pixel with fewer
 * clear looks than confirm is not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernels.h"

enum { N = MW_CLASS_NONE, D = MW_CLASS_DISTURBANCE, V = MW_CLASS_VEG_LOSS, M = MW_CLASS_MASKED };

typedef struct {
    uint8_t cls, first, last, count;
} result;

/* One pixel's looks (date order) through the kernel. */
static result run(const uint8_t *seq, int n, int confirm)
{
    const uint8_t *looks[16];
    for (int k = 0; k < n; k++)
        looks[k] = &seq[k];
    result r;
    mw_confirm(looks, n, 1, confirm, &r.cls, &r.first, &r.last, &r.count);
    return r;
}

#define CHECK(seq, confirm, cls_, first_, last_, count_)                                \
    do {                                                                               \
        const uint8_t s_[] = seq;                                                      \
        result r_ = run(s_, (int)sizeof s_, confirm);                                   \
        assert_int_equal(r_.cls, cls_);                                                \
        assert_int_equal(r_.first, first_);                                            \
        assert_int_equal(r_.last, last_);                                              \
        assert_int_equal(r_.count, count_);                                            \
    } while (0)
#define SEQ(...) {__VA_ARGS__}

static void test_persisting_change(void **state)
{
    (void)state;
    /* appears on look 1, holds on 2 and 3: confirmed from look 1, 3 looks */
    CHECK(SEQ(N, D, D, D), 2, D, 1, 3, 3);
    /* appears on the last look only: one look, not confirmed */
    CHECK(SEQ(N, N, N, D), 2, N, 0, 3, 0);
    /* confirm = 1: every change on the last clear look */
    CHECK(SEQ(N, N, N, D), 1, D, 3, 3, 1);
    /* the class shown is the last clear look's */
    CHECK(SEQ(N, V, D), 2, D, 1, 2, 2);
}

static void test_flicker_and_recovery(void **state)
{
    (void)state;
    /* a one-look flicker in the middle: gone on the last look */
    CHECK(SEQ(N, D, N, N), 2, N, 0, 3, 0);
    /* changed twice, then recovered: not a change today */
    CHECK(SEQ(D, D, N), 2, N, 0, 2, 0);
    /* an earlier flicker does not join a later run: the run is looks 3-4 */
    CHECK(SEQ(D, N, N, D, D), 2, D, 3, 4, 2);
    /* no change at all */
    CHECK(SEQ(N, N, N), 2, N, 0, 2, 0);
}

static void test_clouds(void **state)
{
    (void)state;
    /* a cloud between two change looks neither breaks the run nor counts */
    CHECK(SEQ(N, D, M, D), 2, D, 1, 3, 2);
    /* the last look cloudy: the last clear look decides */
    CHECK(SEQ(N, D, D, M), 2, D, 1, 2, 2);
    /* a cloud on the look the change first shows: it starts on the next clear one */
    CHECK(SEQ(N, M, D, D), 2, D, 2, 3, 2);
    /* fewer clear looks than confirm: not confirmed */
    CHECK(SEQ(M, M, D), 2, N, 0, 2, 0);
    /* never clear: masked */
    CHECK(SEQ(M, M, M), 2, M, 0, 0, 0);
}

static void test_many_pixels(void **state)
{
    (void)state;
    /* the kernel over a row of pixels, the output over the last look */
    uint8_t a[5] = {N, D, D, M, N}, b[5] = {D, D, M, M, N}, c[5] = {D, N, D, M, D};
    const uint8_t *looks[3] = {a, b, c};
    uint8_t first[5], last[5], count[5];
    mw_confirm(looks, 3, 5, 2, c, first, last, count);
    const uint8_t want[5] = {D, N, D, M, N};
    const uint8_t want_first[5] = {1, 0, 0, 0, 0}, want_count[5] = {2, 0, 2, 0, 0};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(c[i], want[i]);
        assert_int_equal(first[i], want_first[i]);
        assert_int_equal(count[i], want_count[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persisting_change),
        cmocka_unit_test(test_flicker_and_recovery),
        cmocka_unit_test(test_clouds),
        cmocka_unit_test(test_many_pixels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
