/* kernel_bench.c - the per-pixel kernels of kernels/ on in-memory data.
 *
 *   kernel_bench [MPX]        (default 16 megapixels per date)
 *
 * Two dates x 4 bands of UInt16 DNs (blue red nir swir1, ~1 % nodata, ~5 %
 * of pixels excavated in t2) are made in memory, then the per-pixel chain of
 * the tile pass runs over them:
 *
 *   8 x mw_scale_u16, 2 x mw_ndvi, 2 x mw_bsi, 2 x mw_diff, 1 x mw_classify
 *
 * streaming  every kernel over the whole arrays (far larger than the caches),
 *            split over the OpenMP threads in 64 Ki-pixel chunks; GB/s counts
 *            each call's input + output bytes (as STREAM does: no
 *            write-allocate), so it compares with stream's figure.  This is
 *            kernel_gbps.
 * tiled      the pipeline's shape: each thread runs the whole chain on one
 *            516 x 516 px window at a time (a 512 tile with its halo) in its
 *            own buffers, which stay in cache; reported as Mpx/s of scene
 *            pixels (one pixel = both dates, all bands).
 *
 * Each mode runs REPS times; the best is reported (as STREAM does: in the
 * streaming mode the best time of each kernel, summed over the chain).  Prints
 * key=value pairs on one line.
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels.h"
#include "simd.h"

#define REPS 10
#define CHUNK 65536
#define WIN (516 * 516)

enum { NB = 4, BLUE = 0, RED, NIR, SWIR };
enum { K_SCALE, K_NDVI, K_BSI, K_DIFF, K_CLASSIFY, NK };
static const char *const KNAME[NK] = {"scale_u16", "ndvi", "bsi", "diff", "classify"};
/* input + output bytes per pixel of one call */
static const double KBYTES[NK] = {2 + 4, 8 + 4, 16 + 4, 8 + 4, 12 + 1};
/* calls per chain */
static const int KCALLS[NK] = {8, 2, 2, 2, 1};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* DNs of a grass-like surface, pits in t2 in runs of 64 px, nodata runs. */
static void make_data(size_t n, uint16_t *dn[2][NB])
{
    static const double GRASS[NB] = {500, 700, 2800, 2200};
    static const double PIT[NB] = {1300, 2200, 2300, 3600};
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        uint64_t run = splitmix64(i / 64);
        int pit = run % 100 < 5, nodata = run % 100 == 99;
        uint64_t z = splitmix64(i);
        for (int b = 0; b < NB; b++) {
            double noise1 = 1 + 0.04 * ((double)((z >> (8 * b)) & 255) / 255.0 - 0.5);
            double noise2 = 1 + 0.04 * ((double)((z >> (8 * b + 32)) & 255) / 255.0 - 0.5);
            dn[0][b][i] = nodata ? 0 : (uint16_t)(GRASS[b] * noise1);
            dn[1][b][i] = nodata ? 0 : (uint16_t)((pit ? PIT[b] : GRASS[b]) * noise2);
        }
    }
}

typedef struct {
    float *refl[2][NB], *ndvi[2], *bsi[2], *dndvi, *dbsi;
    uint8_t *cls;
} spans;

static int spans_alloc(spans *s, size_t n)
{
    memset(s, 0, sizeof *s);
    int ok = 1;
    for (int d = 0; d < 2; d++) {
        for (int b = 0; b < NB; b++)
            ok = ok && (s->refl[d][b] = malloc(n * sizeof(float)));
        ok = ok && (s->ndvi[d] = malloc(n * sizeof(float)));
        ok = ok && (s->bsi[d] = malloc(n * sizeof(float)));
    }
    ok = ok && (s->dndvi = malloc(n * sizeof(float)));
    ok = ok && (s->dbsi = malloc(n * sizeof(float)));
    ok = ok && (s->cls = malloc(n));
    return ok ? 0 : -1;
}

static const mw_thresholds THR = {0.20f, 0.10f, 0.05f, 0.20f, 0.15f};

/* One kernel k over [i, i + m) of the whole-scene spans. */
static void run_kernel(int k, spans *s, uint16_t *dn[2][NB], size_t i, size_t m)
{
    switch (k) {
    case K_SCALE:
        for (int d = 0; d < 2; d++)
            for (int b = 0; b < NB; b++)
                mw_scale_u16(dn[d][b] + i, m, 1e-4f, 0, 1, 0, s->refl[d][b] + i);
        break;
    case K_NDVI:
        for (int d = 0; d < 2; d++)
            mw_ndvi(s->refl[d][RED] + i, s->refl[d][NIR] + i, m, s->ndvi[d] + i);
        break;
    case K_BSI:
        for (int d = 0; d < 2; d++)
            mw_bsi(s->refl[d][BLUE] + i, s->refl[d][RED] + i, s->refl[d][NIR] + i,
                   s->refl[d][SWIR] + i, m, s->bsi[d] + i);
        break;
    case K_DIFF:
        mw_diff(s->ndvi[0] + i, s->ndvi[1] + i, m, s->dndvi + i);
        mw_diff(s->bsi[0] + i, s->bsi[1] + i, m, s->dbsi + i);
        break;
    default:
        mw_classify(s->dndvi + i, s->dbsi + i, s->bsi[1] + i, m, &THR, s->cls + i);
    }
}

int main(int argc, char **argv)
{
    const char *simd = mw_simd_choose(); /* as minewatch does: AVX2 unless MW_SIMD=scalar */
    double mpx = argc > 1 ? atof(argv[1]) : 16;
    if (mpx < 1 || mpx > 4096) {
        fprintf(stderr, "usage: kernel_bench [MPX in 1..4096]\n");
        return 2;
    }
    size_t n = (size_t)(mpx * 1e6);
    uint16_t *dn[2][NB];
    spans big;
    for (int d = 0; d < 2; d++)
        for (int b = 0; b < NB; b++)
            if (!(dn[d][b] = malloc(n * sizeof(uint16_t)))) {
                fprintf(stderr, "kernel_bench: out of memory\n");
                return 1;
            }
    if (spans_alloc(&big, n)) {
        fprintf(stderr, "kernel_bench: out of memory\n");
        return 1;
    }
    make_data(n, dn);
    /* first touch of the outputs by the threads that write them */
    const long nchunks = (long)((n + CHUNK - 1) / CHUNK);
#pragma omp parallel for schedule(static)
    for (long c = 0; c < nchunks; c++) {
        size_t i = (size_t)c * CHUNK, m = n - i < CHUNK ? n - i : CHUNK;
        for (int k = 0; k < NK; k++)
            run_kernel(k, &big, dn, i, m);
    }

    /* ---- streaming: one kernel at a time over everything ---- */
    /* like STREAM: the best time of each kernel over the repetitions */
    double best_k[NK], best_total = 0;
    for (int k = 0; k < NK; k++)
        best_k[k] = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        for (int k = 0; k < NK; k++) {
            double t0 = now();
#pragma omp parallel for schedule(static)
            for (long c = 0; c < nchunks; c++) {
                size_t i = (size_t)c * CHUNK, m = n - i < CHUNK ? n - i : CHUNK;
                run_kernel(k, &big, dn, i, m);
            }
            double t = now() - t0;
            if (t < best_k[k])
                best_k[k] = t;
        }
    }
    for (int k = 0; k < NK; k++)
        best_total += best_k[k];
    double bytes = 0;
    for (int k = 0; k < NK; k++)
        bytes += KBYTES[k] * KCALLS[k] * (double)n;
    uint64_t disturbed = 0;
    for (size_t i = 0; i < n; i++)
        disturbed += big.cls[i] == MW_CLASS_DISTURBANCE;

    /* ---- tiled: the whole chain per 516 x 516 window, buffers in cache ---- */
    const long nwin = (long)((n + WIN - 1) / WIN);
    double best_tiled = 1e30;
    int fail = 0;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now();
#pragma omp parallel reduction(+ : fail)
        {
            spans w;
            uint16_t *src[2][NB];
            if (spans_alloc(&w, WIN))
                fail++;
#pragma omp for schedule(dynamic, 1)
            for (long c = 0; c < nwin; c++) {
                if (fail)
                    continue;
                size_t i = (size_t)c * WIN, m = n - i < WIN ? n - i : WIN;
                for (int d = 0; d < 2; d++)
                    for (int b = 0; b < NB; b++)
                        src[d][b] = dn[d][b] + i;
                for (int k = 0; k < NK; k++)
                    run_kernel(k, &w, src, 0, m);
            }
            for (int d = 0; d < 2; d++) {
                for (int b = 0; b < NB; b++)
                    free(w.refl[d][b]);
                free(w.ndvi[d]);
                free(w.bsi[d]);
            }
            free(w.dndvi);
            free(w.dbsi);
            free(w.cls);
        }
        double t = now() - t0;
        if (t < best_tiled)
            best_tiled = t;
    }
    if (fail) {
        fprintf(stderr, "kernel_bench: out of memory\n");
        return 1;
    }

    printf("kernel_gbps=%.2f kernel_mpx_s=%.0f kernel_tiled_mpx_s=%.0f "
           "kernel_tiled_gbps=%.2f threads=%d mpx=%.1f",
           bytes / best_total * 1e-9, (double)n / best_total * 1e-6,
           (double)n / best_tiled * 1e-6, bytes / best_tiled * 1e-9,
           omp_get_max_threads(), (double)n * 1e-6);
    for (int k = 0; k < NK; k++)
        printf(" %s_gbps=%.2f", KNAME[k], KBYTES[k] * KCALLS[k] * (double)n / best_k[k] * 1e-9);
    printf(" disturbed_px=%llu\n", (unsigned long long)disturbed);
    fprintf(stderr, "kernel_bench: SIMD variant %s\n", simd);
    return 0;
}
