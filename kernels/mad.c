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

/* The class of a changed pixel from its dNDVI and dBSI. */
static inline uint8_t direction_class(float dn, float db, const mw_direction *restrict dir)
{
    float zn = (dn - dir->ndvi_center) / dir->ndvi_scale;
    float zb = (db - dir->bsi_center) / dir->bsi_scale;
    int veg_loss = zn <= -dir->z, bare_gain = zb >= dir->z;
    return veg_loss && bare_gain ? MW_CLASS_DISTURBANCE
           : veg_loss            ? MW_CLASS_VEG_LOSS
           : bare_gain           ? MW_CLASS_BARE_GAIN
           : zn >= dir->z        ? MW_CLASS_REVEG
                                 : MW_CLASS_OTHER;
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
        cls[i] = m <= thr ? (uint8_t)MW_CLASS_NONE : direction_class(dn, db, dir);
    }
}

/* A pixel's object is sized right in a window reaching min_px - 1 around it
 * (larger ones hold min_px pixels in it); a path from a seed to the pixel
 * lies within reach of it, inside the pixel's own object; the edge step looks
 * one pixel further. */
int mw_objects_halo(const mw_objects *o)
{
    int mmu = o->min_px > 1 ? o->min_px - 1 : 0, reach = o->seed > o->thr ? o->reach : 0;
    return (mmu > reach ? mmu : reach) + (o->refine ? 1 : 0);
}

static inline int is_change(uint8_t c)
{
    return c >= MW_CLASS_VEG_LOSS && c < MW_CLASS_COUNT;
}

/* out = in | (mask & any 4-neighbour of in); returns 1 if out != in. */
static int grow4(const uint8_t *restrict in, const uint8_t *restrict mask, int w, int h,
                 uint8_t *restrict out)
{
    int changed = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *r = in + (size_t)y * w, *m = mask + (size_t)y * w;
        const uint8_t *up = y > 0 ? r - w : NULL, *dn = y + 1 < h ? r + w : NULL;
        uint8_t *o = out + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            uint8_t v = r[x];
            if (!v && m[x])
                v = (x > 0 && r[x - 1]) || (x + 1 < w && r[x + 1]) || (up && up[x]) ||
                    (dn && dn[x]);
            changed |= v != r[x];
            o[x] = v;
        }
    }
    return changed;
}

void mw_change_objects(uint8_t *restrict cls, const float *restrict mag,
                       const float *restrict z, const float *restrict dndvi,
                       const float *restrict dbsi, int w, int h, const mw_objects *o,
                       const mw_direction *restrict dir, uint8_t *restrict keep,
                       uint8_t *restrict a, uint8_t *restrict b, uint32_t *restrict labels,
                       uint32_t *restrict parent)
{
    size_t n = (size_t)w * (size_t)h;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        keep[i] = (uint8_t)is_change(cls[i]);
    if (o->min_px > 1) { /* 1. the minimum mapping unit */
        uint32_t nl = mw_label(keep, w, h, labels, parent);
        uint32_t *count = parent; /* scratch no more: nl + 1 <= w * h / 2 + 2 */
        for (uint32_t l = 0; l <= nl; l++)
            count[l] = 0;
        for (size_t i = 0; i < n; i++)
            count[labels[i]]++;
        for (size_t i = 0; i < n; i++)
            keep[i] = labels[i] && count[labels[i]] >= (uint32_t)o->min_px;
    }
    if (o->seed > o->thr) { /* 2. the peak test: growth from the seeds */
        for (size_t i = 0; i < n; i++)
            a[i] = keep[i] && mag[i] >= o->seed;
        for (int step = 0; step < o->reach; step++) { /* Jacobi: one step a pass */
            if (!grow4(a, keep, w, h, b))
                break;
            uint8_t *t = a;
            a = b;
            b = t;
        }
        for (size_t i = 0; i < n; i++)
            keep[i] = a[i];
    }
    for (size_t i = 0; i < n; i++)
        if (is_change(cls[i]) && !keep[i])
            cls[i] = MW_CLASS_NONE;
    if (!o->refine)
        return;
    /* 3. the edge of kept objects: 3 x 3 dilation of keep (rows into a, then
     * columns into b), pixels of no change whose own z is over thr^2 */
    for (int y = 0; y < h; y++) {
        const uint8_t *r = keep + (size_t)y * w;
        uint8_t *t = a + (size_t)y * w;
        for (int x = 0; x < w; x++)
            t[x] = r[x] | (x > 0 ? r[x - 1] : 0) | (x + 1 < w ? r[x + 1] : 0);
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *r = a + (size_t)y * w;
        const uint8_t *up = y > 0 ? r - w : r, *dn = y + 1 < h ? r + w : r;
        uint8_t *t = b + (size_t)y * w;
        for (int x = 0; x < w; x++)
            t[x] = r[x] | up[x] | dn[x];
    }
    const float t2 = o->thr * o->thr;
    for (size_t i = 0; i < n; i++)
        if (b[i] && !keep[i] && cls[i] == MW_CLASS_NONE && z[i] > t2 && !isnan(dndvi[i]) &&
            !isnan(dbsi[i]))
            cls[i] = direction_class(dndvi[i], dbsi[i], dir);
}
