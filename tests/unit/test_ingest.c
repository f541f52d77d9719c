/* test_ingest.c - unit tests of pipeline/ingest/ (decode.c): the per-pixel masks
 * (the spectral cloud test: white cloud masked, bright bare ground and
 * excavation kept; the QA decoders: Landsat QA_PIXEL bits, Sentinel-2 SCL
 * classes, the SCL picture of EO Browser exports), and what mw_scene_open
 * takes as inputs: every file behind a chain of VRTs and the QA raster in
 * mw_scene.inputs, a FIFO behind a VRT or as the QA raster refused before
 * GDAL opens it, a scene beyond [tiles] max_pixels refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"
#include "mw.h"
#include "tmpdir.h"

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

/* A 64 x 64 px, 4-band UInt16 GeoTIFF. */
static void tiny_tif(const char *path)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, 64, 64, 4, GDT_UInt16,
                                 NULL);
    assert_non_null(ds);
    double gt[6] = {680000, 10, 0, 4020000, 0, -10};
    GDALSetGeoTransform(ds, gt);
    GDALSetProjection(ds, "EPSG:32649");
    for (int b = 1; b <= 4; b++)
        GDALFillRaster(GDALGetRasterBand(ds, b), 1000 * b, 0);
    GDALClose(ds);
}

static void vrt_of(const char *vrt, const char *src)
{
    const char *srcs[1] = {src};
    GDALDatasetH ds = GDALBuildVRT(vrt, 1, NULL, srcs, NULL, NULL);
    assert_non_null(ds);
    GDALClose(ds);
}

/* The configuration of a scan of t1, t2 (and qa_t1 and qa_t2 = qa, if
 * given) with [tiles] max_pixels, loaded. */
static void config(mw_config *cfg, const char *t1, const char *t2, const char *qa,
                   const char *max_pixels)
{
    char path[128];
    snprintf(path, sizeof path, "%s/scan.ini", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "[scene]\nt1 = %s\nt2 = %s\nt1_date = 2024-05-15\nt2_date = 2024-09-20\n"
               "[bands]\nblue = 1\nred = 2\nnir = 3\nswir1 = 4\n", t1, t2);
    if (qa)
        fprintf(f, "qa_type = landsat\nqa_t1 = %s\nqa_t2 = %s\n", qa, qa);
    fprintf(f, "[tiles]\nmax_pixels = %s\n", max_pixels);
    fclose(f);
    assert_int_equal(mw_config_load(path, cfg), 0);
}

static int has(char **list, const char *name)
{
    for (int i = 0; list && list[i]; i++) {
        const char *base = strrchr(list[i], '/');
        if (!strcmp(base ? base + 1 : list[i], name))
            return 1;
    }
    return 0;
}

static void test_inputs(void **state)
{
    (void)state;
    GDALAllRegister();
    assert_int_equal(tmpdir_make("ingest"), 0);
    char a[128], b[128], c[128], fifo[128], fv[128];
    snprintf(a, sizeof a, "%s/a.tif", g_dir);
    snprintf(b, sizeof b, "%s/b.vrt", g_dir);
    snprintf(c, sizeof c, "%s/c.vrt", g_dir);
    snprintf(fifo, sizeof fifo, "%s/fifo.tif", g_dir);
    snprintf(fv, sizeof fv, "%s/fifo.vrt", g_dir);
    tiny_tif(a);
    vrt_of(b, a);
    vrt_of(c, b); /* c -> b -> a */
    mw_config cfg;
    mw_scene s;
    config(&cfg, "c.vrt", "a.tif", "a.tif", "1000000");
    assert_int_equal(mw_scene_open(&cfg, &s), 0);
    assert_true(has(s.inputs, "c.vrt") && has(s.inputs, "b.vrt") && has(s.inputs, "a.tif"));
    assert_int_equal(CSLCount(s.inputs), 3); /* a.tif once, for t1, t2 and the QA */
    mw_scene_free(&s);

    /* a FIFO behind a VRT, and as the QA raster: refused at once */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char xml[4096];
    FILE *f = fopen(b, "r");
    assert_non_null(f);
    size_t n = fread(xml, 1, sizeof xml - 1, f);
    fclose(f);
    xml[n] = '\0';
    char *at = strstr(xml, "a.tif");
    assert_non_null(at);
    f = fopen(fv, "w");
    assert_non_null(f);
    fprintf(f, "%.*sfifo.tif%s", (int)(at - xml), xml, at + strlen("a.tif"));
    fclose(f);
    config(&cfg, "a.tif", "fifo.vrt", NULL, "1000000");
    mw_error_clear();
    assert_int_equal(mw_scene_open(&cfg, &s), -1);
    assert_int_equal(mw_error_code(), MW_EXIT_RASTER);
    assert_non_null(strstr(mw_error_message(), "fifo.tif: a file read for "));
    assert_non_null(strstr(mw_error_message(), "is a FIFO, not a regular file"));
    mw_scene_free(&s);
    config(&cfg, "a.tif", "a.tif", "fifo.tif", "1000000");
    mw_error_clear();
    assert_int_equal(mw_scene_open(&cfg, &s), -1);
    assert_non_null(strstr(mw_error_message(), "fifo.tif: the QA raster is a FIFO"));
    mw_scene_free(&s);

    /* 64 x 64 = 4096 px: one more than the limit */
    config(&cfg, "a.tif", "a.tif", NULL, "4095");
    mw_error_clear();
    assert_int_equal(mw_scene_open(&cfg, &s), -1);
    assert_non_null(strstr(mw_error_message(),
                           "the scene is 64 x 64 px, more than [tiles] max_pixels = 4095"));
    mw_scene_free(&s);
    config(&cfg, "a.tif", "a.tif", NULL, "4096");
    assert_int_equal(mw_scene_open(&cfg, &s), 0);
    mw_scene_free(&s);
    mw_error_clear();
    tmpdir_remove(NULL);
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
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_scl_rgb),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
