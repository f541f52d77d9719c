/* ingest_internal.h - what the files of ingest/ share (ingest/ only; the
 * stage's interface is ingest.h).
 *
 *   ingest.c       mw_scene_open / _free: the dates opened and checked, band
 *                  files stacked, the inputs listed, the grid
 *   scene_warp.c   t2 onto t1's grid, the co-registration shift
 *   scene_qa.c     the QA band of each date
 *   reader.c       a thread's reader of windows
 *   decode.c       per-pixel decoders (QA bits, SCL, cloud test, DN)
 */
#ifndef MW_INGEST_INTERNAL_H
#define MW_INGEST_INTERNAL_H

#include <gdal.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

/* ---- ingest.c ---- */

/* A process-unique /vsimem/ name for a VRT of date d. */
void mw_vsimem_name(char *buf, size_t size, int d, const char *what);
/* A file of the scene must be a regular file (what: its role, for the
 * message).  0, or -1 with mw_error (MW_EXIT_RASTER). */
int mw_require_regular(const char *path, const char *what);
/* Add path and every file GDAL reads for it to s->inputs.  0, or -1 with
 * mw_error. */
int mw_add_inputs(mw_scene *s, const char *path, GDALDatasetH ds, const char *what);

/* ---- scene_warp.c ---- */

/* The window of t1's grid that t2 covers (pixel offsets and size), when the
 * grids differ.  0, or -1 with mw_error (no overlap). */
int mw_overlap_window(GDALDatasetH t1, GDALDatasetH t2, int win[4]);
/* Warp date d (dataset src) onto the window win of t1's grid, shifted by
 * (dx, dy) pixels, with the given resampling: becomes s->src[d]. */
int mw_warp_date(mw_scene *s, int d, GDALDatasetH t1, GDALDatasetH src, const int win[4],
                 double dx, double dy, const char *resampling);
/* The QA of date d onto the scene grid (nearest, shifted with its date):
 * replaces s->qa_src[d]. */
int mw_warp_qa(mw_scene *s, int d, GDALDatasetH t1, const int win[4]);

/* ---- scene_qa.c ---- */

/* [bands] qa / qa_t1, qa_t2: each date's QA band, onto the scene grid. */
int mw_open_qa(const mw_config *cfg, mw_scene *s, GDALDatasetH t1, const int win[4]);

/* ---- decode.c: masks of a window of n px (out[k], k < nout, set to NaN) ---- */

/* v: the three colour bands of an SCL picture, n values apart, div 257 or 1. */
void mw_mask_scl_rgb(const uint16_t *v, size_t n, unsigned div, float *const *out, int nout);
/* qa: QA values of the given type (mw_qa_masked). */
void mw_mask_qa_values(int type, const uint16_t *qa, size_t n, float *const *out, int nout);
/* Where mw_cloud_white(blue, red, nir). */
void mw_mask_cloud(const float *blue, const float *red, const float *nir, size_t n,
                   float *const *out, int nout);

#endif
