/* phasecor.c - windowing, cross-power spectrum and sub-pixel peak. */
#include "phasecor.h"

#include <math.h>

size_t mw_hann_prepare(const float *restrict v, int w, int h, float *restrict out)
{
    size_t n = (size_t)w * (size_t)h, valid = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            valid++;
        }
    double mean = valid ? sum / (double)valid : 0;
    for (int y = 0; y < h; y++) {
        double wy = h > 1 ? 0.5 - 0.5 * cos(2 * M_PI * y / (h - 1)) : 1;
        for (int x = 0; x < w; x++) {
            double wx = w > 1 ? 0.5 - 0.5 * cos(2 * M_PI * x / (w - 1)) : 1;
            size_t i = (size_t)y * w + x;
            double d = valid && isfinite(v[i]) ? v[i] - mean : 0;
            out[i] = (float)(d * wx * wy);
        }
    }
    return valid;
}

/* exp(-2 pi^2 s^2 f^2) of the frequency (row y, column x) of a w x h FFT */
static double gauss_weight(int x, int y, int w, int h, double sigma)
{
    double fx = (double)x / w;
    double fy = (double)(y <= h / 2 ? y : y - h) / h;
    return exp(-2 * M_PI * M_PI * sigma * sigma * (fx * fx + fy * fy));
}

void mw_cross_power(const float *restrict a, const float *restrict b, int w, int h,
                    double sigma, float *restrict out)
{
    int hw = w / 2 + 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < hw; x++) {
            size_t i = 2 * ((size_t)y * hw + x);
            double ar = a[i], ai = a[i + 1], br = b[i], bi = b[i + 1];
            double re = ar * br + ai * bi, im = ar * bi - ai * br; /* conj(A) B */
            double mag = sqrt(re * re + im * im);
            if (!(mag > 1e-20)) {
                out[i] = out[i + 1] = 0;
                continue;
            }
            double g = gauss_weight(x, y, w, h, sigma) / mag;
            out[i] = (float)(re * g);
            out[i + 1] = (float)(im * g);
        }
}

double mw_cross_power_norm(int w, int h, double sigma)
{
    /* the half spectrum stands for the full one: columns 1 .. (w - 1) / 2
     * have a mirrored twin */
    int hw = w / 2 + 1;
    double s = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < hw; x++) {
            int twin = x > 0 && !(w % 2 == 0 && x == w / 2);
            s += gauss_weight(x, y, w, h, sigma) * (twin ? 2 : 1);
        }
    return s;
}

/* Offset of the vertex of the 3 samples (l, c, r) around a maximum c, in
 * [-0.5, 0.5]: a Gaussian when all are positive, else a parabola. */
static double vertex(double l, double c, double r)
{
    double d;
    if (l > 0 && c > 0 && r > 0) {
        double ll = log(l), lc = log(c), lr = log(r);
        double den = ll - 2 * lc + lr;
        d = den < 0 ? 0.5 * (ll - lr) / den : 0;
    } else {
        double den = l - 2 * c + r;
        d = den < 0 ? 0.5 * (l - r) / den : 0;
    }
    return d < -0.5 ? -0.5 : d > 0.5 ? 0.5 : d;
}

void mw_peak_subpixel(const float *restrict r, int w, int h, double *dx, double *dy,
                      double *peak)
{
    size_t n = (size_t)w * (size_t)h, best = 0;
    for (size_t i = 1; i < n; i++)
        if (r[i] > r[best])
            best = i;
    int px = (int)(best % (size_t)w), py = (int)(best / (size_t)w);
    int xl = (px + w - 1) % w, xr = (px + 1) % w;
    int yu = (py + h - 1) % h, yd = (py + 1) % h;
    double c = r[best];
    double ox = w > 2 ? vertex(r[(size_t)py * w + xl], c, r[(size_t)py * w + xr]) : 0;
    double oy = h > 2 ? vertex(r[(size_t)yu * w + px], c, r[(size_t)yd * w + px]) : 0;
    *dx = (px > w / 2 ? px - w : px) + ox;
    *dy = (py > h / 2 ? py - h : py) + oy;
    *peak = c;
}
