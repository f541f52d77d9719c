/* reader.c - a thread's reader of the scene: windows of both dates as
 * reflectance or raw values, through GDAL or the libtiff path
 * (tiffdirect.h), with the QA and cloud masks applied (decode.c). */
#include "ingest_internal.h"

#include <gdal.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mw.h"
#include "tiffdirect.h"

struct mw_reader {
    const mw_scene *scene;
    GDALDatasetH ds[2];
    GDALDatasetH qa[2]; /* the QA on the scene grid, when there is one */
    mw_tiffdirect *td[2]; /* the libtiff path of a direct date (read_dn) */
    uint16_t *all;      /* every band of a window, band after band (UInt16 path) */
    size_t all_cap;     /* in values */
    uint16_t *qa_buf;   /* the three colour bands of an SCL rendering (mask_scl_rgb) */
    size_t qa_cap;      /* in values */
};

/* The 1-based band numbers of the present roles, in role order. */
static int present_bands(const mw_scene *s, int bands[MW_NROLES])
{
    int np = 0;
    for (int role = 0; role < MW_NROLES; role++)
        if (s->band[role])
            bands[np++] = s->band[role];
    return np;
}

mw_reader *mw_reader_new(const mw_scene *s)
{
    mw_reader *r = mw_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->scene = s;
    for (int d = 0; d < 2; d++) {
        r->ds[d] = GDALOpenEx(s->src[d], GDAL_OF_RASTER | GDAL_OF_READONLY,
                              NULL, NULL, NULL);
        if (!r->ds[d]) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[d],
                     mw_gdal_message());
            mw_reader_free(r);
            return NULL;
        }
        char why[600];
        int bands[MW_NROLES], np = present_bands(s, bands);
        if (s->direct[d] && !(r->td[d] = mw_tiffdirect_open(s->src[d], bands, np,
                                                            s->direct_fill[d],
                                                            s->tcache[d], why, sizeof why))) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen (%s)", s->path[d], why);
            mw_reader_free(r);
            return NULL;
        }
        if (s->qa_type &&
            !(r->qa[d] = GDALOpenEx(s->qa_src[d], GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                    NULL, NULL))) {
            mw_error(MW_EXIT_RASTER, "%s: cannot reopen its QA (%s)", s->path[d],
                     mw_gdal_message());
            mw_reader_free(r);
            return NULL;
        }
    }
    return r;
}

void mw_reader_free(mw_reader *r)
{
    if (!r)
        return;
    for (int d = 0; d < 2; d++) {
        if (r->ds[d])
            GDALClose(r->ds[d]);
        if (r->qa[d])
            GDALClose(r->qa[d]);
        mw_tiffdirect_close(r->td[d]);
    }
    free(r->all);
    free(r->qa_buf);
    free(r);
}

void mw_reader_span(mw_reader *r, int span_w, int span_h)
{
    for (int d = 0; d < 2; d++)
        if (r->td[d])
            mw_tiffdirect_span(r->td[d], span_w, span_h);
}

int mw_reader_read(mw_reader *r, int d, int x, int y, int w, int h,
                   float *out[MW_NROLES], uint16_t *scratch)
{
    return mw_reader_read_buf(r, d, x, y, w, h, w, h, out, scratch);
}

/* mask_qa for an SCL rendering: the three colour bands of each date, read
 * into the reader's buffer, decoded pixel by pixel. */
static int mask_scl_rgb(mw_reader *r, int x, int y, int w, int h, int bw, int bh,
                        float *const *out, int nout)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (r->qa_cap < 3 * n) {
        free(r->qa_buf);
        r->qa_cap = 0;
        if (!(r->qa_buf = malloc(3 * n * sizeof *r->qa_buf))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for a window of %zu px", n);
            return -1;
        }
        r->qa_cap = 3 * n;
    }
    const uint16_t *v = r->qa_buf;
    for (int d = 0; d < 2; d++) {
        int bands[3] = {1, 2, 3};
        if (GDALDatasetRasterIO(r->qa[d], GF_Read, x, y, w, h, r->qa_buf, bw, bh, GDT_UInt16,
                                3, bands, 0, 0, 0) != CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: QA read failed at window %d,%d %dx%d (%s)",
                     s->path[d], x, y, w, h, mw_gdal_message());
            return -1;
        }
        mw_mask_scl_rgb(v, n, s->qa_rgb_div[d], out, nout);
    }
    return 0;
}

/* The QA of both dates over the window: a pixel either masks is NaN in
 * every out[k] (k < nout). */
static int mask_qa(mw_reader *r, int x, int y, int w, int h, int bw, int bh,
                   float *const *out, int nout, uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (s->qa_type == MW_QA_SCL_RGB)
        return mask_scl_rgb(r, x, y, w, h, bw, bh, out, nout);
    for (int d = 0; d < 2; d++) {
        GDALRasterBandH b = GDALGetRasterBand(r->qa[d], 1);
        if (GDALRasterIO(b, GF_Read, x, y, w, h, scratch, bw, bh, GDT_UInt16, 0, 0) !=
            CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: QA read failed at window %d,%d %dx%d (%s)",
                     s->path[d], x, y, w, h, mw_gdal_message());
            return -1;
        }
        mw_mask_qa_values(s->qa_type, scratch, n, out, nout);
    }
    return 0;
}

static int read_role_raw(mw_reader *r, int d, int role, int x, int y, int w, int h, int bw,
                         int bh, float *out, uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    int sx = x + s->off[d][0], sy = y + s->off[d][1];
    GDALRasterBandH b = GDALGetRasterBand(r->ds[d], s->band[role]);
    CPLErr err;
    if (s->read_u16) {
        err = GDALRasterIO(b, GF_Read, sx, sy, w, h, scratch, bw, bh, GDT_UInt16, 0, 0);
        if (err == CE_None)
            mw_dn_to_refl(s, d, scratch, n, out);
    } else {
        err = GDALRasterIO(b, GF_Read, sx, sy, w, h, out, bw, bh, GDT_Float32, 0, 0);
        if (err == CE_None) {
            if (s->saturation > 0)
                mw_mask_saturated_f32(out, n, (float)s->saturation);
            mw_scale_f32(out, n, s->scale, s->offset, s->has_nodata[d],
                         (float)s->nodata[d]);
        }
    }
    if (err != CE_None) {
        mw_error(MW_EXIT_RASTER, "%s: read failed at window %d,%d %dx%d, band %d (%s)",
                 s->path[d], x, y, w, h, s->band[role], mw_gdal_message());
        return -1;
    }
    return 0;
}

int mw_scene_nbands(const mw_scene *s)
{
    int n = 0;
    for (int role = 0; role < MW_NROLES; role++)
        n += s->band[role] != 0;
    return n;
}

/* The window (x, y, w, h) of every present band role of date d as raw values
 * into a bw x bh buffer: the roles' planes in role order, band_space values
 * apart.  Every band in one call: a pixel-interleaved file's block is then
 * decoded once for all bands, not once per band. */
static int read_dn(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                   uint16_t *out, size_t band_space)
{
    const mw_scene *s = r->scene;
    int bands[MW_NROLES], np = present_bands(s, bands);
    int sx = x + s->off[d][0], sy = y + s->off[d][1];
    char why[600];
    if (r->td[d] && bw == w && bh == h) {
        if (!mw_tiffdirect_read(r->td[d], sx, sy, w, h, out, band_space, why, sizeof why))
            return 0;
        /* the file's tile first: which window met it depends on the threads */
        mw_error(MW_EXIT_RASTER, "%s: read failed: %s (window %d,%d %dx%d)", s->path[d], why,
                 x, y, w, h);
        return -1;
    } else if (GDALDatasetRasterIOEx(r->ds[d], GF_Read, sx, sy, w, h, out, bw, bh,
                                     GDT_UInt16, np, bands, (GSpacing)sizeof *out,
                                     (GSpacing)(sizeof *out * bw),
                                     (GSpacing)(sizeof *out * band_space), NULL) == CE_None) {
        return 0;
    } else {
        snprintf(why, sizeof why, "%s", mw_gdal_message());
    }
    mw_error(MW_EXIT_RASTER, "%s: read failed at window %d,%d %dx%d (%s)", s->path[d], x, y,
             w, h, why);
    return -1;
}

static int read_all_u16(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                        int np, const int *roles, float *out[MW_NROLES])
{
    const mw_scene *s = r->scene;
    size_t n = (size_t)bw * (size_t)bh;
    if (r->all_cap < n * (size_t)np) {
        free(r->all);
        r->all_cap = 0;
        if (!(r->all = malloc(n * (size_t)np * sizeof *r->all))) {
            mw_error(MW_EXIT_INTERNAL, "out of memory for a window of %zu px", n);
            return -1;
        }
        r->all_cap = n * (size_t)np;
    }
    if (read_dn(r, d, x, y, w, h, bw, bh, r->all, n))
        return -1;
    for (int k = 0; k < np; k++)
        mw_dn_to_refl(s, d, r->all + (size_t)k * n, n, out[roles[k]]);
    return 0;
}

int mw_reader_dn_ok(const mw_scene *s)
{
    return s->read_u16 && !s->qa_type && !s->cloud_test;
}

int mw_reader_read_dn(mw_reader *r, int d, int x, int y, int w, int h, uint16_t *out,
                      size_t band_space)
{
    return read_dn(r, d, x, y, w, h, w, h, out, band_space);
}

int mw_reader_read_role(mw_reader *r, int d, int role, int x, int y, int w, int h, int bw,
                        int bh, float *out, uint16_t *scratch)
{
    if (read_role_raw(r, d, role, x, y, w, h, bw, bh, out, scratch))
        return -1;
    return r->scene->qa_type ? mask_qa(r, x, y, w, h, bw, bh, &out, 1, scratch) : 0;
}

int mw_reader_read_buf(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                       float *out[MW_NROLES], uint16_t *scratch)
{
    const mw_scene *s = r->scene;
    float *present[MW_NROLES];
    int np = 0, roles[MW_NROLES];
    for (int role = 0; role < MW_NROLES; role++)
        if (s->band[role]) {
            roles[np] = role;
            present[np++] = out[role];
        }
    if (s->read_u16 && np > 1) {
        if (read_all_u16(r, d, x, y, w, h, bw, bh, np, roles, out))
            return -1;
    } else {
        for (int k = 0; k < np; k++)
            if (read_role_raw(r, d, roles[k], x, y, w, h, bw, bh, out[roles[k]], scratch))
                return -1;
    }
    if (s->qa_type && mask_qa(r, x, y, w, h, bw, bh, present, np, scratch))
        return -1;
    if (s->cloud_test) {
        size_t n = (size_t)bw * (size_t)bh;
        mw_mask_cloud(out[MW_BLUE], out[MW_RED], out[MW_NIR], n, present, np);
    }
    return 0;
}
