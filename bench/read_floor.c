/* read_floor.c - the GDAL read floor: how fast plain GDAL reads the scene.
 *
 *   read_floor MODE FILE...
 *
 * Reads every band of every FILE once, block by block, and prints
 * "seconds=S cpu=U mpx=M checksum=C" (S wall, U user + system CPU seconds of
 * the process, M megapixels per file, summed).  The block
 * cache is 64 MB and GDAL_NUM_THREADS=ALL_CPUS unless the environment says
 * otherwise.  MODE is one way of reading plainly through GDAL:
 *
 *   block  one thread, one GDALDatasetRasterIO per block (all bands);
 *   row    one thread, one GDALDatasetRasterIO per row of blocks: GDAL's
 *          GTiff driver decodes the blocks of the request on
 *          GDAL_NUM_THREADS threads;
 *   omp    OpenMP threads, each with its own dataset handle, take blocks in
 *          turn (one GDALDatasetRasterIO per block).
 *
 * The floor is the fastest mode (bench/run.sh runs all three).  Buffers are
 * pixel interleaved UInt16, the layout the bench files have on disk, so GDAL
 * copies nothing it need not.  The checksum (first pixel of each block and
 * band) only shows that all modes read the same data.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cpl_conv.h"
#include "gdal.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    int w, h, nb, bw, bh, nbx, nby;
} grid;

static GDALDatasetH open_ro(const char *path)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        fprintf(stderr, "read_floor: cannot open %s\n", path);
    return ds;
}

static void grid_of(GDALDatasetH ds, grid *g)
{
    g->w = GDALGetRasterXSize(ds);
    g->h = GDALGetRasterYSize(ds);
    g->nb = GDALGetRasterCount(ds);
    GDALGetBlockSize(GDALGetRasterBand(ds, 1), &g->bw, &g->bh);
    g->nbx = (g->w + g->bw - 1) / g->bw;
    g->nby = (g->h + g->bh - 1) / g->bh;
}

/* Read window (x, y, w, h) of all bands, pixel interleaved; 0 or -1. */
static int read_win(GDALDatasetH ds, const grid *g, int x, int y, int w, int h,
                    uint16_t *buf, uint64_t *sum)
{
    if (GDALDatasetRasterIO(ds, GF_Read, x, y, w, h, buf, w, h, GDT_UInt16, g->nb, NULL,
                            (GSpacing)g->nb * 2, (GSpacing)w * g->nb * 2, 2) != CE_None) {
        fprintf(stderr, "read_floor: read failed at %d,%d: %s\n", x, y, CPLGetLastErrorMsg());
        return -1;
    }
    for (int xo = 0; xo < w; xo += g->bw) /* first pixel of each block */
        for (int b = 0; b < g->nb; b++)
            *sum += buf[(size_t)xo * g->nb + b];
    return 0;
}

static int read_file(const char *mode, const char *path, uint64_t *sum)
{
    GDALDatasetH ds = open_ro(path);
    if (!ds)
        return -1;
    grid g;
    grid_of(ds, &g);
    int rc = 0;
    if (!strcmp(mode, "block") || !strcmp(mode, "row")) {
        int row = !strcmp(mode, "row");
        size_t n = (size_t)(row ? g.w : g.bw) * (size_t)g.bh * (size_t)g.nb;
        uint16_t *buf = malloc(n * sizeof *buf);
        if (!buf)
            rc = -1;
        for (int by = 0; by < g.nby && rc == 0; by++) {
            int y = by * g.bh, h = g.h - y < g.bh ? g.h - y : g.bh;
            if (row) {
                rc = read_win(ds, &g, 0, y, g.w, h, buf, sum);
                continue;
            }
            for (int bx = 0; bx < g.nbx && rc == 0; bx++) {
                int x = bx * g.bw, w = g.w - x < g.bw ? g.w - x : g.bw;
                rc = read_win(ds, &g, x, y, w, h, buf, sum);
            }
        }
        free(buf);
    } else { /* omp */
        int nblocks = g.nbx * g.nby, errors = 0;
        uint64_t total = 0;
#pragma omp parallel reduction(+ : errors, total)
        {
            GDALDatasetH my = open_ro(path);
            uint16_t *buf = malloc((size_t)g.bw * g.bh * g.nb * sizeof *buf);
            if (!my || !buf)
                errors++;
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < nblocks; i++) {
                if (!my || !buf)
                    continue;
                int x = (i % g.nbx) * g.bw, y = (i / g.nbx) * g.bh;
                int w = g.w - x < g.bw ? g.w - x : g.bw, h = g.h - y < g.bh ? g.h - y : g.bh;
                if (read_win(my, &g, x, y, w, h, buf, &total))
                    errors++;
            }
            free(buf);
            if (my)
                GDALClose(my);
        }
        *sum += total;
        rc = errors ? -1 : 0;
    }
    GDALClose(ds);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "block") && strcmp(argv[1], "row") &&
                     strcmp(argv[1], "omp"))) {
        fprintf(stderr, "usage: read_floor block|row|omp FILE...\n");
        return 2;
    }
    if (!CPLGetConfigOption("GDAL_NUM_THREADS", NULL))
        CPLSetConfigOption("GDAL_NUM_THREADS", "ALL_CPUS");
    GDALAllRegister();
    if (!CPLGetConfigOption("GDAL_CACHEMAX", NULL))
        GDALSetCacheMax64((GIntBig)64 << 20);
    double mpx = 0;
    for (int i = 2; i < argc; i++) { /* sizes first: not timed */
        GDALDatasetH ds = open_ro(argv[i]);
        if (!ds)
            return 1;
        mpx += 1e-6 * GDALGetRasterXSize(ds) * (double)GDALGetRasterYSize(ds);
        GDALClose(ds);
    }
    uint64_t sum = 0;
    double t0 = now();
    for (int i = 2; i < argc; i++)
        if (read_file(argv[1], argv[i], &sum))
            return 1;
    double t = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                 (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    printf("seconds=%.4f cpu=%.3f mpx=%.2f checksum=%llu threads=%d\n", t, cpu, mpx,
           (unsigned long long)sum, omp_get_max_threads());
    GDALDestroyDriverManager();
    return 0;
}
