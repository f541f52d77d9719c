/* coreg.c - phase correlation of the two dates, global and per block. */
#include "coreg.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"
#include "phasecor.h"

#define COREG_SIGMA 1.0     /* Gaussian low-pass of the cross-power spectrum, px */
#define COREG_MIN_SIDE 64   /* smaller scenes are not co-registered */
#define COREG_MAX_AXIS 8    /* blocks per axis at most */

/* The FFTW planner is not thread-safe: plans are made and destroyed under
 * this mutex, executed outside it (new-array execute on aligned buffers). */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

struct mw_fft {
    int w, h;
    float *in, *out;          /* w x h real */
    fftwf_complex *a, *b, *c; /* h x (w / 2 + 1) */
    fftwf_plan fwd, inv;
    double norm;              /* peak height of identical images */
};

void mw_fft_free(mw_fft *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&plan_lock);
    if (f->fwd)
        fftwf_destroy_plan(f->fwd);
    if (f->inv)
        fftwf_destroy_plan(f->inv);
    pthread_mutex_unlock(&plan_lock);
    fftwf_free(f->in);
    fftwf_free(f->out);
    fftwf_free(f->a);
    fftwf_free(f->b);
    fftwf_free(f->c);
    free(f);
}

mw_fft *mw_fft_new(int w, int h)
{
    mw_fft *f = mw_calloc(1, sizeof *f);
    if (!f)
        return NULL;
    size_t n = (size_t)w * (size_t)h, nc = (size_t)h * (size_t)(w / 2 + 1);
    f->w = w;
    f->h = h;
    f->in = fftwf_malloc(n * sizeof(float));
    f->out = fftwf_malloc(n * sizeof(float));
    f->a = fftwf_malloc(nc * sizeof(fftwf_complex));
    f->b = fftwf_malloc(nc * sizeof(fftwf_complex));
    f->c = fftwf_malloc(nc * sizeof(fftwf_complex));
    if (f->in && f->out && f->a && f->b && f->c) {
        pthread_mutex_lock(&plan_lock);
        /* FFTW_ESTIMATE: no timing, so the same plan (and bits) every run */
        f->fwd = fftwf_plan_dft_r2c_2d(h, w, f->in, f->a, FFTW_ESTIMATE);
        f->inv = fftwf_plan_dft_c2r_2d(h, w, f->c, f->out, FFTW_ESTIMATE);
        pthread_mutex_unlock(&plan_lock);
    }
    if (!f->fwd || !f->inv) {
        mw_error(MW_EXIT_INTERNAL, "cannot make FFT plans for %dx%d windows", w, h);
        mw_fft_free(f);
        return NULL;
    }
    f->norm = mw_cross_power_norm(w, h, COREG_SIGMA);
    return f;
}

void mw_phase_correlate(mw_fft *f, const float *t1, const float *t2, mw_shift *out)
{
    size_t n = (size_t)f->w * (size_t)f->h, both = 0;
    for (size_t i = 0; i < n; i++)
        both += isfinite(t1[i]) && isfinite(t2[i]);
    out->valid = (double)both / (double)n;
    mw_hann_prepare(t1, f->w, f->h, f->in);
    fftwf_execute_dft_r2c(f->fwd, f->in, f->a);
    mw_hann_prepare(t2, f->w, f->h, f->in);
    fftwf_execute_dft_r2c(f->fwd, f->in, f->b);
    mw_cross_power((const float *)f->a, (const float *)f->b, f->w, f->h, COREG_SIGMA,
                   (float *)f->c);
    fftwf_execute_dft_c2r(f->inv, f->c, f->out);
    double peak;
    mw_peak_subpixel(f->out, f->w, f->h, &out->dx, &out->dy, &peak);
    out->peak = f->norm > 0 ? peak / f->norm : 0;
    out->reliable = out->peak >= MW_COREG_MIN_PEAK && out->valid >= 0.5;
}

/* Shift of one window of the scene through reader rd. */
static int window_shift(mw_reader *rd, int role, mw_fft *f, float *v1, float *v2,
                        uint16_t *scratch, mw_shift *sh)
{
    if (mw_reader_read_role(rd, 0, role, sh->x, sh->y, sh->w, sh->h, sh->w, sh->h, v1,
                            scratch) ||
        mw_reader_read_role(rd, 1, role, sh->x, sh->y, sh->w, sh->h, sh->w, sh->h, v2,
                            scratch))
        return -1;
    mw_phase_correlate(f, v1, v2, sh);
    return 0;
}

/* The global window: central, MW_COREG_GLOBAL a side at most. */
static int global_shift(const mw_scene *s, int role, mw_shift *sh)
{
    memset(sh, 0, sizeof *sh);
    sh->w = s->width < MW_COREG_GLOBAL ? s->width : MW_COREG_GLOBAL;
    sh->h = s->height < MW_COREG_GLOBAL ? s->height : MW_COREG_GLOBAL;
    sh->x = (s->width - sh->w) / 2;
    sh->y = (s->height - sh->h) / 2;
    size_t n = (size_t)sh->w * (size_t)sh->h;
    float *v1 = malloc(n * sizeof *v1), *v2 = malloc(n * sizeof *v2);
    uint16_t *scratch = malloc(n * sizeof *scratch);
    mw_fft *f = v1 && v2 && scratch ? mw_fft_new(sh->w, sh->h) : NULL;
    mw_reader *rd = f ? mw_reader_new(s) : NULL;
    int rc = rd ? window_shift(rd, role, f, v1, v2, scratch, sh) : -1;
    if (!v1 || !v2 || !scratch)
        mw_error(MW_EXIT_INTERNAL, "out of memory for co-registration");
    mw_reader_free(rd);
    mw_fft_free(f);
    free(v1);
    free(v2);
    free(scratch);
    return rc;
}

/* The blocks, evenly spread, in parallel (each thread its reader, plans and
 * buffers; every block's result lands in its own slot). */
static int block_shifts(const mw_scene *s, int role, mw_coreg *c)
{
    int bw = s->width < MW_COREG_BLOCK ? s->width : MW_COREG_BLOCK;
    int bh = s->height < MW_COREG_BLOCK ? s->height : MW_COREG_BLOCK;
    int nbx = s->width / MW_COREG_BLOCK, nby = s->height / MW_COREG_BLOCK;
    nbx = nbx < 1 ? 1 : nbx > COREG_MAX_AXIS ? COREG_MAX_AXIS : nbx;
    nby = nby < 1 ? 1 : nby > COREG_MAX_AXIS ? COREG_MAX_AXIS : nby;
    c->nblocks = nbx * nby;
    c->block = mw_calloc((size_t)c->nblocks, sizeof *c->block);
    if (!c->block)
        return -1;
    for (int j = 0; j < nby; j++)
        for (int i = 0; i < nbx; i++) {
            mw_shift *b = &c->block[j * nbx + i];
            b->w = bw;
            b->h = bh;
            b->x = nbx > 1 ? (int)((int64_t)i * (s->width - bw) / (nbx - 1)) : (s->width - bw) / 2;
            b->y = nby > 1 ? (int)((int64_t)j * (s->height - bh) / (nby - 1)) : (s->height - bh) / 2;
        }
    size_t n = (size_t)bw * (size_t)bh;
    int errors = 0;
    const int nblocks = c->nblocks;
    mw_shift *blocks = c->block;
#pragma omp parallel default(none) shared(s, role, blocks, nblocks, n, bw, bh) \
    reduction(+ : errors)
    {
        float *v1 = malloc(n * sizeof *v1), *v2 = malloc(n * sizeof *v2);
        uint16_t *scratch = malloc(n * sizeof *scratch);
        mw_fft *f = v1 && v2 && scratch ? mw_fft_new(bw, bh) : NULL;
        mw_reader *rd = f ? mw_reader_new(s) : NULL;
        if (!rd)
            errors++;
#pragma omp for schedule(dynamic, 1)
        for (int k = 0; k < nblocks; k++)
            if (rd && window_shift(rd, role, f, v1, v2, scratch, &blocks[k]))
                errors++;
        mw_reader_free(rd);
        mw_fft_free(f);
        free(v1);
        free(v2);
        free(scratch);
    }
    if (errors) {
        mw_error(MW_EXIT_INTERNAL, "co-registration of the blocks failed");
        return -1;
    }
    c->block_spread = 0;
    for (int k = 0; k < c->nblocks; k++)
        if (c->block[k].reliable)
            c->block_spread = fmax(c->block_spread,
                                   hypot(c->block[k].dx - c->global.dx,
                                         c->block[k].dy - c->global.dy));
    return 0;
}

int mw_coreg_run(const mw_config *cfg, const mw_scene *s, mw_coreg *c)
{
    memset(c, 0, sizeof *c);
    if (!strcmp(cfg->coregister, "off"))
        return 0;
    if (s->width < COREG_MIN_SIDE || s->height < COREG_MIN_SIDE) {
        mw_log("coreg: scene of %dx%d px is too small to co-register", s->width,
               s->height);
        return 0;
    }
    c->enabled = 1;
    c->role = MW_NIR;
    if (global_shift(s, c->role, &c->global) || block_shifts(s, c->role, c))
        return -1;
    const mw_shift *g = &c->global;
    mw_log("coreg: t2 shifted by (%.3f, %.3f) px (match %.3f%s), %d blocks within %.3f px",
           g->dx, g->dy, g->peak, g->reliable ? "" : ", unreliable: not used", c->nblocks,
           c->block_spread);
    double ax = g->dx, ay = g->dy; /* the shift applied */
    if (!strcmp(cfg->coregister, "auto")) {
        ax = round(ax) + 0.0; /* no negative zero */
        ay = round(ay) + 0.0;
    }
    if (g->reliable && hypot(g->dx, g->dy) > MW_COREG_APPLY_PX && (ax != 0 || ay != 0)) {
        c->applied = 1;
        c->applied_dx = ax;
        c->applied_dy = ay;
        if (mw_coreg_apply(s, c))
            return -1;
        const mw_scene v = mw_coreg_view(s, c);
        if (global_shift(&v, c->role, &c->residual))
            return -1;
        mw_log("coreg: t2 resampled at (%+g, %+g) px; residual shift (%.3f, %.3f) px", ax,
               ay, c->residual.dx, c->residual.dy);
    }
    return 0;
}

int mw_coreg_apply(const mw_scene *s, mw_coreg *c)
{
    mw_shifted_free(&c->t2);
    return c->applied ? mw_scene_shifted(s, 1, c->applied_dx, c->applied_dy, &c->t2) : 0;
}

mw_scene mw_coreg_view(const mw_scene *s, const mw_coreg *c)
{
    return mw_scene_view(s, c ? &c->t2 : NULL);
}

void mw_coreg_free(mw_coreg *c)
{
    if (!c)
        return;
    free(c->block);
    c->block = NULL;
    c->nblocks = 0;
    mw_shifted_free(&c->t2);
}
