/* test_ingest.c - unit tests of the per-pixel masks of pipeline/ingest.c:
 * the spectral cloud test (white cloud masked, bright bare ground and
 * excavation kept) and the QA decoders (Landsat QA_PIXEL bits, Sentinel-2
 * SCL classes). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "ingest.h"

static void test_cloud_white(void **state)
{
    (void)state;
    /* (blue, green, red, nir) = (0.35, 0.36, 0.37, 0.40): bright and flat */
    assert_true(mw_cloud_white(0.35f, 0.37f, 0.40f));
    /* bare soil (0.12, 0.15, 0.19, 0.23): dark in blue */
    assert_false(mw_cloud_white(0.12f, 0.19f, 0.23f));
    /* the sample's excavation: blue .13, red .22 */
    assert_false(mw_cloud_white(0.13f, 0.22f, 0.25f));
    /* bright sand or a fresh pit: blue > 0.2 but well below red */
    assert_false(mw_cloud_white(0.24f, 0.36f, 0.40f));
    /* bright and white but vegetated (NDVI 0.5): not cloud */
    assert_false(mw_cloud_white(0.25f, 0.25f, 0.75f));
    /* no data */
    assert_false(mw_cloud_white(NAN, 0.3f, 0.3f));
    assert_false(mw_cloud_white(0.4f, NAN, 0.4f));
}

static void test_qa_landsat(void **state)
{
    (void)state;
    assert_false(mw_qa_masked(MW_QA_LANDSAT, 21824)); /* L8/9 clear land */
    assert_false(mw_qa_masked(MW_QA_LANDSAT, 21952)); /* clear water */
    assert_false(mw_qa_masked(MW_QA_LANDSAT, 1u << 5)); /* snow: kept */
    for (unsigned bit = 0; bit <= 4; bit++) /* fill, dilated, cirrus, cloud, shadow */
        assert_true(mw_qa_masked(MW_QA_LANDSAT, 21824u | (1u << bit)));
    assert_true(mw_qa_masked(MW_QA_LANDSAT, 1)); /* fill */
}

static void test_qa_scl(void **state)
{
    (void)state;
    static const int masked[] = {1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0};
    for (unsigned c = 0; c < 12; c++)
        assert_int_equal(mw_qa_masked(MW_QA_SCL, c), masked[c]);
    assert_false(mw_qa_masked(MW_QA_NONE, 9));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_white),
        cmocka_unit_test(test_qa_landsat),
        cmocka_unit_test(test_qa_scl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
