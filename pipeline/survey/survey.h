/* survey.h - one decimated pass over the scene pair before the tile pass.
 *
 * With [detect] engine = irmad the survey estimates, from every k-th pixel of
 * both dates (k from [survey] max_pixels; read at full resolution a window
 * at a time and picked out, not through GDAL's decimated reads, which filter
 * a VRT's sources):
 * - the IR-MAD transformation (Nielsen 2007) of the band roles present,
 *   iterated with chi-square no-change weights; the generalized
 *   eigenproblem is solved by LAPACK (dsygv).  The no-change scale of each
 *   MAD variate is a robust one (median and median absolute deviation of the
 *   weighted pixels), so that a few extreme pixels or one low-variance cover
 *   (water) cannot become "the unchanged";
 * - the relative radiometric normalization of t2 (Canty & Nielsen 2008):
 *   per band an orthogonal regression of t2 on t1 over the invariant pixels
 *   (no-change probability > 0.5);
 * - the change threshold on the smoothed magnitude (mean of sqrt Z over a
 *   (2r+1)^2 box): Otsu, Kittler-Illingworth, a chi-square quantile, or the
 *   larger of Otsu and Kittler-Illingworth ("auto"), over histograms that
 *   exclude masked pixels and clip the top 0.1 %;
 * - the no-change centre and spread of dNDVI and dBSI that give changed
 *   pixels their direction;
 * - the change objects ([detect] objects, issue 16): the minimum mapping unit
 *   in pixels (min_area_m2, at most MW_OBJ_MAX_PX), and the seed of the peak
 *   test: the 95th percentile of the peak magnitudes of the change objects
 *   below the minimum mapping unit, which the map does not keep and which
 *   are mostly noise: the empirical no-change distribution of an object's
 *   peak, so a kept object must peak beyond what 95 % of noise objects
 *   reach (a one-sided test at 5 %).  Fewer than MW_SEED_MIN such objects:
 *   no peak test.  With decimation 1 they are the survey grid's; otherwise
 *   those of MW_CHIPS^2 full-resolution chips of the scene (objects
 *   touching a chip's inner edge left out).  With decimation the chips give
 *   the threshold's histogram too: the survey grid's 3 x 3 box averages
 *   pixels k apart, which the tile pass's does not.
 * Everything goes into the manifest.  The survey reads the scene whole at
 * one decimation, so it does not depend on tile size or thread count.
 */
#ifndef MW_SURVEY_H
#define MW_SURVEY_H

#include <stdint.h>

#include "config.h"
#include "coreg.h"
#include "ingest.h"
#include "mad.h"

typedef struct mw_survey {
    int enabled;                 /* engine = irmad */
    int decimation;              /* every k-th pixel in x and y */
    int width, height;           /* survey grid */
    int roles[MW_MAD_MAX];       /* band role of each MAD input */
    mw_mad mad;
    double rho[MW_MAD_MAX];      /* canonical correlations, ascending */
    int iterations;
    int converged;
    float gain[MW_NROLES], bias[MW_NROLES]; /* t2 normalized = t2 * gain + bias */
    mw_direction dir;
    double t_otsu, t_kittler, t_chi2, threshold;
    char method[32];             /* which of them is used, or "fixed" */
    double hist_hi;              /* histogram upper bound (99.9th percentile) */
    /* the change objects the tile pass keeps (mad.h: mw_change_objects) */
    int objects_on;              /* [detect] objects != off */
    mw_objects objects;
    int64_t seed_objects;        /* objects below the MMU behind the seed */
    double seed_quantile;        /* of their peaks: the seed (>= threshold) */
    int64_t pixels, valid, clipped, invariant;
} mw_survey;

/* Run the survey of the scene as co-registered (coreg: mw_coreg_view; NULL:
 * the scene as opened) into *out (enabled = 0 with engine = threshold: a
 * no-op).  The scene is not changed.  0, or -1 with mw_error. */
int mw_survey_run(const mw_config *cfg, const mw_scene *scene, const mw_coreg *coreg,
                  mw_survey *out);

/* The halo the change objects need around a tile (0 when off). */
int mw_survey_objects_halo(const mw_survey *sv);

/* Per-pixel change probability 1 - Q(Z; p). */
double mw_survey_change_prob(const mw_survey *sv, double z);

#endif
