/* decode.c - the per-pixel decoders of ingest: QA_PIXEL bits, SCL
 * classes, the colours of an SCL picture, the spectral cloud test, raw
 * values to reflectance; and the loops that apply the masks to a window
 * (the reader reads, these decide). */
#include "ingest_internal.h"

#include <math.h>
#include <stdlib.h>

int mw_qa_masked(int type, int v)
{
    if (type == MW_QA_LANDSAT) /* fill, dilated cloud, cirrus, cloud, cloud shadow */
        return ((unsigned)v & 0x1Fu) != 0;
    if (type == MW_QA_SCL || type == MW_QA_SCL_RGB) /* no data, saturated, cloud
                                                       shadow, water, clouds, snow */
        return v < 0 || v == 0 || v == 1 || v == 3 || v == 6 || v == 8 || v == 9 ||
               v == 10 || v == 11;
    return 0;
}

int mw_scl_rgb_class(unsigned r, unsigned g, unsigned b)
{
    static const unsigned char C[12][3] = {
        {0, 0, 0},       {255, 0, 0},     {47, 47, 47},    {100, 50, 0},
        {0, 160, 0},     {255, 230, 90},  {0, 0, 255},     {128, 128, 128},
        {192, 192, 192}, {255, 255, 255}, {100, 200, 255}, {255, 150, 255}};
    for (int k = 0; k < 12; k++)
        if (abs((int)r - C[k][0]) <= 3 && abs((int)g - C[k][1]) <= 3 &&
            abs((int)b - C[k][2]) <= 3)
            return k;
    return -1;
}

int mw_cloud_white(float blue, float red, float nir)
{
    if (!(blue > 0.20f) || !(blue >= 0.8f * red) || !(nir + red > 0))
        return 0;
    return (nir - red) / (nir + red) < 0.2f;
}

mw_dn_scale mw_scene_dn_scale(const mw_scene *s, int d)
{
    /* v >= saturation for an integer v is v >= ceil(saturation) */
    double sat = s->saturation > 0 ? ceil(s->saturation) : 65536;
    return (mw_dn_scale){s->scale, s->offset, s->has_nodata[d] != 0, (uint16_t)s->nodata[d],
                         sat > 65536 ? 65536u : (uint32_t)sat};
}

void mw_dn_to_refl(const mw_scene *s, int d, const uint16_t *v, size_t n, float *out)
{
    const mw_dn_scale sc = mw_scene_dn_scale(s, d); /* one derivation for both paths */
    mw_scale_u16(v, n, sc.scale, sc.offset, sc.has_nodata, sc.nodata, out);
    if (sc.sat_min <= 65535)
        mw_mask_saturated_u16(v, n, sc.sat_min, out);
}


void mw_mask_scl_rgb(const uint16_t *v, size_t n, unsigned div, float *const *out, int nout)
{
    const unsigned half = div / 2;
    for (size_t i = 0; i < n; i++) {
        int c = mw_scl_rgb_class((v[i] + half) / div, (v[n + i] + half) / div,
                                 (v[2 * n + i] + half) / div);
        if (mw_qa_masked(MW_QA_SCL_RGB, c))
            for (int k = 0; k < nout; k++)
                out[k][i] = NAN;
    }
}

void mw_mask_qa_values(int type, const uint16_t *qa, size_t n, float *const *out, int nout)
{
    for (size_t i = 0; i < n; i++)
        if (mw_qa_masked(type, qa[i]))
            for (int k = 0; k < nout; k++)
                out[k][i] = NAN;
}

void mw_mask_cloud(const float *blue, const float *red, const float *nir, size_t n,
                   float *const *out, int nout)
{
    for (size_t i = 0; i < n; i++)
        if (mw_cloud_white(blue[i], red[i], nir[i]))
            for (int k = 0; k < nout; k++)
                out[k][i] = NAN;
}
