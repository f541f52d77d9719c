/* kernels.h - numeric kernels of minewatch.
 *
 * Plain functions over spans: no I/O, no GDAL, no globals, no allocation, no
 * threads.  The tile driver (pipeline/tiles.c) owns buffers and threads.
 *
 * Conventions
 * - Reflectance spans are float; an invalid pixel (nodata, or a value that
 *   cannot be computed) is NaN.  NaN propagates through every index and
 *   difference kernel.
 * - Masks are uint8_t, 0 or 1.
 * - Class rasters use the MW_CLASS_* codes below (255 = masked / no data).
 */
#ifndef MW_KERNELS_H
#define MW_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Change classes written to change.tif. */
enum {
    MW_CLASS_NONE = 0,        /* valid, no change */
    MW_CLASS_VEG_LOSS = 1,    /* vegetation loss only */
    MW_CLASS_BARE_GAIN = 2,   /* bare-ground gain only */
    MW_CLASS_DISTURBANCE = 3, /* both: excavation, dumps, pits */
    MW_CLASS_REVEG = 4,       /* revegetation */
    MW_CLASS_OTHER = 5,       /* other change (bare ground lost, no greening) */
    MW_CLASS_COUNT = 6,
    MW_CLASS_MASKED = 255
};

/* Denominators whose magnitude is below this are treated as zero: the index
 * is undefined there and the kernel writes NaN (not only for an exact 0). */
#define MW_INDEX_EPS 1e-6f

/* SIMD variant of the streaming kernels (scale, indices, differences):
 * mw_simd_select(1) picks AVX2 where the CPU has it, (0) the scalar
 * reference; called once at start-up, before any thread runs, by the
 * program, which reads MW_SIMD (pipeline/core/simd.h: the kernels read no
 * environment), and by tests.  Both variants give identical results.
 * Returns and mw_simd_name() give "avx2" or "scalar". */
const char *mw_simd_select(int avx2);
const char *mw_simd_name(void);

/* DN -> reflectance: out = dn * scale + offset; dn == nodata -> NaN.
 * has_nodata = 0 disables the nodata test. */
void mw_scale_u16(const uint16_t *restrict dn, size_t n, float scale,
                  float offset, int has_nodata, uint16_t nodata,
                  float *restrict out);

/* Pixel-interleaved samples to planes: out[k][i] = in[i * spp + sel[k]]
 * for k < nsel, i < n (a tile row of a multi-band file, split by band). */
void mw_split_u16(const uint16_t *restrict in, int spp, const int *sel, int nsel, size_t n,
                  uint16_t *const *out);

/* TIFF horizontal differencing (predictor 2) undone in place on 16-bit
 * samples: rows of w pixels of spp samples, each sample the sum (mod 2^16)
 * of itself and the same sample of the pixel before it in the row. */
void mw_undiff_u16(uint16_t *v, size_t rows, size_t w, int spp);

/* The same in place for float data: v = v * scale + offset; v == nodata or a
 * non-finite v -> NaN. */
void mw_scale_f32(float *restrict v, size_t n, float scale, float offset,
                  int has_nodata, float nodata);

/* Saturation: out = NaN where the raw dn >= saturation. */
void mw_mask_saturated_u16(const uint16_t *restrict dn, size_t n, double saturation,
                           float *restrict out);
/* The same on raw float values, in place (before scaling). */
void mw_mask_saturated_f32(float *restrict v, size_t n, float saturation);

/* NDVI = (nir - red) / (nir + red). */
void mw_ndvi(const float *restrict red, const float *restrict nir, size_t n,
             float *restrict out);

/* Bare-soil index with SWIR (Rikimaru et al. 2002):
 * BSI = ((swir1 + red) - (nir + blue)) / ((swir1 + red) + (nir + blue)). */
void mw_bsi(const float *restrict blue, const float *restrict red,
            const float *restrict nir, const float *restrict swir1, size_t n,
            float *restrict out);

/* Visible/NIR fallback for sensors without SWIR (GF-1/2/6):
 * BSI_vnir = ((red + green) - (nir + blue)) / ((red + green) + (nir + blue)).
 * Bare soil is bright in red and green and dull in NIR; vegetation the
 * opposite; water is low everywhere but highest in blue. */
void mw_bsi_vnir(const float *restrict blue, const float *restrict green,
                 const float *restrict red, const float *restrict nir,
                 size_t n, float *restrict out);

/* out = t2 - t1 (NaN if either is NaN). */
void mw_diff(const float *restrict t1, const float *restrict t2, size_t n,
             float *restrict out);

/* A display code of each value for the evidence chips: 0 where v is NaN
 * (no data, masked), else (v - lo) * k + 0.5 truncated and held to
 * 1 ... 255 (lo -> 1, lo + 255 / k and above -> 255). */
void mw_stretch_u8(const float *restrict v, size_t n, float lo, float k,
                   uint8_t *restrict out);

/* Thresholds of the per-pixel change classes. */
typedef struct {
    float ndvi_loss;  /* dNDVI <= -ndvi_loss   -> vegetation loss        */
    float bsi_gain;   /* dBSI  >=  bsi_gain    -> bare-ground gain       */
    float bare_min;   /* and BSI(t2) >= bare_min: the later date is bare */
    float ndvi_gain;  /* dNDVI >=  ndvi_gain   -> revegetation           */
    float bsi_loss;   /* dBSI  <= -bsi_loss (no greening) -> other change */
} mw_thresholds;

/* Per-pixel classes from dNDVI, dBSI and the later date's BSI.
 * NaN in any input -> MW_CLASS_MASKED. */
void mw_classify(const float *restrict dndvi, const float *restrict dbsi,
                 const float *restrict bsi2, size_t n,
                 const mw_thresholds *restrict t, uint8_t *restrict cls);

/* How one date's raw values become reflectance: v * scale + offset, NaN
 * where v == nodata (has_nodata) or v >= sat_min (saturated). */
typedef struct {
    float scale, offset;
    int has_nodata;
    uint16_t nodata;
    uint32_t sat_min; /* above 65535: no saturation */
} mw_dn_scale;

/* The whole per-pixel chain from raw values in one pass, for the common
 * band set: dn[d] the planes of date d for blue, red, nir and swir1.  The
 * same bits as mw_scale_u16 with mw_mask_saturated_u16, mw_ndvi, mw_bsi,
 * mw_diff and mw_classify in turn, without the intermediate planes. */
void mw_change_u16(const uint16_t *const dn[2][4], size_t n, const mw_dn_scale sc[2],
                   const mw_thresholds *t, float *restrict dndvi, float *restrict dbsi,
                   uint8_t *restrict cls);

/* Multi-date confirmation (a second look in time, as GLAD alerts confirm).
 * looks[0..nlooks-1][i]: the classes of pixel i in the pairs (t1, look k),
 * in date order.  A look is clear where its class is not MW_CLASS_MASKED.
 * Walking back from the last clear look, the change looks (any class but
 * NONE) up to the first clear look without change are the pixel's run; the
 * change is confirmed when the run holds at least confirm clear looks (so
 * it also holds on the last clear look, and the clear look before the run,
 * if any, shows none).  cls[i]: the last clear look's class when confirmed;
 * MW_CLASS_NONE when not; MW_CLASS_MASKED when no look is clear.  first[i]
 * and count[i]: the run's first look and its clear looks (0 and 0 when not
 * confirmed); last[i]: the last clear look.  cls may be looks[nlooks - 1]. */
void mw_confirm(const uint8_t *const *looks, int nlooks, size_t n, int confirm,
                uint8_t *cls, uint8_t *first, uint8_t *last, uint8_t *count);

/* Binary mask of pixels equal to value. */
void mw_mask_eq(const uint8_t *restrict cls, size_t n, uint8_t value,
                uint8_t *restrict mask);

/* Morphological opening (erosion then dilation) of a binary w x h mask with a
 * (2r+1) x (2r+1) square.  Neighbours outside the buffer are ignored, so a
 * caller that keeps a halo of 2r pixels around the part it uses gets the same
 * result as on the whole image.  tmp and tmp2 hold w*h bytes each.  In place
 * is allowed (out == in).  r = 0 copies. */
void mw_open(const uint8_t *in, int w, int h, int r, uint8_t *restrict tmp,
             uint8_t *restrict tmp2, uint8_t *out);

/* The opening of every change class (MW_CLASS_VEG_LOSS .. MW_CLASS_OTHER)
 * of a class image, each class on its own, with a 3 x 3 square, in place:
 * a change pixel that the opening of its class removes becomes
 * MW_CLASS_NONE; other codes are left.  The same result as mw_mask_eq +
 * mw_open(r = 1) + write-back class by class (same edge rule), in one pass
 * over the classes: a change pixel survives iff some 3 x 3 box around it
 * (clipped to the buffer) holds its class only.  tmp and tmp2 hold w*h
 * bytes each. */
void mw_open_classes3(uint8_t *restrict cls, int w, int h, uint8_t *restrict tmp,
                      uint8_t *restrict tmp2);

/* 4-connected components of a binary mask.  labels gets 0 for background and
 * 1..n for the components, numbered in raster order of each component's first
 * pixel (so the numbering is a function of the mask alone).  parent is scratch
 * of w*h/2 + 2 uint32_t.  Returns n. */
uint32_t mw_label(const uint8_t *restrict mask, int w, int h,
                  uint32_t *restrict labels, uint32_t *restrict parent);

/* Union-find over a flat parent array (parent[i] == i for roots).  Root is the
 * smaller index, so the result does not depend on the order of unions. */
uint32_t mw_uf_find(uint32_t *parent, uint32_t x);
void mw_uf_union(uint32_t *parent, uint32_t a, uint32_t b);

#endif
