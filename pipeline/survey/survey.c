/* survey.c - IR-MAD, normalization and thresholds from a decimated pass. */
#include "survey.h"

#include <ctype.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mw.h"
#include "stats.h"

#define NBINS 256
#define ROBUST_SAMPLE 262144 /* pixels behind each median */
#define CLIP_QUANTILE 0.999  /* extreme reflectance and histogram tail */
#define CHI2_ALPHA 1e-3      /* threshold = chi2 "chi2": P(no change) < alpha */
#define INVARIANT_P 0.5      /* no-change probability of an invariant pixel */
#define DIRECTION_Z 1.0f     /* standardized dNDVI / dBSI that gives a direction */
#define RHO_TOL 1e-5
#define MW_OBJ_MAX_PX 64     /* change objects: the MMU in pixels at most (the halo) */
#define MW_OBJ_REACH 24      /* growth steps from a seed, in pixels */
#define MW_SEED_Q 0.95       /* the peak test: 95th percentile of the noise peaks */
#define MW_SEED_MIN 30       /* objects below the MMU needed to estimate it */
#define MW_CHIPS 8           /* decimated survey: 8 x 8 chips ... */
#define MW_CHIP_PX 128       /* ... of 128 x 128 px read at full resolution */

typedef struct {
    size_t n;
    int p;
    float *refl[2][MW_NROLES];
    const float *x[MW_MAD_MAX], *y[MW_MAD_MAX];
    uint8_t *keep;      /* valid and not extreme: used for estimation */
    float *z, *w, *f1, *f2, *f3, *f4; /* f2 holds 2n (box scratch) */
    float *sample;      /* ROBUST_SAMPLE floats */
} survey_buf;

static void buf_free(survey_buf *b)
{
    for (int d = 0; d < 2; d++)
        for (int r = 0; r < MW_NROLES; r++)
            free(b->refl[d][r]);
    free(b->keep); free(b->z); free(b->w);
    free(b->f1); free(b->f2); free(b->f3); free(b->f4);
    free(b->sample);
}

static int buf_alloc(survey_buf *b, const mw_scene *s, size_t n)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    int ok = 1;
#define ALLOC(p, count) ok = ok && ((p) = malloc((count) * sizeof *(p))) != NULL
    for (int d = 0; d < 2; d++)
        for (int r = 0; r < MW_NROLES; r++)
            if (s->band[r] || r == MW_BLUE)
                ALLOC(b->refl[d][r], n);
    ALLOC(b->keep, n); ALLOC(b->z, n); ALLOC(b->w, n);
    ALLOC(b->f1, n); ALLOC(b->f2, 2 * n); ALLOC(b->f3, n); ALLOC(b->f4, n);
    ALLOC(b->sample, ROBUST_SAMPLE);
#undef ALLOC
    if (!ok) {
        buf_free(b);
        mw_error(MW_EXIT_INTERNAL, "out of memory for the survey (%zu px)", n);
        return -1;
    }
    return 0;
}

/* An evenly strided sample of at most ROBUST_SAMPLE of the valid values of v
 * over the pixels with sel[i] set; returns its size. */
static size_t strided_sample(const float *v, const uint8_t *sel, size_t n, float *sample)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += sel[i] && !isnan(v[i]);
    size_t stride = count > ROBUST_SAMPLE ? (count + ROBUST_SAMPLE - 1) / ROBUST_SAMPLE : 1;
    size_t m = 0, seen = 0;
    for (size_t i = 0; i < n && m < ROBUST_SAMPLE; i++)
        if (sel[i] && !isnan(v[i]) && seen++ % stride == 0)
            sample[m++] = v[i];
    return m;
}

/* Median and 1.4826 x median absolute deviation of v[i] over the pixels with
 * sel[i] set, from an evenly strided sample of at most ROBUST_SAMPLE. */
static void robust_stats(const float *v, const uint8_t *sel, size_t n, float *sample,
                         double *center, double *scale)
{
    size_t m = strided_sample(v, sel, n, sample);
    if (m == 0) {
        *center = 0;
        *scale = 1;
        return;
    }
    double med = mw_select(sample, m, m / 2);
    for (size_t i = 0; i < m; i++)
        sample[i] = fabsf(sample[i] - (float)med);
    double mad = 1.4826 * mw_select(sample, m, m / 2);
    *center = med;
    *scale = mad > 1e-12 ? mad : 1e-12;
}

/* q-quantile of v over sel (strided sample). */
static double quantile(const float *v, const uint8_t *sel, size_t n, float *sample, double q)
{
    size_t m = strided_sample(v, sel, n, sample);
    if (m == 0)
        return NAN;
    size_t k = (size_t)(q * (double)(m - 1) + 0.5);
    return mw_select(sample, m, k);
}

/* Scaled data (scale != 1) whose reflectance exceeds 1.5 at the 99th
 * percentile of a band was read with the wrong scale (an EO Browser export,
 * reflectance x 65535, read as DN x 0.0001 gives up to 6.5): a warning, not
 * an error (IR-MAD is invariant to the scale; the directions are not). */
#define REFL_CHECK_Q 0.99
#define REFL_CHECK_MAX 1.5
static void check_reflectance(const mw_scene *s, survey_buf *b, const uint8_t *est, size_t n)
{
    for (int d = 0; d < 2; d++)
        for (int r = 0; r < MW_NROLES; r++) {
            if (!s->band[r])
                continue;
            double q = quantile(b->refl[d][r], est, n, b->sample, REFL_CHECK_Q);
            if (q > REFL_CHECK_MAX) {
                mw_warn("%s: %s reflectance %.2f at the 99th percentile (DN x %g %+g): "
                        "[bands] scale and offset do not fit this data (an EO Browser "
                        "export is reflectance x 65535: sentinel2-l2a-eobrowser)",
                        s->path[d], MW_ROLE_NAMES[r], q, s->scale, s->offset);
                return;
            }
        }
}

/* Every k-th pixel of date d in x and y (pixel (i k, j k) to survey pixel
 * (i, j)), read at full resolution a window of about 512 px at a time and
 * picked out.  Not GDAL's decimated RasterIO: through a VRT stacked with
 * bilinear resampling or a warped VRT (co-registration) that filters the
 * sources over the decimation, so the survey saw smoother pixels than the
 * tile pass, each date filtered its own way (Cupertino surveyed every 4th
 * pixel: canonical correlations 0.39-0.93 against 0.47-0.97 at full
 * resolution, F1 0.18).  The same reads as the tile pass's, masks included. */
static int read_every_kth(mw_reader *rd, const mw_scene *s, int d, int k, int sw, int sh,
                          float *out[MW_NROLES])
{
    const int win = k * (512 / k > 0 ? 512 / k : 1);
    size_t wn = (size_t)win * (size_t)win;
    float *mem = malloc(wn * MW_NROLES * sizeof(float));
    uint16_t *scratch = malloc(wn * sizeof *scratch);
    float *w[MW_NROLES];
    int rc = -1;
    if (!mem || !scratch) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for the survey read");
        goto done;
    }
    for (int r = 0; r < MW_NROLES; r++)
        w[r] = mem + (size_t)r * wn;
    for (int y0 = 0; y0 < s->height; y0 += win)
        for (int x0 = 0; x0 < s->width; x0 += win) {
            int ww = s->width - x0 < win ? s->width - x0 : win;
            int wh = s->height - y0 < win ? s->height - y0 : win;
            if (mw_reader_read(rd, d, x0, y0, ww, wh, w, scratch))
                goto done;
            for (int r = 0; r < MW_NROLES; r++) {
                if (!s->band[r])
                    continue;
                for (int y = 0; y < wh; y += k) {
                    const float *src = w[r] + (size_t)y * ww;
                    float *dst = out[r] + (size_t)((y0 + y) / k) * sw + x0 / k;
                    for (int x = 0, i = 0; x < ww; x += k, i++)
                        dst[i] = src[x];
                }
            }
        }
    (void)sh;
    rc = 0;
done:
    free(mem);
    free(scratch);
    return rc;
}

/* One IR-MAD step: weighted means and covariances, the generalized
 * eigenproblem, the MAD transformation into m (not yet its scales). */
static int mad_step(const survey_buf *b, mw_mad *m, double rho[MW_MAD_MAX])
{
    const int p = b->p, q = 2 * p;
    double sw = 0, mean[2 * MW_MAD_MAX] = {0}, cov[2 * MW_MAD_MAX][2 * MW_MAD_MAX];
    memset(cov, 0, sizeof cov);
    for (size_t i = 0; i < b->n; i++) {
        double w = b->w[i];
        if (!(w > 0))
            continue;
        sw += w;
        for (int j = 0; j < p; j++) {
            mean[j] += w * b->x[j][i];
            mean[p + j] += w * b->y[j][i];
        }
    }
    if (!(sw > 0)) {
        mw_error(MW_EXIT_RASTER, "the survey found no valid pixel common to both dates");
        return -1;
    }
    for (int j = 0; j < q; j++)
        mean[j] /= sw;
    for (size_t i = 0; i < b->n; i++) {
        double w = b->w[i];
        if (!(w > 0))
            continue;
        double v[2 * MW_MAD_MAX];
        for (int j = 0; j < p; j++) {
            v[j] = b->x[j][i] - mean[j];
            v[p + j] = b->y[j][i] - mean[p + j];
        }
        for (int r = 0; r < q; r++)
            for (int c = r; c < q; c++)
                cov[r][c] += w * v[r] * v[c];
    }
    for (int r = 0; r < q; r++)
        for (int c = r; c < q; c++)
            cov[c][r] = cov[r][c] /= sw;

    /* column-major p x p matrices */
    double s11[MW_MAD_MAX * MW_MAD_MAX] = {0}, s22[MW_MAD_MAX * MW_MAD_MAX] = {0};
    double x[MW_MAD_MAX * MW_MAD_MAX] = {0}, a[MW_MAD_MAX * MW_MAD_MAX] = {0};
    double ev[MW_MAD_MAX] = {0};
    for (int r = 0; r < p; r++)
        for (int c = 0; c < p; c++) {
            s11[c * p + r] = cov[r][c];
            s22[c * p + r] = cov[p + r][p + c];
            x[c * p + r] = cov[p + r][c]; /* S21 */
        }
    /* x = S22^-1 S21 */
    double l22[MW_MAD_MAX * MW_MAD_MAX];
    memcpy(l22, s22, sizeof l22);
    if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', p, p, l22, p, x, p) != 0) {
        mw_error(MW_EXIT_RASTER, "the later image's bands are linearly dependent over the "
                 "survey pixels (constant or duplicated band?)");
        return -1;
    }
    /* A = S12 x, symmetrized */
    for (int r = 0; r < p; r++)
        for (int c = 0; c < p; c++) {
            double s = 0;
            for (int k = 0; k < p; k++)
                s += cov[r][p + k] * x[c * p + k];
            a[c * p + r] = s;
        }
    for (int r = 0; r < p; r++)
        for (int c = r + 1; c < p; c++)
            a[c * p + r] = a[r * p + c] = 0.5 * (a[c * p + r] + a[r * p + c]);
    if (LAPACKE_dsygv(LAPACK_COL_MAJOR, 1, 'V', 'U', p, a, p, s11, p, ev) != 0) {
        mw_error(MW_EXIT_RASTER, "the earlier image's bands are linearly dependent over "
                 "the survey pixels (constant or duplicated band?)");
        return -1;
    }
    m->p = p;
    for (int j = 0; j < p; j++) {
        m->mu1[j] = mean[j];
        m->mu2[j] = mean[p + j];
    }
    for (int k = 0; k < p; k++) {
        double r2 = ev[k] > 0 ? ev[k] : 0;
        rho[k] = sqrt(r2 < 1 ? r2 : 1);
        double rk = rho[k] > 1e-9 ? rho[k] : 1e-9;
        /* a_k: unit variance by dsygv; b_k = S22^-1 S21 a_k / rho_k */
        double bk[MW_MAD_MAX];
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int c = 0; c < p; c++)
                s += x[c * p + j] * a[k * p + c];
            bk[j] = s / rk;
        }
        double var = 0;
        for (int r = 0; r < p; r++)
            for (int c = 0; c < p; c++)
                var += bk[r] * s22[c * p + r] * bk[c];
        double norm = var > 0 ? 1 / sqrt(var) : 1;
        for (int j = 0; j < p; j++) {
            m->a[k][j] = a[k * p + j];
            m->b[k][j] = bk[j] * norm;
        }
    }
    return 0;
}

/* The MAD variates' robust centre and scale over the kept pixels. */
static void mad_scales(survey_buf *b, mw_mad *m)
{
    for (int k = 0; k < m->p; k++) {
        for (size_t i = 0; i < b->n; i++) {
            if (!b->keep[i]) {
                b->f1[i] = NAN;
                continue;
            }
            double u = 0, v = 0;
            for (int j = 0; j < m->p; j++) {
                u += m->a[k][j] * (b->x[j][i] - m->mu1[j]);
                v += m->b[k][j] * (b->y[j][i] - m->mu2[j]);
            }
            b->f1[i] = (float)(u - v);
        }
        robust_stats(b->f1, b->keep, b->n, b->sample, &m->center[k], &m->scale[k]);
    }
}

static int irmad(const mw_config *cfg, survey_buf *b, mw_survey *sv)
{
    double rho_old[MW_MAD_MAX] = {0};
    for (size_t i = 0; i < b->n; i++)
        b->w[i] = b->keep[i];
    for (int it = 0; it < cfg->survey_iterations; it++) {
        if (mad_step(b, &sv->mad, sv->rho))
            return -1;
        mad_scales(b, &sv->mad);
        mw_mad_z(b->x, b->y, &sv->mad, b->n, b->z);
        for (size_t i = 0; i < b->n; i++)
            b->w[i] = b->keep[i] ? (float)mw_chi2_sf(b->z[i], b->p) : 0.0f;
        sv->iterations = it + 1;
        double delta = 0;
        for (int k = 0; k < b->p; k++)
            delta = fmax(delta, fabs(sv->rho[k] - rho_old[k]));
        memcpy(rho_old, sv->rho, sizeof rho_old);
        if (it > 0 && delta < RHO_TOL) {
            sv->converged = 1;
            break;
        }
    }
    return 0;
}

/* Orthogonal regression of t2 on t1 per band over the invariant pixels:
 * t2 = alpha + beta t1, so t2 normalized = (t2 - alpha) / beta. */
static void normalize(const mw_scene *s, survey_buf *b, mw_survey *sv)
{
    for (int r = 0; r < MW_NROLES; r++) {
        sv->gain[r] = 1;
        sv->bias[r] = 0;
    }
    int64_t inv = 0;
    for (size_t i = 0; i < b->n; i++) {
        b->keep[i] = b->keep[i] && b->w[i] > INVARIANT_P;
        inv += b->keep[i];
    }
    sv->invariant = inv;
    if (inv < 100)
        return;
    for (int r = 0; r < MW_NROLES; r++) {
        if (!s->band[r])
            continue;
        const float *x = b->refl[0][r], *y = b->refl[1][r];
        double mx = 0, my = 0;
        for (size_t i = 0; i < b->n; i++)
            if (b->keep[i]) {
                mx += x[i];
                my += y[i];
            }
        mx /= (double)inv;
        my /= (double)inv;
        double sxx = 0, syy = 0, sxy = 0;
        for (size_t i = 0; i < b->n; i++)
            if (b->keep[i]) {
                double dx = x[i] - mx, dy = y[i] - my;
                sxx += dx * dx;
                syy += dy * dy;
                sxy += dx * dy;
            }
        if (!(fabs(sxy) > 0))
            continue;
        double beta = (syy - sxx + sqrt((syy - sxx) * (syy - sxx) + 4 * sxy * sxy)) /
                      (2 * sxy);
        if (!(beta > 0))
            continue;
        double alpha = my - beta * mx;
        sv->gain[r] = (float)(1 / beta);
        sv->bias[r] = (float)(-alpha / beta);
    }
}

/* dNDVI and dBSI with t2 normalized; their no-change centre and spread. */
static void directions(const mw_scene *s, survey_buf *b, mw_survey *sv)
{
    for (int r = 0; r < MW_NROLES; r++)
        if (s->band[r])
            mw_affine(b->refl[1][r], b->n, sv->gain[r], sv->bias[r]);
    float *ndvi1 = b->f1, *ndvi2 = b->f2, *bsi1 = b->f3, *bsi2 = b->f4;
    for (int d = 0; d < 2; d++) {
        float **r = b->refl[d];
        mw_ndvi(r[MW_RED], r[MW_NIR], b->n, d ? ndvi2 : ndvi1);
        if (s->band[MW_SWIR1])
            mw_bsi(r[MW_BLUE], r[MW_RED], r[MW_NIR], r[MW_SWIR1], b->n, d ? bsi2 : bsi1);
        else
            mw_bsi_vnir(r[MW_BLUE], r[MW_GREEN], r[MW_RED], r[MW_NIR], b->n,
                        d ? bsi2 : bsi1);
    }
    float *dndvi = b->z, *dbsi = b->w; /* both no longer needed */
    mw_diff(ndvi1, ndvi2, b->n, dndvi);
    mw_diff(bsi1, bsi2, b->n, dbsi);
    double c, sc;
    robust_stats(dndvi, b->keep, b->n, b->sample, &c, &sc);
    sv->dir.ndvi_center = (float)c;
    sv->dir.ndvi_scale = (float)fmax(sc, 1e-6);
    robust_stats(dbsi, b->keep, b->n, b->sample, &c, &sc);
    sv->dir.bsi_center = (float)c;
    sv->dir.bsi_scale = (float)fmax(sc, 1e-6);
    sv->dir.z = DIRECTION_Z;
}

/* x with Q(x; k) = alpha, by bisection. */
static double chi2_quantile(double alpha, int k)
{
    double lo = 0, hi = 1;
    while (mw_chi2_sf(hi, k) > alpha)
        hi *= 2;
    for (int i = 0; i < 200; i++) {
        double mid = 0.5 * (lo + hi);
        if (mw_chi2_sf(mid, k) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

/* The thresholds from the histogram of the smoothed magnitude mag[n] over
 * the pixels with est[i] set. */
static void thresholds(const mw_config *cfg, survey_buf *b, const float *mag,
                       const uint8_t *est, size_t n, mw_survey *sv)
{
    sv->hist_hi = quantile(mag, est, n, b->sample, CLIP_QUANTILE);
    uint64_t hist[NBINS] = {0};
    double hi = sv->hist_hi > 0 ? sv->hist_hi : 1;
    for (size_t i = 0; i < n; i++) {
        if (!est[i] || isnan(mag[i]))
            continue;
        int k = (int)(mag[i] / hi * NBINS);
        hist[k < 0 ? 0 : k >= NBINS ? NBINS - 1 : k]++;
    }
    sv->t_otsu = mw_otsu(hist, NBINS, 0, hi);
    sv->t_kittler = mw_kittler(hist, NBINS, 0, hi);
    sv->t_chi2 = sqrt(chi2_quantile(CHI2_ALPHA, sv->mad.p));
    const char *t = cfg->threshold;
    if (!strcmp(t, "otsu"))
        sv->threshold = sv->t_otsu;
    else if (!strcmp(t, "kittler"))
        sv->threshold = sv->t_kittler;
    else if (!strcmp(t, "chi2"))
        sv->threshold = sv->t_chi2;
    else if (!strcmp(t, "auto"))
        sv->threshold = fmax(sv->t_otsu, sv->t_kittler);
    else
        sv->threshold = strtod(t, NULL);
    snprintf(sv->method, sizeof sv->method, "%s",
             !strcmp(t, "auto") ? (sv->t_otsu >= sv->t_kittler ? "auto:otsu" : "auto:kittler")
             : isalpha((unsigned char)t[0]) ? t : "fixed");
}

/* Peaks of growing array. */
typedef struct {
    float *v;
    size_t n, cap;
} peaks;

/* The peak magnitude of every change object (mag > thr, 4-connected) of
 * fewer than min_px pixels in the w x h window, appended to pk; with
 * inner = 1 the objects touching the window's edge are left out (the window
 * is a chip: they may be parts of larger objects).  0, or -1 (memory). */
static int small_object_peaks(const float *mag, int w, int h, double thr, int min_px,
                              int inner, peaks *pk)
{
    size_t n = (size_t)w * (size_t)h;
    uint8_t *mask = malloc(n);
    uint32_t *lab = malloc(n * sizeof *lab), *par = malloc((n / 2 + 2) * sizeof *par);
    float *peak = NULL;
    uint32_t *count = NULL;
    uint8_t *edge = NULL;
    int rc = -1;
    if (!mask || !lab || !par)
        goto done;
    for (size_t i = 0; i < n; i++)
        mask[i] = mag[i] > thr; /* NaN: no */
    uint32_t nl = mw_label(mask, w, h, lab, par);
    peak = calloc((size_t)nl + 1, sizeof *peak);
    count = calloc((size_t)nl + 1, sizeof *count);
    edge = calloc((size_t)nl + 1, 1);
    if (!peak || !count || !edge)
        goto done;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            uint32_t l = lab[i];
            if (!l)
                continue;
            count[l]++;
            if (mag[i] > peak[l])
                peak[l] = mag[i];
            if (inner && (x == 0 || y == 0 || x == w - 1 || y == h - 1))
                edge[l] = 1;
        }
    for (uint32_t l = 1; l <= nl; l++) {
        if (edge[l] || count[l] >= (uint32_t)min_px)
            continue;
        if (pk->n == pk->cap) {
            size_t cap = pk->cap ? 2 * pk->cap : 4096;
            float *v = realloc(pk->v, cap * sizeof *v);
            if (!v)
                goto done;
            pk->v = v;
            pk->cap = cap;
        }
        pk->v[pk->n++] = peak[l];
    }
    rc = 0;
done:
    free(mask); free(lab); free(par); free(peak); free(count); free(edge);
    if (rc)
        mw_error(MW_EXIT_INTERNAL, "out of memory for the change objects (%zu px)", n);
    return rc;
}

/* A decimated survey's full-resolution sample: MW_CHIPS^2 chips of
 * MW_CHIP_PX px evenly spread over the scene, with the smoothed magnitude
 * as the tile pass computes it.  The survey grid's pixels are k apart, so
 * its 3 x 3 box mean is not the tile pass's (it averages unrelated pixels:
 * a narrower distribution, a lower threshold; Cupertino surveyed every 4th
 * pixel got 6.48 from its grid, 7.88 from the chips, 8.50 undecimated), and
 * its objects are not the tile pass's objects: the histogram and the noise
 * objects come from the chips. */
typedef struct {
    int n, cw, ch;    /* chips, each cw x ch */
    float *mag;       /* [n][ch][cw] */
    uint8_t *est;     /* for the histogram: valid, not extreme, not at a chip edge */
} chips;

static void chips_free(chips *c)
{
    free(c->mag);
    free(c->est);
}

static int read_chips(const mw_config *cfg, const mw_scene *s, mw_reader *rd,
                      const mw_survey *sv, double clip[2][MW_MAD_MAX], chips *c)
{
    int cw = s->width < MW_CHIP_PX ? s->width : MW_CHIP_PX;
    int ch = s->height < MW_CHIP_PX ? s->height : MW_CHIP_PX;
    size_t n = (size_t)cw * (size_t)ch;
    *c = (chips){MW_CHIPS * MW_CHIPS, cw, ch, NULL, NULL};
    c->mag = malloc((size_t)c->n * n * sizeof *c->mag);
    c->est = malloc((size_t)c->n * n);
    float *mem = malloc(n * sizeof(float) * (2 * MW_NROLES + 3));
    uint16_t *scratch = malloc(n * sizeof *scratch);
    int rc = -1, r = cfg->smooth_radius;
    if (!c->mag || !c->est || !mem || !scratch) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for the survey chips");
        goto done;
    }
    float *refl[2][MW_NROLES], *z = mem + 2 * MW_NROLES * n, *tmp = z + n;
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < MW_NROLES; k++)
            refl[d][k] = mem + (size_t)(d * MW_NROLES + k) * n;
    const float *x[MW_MAD_MAX], *y[MW_MAD_MAX];
    for (int j = 0; j < sv->mad.p; j++) {
        x[j] = refl[0][sv->roles[j]];
        y[j] = refl[1][sv->roles[j]];
    }
    for (int k = 0; k < c->n; k++) {
        int cx = k % MW_CHIPS, cy = k / MW_CHIPS;
        /* chip centres evenly spread, clamped inside the scene */
        int x0 = (int)(((int64_t)(2 * cx + 1) * s->width) / (2 * MW_CHIPS)) - cw / 2;
        int y0 = (int)(((int64_t)(2 * cy + 1) * s->height) / (2 * MW_CHIPS)) - ch / 2;
        x0 = x0 < 0 ? 0 : x0 + cw > s->width ? s->width - cw : x0;
        y0 = y0 < 0 ? 0 : y0 + ch > s->height ? s->height - ch : y0;
        for (int d = 0; d < 2; d++) {
            if (!s->band[MW_BLUE])
                memset(refl[d][MW_BLUE], 0, n * sizeof(float));
            if (mw_reader_read(rd, d, x0, y0, cw, ch, refl[d], scratch))
                goto done;
        }
        float *mag = c->mag + (size_t)k * n;
        uint8_t *est = c->est + (size_t)k * n;
        mw_mad_z(x, y, &sv->mad, n, z);
        mw_box_sqrt_mean(z, cw, ch, r, tmp, mag);
        for (int yy = 0; yy < ch; yy++)
            for (int xx = 0; xx < cw; xx++) {
                size_t i = (size_t)yy * cw + xx;
                /* a box clipped by the chip but not by the scene is not the
                 * tile pass's */
                int edge = (xx < r && x0 + xx >= r) || (yy < r && y0 + yy >= r) ||
                           (xx >= cw - r && x0 + xx < s->width - r) ||
                           (yy >= ch - r && y0 + yy < s->height - r);
                int ok = !edge && !isnan(mag[i]);
                for (int j = 0; ok && j < sv->mad.p; j++)
                    ok = !(x[j][i] > clip[0][j]) && !(y[j][i] > clip[1][j]);
                est[i] = (uint8_t)ok;
            }
    }
    rc = 0;
done:
    free(mem);
    free(scratch);
    if (rc)
        chips_free(c);
    return rc;
}

/* [detect] objects: the minimum mapping unit in pixels and the seed of the
 * peak test (survey.h).  mag: the survey grid's smoothed magnitude
 * (decimation 1), else the chips'. */
static int object_params(const mw_config *cfg, const mw_scene *s, const float *mag,
                         const chips *c, mw_survey *sv)
{
    mw_objects *o = &sv->objects;
    *o = (mw_objects){(float)sv->threshold, (float)sv->threshold, 0, 0, 0};
    sv->objects_on = strcmp(cfg->objects, "off") != 0;
    sv->seed_quantile = MW_SEED_Q;
    if (!sv->objects_on)
        return 0;
    /* the smallest pixel count whose area reaches min_area_m2 (as patches.c) */
    double k = ceil(cfg->min_area_m2 / s->pixel_area_m2);
    if (k > 1 && (k - 1) * s->pixel_area_m2 >= cfg->min_area_m2)
        k -= 1;
    o->min_px = k > MW_OBJ_MAX_PX ? MW_OBJ_MAX_PX : k < 1 ? 1 : (int)k;
    if (strcmp(cfg->objects, "test"))
        return 0; /* mmu: the minimum mapping unit only */
    peaks pk = {NULL, 0, 0};
    int rc = 0;
    if (!c)
        rc = small_object_peaks(mag, sv->width, sv->height, sv->threshold, o->min_px, 0, &pk);
    for (int k = 0; c && !rc && k < c->n; k++)
        rc = small_object_peaks(c->mag + (size_t)k * c->cw * c->ch, c->cw, c->ch,
                                sv->threshold, o->min_px, 1, &pk);
    if (!rc) {
        sv->seed_objects = (int64_t)pk.n;
        if (pk.n >= MW_SEED_MIN) {
            size_t q = (size_t)(MW_SEED_Q * (double)(pk.n - 1) + 0.5);
            double seed = mw_select(pk.v, pk.n, q);
            o->seed = (float)(seed > sv->threshold ? seed : sv->threshold);
        }
        o->reach = MW_OBJ_REACH;
        o->refine = 1;
    }
    free(pk.v);
    return rc;
}

int mw_survey_objects_halo(const mw_survey *sv)
{
    return sv && sv->enabled && sv->objects_on ? mw_objects_halo(&sv->objects) : 0;
}

int mw_survey_run(const mw_config *cfg, const mw_scene *scene, const mw_coreg *coreg,
                  mw_survey *sv)
{
    memset(sv, 0, sizeof *sv);
    const mw_scene view = mw_coreg_view(scene, coreg); /* t2 as co-registered */
    const mw_scene *s = &view;
    if (strcmp(cfg->engine, "irmad"))
        return 0;
    sv->enabled = 1;
    double ratio = (double)s->width * s->height / cfg->survey_max_pixels;
    int k = ratio > 1 ? (int)ceil(sqrt(ratio)) : 1;
    sv->decimation = k;
    sv->width = (s->width + k - 1) / k;
    sv->height = (s->height + k - 1) / k;
    size_t n = (size_t)sv->width * sv->height;
    survey_buf b;
    if (buf_alloc(&b, s, n))
        return -1;
    uint16_t *scratch = malloc(n * sizeof *scratch);
    uint8_t *est = malloc(n);
    mw_reader *rd = mw_reader_new(s);
    chips ck = {0, 0, 0, NULL, NULL};
    int have_chips = 0;
    int rc = -1;
    if (!scratch || !est) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for the survey (%zu px)", n);
        goto done;
    }
    if (!rd)
        goto done;
    for (int d = 0; d < 2; d++) {
        if (!s->band[MW_BLUE]) /* absent: a zero span keeps the kernels uniform */
            memset(b.refl[d][MW_BLUE], 0, n * sizeof(float));
        if (k == 1 ? mw_reader_read_buf(rd, d, 0, 0, s->width, s->height, sv->width,
                                        sv->height, b.refl[d], scratch)
                   : read_every_kth(rd, s, d, k, sv->width, sv->height, b.refl[d]))
            goto done;
    }
    b.p = 0;
    for (int r = 0; r < MW_NROLES && b.p < MW_MAD_MAX; r++) {
        int dup = 0; /* a band standing in for two roles enters once */
        for (int j = 0; j < b.p; j++)
            dup |= s->band[sv->roles[j]] == s->band[r];
        if (s->band[r] && !dup) {
            sv->roles[b.p] = r;
            b.x[b.p] = b.refl[0][r];
            b.y[b.p] = b.refl[1][r];
            b.p++;
        }
    }
    /* valid: every band finite on both dates; kept: and below the top
     * CLIP_QUANTILE of every band (glare, cloud, saturation) */
    for (size_t i = 0; i < n; i++) {
        int ok = 1;
        for (int j = 0; j < b.p; j++)
            ok &= !isnan(b.x[j][i]) && !isnan(b.y[j][i]);
        b.keep[i] = (uint8_t)ok;
        sv->valid += ok;
    }
    sv->pixels = (int64_t)n;
    memcpy(est, b.keep, n);
    double clip[2][MW_MAD_MAX]; /* the chips leave out the same extremes */
    for (int j = 0; j < b.p; j++)
        for (int d = 0; d < 2; d++) {
            const float *v = d ? b.y[j] : b.x[j];
            double hi = quantile(v, est, n, b.sample, CLIP_QUANTILE);
            clip[d][j] = hi;
            for (size_t i = 0; i < n; i++)
                if (b.keep[i] && v[i] > hi)
                    b.keep[i] = 0;
        }
    for (size_t i = 0; i < n; i++)
        sv->clipped += est[i] && !b.keep[i];
    if (s->scale != 1.0f)
        check_reflectance(s, &b, est, n);
    if (sv->valid < 100) {
        mw_error(MW_EXIT_RASTER, "%s and %s: fewer than 100 valid pixels in common",
                 s->path[0], s->path[1]);
        goto done;
    }
    if (irmad(cfg, &b, sv))
        goto done;
    memcpy(est, b.keep, n);
    if (k == 1) { /* the survey grid is the scene's */
        mw_box_sqrt_mean(b.z, sv->width, sv->height, cfg->smooth_radius, b.f2, b.f1);
        thresholds(cfg, &b, b.f1, est, n, sv);
    } else { /* decimated: the full-resolution chips */
        if (read_chips(cfg, s, rd, sv, clip, &ck))
            goto done;
        have_chips = 1;
        thresholds(cfg, &b, ck.mag, ck.est, (size_t)ck.n * ck.cw * ck.ch, sv);
    }
    if (object_params(cfg, s, b.f1, have_chips ? &ck : NULL, sv))
        goto done;
    normalize(s, &b, sv);
    directions(s, &b, sv);
    mw_log("survey: %dx%d px (every %d), IR-MAD %d iterations%s, threshold %.3f (%s), "
           "%lld invariant px", sv->width, sv->height, k, sv->iterations,
           sv->converged ? "" : " (not converged)", sv->threshold, sv->method,
           (long long)sv->invariant);
    if (sv->objects_on)
        mw_log("survey: change objects of %d px or more, seed %.3f (%.2f x threshold, from "
               "%lld objects below the MMU)", sv->objects.min_px, sv->objects.seed,
               sv->objects.seed / sv->threshold, (long long)sv->seed_objects);
    rc = 0;
done:
    if (have_chips)
        chips_free(&ck);
    mw_reader_free(rd);
    free(scratch);
    free(est);
    buf_free(&b);
    return rc;
}

double mw_survey_change_prob(const mw_survey *sv, double z)
{
    return 1.0 - mw_chi2_sf(z, sv->mad.p);
}
