/* stats.h - statistics kernels: confusion matrices and accuracy scores,
 * chi-square probabilities, histogram thresholds (Otsu, Kittler-Illingworth),
 * selection.
 *
 * Pure functions like those of kernels.h: no I/O, no allocation, no threads.
 */
#ifndef MW_STATS_H
#define MW_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- scoring a change map against a reference --------------------------- */

/* Confusion matrix cells, counts of labelled pixels. */
enum { MW_TP, MW_FP, MW_FN, MW_TN, MW_NCM };

/* Add n pixels to cm.  Reference: 1 = changed, 0 = unchanged, anything else
 * (255) = unlabelled, skipped.  Prediction: nonzero = changed, except
 * 255 (masked / no data), which counts as unchanged. */
void mw_confusion_add(const uint8_t *restrict pred, const uint8_t *restrict ref,
                      size_t n, uint64_t cm[MW_NCM]);

typedef struct {
    uint64_t n;            /* labelled pixels */
    double oa;             /* overall accuracy (TP + TN) / n */
    double kappa;          /* Cohen's kappa */
    double precision;      /* TP / (TP + FP), 0 when nothing predicted */
    double recall;         /* TP / (TP + FN), 0 when nothing changed */
    double f1;             /* 2PR / (P + R), 0 when P + R = 0 */
} mw_scores;

/* Scores of a confusion matrix (all 0 when n = 0). */
void mw_scores_compute(const uint64_t cm[MW_NCM], mw_scores *s);

/* ---- chi-square ---------------------------------------------------------- */

/* Upper tail P(X > x) of a chi-square variable with k degrees of freedom
 * (regularized upper incomplete gamma Q(k/2, x/2)).  x <= 0 gives 1, NaN
 * gives NaN. */
double mw_chi2_sf(double x, int k);

/* ---- histogram thresholds --------------------------------------------------
 * hist[nbins] counts values in [lo, hi) with equal bins; the returned
 * threshold is a bin edge: values >= it are the upper class.  Both return lo
 * when the histogram cannot be split (fewer than two occupied bins). */
double mw_otsu(const uint64_t *hist, int nbins, double lo, double hi);
/* Kittler & Illingworth (1986) minimum error thresholding. */
double mw_kittler(const uint64_t *hist, int nbins, double lo, double hi);

/* ---- selection ------------------------------------------------------------ */

/* The k-th smallest (0-based) of v[n]; v is reordered.  Deterministic. */
float mw_select(float *v, size_t n, size_t k);

#endif
