/* indices.c - spectral indices, differences and per-pixel change classes. */
#include "kernels.h"

#include <math.h>

void mw_scale_u16(const uint16_t *restrict dn, size_t n, float scale,
                  float offset, int has_nodata, uint16_t nodata,
                  float *restrict out)
{
    for (size_t i = 0; i < n; i++) {
        float v = (float)dn[i] * scale + offset;
        out[i] = (has_nodata && dn[i] == nodata) ? NAN : v;
    }
}

void mw_scale_f32(float *restrict v, size_t n, float scale, float offset,
                  int has_nodata, float nodata)
{
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        int bad = !isfinite(x) || (has_nodata && x == nodata);
        v[i] = bad ? NAN : x * scale + offset;
    }
}

void mw_mask_saturated_u16(const uint16_t *restrict dn, size_t n, double saturation,
                           float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        if (dn[i] >= saturation)
            out[i] = NAN;
}

void mw_mask_saturated_f32(float *restrict v, size_t n, float saturation)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] >= saturation)
            v[i] = NAN;
}

/* (a - b) / (a + b) with a guarded denominator. */
static inline float norm_diff(float a, float b)
{
    float s = a + b;
    if (!(fabsf(s) >= MW_INDEX_EPS)) /* also catches NaN */
        return NAN;
    return (a - b) / s;
}

void mw_ndvi(const float *restrict red, const float *restrict nir, size_t n,
             float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(nir[i], red[i]);
}

void mw_bsi(const float *restrict blue, const float *restrict red,
            const float *restrict nir, const float *restrict swir1, size_t n,
            float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(swir1[i] + red[i], nir[i] + blue[i]);
}

void mw_bsi_vnir(const float *restrict blue, const float *restrict green,
                 const float *restrict red, const float *restrict nir,
                 size_t n, float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(red[i] + green[i], nir[i] + blue[i]);
}

void mw_diff(const float *restrict t1, const float *restrict t2, size_t n,
             float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = t2[i] - t1[i];
}

void mw_classify(const float *restrict dndvi, const float *restrict dbsi,
                 const float *restrict bsi2, size_t n,
                 const mw_thresholds *restrict t, uint8_t *restrict cls)
{
    const float loss = -t->ndvi_loss, gain = t->bsi_gain;
    const float bare = t->bare_min, green = t->ndvi_gain;
    const float unbare = -t->bsi_loss;
    for (size_t i = 0; i < n; i++) {
        float dn = dndvi[i], db = dbsi[i], b2 = bsi2[i];
        if (isnan(dn) || isnan(db) || isnan(b2)) {
            cls[i] = MW_CLASS_MASKED;
            continue;
        }
        int veg_loss = dn <= loss;
        int bare_gain = db >= gain && b2 >= bare;
        uint8_t c = MW_CLASS_NONE;
        if (veg_loss && bare_gain)
            c = MW_CLASS_DISTURBANCE;
        else if (veg_loss)
            c = MW_CLASS_VEG_LOSS;
        else if (bare_gain)
            c = MW_CLASS_BARE_GAIN;
        else if (dn >= green)
            c = MW_CLASS_REVEG;
        else if (db <= unbare)
            c = MW_CLASS_OTHER;
        cls[i] = c;
    }
}

void mw_mask_eq(const uint8_t *restrict cls, size_t n, uint8_t value,
                uint8_t *restrict mask)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = cls[i] == value;
}
