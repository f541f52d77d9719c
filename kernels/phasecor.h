/* phasecor.h - kernels of phase correlation (pipeline/coreg.c runs the FFTs).
 *
 * Spectra are the half-complex layout of a real-to-complex FFT of a w x h
 * image: h rows of (w / 2 + 1) complex values, each an interleaved
 * (re, im) pair of floats.  Pure functions over spans: no I/O, no
 * allocation, no threads, no FFTW.
 */
#ifndef MW_PHASECOR_H
#define MW_PHASECOR_H

#include <stddef.h>

/* out = (v - mean) * hann(x) * hann(y), with NaN pixels set to the mean of
 * the finite ones first (so they contribute 0).  Returns the count of finite
 * pixels (0: out is all zeros). */
size_t mw_hann_prepare(const float *restrict v, int w, int h, float *restrict out);

/* The normalized cross-power spectrum of a (earlier) and b (later), weighted
 * by a Gaussian low-pass: out = conj(A) B / |conj(A) B| * exp(-2 pi^2 s^2 f^2)
 * with f the spatial frequency in cycles per pixel and s = sigma (pixels).
 * Its inverse FFT is a Gaussian of standard deviation sigma centred on the
 * shift of b relative to a, so a 3-point Gaussian fit locates the peak
 * without the bias of fitting a parabola to a sinc.  Near-zero products
 * give 0. */
void mw_cross_power(const float *restrict a, const float *restrict b, int w, int h,
                    double sigma, float *restrict out);

/* Sum of the Gaussian weights of mw_cross_power over the w x h frequencies:
 * the height of the correlation peak of two identical images (an unscaled
 * inverse FFT), so peak / this is a match quality in [0, 1]. */
double mw_cross_power_norm(int w, int h, double sigma);

/* The peak of a w x h correlation surface r (circular: index 0 is shift 0,
 * index w - 1 is shift -1), refined to sub-pixel precision by a 3-point
 * Gaussian (log-parabola) fit along x and y, falling back to a parabola
 * where a neighbour is not positive.  The first maximum in raster order wins.
 * *dx, *dy: the signed shift; *peak: r at the integer peak. */
void mw_peak_subpixel(const float *restrict r, int w, int h, double *dx, double *dy,
                      double *peak);

#endif
