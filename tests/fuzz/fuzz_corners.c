/* fuzz_corners.c - libFuzzer harness for the corner-point importer.
 *
 * The input is the CSV table; the first byte picks the EPSG code (with or
 * without zone prefix) and whether the encoding is given.  The import runs entirely in GDAL's /vsimem/: it must
 * succeed or fail with one recorded error and leave no output behind.
 */
#include <cpl_vsi.h>
#include <gdal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corners.h"
#include "mw.h"

static void quiet(CPLErr e, CPLErrorNum n, const char *m) { (void)e, (void)n, (void)m; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        GDALAllRegister();
        CPLSetErrorHandler(quiet);
        ready = 1;
    }
    static const int EPSG[] = {4526, 4547, 4525, 4546};
    int epsg = size ? EPSG[data[0] % 4] : 4526;
    const uint8_t *csv = size ? data + 1 : data;
    size_t n = size ? size - 1 : 0;
    uint8_t *copy = malloc(n + 1);
    if (!copy)
        return 0;
    memcpy(copy, csv, n);
    VSILFILE *f = VSIFileFromMemBuffer("/vsimem/fuzz.csv", copy, (vsi_l_offset)n, TRUE);
    if (!f) {
        free(copy);
        return 0;
    }
    VSIFCloseL(f);
    /* bit 2 of the first byte: the table's encoding given as GBK, else found */
    const char *enc = size && (data[0] & 4) ? "GBK" : NULL;
    int rc = mw_corners_import("/vsimem/fuzz.csv", epsg, "/vsimem/out.gpkg", "licences", enc);
    VSIStatBufL st;
    int exists = VSIStatL("/vsimem/out.gpkg", &st) == 0;
    if (rc != 0 && exists)
        __builtin_trap(); /* a failed import must leave nothing */
    /* a table that fails is a bad table (exit 5) with its reason, never an
     * unexplained or internal failure, nor an output one (all is in memory) */
    if (rc != 0 && (mw_error_code() != MW_EXIT_VECTOR || !strcmp(mw_error_message(), "no error")))
        __builtin_trap();
    VSIUnlink("/vsimem/out.gpkg");
    VSIUnlink("/vsimem/out.gpkg.tmp.gpkg");
    VSIUnlink("/vsimem/fuzz.csv");
    mw_error_clear();
    return 0;
}
