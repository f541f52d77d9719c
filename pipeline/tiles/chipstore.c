/* chipstore.c - the evidence chips' pixels, kept by the tile pass (see
 * chipstore.h). */
#include "chipstore.h"

#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernels.h"
#include "mw.h"

/* ---- the scene's stretch -------------------------------------------------- */

#define NBINS 4096 /* reflectance 0..1 */

static int bin_of(float v)
{
    int b = (int)(v * NBINS);
    return b < 0 ? 0 : b >= NBINS ? NBINS - 1 : b;
}

/* The percentiles of each role's histogram into out. */
static void percentiles(const mw_scene *s, const uint32_t *hist, mw_stretch *out)
{
    for (int r = 0; r < MW_NROLES; r++) {
        if (!s->band[r])
            continue;
        const uint32_t *h = hist + (size_t)r * NBINS;
        uint64_t tot = 0, acc = 0;
        for (int b = 0; b < NBINS; b++)
            tot += h[b];
        if (!tot)
            continue;
        int lo = -1, hi = -1;
        for (int b = 0; b < NBINS; b++) {
            acc += h[b];
            if (lo < 0 && acc * 100 >= tot) /* 1 % */
                lo = b;
            if (hi < 0 && acc * 1000 >= tot * 995) /* 99.5 % */
                hi = b + 1;
        }
        out->lo[r] = (float)lo / NBINS;
        out->hi[r] = (float)hi / NBINS;
        if (out->hi[r] < out->lo[r] + 0.02f)
            out->hi[r] = out->lo[r] + 0.02f;
    }
}

/* The histogram of every role of both dates over the grid's windows k0,
 * k0 + step, ... into hist.  0, or -1 with mw_error. */
static int sample_windows(const mw_scene *s, int k0, int step, uint32_t *hist)
{
    int win = MW_STRETCH_WIN, ww = win < s->width ? win : s->width,
        wh = win < s->height ? win : s->height;
    size_t npx = (size_t)ww * wh;
    float *buf = mw_calloc(npx * MW_NROLES, sizeof *buf);
    uint16_t *scratch = mw_calloc(npx, sizeof *scratch);
    mw_reader *rd = buf && scratch ? mw_reader_new(s) : NULL;
    int rc = rd ? 0 : -1;
    float *planes[MW_NROLES];
    for (int r = 0; r < MW_NROLES; r++)
        planes[r] = buf ? buf + (size_t)r * npx : NULL;
    for (int k = k0; k < MW_STRETCH_GRID * MW_STRETCH_GRID && rc == 0; k += step) {
        int gx = k % MW_STRETCH_GRID, gy = k / MW_STRETCH_GRID;
        /* window centres at (g + 0.5) / G of the scene */
        int x = (int)((gx + 0.5) * s->width / MW_STRETCH_GRID) - ww / 2;
        int y = (int)((gy + 0.5) * s->height / MW_STRETCH_GRID) - wh / 2;
        x = x < 0 ? 0 : x + ww > s->width ? s->width - ww : x;
        y = y < 0 ? 0 : y + wh > s->height ? s->height - wh : y;
        for (int d = 0; d < 2 && rc == 0; d++) {
            if (mw_reader_read(rd, d, x, y, ww, wh, planes, scratch)) {
                rc = -1;
                break;
            }
            for (int r = 0; r < MW_NROLES; r++) {
                if (!s->band[r])
                    continue;
                for (size_t i = 0; i < npx; i++)
                    if (planes[r][i] == planes[r][i])
                        hist[(size_t)r * NBINS + bin_of(planes[r][i])]++;
            }
        }
    }
    mw_reader_free(rd);
    free(scratch);
    free(buf);
    return rc;
}

int mw_stretch_scene(const mw_scene *s, int threads, mw_stretch *out)
{
    for (int r = 0; r < MW_NROLES; r++) {
        out->lo[r] = 0;
        out->hi[r] = 0.3f;
    }
    if (threads <= 0)
        threads = omp_get_max_threads();
    if (threads > MW_STRETCH_GRID * MW_STRETCH_GRID)
        threads = MW_STRETCH_GRID * MW_STRETCH_GRID;
    /* a histogram a thread, summed after: the counts, hence the stretch,
     * do not depend on the threads */
    uint32_t *hist = mw_calloc((size_t)threads * MW_NROLES * NBINS, sizeof *hist);
    if (!hist)
        return -1;
    int failed = 0;
#pragma omp parallel num_threads(threads) default(none) shared(s, hist, threads) \
    reduction(+ : failed)
    failed += sample_windows(s, omp_get_thread_num(), threads,
                             hist + (size_t)omp_get_thread_num() * MW_NROLES * NBINS) != 0;
    for (int t = 1; t < threads; t++)
        for (size_t i = 0; i < (size_t)MW_NROLES * NBINS; i++)
            hist[i] += hist[(size_t)t * MW_NROLES * NBINS + i];
    if (!failed)
        percentiles(s, hist, out);
    free(hist);
    return failed ? -1 : 0;
}

/* ---- the bands and their codes -------------------------------------------- */

void mw_chip_bands_of(const mw_scene *s, mw_chip_bands *out)
{
    memset(out, 0, sizeof *out);
    out->true_colour = s->band[MW_BLUE] && s->band[MW_GREEN];
    out->tc[0] = MW_RED, out->tc[1] = MW_GREEN, out->tc[2] = MW_BLUE;
    if (s->band[MW_SWIR1])
        out->fc[0] = MW_SWIR1, out->fc[1] = MW_NIR, out->fc[2] = MW_RED;
    else
        out->fc[0] = MW_NIR, out->fc[1] = MW_RED,
        out->fc[2] = s->band[MW_GREEN] ? MW_GREEN : MW_RED;
    for (int r = 0; r < MW_NROLES; r++)
        out->slot[r] = -1;
    for (int c = 0; c < 6; c++) {
        int r = c < 3 ? out->fc[c] : out->tc[c - 3];
        if ((c < 3 || out->true_colour) && out->slot[r] < 0) {
            out->slot[r] = out->nroles;
            out->role[out->nroles++] = r;
        }
    }
}

static float gain_of(const mw_stretch *st, int r)
{
    return 255.0f / (st->hi[r] - st->lo[r]);
}

void mw_chip_codes(const mw_stretch *st, const mw_chip_bands *cb, float *const planes[MW_NROLES],
                   size_t n, uint8_t *out)
{
    for (int k = 0; k < cb->nroles; k++) {
        int r = cb->role[k];
        mw_stretch_u8(planes[r], n, st->lo[r], gain_of(st, r), out + (size_t)k * n);
    }
}

/* ---- the store ------------------------------------------------------------ */

struct mw_chipstore {
    const mw_scene *s;
    mw_stretch st;
    mw_chip_bands cb;
    int size, ntx, nty, P;
    int fd;
    char path[MW_PATH_MAX + 64]; /* "" in memory */
    unsigned char *filled; /* [ntx * nty]: the tile is in the file */
    int broken;            /* a write failed: no more tiles kept (atomic) */
};

/* The file's bytes: every block whole but the last (the edge tiles' are
 * shorter). */
static double store_bytes(const mw_chipstore *cs)
{
    return ((double)cs->s->width * cs->s->height + (double)cs->size * cs->size) * cs->P;
}

/* Where the store goes: 1 in memory, 0 at path, -1 nowhere (no room). */
static int placement(double bytes, const char *path)
{
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && bytes <= (double)pages * page / MW_CHIPSTORE_RAM_SHARE)
        return 1;
    char dir[MW_PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    struct statvfs v;
    if (statvfs(slash ? dir : ".", &v) == 0 &&
        bytes <= (double)v.f_bavail * v.f_frsize / MW_CHIPSTORE_DISK_SHARE)
        return 0;
    return -1;
}

/* The store left, and why (the chips read the scene). */
static mw_chipstore *no_store(mw_chipstore *cs, const char *why)
{
    mw_log("evidence chips: no store of their pixels (%s); they read the scene", why);
    mw_error_clear();
    mw_chipstore_close(cs);
    return NULL;
}

mw_chipstore *mw_chipstore_open(const mw_scene *s, int tile_size, int threads, const char *path)
{
    mw_chipstore *cs = calloc(1, sizeof *cs);
    if (!cs)
        return no_store(NULL, "out of memory");
    cs->s = s;
    cs->fd = -1;
    cs->size = tile_size;
    cs->ntx = (s->width + tile_size - 1) / tile_size;
    cs->nty = (s->height + tile_size - 1) / tile_size;
    mw_chip_bands_of(s, &cs->cb);
    cs->P = 2 * cs->cb.nroles;
    const double bytes = store_bytes(cs);
    const int where = placement(bytes, path);
    if (where < 0)
        return no_store(cs, "it takes more than a quarter of the memory and of the disk free");
    if (!(cs->filled = calloc((size_t)cs->ntx * cs->nty, 1)))
        return no_store(cs, "out of memory");
    double t0 = mw_now();
    if (mw_stretch_scene(s, threads, &cs->st))
        return no_store(cs, mw_error_message());
    double t_stretch = mw_now() - t0;
    if (where == 1) {
        cs->fd = memfd_create("minewatch-chips", MFD_CLOEXEC);
    } else {
        snprintf(cs->path, sizeof cs->path, "%s", path);
        cs->fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (cs->fd < 0)
        return no_store(cs, strerror(errno));
    mw_log("evidence chips: their pixels kept by the tile pass, %.0f MB %s (the stretch in "
           "%.2f s)", bytes / 1e6, cs->path[0] ? cs->path : "in memory", t_stretch);
    return cs;
}

void mw_chipstore_close(mw_chipstore *cs)
{
    if (!cs)
        return;
    if (cs->fd >= 0) {
        close(cs->fd);
        if (cs->path[0])
            unlink(cs->path);
    }
    free(cs->filled);
    free(cs);
}

const mw_stretch *mw_chipstore_stretch(const mw_chipstore *cs) { return &cs->st; }
size_t mw_chipstore_row_bytes(const mw_chipstore *cs) { return (size_t)cs->size * cs->P; }

int mw_chipstore_scratch_alloc(const mw_chipstore *cs, mw_chipstore_scratch *sc)
{
    sc->codes = mw_calloc((size_t)cs->size * cs->size, (size_t)cs->P);
    sc->row = mw_calloc((size_t)cs->size, sizeof *sc->row);
    if (sc->codes && sc->row)
        return 0;
    mw_chipstore_scratch_free(sc);
    return -1;
}

void mw_chipstore_scratch_free(mw_chipstore_scratch *sc)
{
    free(sc->codes);
    free(sc->row);
    sc->codes = NULL;
    sc->row = NULL;
}

/* The file's name in a log line. */
static const char *store_name(const mw_chipstore *cs)
{
    return cs->path[0] ? cs->path : "their store (in memory)";
}

static off_t block_of(const mw_chipstore *cs, int tx, int ty)
{
    return ((off_t)ty * cs->ntx + tx) * cs->size * cs->size * cs->P;
}

/* All of buf at off, or -1 with errno. */
static int pwrite_all(int fd, const uint8_t *buf, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t k = pwrite(fd, buf, n, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        buf += k, n -= (size_t)k, off += k;
    }
    return 0;
}

void mw_chipstore_put(mw_chipstore *cs, mw_chipstore_scratch *sc, int x0, int y0, int w, int h,
                     float *refl[2][MW_NROLES], uint16_t *const dn[2], int wx, int wy,
                     int ww, size_t plane)
{
    const mw_scene *s = cs->s;
    if (__atomic_load_n(&cs->broken, __ATOMIC_RELAXED))
        return;
    int dnk[MW_NROLES]; /* the plane of each present role among dn's */
    for (int r = 0, k = 0; r < MW_NROLES; r++)
        dnk[r] = s->band[r] ? k++ : -1;
    for (int y = 0; y < h; y++) {
        size_t src = (size_t)(y0 + y - wy) * ww + (size_t)(x0 - wx);
        uint8_t *row = sc->codes + (size_t)y * w * cs->P;
        for (int d = 0; d < 2; d++)
            for (int k = 0; k < cs->cb.nroles; k++) {
                int r = cs->cb.role[k];
                const float *v = refl ? refl[d][r] + src : sc->row;
                if (!refl)
                    mw_dn_to_refl(s, d, dn[d] + (size_t)dnk[r] * plane + src, (size_t)w, sc->row);
                mw_stretch_u8(v, (size_t)w, cs->st.lo[r], gain_of(&cs->st, r),
                              row + (size_t)(d * cs->cb.nroles + k) * w);
            }
    }
    int tx = x0 / cs->size, ty = y0 / cs->size;
    if (pwrite_all(cs->fd, sc->codes, (size_t)w * h * cs->P, block_of(cs, tx, ty))) {
        const char *why = errno ? strerror(errno) : "short write";
        if (!__atomic_exchange_n(&cs->broken, 1, __ATOMIC_RELAXED))
            mw_log("evidence chips: %s: cannot write (%s); the chips over the tiles not "
                   "kept read the scene", store_name(cs), why);
        return;
    }
    cs->filled[(size_t)ty * cs->ntx + tx] = 1;
}

int mw_chipstore_read(const mw_chipstore *cs, int x, int y, int w, int h, int bw, int bh,
                      uint8_t *out, uint8_t *row)
{
    const int T = cs->size, P = cs->P;
    const int tx0 = x / T, tx1 = (x + w - 1) / T, ty0 = y / T, ty1 = (y + h - 1) / T;
    for (int ty = ty0; ty <= ty1; ty++)
        for (int tx = tx0; tx <= tx1; tx++)
            if (!cs->filled[(size_t)ty * cs->ntx + tx])
                return 0;
    const size_t n = (size_t)bw * bh;
    for (int j = 0; j < bh; j++) {
        int sy = y + mw_chip_sample(j, h, bh), ty = sy / T;
        int i = 0; /* the samples go left to right through the tiles */
        for (int tx = tx0; tx <= tx1 && i < bw; tx++) {
            int cx0 = tx * T, tw = cs->s->width - cx0 < T ? cs->s->width - cx0 : T;
            size_t len = (size_t)tw * P;
            off_t off = block_of(cs, tx, ty) + (off_t)(sy - ty * T) * (off_t)len;
            ssize_t k;
            do
                k = pread(cs->fd, row, len, off);
            while (k < 0 && errno == EINTR);
            if (k != (ssize_t)len) { /* the chip reads the scene */
                mw_log("evidence chips: %s: cannot read (%s)", store_name(cs),
                       k < 0 ? strerror(errno) : "short read");
                return 0;
            }
            for (; i < bw; i++) {
                int sx = x + mw_chip_sample(i, w, bw);
                if (sx >= cx0 + tw)
                    break;
                for (int p = 0; p < P; p++)
                    out[(size_t)p * n + (size_t)j * bw + i] = row[(size_t)p * tw + (sx - cx0)];
            }
        }
    }
    return 1;
}
