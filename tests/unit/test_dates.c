/* test_dates.c - unit tests of the date helper (pipeline/core/dates.h), the
 * UTF-8 cut (layers.h) and the pixel areas of a geographic grid
 * (measure.h): every form agencies write gives the same day number, text
 * that is no date or no day is refused, an OGR Date field is read as a
 * date, a cut never splits a character, and a 4326 grid's pixels have
 * their area on the ellipsoid. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "dates.h"
#include "layers.h"
#include "measure.h"

static int parse(const char *s)
{
    int d = 12345;
    assert_int_equal(mw_date_parse(s, &d), 0);
    return d;
}

static void refused(const char *s)
{
    int d;
    assert_int_equal(mw_date_parse(s, &d), -1);
}

static void test_forms(void **state)
{
    (void)state;
    assert_int_equal(parse("1970-01-01"), 0);
    assert_int_equal(parse("2024-05-01"), 19844); /* 54 years and 13 leap days */
    const char *same[] = {"2024-05-01", "2024/5/1", "2024-5-1", "2024.5.1", "20240501",
                          "2024年5月1日", "2024年05月01日", " 2024/05/01 ",
                          "2024/05/01 00:00:00", "2024-05-01T08:30:00Z"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        assert_int_equal(parse(same[i]), 19844);
    /* the comparisons that text got wrong */
    assert_true(parse("2024-5-1") < parse("2024-09-20"));
    assert_true(parse("20240501") < parse("2024-09-20"));
    assert_true(parse("2024年5月1日") < parse("2024-09-20"));
    assert_true(parse("2024/10/1") > parse("2024-09-20"));
    assert_int_equal(parse("2024-02-29") + 1, parse("2024-03-01"));
    assert_int_equal(parse(""), MW_NO_DATE);
    assert_int_equal(parse("   "), MW_NO_DATE);
}

static void test_refused(void **state)
{
    (void)state;
    const char *bad[] = {"soon", "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10",
                         "2024/5-1", "24-5-1", "5/1/2024", "01.05.2024", "2024-5-1x",
                         "2024年5月", "2024年5月1", "202405011", "2024-05-001", "长期"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refused(bad[i]);
}

static void test_ogr_field(void **state)
{
    (void)state;
    OGRFeatureDefnH defn = OGR_FD_Create("t");
    OGR_FD_Reference(defn); /* ours, beside the feature's */
    OGRFieldDefnH a = OGR_Fld_Create("d", OFTDate), b = OGR_Fld_Create("s", OFTString);
    OGR_FD_AddFieldDefn(defn, a);
    OGR_FD_AddFieldDefn(defn, b);
    OGR_Fld_Destroy(a);
    OGR_Fld_Destroy(b);
    OGRFeatureH f = OGR_F_Create(defn);
    int d = 0;
    assert_int_equal(mw_date_field(f, 0, &d), 0); /* unset: no date */
    assert_int_equal(d, MW_NO_DATE);
    OGR_F_SetFieldDateTime(f, 0, 2024, 5, 1, 0, 0, 0, 0);
    OGR_F_SetFieldString(f, 1, "2024年5月1日");
    assert_int_equal(mw_date_field(f, 0, &d), 0);
    assert_int_equal(d, 19844);
    assert_int_equal(mw_date_field(f, 1, &d), 0);
    assert_int_equal(d, 19844);
    OGR_F_SetFieldString(f, 1, "soon");
    assert_int_equal(mw_date_field(f, 1, &d), -1);
    char out[16];
    mw_date_format(19844, out, sizeof out);
    assert_string_equal(out, "2024-05-01");
    OGR_F_Destroy(f);
    OGR_FD_Release(defn);
}

static void test_utf8_cut(void **state)
{
    (void)state;
    char buf[8];
    mw_copy_utf8(buf, sizeof buf, "A矿矿矿"); /* 10 bytes into 8: 'A' + 2 characters */
    assert_string_equal(buf, "A矿矿");
    mw_copy_utf8(buf, sizeof buf, "AB矿矿"); /* 8 bytes into 8: 7 fit, cut at 'AB矿' */
    assert_string_equal(buf, "AB矿");
    mw_copy_utf8(buf, sizeof buf, "ABCDEFGHI");
    assert_string_equal(buf, "ABCDEFG");
    mw_copy_utf8(buf, sizeof buf, "矿");
    assert_string_equal(buf, "矿");
    char t[] = "矿\xe7\x9f";
    mw_utf8_trim(t);
    assert_string_equal(t, "矿");
    assert_true(mw_is_utf8(buf));
}

static void test_row_areas(void **state)
{
    (void)state;
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(s, 4326);
    char *wkt = NULL;
    OSRExportToWkt(s, &wkt);
    OSRDestroySpatialReference(s);
    /* 0.0001 deg pixels from 36.3 N down: a pixel is about 8.99 x 11.1 m */
    double gt[6] = {113.0, 0.0001, 0, 36.3, 0, -0.0001};
    assert_false(mw_crs_metric(wkt));
    char *m = mw_measure_crs(wkt, 113.1, 36.2);
    assert_non_null(m);
    assert_true(mw_crs_metric(m));
    double *a = mw_row_areas(wkt, m, gt, 2000, 2000);
    assert_non_null(a);
    /* the area of a 0.0001 x 0.0001 deg cell on the WGS84 ellipsoid at
     * latitude phi: (pi/180 * 1e-4)^2 * M(phi) N(phi) cos(phi) */
    for (int r = 0; r < 2000; r += 999) {
        double phi = (36.3 - (r + 0.5) * 1e-4) * M_PI / 180, e2 = 0.00669437999014;
        double w = 1 - e2 * sin(phi) * sin(phi);
        double M = 6378137.0 * (1 - e2) / pow(w, 1.5), N = 6378137.0 / sqrt(w);
        double want = pow(M_PI / 180 * 1e-4, 2) * M * N * cos(phi);
        assert_true(fabs(a[r] - want) < 1e-6 * want);
    }
    assert_true(a[0] < a[1999]); /* pixels grow towards the equator */
    free(a);
    free(m);
    CPLFree(wkt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),      cmocka_unit_test(test_refused),
        cmocka_unit_test(test_ogr_field),  cmocka_unit_test(test_utf8_cut),
        cmocka_unit_test(test_row_areas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
