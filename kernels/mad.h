/* mad.h - kernels of the IR-MAD change engine (pipeline/survey.c estimates
 * the transformation; the tile pass applies it with these).
 *
 * Pure functions over spans: no I/O, no allocation, no threads.
 */
#ifndef MW_MAD_H
#define MW_MAD_H

#include <stddef.h>
#include <stdint.h>

#define MW_MAD_MAX 8 /* bands in the MAD transformation at most */

/* The MAD transformation and the no-change scale of its variates:
 * MAD_i = sum_j a[i][j] (x_j - mu1_j) - sum_j b[i][j] (y_j - mu2_j), and the
 * change statistic Z = sum_i ((MAD_i - center_i) / scale_i)^2, chi-square
 * with p degrees of freedom on unchanged pixels. */
typedef struct {
    int p;
    double mu1[MW_MAD_MAX], mu2[MW_MAD_MAX];
    double a[MW_MAD_MAX][MW_MAD_MAX], b[MW_MAD_MAX][MW_MAD_MAX];
    double center[MW_MAD_MAX], scale[MW_MAD_MAX];
} mw_mad;

/* z[i] = Z of pixel i from the p bands x[0..p-1] (t1) and y[0..p-1] (t2);
 * NaN when any band is NaN. */
void mw_mad_z(const float *const *x, const float *const *y, const mw_mad *restrict m,
              size_t n, float *restrict z);

/* v = v * gain + bias in place (NaN stays NaN). */
void mw_affine(float *restrict v, size_t n, float gain, float bias);

/* Mean of sqrt(z) over the (2r+1)^2 window of each pixel, ignoring NaN
 * neighbours and those outside the w x h buffer; NaN where z is NaN.  tmp
 * holds 2 * w * h floats. */
void mw_box_sqrt_mean(const float *restrict z, int w, int h, int r,
                      float *restrict tmp, float *restrict out);

/* Direction of change of a changed pixel from its ΔNDVI and ΔBSI, each
 * standardized by the no-change centre and spread of the scene. */
typedef struct {
    float ndvi_center, ndvi_scale, bsi_center, bsi_scale;
    float z;           /* |standardized difference| that counts as a direction */
} mw_direction;

/* Classes: NaN in mag, dndvi or dbsi -> MW_CLASS_MASKED; mag <= thr ->
 * MW_CLASS_NONE; else vegetation loss / bare-ground gain / disturbance (both)
 * / revegetation / other change by the standardized differences. */
void mw_classify_mad(const float *restrict mag, float thr, const float *restrict dndvi,
                     const float *restrict dbsi, size_t n,
                     const mw_direction *restrict dir, uint8_t *restrict cls);

/* Change objects (issue 16): what a change map keeps of the pixels over the
 * threshold.  An object is a 4-connected set of change pixels (any change
 * class).  mw_change_objects, in turn:
 * 1. drops the objects of fewer than min_px pixels (the minimum mapping unit);
 * 2. keeps of the rest the pixels reached from a seed (magnitude >= seed)
 *    by at most reach steps of 4-connected growth inside the object
 *    (hysteresis, Canny 1986): an object whose peak stays below the seed is
 *    dropped; seed <= thr keeps every object;
 * 3. with refine, adds the valid pixels next to (3 x 3) a kept pixel whose own
 *    statistic is over the threshold (z > thr^2, before the box smoothing,
 *    which blurs an object's edge), classed by dir.
 * Dropped pixels become MW_CLASS_NONE.  A pixel's result depends on the
 * pixels within halo = max(min_px - 1, reach) + 1 of it only
 * (mw_objects_halo), so a tile read with that halo gets the whole scene's
 * result in its core. */
typedef struct {
    float thr;   /* the change threshold of the smoothed magnitude */
    float seed;  /* an object's peak must reach it; <= thr: no peak test */
    int min_px;  /* objects of fewer pixels are dropped; <= 1: none */
    int reach;   /* growth steps from the seeds */
    int refine;  /* 1: add the edge pixels of kept objects (step 3) */
} mw_objects;

int mw_objects_halo(const mw_objects *o);

/* cls, mag, z, dndvi, dbsi: the w x h window (cls from mw_classify_mad on
 * mag); keep, a, b: w * h bytes of scratch; labels: w * h, parent:
 * w * h / 2 + 2 uint32_t.  In place on cls. */
void mw_change_objects(uint8_t *restrict cls, const float *restrict mag,
                       const float *restrict z, const float *restrict dndvi,
                       const float *restrict dbsi, int w, int h, const mw_objects *o,
                       const mw_direction *restrict dir, uint8_t *restrict keep,
                       uint8_t *restrict a, uint8_t *restrict b, uint32_t *restrict labels,
                       uint32_t *restrict parent);

#endif
