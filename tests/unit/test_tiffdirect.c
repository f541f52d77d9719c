/* test_tiffdirect.c - the libtiff path (pipeline/ingest/tiffdirect.h) against GDAL,
 * its reference: on files GDAL writes in the layouts the path takes
 * (DEFLATE or LZW with predictor 2, which the path undoes itself with
 * mw_undiff_u16, little- and big-endian; none; a band subset in another
 * order; tiles absent from the file), every window read gives the values
 * GDALDatasetRasterIOEx gives, DEFLATE tiles inflated by ISA-L and (with
 * MW_ISAL=off) by libtiff; the layouts it does not take are refused; a
 * DEFLATE tile whose stream is damaged (its checksum, or its middle) is an
 * error naming the tile, on both paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gdal.h>
#include <cpl_string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>

#include "kernels.h"
#include "tiffdirect.h"
#include "tmpdir.h"

#define W 1000
#define H 700

static int make_dir(void **state)
{
    (void)state;
    GDALAllRegister();
    return tmpdir_make("tiffdirect");
}

/* A w x h file of nb UInt16 bands written by GDAL with the creation options
 * (NULL-terminated); pixel values from a hash, so that no two windows look
 * alike.  sparse: only tiles on the diagonal of 256 px blocks are written. */
static void write_file(const char *path, int nb, const char *const *opts, int sparse,
                       double nodata)
{
    char **o = NULL;
    for (int i = 0; opts[i]; i++)
        o = CSLAddString(o, opts[i]);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, W, H, nb, GDT_UInt16, o);
    CSLDestroy(o);
    assert_non_null(ds);
    uint16_t *v = malloc((size_t)W * H * sizeof *v);
    assert_non_null(v);
    for (int b = 1; b <= nb; b++) {
        GDALRasterBandH band = GDALGetRasterBand(ds, b);
        if (nodata >= 0)
            GDALSetRasterNoDataValue(band, nodata);
        for (size_t i = 0; i < (size_t)W * H; i++)
            v[i] = (uint16_t)((i * 2654435761u + (size_t)b * 40503u) >> 7);
        if (!sparse) {
            assert_int_equal(GDALRasterIO(band, GF_Write, 0, 0, W, H, v, W, H, GDT_UInt16, 0, 0),
                             CE_None);
            continue;
        }
        for (int k = 0; k * 256 < H; k++) { /* the diagonal blocks only */
            int x = k * 256, y = k * 256;
            int w = x + 256 <= W ? 256 : W - x, h = y + 256 <= H ? 256 : H - y;
            assert_int_equal(GDALRasterIO(band, GF_Write, x, y, w, h, v, w, h, GDT_UInt16, 0,
                                          0),
                             CE_None);
        }
    }
    free(v);
    GDALClose(ds);
}

/* Windows of one handle against GDAL: the whole image, single pixels at the
 * corners, windows across tile edges, and a row of stripe-like windows. */
static void compare(const char *path, const int *bands, int nb, uint16_t fill)
{
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    assert_non_null(ds);
    assert_int_equal(mw_tiffdirect_probe(path, W, H, GDALGetRasterCount(ds)), 1);
    char why[256];
    mw_tiffdirect *t = mw_tiffdirect_open(path, bands, nb, fill, NULL, why, sizeof why);
    assert_non_null(t);
    mw_tiffdirect_span(t, 600, 256);
    static const int win[][4] = {{0, 0, W, H},     {0, 0, 1, 1},      {W - 1, H - 1, 1, 1},
                                 {W - 1, 0, 1, H}, {255, 127, 2, 2},  {250, 250, 300, 200},
                                 {1, 1, W - 2, 3}, {512, 256, 256, 256}, {700, 600, 300, 100}};
    size_t max = (size_t)W * H * (size_t)nb;
    uint16_t *a = malloc(max * sizeof *a), *b = malloc(max * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < sizeof win / sizeof win[0]; i++) {
        int x = win[i][0], y = win[i][1], w = win[i][2], h = win[i][3];
        size_t n = (size_t)w * (size_t)h;
        memset(a, 0xAB, max * sizeof *a);
        memset(b, 0xCD, max * sizeof *b);
        assert_int_equal(mw_tiffdirect_read(t, x, y, w, h, a, n, why, sizeof why), 0);
        assert_int_equal(GDALDatasetRasterIOEx(ds, GF_Read, x, y, w, h, b, w, h, GDT_UInt16,
                                               nb, (int *)bands, 2, 2 * (GSpacing)w,
                                               2 * (GSpacing)n, NULL),
                         CE_None);
        assert_memory_equal(a, b, n * (size_t)nb * sizeof *a);
    }
    /* windows moving along a stripe, then the same again: nothing decoded twice */
    for (int y = 0; y + 256 <= H; y += 200)
        for (int x = 0; x + 200 <= 600; x += 200)
            assert_int_equal(mw_tiffdirect_read(t, x, y, 200, 256, a, 200 * 256, why,
                                                sizeof why),
                             0);
    uint64_t before = mw_tiffdirect_decoded(t);
    assert_int_equal(mw_tiffdirect_read(t, 0, 400, 600, 256, a, 600 * 256, why, sizeof why), 0);
    assert_int_equal(mw_tiffdirect_decoded(t), before);
    assert_int_not_equal(mw_tiffdirect_read(t, W - 10, 0, 11, 1, a, 11, why, sizeof why), 0);
    free(a);
    free(b);
    mw_tiffdirect_close(t);
    GDALClose(ds);
}

static void deflate_predictor(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/deflate.tif", g_dir);
    const char *o[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=128", "COMPRESS=DEFLATE",
                       "PREDICTOR=2", NULL};
    write_file(path, 4, o, 0, -1);
    compare(path, (const int[]){1, 2, 3, 4}, 4, 0);
    snprintf(path, sizeof path, "%s/deflate_big.tif", g_dir);
    const char *big[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=128", "COMPRESS=DEFLATE",
                         "PREDICTOR=2", "ENDIANNESS=BIG", NULL};
    write_file(path, 4, big, 0, -1);
    compare(path, (const int[]){1, 2, 3, 4}, 4, 0);
    /* the same two files inflated by libtiff instead of ISA-L */
    setenv("MW_ISAL", "off", 1);
    compare(path, (const int[]){1, 2, 3, 4}, 4, 0);
    snprintf(path, sizeof path, "%s/deflate.tif", g_dir);
    compare(path, (const int[]){1, 2, 3, 4}, 4, 0);
    unsetenv("MW_ISAL");
}

static void lzw_band_subset(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/lzw6.tif", g_dir);
    const char *o[] = {"TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=LZW",
                       "PREDICTOR=2", NULL};
    write_file(path, 6, o, 0, -1);
    compare(path, (const int[]){5, 2, 3}, 3, 0);
    compare(path, (const int[]){6}, 1, 0);
}

static void uncompressed_big_endian(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/big.tif", g_dir);
    const char *o[] = {"TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "ENDIANNESS=BIG",
                       NULL};
    write_file(path, 4, o, 0, -1);
    compare(path, (const int[]){4, 3, 2, 1}, 4, 0);
}

/* Tiles GDAL never wrote read as the nodata value, as through GDAL. */
static void absent_tiles(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/sparse.tif", g_dir);
    const char *o[] = {"TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE",
                       "SPARSE_OK=TRUE", NULL};
    write_file(path, 4, o, 1, 7);
    compare(path, (const int[]){1, 2, 3, 4}, 4, 7);
}

static void refused(void **state)
{
    (void)state;
    char path[128];
    const char *striped[] = {"COMPRESS=DEFLATE", NULL};
    const char *band[] = {"TILED=YES", "INTERLEAVE=BAND", NULL};
    snprintf(path, sizeof path, "%s/striped.tif", g_dir);
    write_file(path, 4, striped, 0, -1);
    assert_int_equal(mw_tiffdirect_probe(path, W, H, 4), 0);
    snprintf(path, sizeof path, "%s/band.tif", g_dir);
    write_file(path, 4, band, 0, -1);
    assert_int_equal(mw_tiffdirect_probe(path, W, H, 4), 0);
    snprintf(path, sizeof path, "%s/deflate.tif", g_dir); /* another size or band count */
    assert_int_equal(mw_tiffdirect_probe(path, W, H, 3), 0);
    assert_int_equal(mw_tiffdirect_probe(path, W + 1, H, 4), 0);
    assert_int_equal(mw_tiffdirect_probe("/vsimem/x.tif", W, H, 4), 0);
    snprintf(path, sizeof path, "%s/none.tif", g_dir);
    assert_int_equal(mw_tiffdirect_probe(path, W, H, 4), 0);
    setenv("MW_LIBTIFF", "off", 1);
    snprintf(path, sizeof path, "%s/deflate.tif", g_dir);
    assert_int_equal(mw_tiffdirect_probe(path, W, H, 4), 0);
    unsetenv("MW_LIBTIFF");
    char why[256];
    assert_null(mw_tiffdirect_open(path, (const int[]){5}, 1, 0, NULL, why, sizeof why));
    assert_non_null(strstr(why, "libtiff"));
}

/* A tile whose compressed bytes are destroyed: an error with libtiff's
 * message, no values. */
static void damaged_tile(void **state)
{
    (void)state;
    char src[128], path[128];
    snprintf(src, sizeof src, "%s/deflate.tif", g_dir);
    snprintf(path, sizeof path, "%s/damaged.tif", g_dir);
    char cmd[320];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, path);
    assert_int_equal(system(cmd), 0);
    /* overwrite the middle of the file, where tile data lies */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size / 2, SEEK_SET);
    for (int i = 0; i < 4096; i++)
        fputc(0xFF, f);
    fclose(f);
    char why[256];
    mw_tiffdirect *t = mw_tiffdirect_open(path, (const int[]){1, 2, 3, 4}, 4, 0, NULL, why,
                                          sizeof why);
    assert_non_null(t);
    uint16_t *a = malloc((size_t)W * H * 4 * sizeof *a);
    assert_non_null(a);
    why[0] = '\0';
    assert_int_equal(mw_tiffdirect_read(t, 0, 0, W, H, a, (size_t)W * H, why, sizeof why), -1);
    assert_true(strlen(why) > 0);
    free(a);
    mw_tiffdirect_close(t);
}

/* Tile 0's zlib stream with one bit of its Adler-32 (its last byte)
 * flipped: ISA-L checks the sum, as libtiff does, and the read fails with
 * the tile named, by either inflater. */
static void deflate_checksum(void **state)
{
    (void)state;
    char src[128], path[128], cmd[320];
    snprintf(src, sizeof src, "%s/deflate.tif", g_dir);
    snprintf(path, sizeof path, "%s/checksum.tif", g_dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, path);
    assert_int_equal(system(cmd), 0);
    TIFFSetWarningHandler(NULL);
    TIFF *tif = TIFFOpen(path, "r");
    assert_non_null(tif);
    uint64_t *off = NULL, *len = NULL;
    assert_int_equal(TIFFGetField(tif, TIFFTAG_TILEOFFSETS, &off), 1);
    assert_int_equal(TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &len), 1);
    long last = (long)(off[0] + len[0] - 1);
    TIFFClose(tif);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, last, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, last, SEEK_SET), 0);
    fputc(c ^ 1, f);
    fclose(f);
    uint16_t a[4 * 10 * 10];
    char why[256];
    for (int isal = 1; isal >= 0; isal--) {
        if (!isal)
            setenv("MW_ISAL", "off", 1);
        mw_tiffdirect *t = mw_tiffdirect_open(path, (const int[]){1, 2, 3, 4}, 4, 0, NULL,
                                              why, sizeof why);
        assert_non_null(t);
        why[0] = '\0';
        assert_int_equal(mw_tiffdirect_read(t, 0, 0, 10, 10, a, 100, why, sizeof why), -1);
        if (isal)
            assert_string_equal(why, "tile 0 (row 0, column 0): corrupt DEFLATE data (wrong checksum)");
        else
            assert_true(strlen(why) > 0);
        /* a tile whose stream is intact still reads */
        assert_int_equal(mw_tiffdirect_read(t, W - 10, H - 10, 10, 10, a, 100, why,
                                            sizeof why),
                         0);
        mw_tiffdirect_close(t);
    }
    unsetenv("MW_ISAL");
}

/* A copy of src as dst with one bit flipped in the middle of the DEFLATE
 * stream of tile `tile`, chosen so that the stream still inflates to a full
 * tile (and more) without an error before the tile is full: what an
 * inflater that stops when its output is full, without reaching the end of
 * the stream and its Adler-32, reads as a valid tile.  The byte's offset in
 * the file, or -1 if no such bit was found. */
static long corrupt_mid_stream(const char *src, const char *dst, uint32_t tile)
{
    char cmd[320];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    assert_int_equal(system(cmd), 0);
    TIFFSetWarningHandler(NULL);
    TIFF *tif = TIFFOpen(dst, "r");
    assert_non_null(tif);
    uint64_t *offs = NULL, *lens = NULL;
    assert_int_equal(TIFFGetField(tif, TIFFTAG_TILEOFFSETS, &offs), 1);
    assert_int_equal(TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &lens), 1);
    uint64_t off = offs[tile], len = lens[tile];
    size_t want = (size_t)TIFFTileSize(tif);
    TIFFClose(tif);
    uint8_t *raw = malloc(len), *good = malloc(want), *out = malloc(want);
    struct inflate_state *st = malloc(sizeof *st);
    assert_true(raw && good && out && st);
    FILE *f = fopen(dst, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, (long)off, SEEK_SET), 0);
    assert_int_equal(fread(raw, 1, len, f), len);
    isal_inflate_init(st);
    st->crc_flag = ISAL_ZLIB;
    st->next_in = raw;
    st->avail_in = (uint32_t)len;
    st->next_out = good;
    st->avail_out = (uint32_t)want;
    assert_int_equal(isal_inflate_stateless(st), ISAL_DECOMP_OK);
    long found = -1;
    for (uint64_t p = len / 2; found < 0 && p + 8 < len; p++)
        for (int bit = 0; found < 0 && bit < 8; bit++) {
            raw[p] ^= (uint8_t)(1 << bit);
            isal_inflate_init(st);
            st->crc_flag = ISAL_ZLIB;
            st->next_in = raw;
            st->avail_in = (uint32_t)len;
            st->next_out = out;
            st->avail_out = (uint32_t)want;
            int rc = isal_inflate_stateless(st);
            if (rc == ISAL_OUT_OVERFLOW && st->avail_out == 0 && memcmp(out, good, want)) {
                found = (long)(off + p);
                assert_int_equal(fseek(f, found, SEEK_SET), 0);
                fputc(raw[p], f);
            }
            raw[p] ^= (uint8_t)(1 << bit);
        }
    fclose(f);
    free(raw);
    free(good);
    free(out);
    free(st);
    return found;
}

/* One tile's stream damaged in its middle so that it still inflates to a
 * full tile: both inflaters (ISA-L; libtiff with MW_ISAL=off) refuse the
 * tile, naming it, whatever the byte order; the other tiles still read. */
static void deflate_mid_stream(void **state)
{
    (void)state;
    static const char *const names[] = {"deflate", "deflate_big"};
    for (int k = 0; k < 2; k++) {
        char src[128], path[128];
        snprintf(src, sizeof src, "%s/%s.tif", g_dir, names[k]);
        snprintf(path, sizeof path, "%s/%s_mid.tif", g_dir, names[k]);
        assert_true(corrupt_mid_stream(src, path, 5) > 0); /* tile 5: row 1, column 1 */
        uint16_t *a = malloc((size_t)W * H * 4 * sizeof *a);
        assert_non_null(a);
        for (int isal = 1; isal >= 0; isal--) {
            if (!isal)
                setenv("MW_ISAL", "off", 1);
            char why[256];
            mw_tiffdirect *t = mw_tiffdirect_open(path, (const int[]){1, 2, 3, 4}, 4, 0, NULL,
                                                  why, sizeof why);
            assert_non_null(t);
            why[0] = '\0';
            assert_int_equal(mw_tiffdirect_read(t, 256, 128, 10, 10, a, 100, why, sizeof why),
                             -1);
            assert_non_null(strstr(why, "tile 5 (row 1, column 1): corrupt DEFLATE data"));
            assert_int_equal(mw_tiffdirect_read(t, 0, 0, 256, 128, a, 256 * 128, why,
                                                sizeof why),
                             0);
            mw_tiffdirect_close(t);
        }
        unsetenv("MW_ISAL");
        free(a);
    }
}

/* mw_tiffcheck, the check of every stream of a file GDAL reads: the file
 * damaged in the middle of tile 5 is refused naming the tile; intact
 * files, tiled or striped, pass; a file that is not a TIFF has nothing to
 * check. */
static void check_streams(void **state)
{
    (void)state;
    char path[128], why[256];
    static const char *const good[] = {"deflate", "deflate_big", "striped", "lzw6"};
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s.tif", g_dir, good[k]);
        mw_tiffcheck *c = mw_tiffcheck_open(path);
        assert_non_null(c);
        int rc, steps = 0;
        while ((rc = mw_tiffcheck_step(c, why, sizeof why)) == 0)
            steps++;
        assert_int_equal(rc, 1);
        mw_tiffcheck_close(c);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s_mid.tif", g_dir, good[k]);
        mw_tiffcheck *c = mw_tiffcheck_open(path);
        assert_non_null(c);
        int rc;
        why[0] = '\0';
        while ((rc = mw_tiffcheck_step(c, why, sizeof why)) == 0)
            ;
        assert_int_equal(rc, -1);
        assert_non_null(strstr(why, "tile 5 (row 1, column 1): corrupt DEFLATE data"));
        mw_tiffcheck_close(c);
    }
    snprintf(path, sizeof path, "%s/not_a_tiff.txt", g_dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a TIFF", f);
    fclose(f);
    assert_null(mw_tiffcheck_open(path));
    assert_int_equal(mw_tiffcheck_step(NULL, why, sizeof why), 1);
}

/* Two threads reading the whole image through handles that share one
 * cache large enough for it: each of the 24 tiles is decoded once, by one
 * of them, and both get GDAL's values. */
static void shared_cache(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/deflate.tif", g_dir); /* 256 x 128 tiles: 4 x 6 */
    GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
    assert_non_null(ds);
    size_t n = (size_t)W * H;
    uint16_t *ref = malloc(n * 4 * sizeof *ref);
    assert_non_null(ref);
    assert_int_equal(GDALDatasetRasterIOEx(ds, GF_Read, 0, 0, W, H, ref, W, H, GDT_UInt16, 4,
                                           (int[]){1, 2, 3, 4}, 2, 2 * (GSpacing)W,
                                           2 * (GSpacing)n, NULL),
                     CE_None);
    GDALClose(ds);
    mw_tiffcache *c = mw_tiffcache_new();
    assert_non_null(c);
    int bad = 0;
    uint64_t decoded = 0;
#pragma omp parallel num_threads(2) reduction(+ : bad)
    {
        char why[256];
        mw_tiffdirect *t = mw_tiffdirect_open(path, (const int[]){1, 2, 3, 4}, 4, 0, c, why,
                                              sizeof why);
        uint16_t *win = malloc(250 * 128 * 4 * sizeof *win);
        bad += !t || !win;
        if (t)
            mw_tiffdirect_span(t, W, 128); /* (4 + 2) x 2 slots each: all 24 tiles */
        /* both shares in the cache before either reads: one thread alone,
         * with its 12 slots, would drop tiles and decode them again */
#pragma omp barrier
        /* windows overlapping by 28 rows, the last one on the bottom edge */
        for (int y = 0, last = 0; t && win && !last; y = y + 100 + 128 > H ? H - 128 : y + 100) {
            last = y == H - 128;
            for (int x = 0; x < W; x += 250) {
                bad += mw_tiffdirect_read(t, x, y, 250, 128, win, 250 * 128, why, sizeof why) != 0;
                for (int k = 0; k < 4; k++)
                    for (int r = 0; r < 128; r++)
                        bad += memcmp(win + (size_t)k * 250 * 128 + (size_t)r * 250,
                                      ref + (size_t)k * n + (size_t)(y + r) * W + x,
                                      250 * sizeof *win) != 0;
            }
        }
#pragma omp barrier
#pragma omp single
        decoded = t ? mw_tiffdirect_decoded(t) : 0;
        free(win);
        mw_tiffdirect_close(t);
    }
    assert_int_equal(bad, 0);
    assert_int_equal(decoded, 24);
    mw_tiffcache_free(c);
    free(ref);
}

static void split_kernel(void **state)
{
    (void)state;
    uint16_t in[6 * 37];
    for (int i = 0; i < 6 * 37; i++)
        in[i] = (uint16_t)(i * 31);
    for (int avx2 = 0; avx2 < 2; avx2++) {
        mw_simd_select(avx2);
        uint16_t p[4][37];
        uint16_t *out[4] = {p[0], p[1], p[2], p[3]};
        mw_split_u16(in, 4, (const int[]){0, 1, 2, 3}, 4, 37, out);
        for (int i = 0; i < 37; i++)
            for (int k = 0; k < 4; k++)
                assert_int_equal(p[k][i], (uint16_t)((4 * i + k) * 31));
        mw_split_u16(in, 6, (const int[]){5, 0}, 2, 37, out);
        for (int i = 0; i < 37; i++) {
            assert_int_equal(p[0][i], (uint16_t)((6 * i + 5) * 31));
            assert_int_equal(p[1][i], (uint16_t)((6 * i) * 31));
        }
    }
    mw_simd_select(0);
}

/* The predictor undone by the kernel (two pixels a register for 4
 * samples) against the definition, sample by sample with wrap-around, on
 * rows whose pixel count is odd (a tail) and for 3 and 4 samples. */
static void undiff_kernel(void **state)
{
    (void)state;
    enum { ROWS = 3, WIDTH = 37 };
    for (int spp = 3; spp <= 4; spp++) {
        uint16_t v[ROWS * WIDTH * 4], want[ROWS * WIDTH * 4];
        size_t n = (size_t)WIDTH * spp;
        for (size_t i = 0; i < ROWS * n; i++)
            v[i] = (uint16_t)(i * 40503u + 12345u); /* large: sums wrap */
        for (size_t r = 0; r < ROWS; r++)
            for (size_t j = 0; j < n; j++)
                want[r * n + j] = (uint16_t)(v[r * n + j] + (j >= (size_t)spp
                                                                 ? want[r * n + j - spp]
                                                                 : 0));
        mw_undiff_u16(v, ROWS, WIDTH, spp);
        assert_memory_equal(v, want, ROWS * n * sizeof *v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_kernel),
        cmocka_unit_test(undiff_kernel),
        cmocka_unit_test(deflate_predictor),
        cmocka_unit_test(lzw_band_subset),
        cmocka_unit_test(uncompressed_big_endian),
        cmocka_unit_test(absent_tiles),
        cmocka_unit_test(shared_cache),
        cmocka_unit_test(refused),
        cmocka_unit_test(damaged_tile),
        cmocka_unit_test(deflate_checksum),
        cmocka_unit_test(deflate_mid_stream),
        cmocka_unit_test(check_streams),
    };
    return cmocka_run_group_tests(tests, make_dir, tmpdir_remove);
}
