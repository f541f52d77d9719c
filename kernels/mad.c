/* mad.c - applying the MAD transformation, smoothing, change direction. */
#include "mad.h"

#include <math.h>

#include "kernels.h"

void mw_mad_z(const float *const *x, const float *const *y, const mw_mad *restrict m,
              size_t n, float *restrict z)
{
    const int p = m->p;
    for (size_t i = 0; i < n; i++) {
        double dx[MW_MAD_MAX], dy[MW_MAD_MAX];
        int bad = 0;
        for (int j = 0; j < p; j++) {
            dx[j] = (double)x[j][i] - m->mu1[j];
            dy[j] = (double)y[j][i] - m->mu2[j];
            bad |= isnan(dx[j]) || isnan(dy[j]);
        }
        if (bad) {
            z[i] = NAN;
            continue;
        }
        double s = 0;
        for (int k = 0; k < p; k++) {
            double u = 0, v = 0;
            for (int j = 0; j < p; j++) {
                u += m->a[k][j] * dx[j];
                v += m->b[k][j] * dy[j];
            }
            double d = (u - v - m->center[k]) / m->scale[k];
            s += d * d;
        }
        z[i] = (float)s;
    }
}

void mw_affine(float *restrict v, size_t n, float gain, float bias)
{
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] * gain + bias;
}

void mw_box_sqrt_mean(const float *restrict z, int w, int h, int r,
                      float *restrict tmp, float *restrict out)
{
    size_t n = (size_t)w * (size_t)h;
    float *sum = tmp, *cnt = tmp + n;
    /* horizontal pass: sums and counts of finite values */
    for (int y = 0; y < h; y++) {
        const float *row = z + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            float s = 0, c = 0;
            int x0 = x - r < 0 ? 0 : x - r, x1 = x + r >= w ? w - 1 : x + r;
            for (int k = x0; k <= x1; k++)
                if (!isnan(row[k])) {
                    s += sqrtf(row[k]);
                    c += 1;
                }
            sum[(size_t)y * w + x] = s;
            cnt[(size_t)y * w + x] = c;
        }
    }
    /* vertical pass (fixed order: the result depends on the window only) */
    for (int y = 0; y < h; y++) {
        int y0 = y - r < 0 ? 0 : y - r, y1 = y + r >= h ? h - 1 : y + r;
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (isnan(z[i])) {
                out[i] = NAN;
                continue;
            }
            float s = 0, c = 0;
            for (int k = y0; k <= y1; k++) {
                s += sum[(size_t)k * w + x];
                c += cnt[(size_t)k * w + x];
            }
            out[i] = s / c;
        }
    }
}

void mw_classify_mad(const float *restrict mag, float thr, const float *restrict dndvi,
                     const float *restrict dbsi, size_t n,
                     const mw_direction *restrict dir, uint8_t *restrict cls)
{
    for (size_t i = 0; i < n; i++) {
        float m = mag[i], dn = dndvi[i], db = dbsi[i];
        if (isnan(m) || isnan(dn) || isnan(db)) {
            cls[i] = MW_CLASS_MASKED;
            continue;
        }
        if (m <= thr) {
            cls[i] = MW_CLASS_NONE;
            continue;
        }
        float zn = (dn - dir->ndvi_center) / dir->ndvi_scale;
        float zb = (db - dir->bsi_center) / dir->bsi_scale;
        int veg_loss = zn <= -dir->z, bare_gain = zb >= dir->z;
        cls[i] = veg_loss && bare_gain ? MW_CLASS_DISTURBANCE
                 : veg_loss            ? MW_CLASS_VEG_LOSS
                 : bare_gain           ? MW_CLASS_BARE_GAIN
                 : zn >= dir->z        ? MW_CLASS_REVEG
                                       : MW_CLASS_OTHER;
    }
}
