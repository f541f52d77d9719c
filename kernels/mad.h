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

#endif
