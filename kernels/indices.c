/* indices.c - spectral indices, differences and per-pixel change classes. */
#include "kernels.h"

#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

/* SIMD: the streaming kernels below are written once as inline bodies and
 * compiled twice, for the baseline and for AVX2 (the compiler vectorizes
 * both; no FMA, so both give the same bits).  mw_simd_select() picks the
 * variant, once at start-up (the program reads MW_SIMD: pipeline/core/
 * simd.h; the kernels read no environment); the scalar reference is the
 * default until then. */
#define MW_AVX2 __attribute__((target("avx2")))

static inline void scale_u16_body(const uint16_t *restrict dn, size_t n, float scale,
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
    float s = a + b, q = (a - b) / s; /* computed always, kept or not: */
    return fabsf(s) >= MW_INDEX_EPS ? q : NAN; /* branch-free, vectorizes; NaN s too */
}

static inline void ndvi_body(const float *restrict red, const float *restrict nir,
                             size_t n, float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(nir[i], red[i]);
}

static inline void bsi_body(const float *restrict blue, const float *restrict red,
                            const float *restrict nir, const float *restrict swir1,
                            size_t n, float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(swir1[i] + red[i], nir[i] + blue[i]);
}

static inline void bsi_vnir_body(const float *restrict blue, const float *restrict green,
                                 const float *restrict red, const float *restrict nir,
                                 size_t n, float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = norm_diff(red[i] + green[i], nir[i] + blue[i]);
}

static inline void diff_body(const float *restrict t1, const float *restrict t2, size_t n,
                             float *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = t2[i] - t1[i];
}

/* The common case (4 samples, all taken in order) with constant strides,
 * which the compiler turns into shuffles; any other a plane at a time. */
static inline void split_u16_body(const uint16_t *restrict in, int spp, const int *sel,
                                  int nsel, size_t n, uint16_t *const *out)
{
    if (spp == 4 && nsel == 4 && sel[0] == 0 && sel[1] == 1 && sel[2] == 2 && sel[3] == 3) {
        uint16_t *restrict o0 = out[0], *restrict o1 = out[1];
        uint16_t *restrict o2 = out[2], *restrict o3 = out[3];
        for (size_t i = 0; i < n; i++) {
            o0[i] = in[4 * i];
            o1[i] = in[4 * i + 1];
            o2[i] = in[4 * i + 2];
            o3[i] = in[4 * i + 3];
        }
        return;
    }
    for (int k = 0; k < nsel; k++) {
        uint16_t *restrict o = out[k];
        const uint16_t *restrict p = in + sel[k];
        for (size_t i = 0; i < n; i++)
            o[i] = p[i * (size_t)spp];
    }
}

/* The thresholds as mw_classify compares them. */
typedef struct {
    float loss, gain, bare, green, unbare;
} class_limits;

static inline class_limits class_limits_of(const mw_thresholds *t)
{
    return (class_limits){-t->ndvi_loss, t->bsi_gain, t->bare_min, t->ndvi_gain, -t->bsi_loss};
}

/* The class of one pixel.  Branch-free, so that the compiler vectorizes
 * it; a comparison with NaN is false, and a NaN input makes the code 255
 * whatever the rest. */
static inline uint8_t classify_px(float dn, float db, float b2, class_limits l)
{
    uint8_t nan = (uint8_t)((dn != dn) | (db != db) | (b2 != b2));
    uint8_t vl = dn <= l.loss, bg = (uint8_t)((db >= l.gain) & (b2 >= l.bare));
    uint8_t rv = dn >= l.green, ot = db <= l.unbare;
    uint8_t nvl = vl ^ 1, nbg = bg ^ 1;
    uint8_t c = (uint8_t)(MW_CLASS_DISTURBANCE * (vl & bg) + MW_CLASS_VEG_LOSS * (vl & nbg) +
                          MW_CLASS_BARE_GAIN * (nvl & bg) +
                          MW_CLASS_REVEG * (nvl & nbg & rv) +
                          MW_CLASS_OTHER * (nvl & nbg & (rv ^ 1) & ot));
    return c | (uint8_t)(0u - nan); /* MW_CLASS_MASKED = 255 */
}

/* A raw value as reflectance (scale_u16_body, then the saturation mask). */
static inline float refl_px(uint16_t v, float scale, float offset, int has_nodata,
                            uint16_t nodata, uint32_t sat_min)
{
    float r = (float)v * scale + offset;
    int bad = (has_nodata & (v == nodata)) | ((uint32_t)v >= sat_min);
    return bad ? NAN : r;
}

static inline void change_u16_body(const uint16_t *const dn[2][4], size_t n,
                                   const mw_dn_scale sc[2], const mw_thresholds *t,
                                   float *restrict dndvi, float *restrict dbsi,
                                   uint8_t *restrict cls)
{
    const class_limits l = class_limits_of(t);
    const uint16_t *restrict b0 = dn[0][0], *restrict r0 = dn[0][1];
    const uint16_t *restrict n0 = dn[0][2], *restrict s0 = dn[0][3];
    const uint16_t *restrict b1 = dn[1][0], *restrict r1 = dn[1][1];
    const uint16_t *restrict n1 = dn[1][2], *restrict s1 = dn[1][3];
    const float k0 = sc[0].scale, o0 = sc[0].offset, k1 = sc[1].scale, o1 = sc[1].offset;
    const int h0 = sc[0].has_nodata, h1 = sc[1].has_nodata;
    const uint16_t z0 = sc[0].nodata, z1 = sc[1].nodata;
    const uint32_t m0 = sc[0].sat_min, m1 = sc[1].sat_min;
    for (size_t i = 0; i < n; i++) {
        float bl0 = refl_px(b0[i], k0, o0, h0, z0, m0), rd0 = refl_px(r0[i], k0, o0, h0, z0, m0);
        float ni0 = refl_px(n0[i], k0, o0, h0, z0, m0), sw0 = refl_px(s0[i], k0, o0, h0, z0, m0);
        float bl1 = refl_px(b1[i], k1, o1, h1, z1, m1), rd1 = refl_px(r1[i], k1, o1, h1, z1, m1);
        float ni1 = refl_px(n1[i], k1, o1, h1, z1, m1), sw1 = refl_px(s1[i], k1, o1, h1, z1, m1);
        float ndvi0 = norm_diff(ni0, rd0), ndvi1 = norm_diff(ni1, rd1);
        float bsi0 = norm_diff(sw0 + rd0, ni0 + bl0), bsi1 = norm_diff(sw1 + rd1, ni1 + bl1);
        float dv = ndvi1 - ndvi0, db = bsi1 - bsi0;
        dndvi[i] = dv;
        dbsi[i] = db;
        cls[i] = classify_px(dv, db, bsi1, l);
    }
}

/* The predictor's sums run along the row, one pixel after the other: the
 * compiler does not vectorize that.  With 4 samples a pixel, two pixels go
 * in an SSE2 register (baseline on x86-64): the first is added to the
 * second, then the last pixel of the register before to both. */
void mw_undiff_u16(uint16_t *v, size_t rows, size_t w, int spp)
{
    const size_t n = w * (size_t)spp;
    for (size_t r = 0; r < rows; r++) {
        uint16_t *p = v + r * n;
        size_t j = (size_t)spp;
#ifdef __SSE2__
        if (spp == 4) {
            __m128i last = _mm_setzero_si128(); /* the pixel before, in both halves */
            for (j = 0; j + 8 <= n; j += 8) {
                __m128i x = _mm_loadu_si128((const __m128i *)(p + j));
                x = _mm_add_epi16(x, _mm_slli_si128(x, 8));
                x = _mm_add_epi16(x, last);
                _mm_storeu_si128((__m128i *)(p + j), x);
                last = _mm_unpackhi_epi64(x, x);
            }
            if (j == 0)
                j = (size_t)spp;
        }
#endif
        for (; j < n; j++)
            p[j] = (uint16_t)(p[j] + p[j - (size_t)spp]);
    }
}

static inline void stretch_u8_body(const float *restrict v, size_t n, float lo, float k,
                                   uint8_t *restrict out)
{
    for (size_t i = 0; i < n; i++) {
        float t = (v[i] - lo) * k + 0.5f;
        t = t < 1.0f ? 1.0f : t; /* NaN stays NaN: tested below */
        t = t > 255.0f ? 255.0f : t;
        out[i] = v[i] == v[i] ? (uint8_t)(int)t : 0;
    }
}

/* Each kernel twice, and its dispatcher.  P: parameters, A: arguments. */
#define MW_KERNEL(name, P, A)                                                  \
    static void name##_scalar P { name##_body A; }                            \
    MW_AVX2 static void name##_avx2 P { name##_body A; }                      \
    static void(*name##_impl) P = name##_scalar;

MW_KERNEL(scale_u16,
          (const uint16_t *restrict dn, size_t n, float scale, float offset, int has_nodata,
           uint16_t nodata, float *restrict out),
          (dn, n, scale, offset, has_nodata, nodata, out))
MW_KERNEL(ndvi, (const float *restrict red, const float *restrict nir, size_t n,
                 float *restrict out),
          (red, nir, n, out))
MW_KERNEL(bsi, (const float *restrict blue, const float *restrict red,
                const float *restrict nir, const float *restrict swir1, size_t n,
                float *restrict out),
          (blue, red, nir, swir1, n, out))
MW_KERNEL(bsi_vnir, (const float *restrict blue, const float *restrict green,
                     const float *restrict red, const float *restrict nir, size_t n,
                     float *restrict out),
          (blue, green, red, nir, n, out))
MW_KERNEL(diff, (const float *restrict t1, const float *restrict t2, size_t n,
                 float *restrict out),
          (t1, t2, n, out))

MW_KERNEL(split_u16, (const uint16_t *restrict in, int spp, const int *sel, int nsel,
                      size_t n, uint16_t *const *out),
          (in, spp, sel, nsel, n, out))

MW_KERNEL(change_u16, (const uint16_t *const dn[2][4], size_t n, const mw_dn_scale sc[2],
                       const mw_thresholds *t, float *restrict dndvi, float *restrict dbsi,
                       uint8_t *restrict cls),
          (dn, n, sc, t, dndvi, dbsi, cls))

MW_KERNEL(stretch_u8, (const float *restrict v, size_t n, float lo, float k,
                       uint8_t *restrict out),
          (v, n, lo, k, out))

static const char *g_simd = "scalar";

const char *mw_simd_select(int avx2)
{
    int use = avx2 && __builtin_cpu_supports("avx2");
    scale_u16_impl = use ? scale_u16_avx2 : scale_u16_scalar;
    ndvi_impl = use ? ndvi_avx2 : ndvi_scalar;
    bsi_impl = use ? bsi_avx2 : bsi_scalar;
    bsi_vnir_impl = use ? bsi_vnir_avx2 : bsi_vnir_scalar;
    diff_impl = use ? diff_avx2 : diff_scalar;
    split_u16_impl = use ? split_u16_avx2 : split_u16_scalar;
    change_u16_impl = use ? change_u16_avx2 : change_u16_scalar;
    stretch_u8_impl = use ? stretch_u8_avx2 : stretch_u8_scalar;
    g_simd = use ? "avx2" : "scalar";
    return g_simd;
}

const char *mw_simd_name(void)
{
    return g_simd;
}

void mw_scale_u16(const uint16_t *restrict dn, size_t n, float scale, float offset,
                  int has_nodata, uint16_t nodata, float *restrict out)
{
    scale_u16_impl(dn, n, scale, offset, has_nodata, nodata, out);
}

void mw_split_u16(const uint16_t *restrict in, int spp, const int *sel, int nsel, size_t n,
                  uint16_t *const *out)
{
    split_u16_impl(in, spp, sel, nsel, n, out);
}

void mw_change_u16(const uint16_t *const dn[2][4], size_t n, const mw_dn_scale sc[2],
                   const mw_thresholds *t, float *restrict dndvi, float *restrict dbsi,
                   uint8_t *restrict cls)
{
    change_u16_impl(dn, n, sc, t, dndvi, dbsi, cls);
}

void mw_stretch_u8(const float *restrict v, size_t n, float lo, float k,
                   uint8_t *restrict out)
{
    stretch_u8_impl(v, n, lo, k, out);
}

void mw_ndvi(const float *restrict red, const float *restrict nir, size_t n,
             float *restrict out)
{
    ndvi_impl(red, nir, n, out);
}

void mw_bsi(const float *restrict blue, const float *restrict red,
            const float *restrict nir, const float *restrict swir1, size_t n,
            float *restrict out)
{
    bsi_impl(blue, red, nir, swir1, n, out);
}

void mw_bsi_vnir(const float *restrict blue, const float *restrict green,
                 const float *restrict red, const float *restrict nir, size_t n,
                 float *restrict out)
{
    bsi_vnir_impl(blue, green, red, nir, n, out);
}

void mw_diff(const float *restrict t1, const float *restrict t2, size_t n,
             float *restrict out)
{
    diff_impl(t1, t2, n, out);
}

void mw_classify(const float *restrict dndvi, const float *restrict dbsi,
                 const float *restrict bsi2, size_t n,
                 const mw_thresholds *restrict t, uint8_t *restrict cls)
{
    const class_limits l = class_limits_of(t);
    for (size_t i = 0; i < n; i++)
        cls[i] = classify_px(dndvi[i], dbsi[i], bsi2[i], l);
}

void mw_mask_eq(const uint8_t *restrict cls, size_t n, uint8_t value,
                uint8_t *restrict mask)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = cls[i] == value;
}
