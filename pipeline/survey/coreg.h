/* coreg.h - co-registration of t2 onto t1 by phase correlation (FFTW).
 *
 * Between ingest and the survey: one band (NIR) of both dates is read at full
 * resolution in a central window of at most MW_COREG_GLOBAL pixels a side
 * (the global shift) and in a grid of blocks of MW_COREG_BLOCK pixels (at
 * most 8 x 8, evenly spread: local misregistration).  Each window is
 * mean-filled where not finite, Hann-windowed, and correlated through the
 * normalized cross-power spectrum under a Gaussian low-pass (sigma 1 px); a
 * 3-point Gaussian fit of the correlation peak gives the sub-pixel shift.
 * A reliable global shift longer than MW_COREG_APPLY_PX is corrected by
 * reading t2 at the shifted position (mw_scene_shifted, Lanczos): with
 * coregister = auto the shift rounded to whole pixels (a lossless move: no
 * interpolation changes t2's texture and noise, which would move the
 * automatic threshold; see docs/detection.md), with coregister = subpixel
 * the full shift.  The residual shift is measured again.  The stage returns
 * all of it in an mw_coreg (the manifest reports it); the scene is not
 * changed: the stages after it read the scene through mw_coreg_view.
 *
 * FFTW plans are made and destroyed under one mutex (the FFTW planner is not
 * thread-safe) and executed outside it on each thread's own buffers.
 */
#ifndef MW_COREG_H
#define MW_COREG_H

#include "config.h"
#include "ingest.h"

#define MW_COREG_GLOBAL 1024   /* side of the global window at most */
#define MW_COREG_BLOCK 512     /* side of a local block */
#define MW_COREG_APPLY_PX 0.25 /* shifts longer than this are corrected */
#define MW_COREG_MIN_PEAK 0.15 /* match quality of a reliable shift */

/* The shift of t2 relative to t1 in one window: t2's content lies at
 * (x + dx, y + dy) of t1's grid. */
typedef struct {
    int x, y, w, h;  /* window in the scene grid */
    double dx, dy;   /* pixels */
    double peak;     /* match quality: correlation peak / that of identical images */
    double valid;    /* fraction of the window finite on both dates */
    int reliable;    /* peak >= MW_COREG_MIN_PEAK and valid >= 0.5 */
} mw_shift;

typedef struct mw_coreg {
    int enabled;         /* [survey] coregister = auto */
    int role;            /* band role correlated */
    mw_shift global;
    int nblocks;
    mw_shift *block;     /* [nblocks], row-major (owned) */
    double block_spread; /* largest distance of a reliable block's shift from global */
    int applied;         /* t2 is read shifted by (applied_dx, applied_dy) */
    double applied_dx, applied_dy;
    mw_shift residual;   /* global window again after the correction (when applied) */
    mw_shifted t2;       /* t2 read at the applied shift (when applied; owned) */
} mw_coreg;

/* Estimate, and correct when needed (out->t2).  A no-op (enabled = 0) with
 * coregister = off or a scene smaller than 64 px a side.  0, or -1 with
 * mw_error. */
int mw_coreg_run(const mw_config *cfg, const mw_scene *scene, mw_coreg *out);
/* The correction of c->applied_dx, _dy (when c->applied) made again into
 * c->t2 for this scene: an MPI rank other than 0 opens the scene itself and
 * receives only the shift (dist.h).  0, or -1 with mw_error. */
int mw_coreg_apply(const mw_scene *scene, mw_coreg *c);
/* The scene as co-registered: t2 read at the applied shift (c NULL or no
 * shift applied: the scene as opened).  A view (mw_scene_view): it owns
 * nothing and lives no longer than scene and c. */
mw_scene mw_coreg_view(const mw_scene *scene, const mw_coreg *c);
/* NULL-safe. */
void mw_coreg_free(mw_coreg *c);

/* FFT plans and buffers for w x h windows, one per thread. */
typedef struct mw_fft mw_fft;
mw_fft *mw_fft_new(int w, int h);
void mw_fft_free(mw_fft *f);

/* Phase correlation of two w x h windows (the sizes of f): out gets dx, dy,
 * peak, valid and reliable (not x, y, w, h).  Deterministic. */
void mw_phase_correlate(mw_fft *f, const float *t1, const float *t2, mw_shift *out);

#endif
