/* stream.c - a STREAM-like memory bandwidth figure (McCalpin's four loops).
 *
 *   stream [MB_PER_ARRAY]      (default 256, three arrays of doubles)
 *
 * Arrays are far larger than the last-level cache, first touched by the
 * OpenMP threads that use them (static schedule).  Each loop runs NTIMES
 * times; like STREAM, the best time is reported and bytes are counted as
 * STREAM does (copy 16, scale 16, add 24, triad 24 bytes per element: reads
 * plus writes, no write-allocate traffic).  Prints "copy=.. scale=.. add=..
 * triad=.. threads=N" in GB/s (1e9 bytes).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NTIMES 20

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 256;
    if (mb < 16) {
        fprintf(stderr, "usage: stream [MB_PER_ARRAY >= 16]\n");
        return 2;
    }
    const long n = (long)(mb << 20) / (long)sizeof(double);
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    double *c = malloc((size_t)n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "stream: out of memory\n");
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 1.0;
        b[i] = 2.0;
        c[i] = 0.0;
    }
    const double s = 3.0;
    double best[4] = {1e30, 1e30, 1e30, 1e30};
    for (int k = 0; k < NTIMES; k++) {
        double t[5];
        t[0] = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            c[i] = a[i];
        t[1] = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            b[i] = s * c[i];
        t[2] = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            c[i] = a[i] + b[i];
        t[3] = now();
#pragma omp parallel for schedule(static)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        t[4] = now();
        for (int j = 0; j < 4; j++)
            if (k > 0 && t[j + 1] - t[j] < best[j]) /* first pass warms up */
                best[j] = t[j + 1] - t[j];
    }
    /* keep the results live */
    double check = 0;
    for (long i = 0; i < n; i += 4096)
        check += a[i] + b[i] + c[i];
    const double bytes[4] = {16, 16, 24, 24};
    double gbs[4];
    for (int j = 0; j < 4; j++)
        gbs[j] = bytes[j] * (double)n / best[j] * 1e-9;
    printf("copy=%.2f scale=%.2f add=%.2f triad=%.2f threads=%d mb_per_array=%zu check=%g\n",
           gbs[0], gbs[1], gbs[2], gbs[3], omp_get_max_threads(), mb, check);
    free(a);
    free(b);
    free(c);
    return 0;
}
