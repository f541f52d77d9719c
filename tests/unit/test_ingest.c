/* test_ingest.c - unit tests of the per-pixel masks of pipeline/ingest.c:
 * the spectral cloud test (white cloud masked, bright bare ground and
 * excavation kept) and the QA decoders (Landsat QA_PIXEL bits, Sentinel-2
 * SCL classes, the SCL picture of EO Browser exports). */
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
    /* no data, saturated, cloud shadow, water, cloud medium / high, cirrus, snow */
    static const int masked[] = {1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1};
    for (int c = 0; c < 12; c++) {
        assert_int_equal(mw_qa_masked(MW_QA_SCL, c), masked[c]);
        assert_int_equal(mw_qa_masked(MW_QA_SCL_RGB, c), masked[c]);
    }
    assert_true(mw_qa_masked(MW_QA_SCL_RGB, -1)); /* a colour of no class */
    assert_false(mw_qa_masked(MW_QA_NONE, 9));
}

/* Sentinel Hub's scene-classification picture: the colours of its script,
 * a 16-bit export rounded back to 8 bits (41121 / 257 = 160), within 3. */
static void test_scl_rgb(void **state)
{
    (void)state;
    static const unsigned C[12][3] = {
        {0, 0, 0},       {255, 0, 0},     {47, 47, 47},    {100, 50, 0},
        {0, 160, 0},     {255, 230, 90},  {0, 0, 255},     {128, 128, 128},
        {192, 192, 192}, {255, 255, 255}, {100, 200, 255}, {255, 150, 255}};
    for (int k = 0; k < 12; k++)
        assert_int_equal(mw_scl_rgb_class(C[k][0], C[k][1], C[k][2]), k);
    assert_int_equal(mw_scl_rgb_class(0, (41121 + 128) / 257, 0), 4);
    assert_int_equal(mw_scl_rgb_class(253, 228, 93), 5);   /* within 3 */
    assert_int_equal(mw_scl_rgb_class(251, 230, 90), -1);  /* 4 away */
    assert_int_equal(mw_scl_rgb_class(120, 90, 60), -1);   /* true colour, soil */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloud_white),
        cmocka_unit_test(test_qa_landsat),
        cmocka_unit_test(test_qa_scl),
        cmocka_unit_test(test_scl_rgb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
