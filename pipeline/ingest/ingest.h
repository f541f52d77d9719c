/* ingest.h - open the two dates through GDAL and read windows of them as
 * reflectance.
 *
 * mw_scene describes the common grid; it is read-only once opened and shared
 * by all threads.  Each thread reads through its own mw_reader (one GDAL
 * dataset handle per thread and date).
 */
#ifndef MW_INGEST_H
#define MW_INGEST_H

#include <stdint.h>

#include "config.h"
#include "kernels.h"

/* Band roles, in this order everywhere. */
enum { MW_BLUE, MW_GREEN, MW_RED, MW_NIR, MW_SWIR1, MW_SWIR2, MW_NROLES };

extern const char *const MW_ROLE_NAMES[MW_NROLES];

typedef struct mw_scene {
    char path[2][MW_PATH_MAX]; /* each date as configured (file, or a {band} pattern) */
    char *src[2];          /* what readers open: the file, or a /vsimem/ VRT (owned) */
    char **files[2];       /* band files of a {band} pattern, NULL-terminated (owned) */
    char *base[2];         /* each date before any warp: the file or its stacked VRT (owned) */
    char **inputs;         /* every file the scene is read from, NULL-terminated (owned):
                            * each date's file or band files, the files behind a VRT
                            * (GDALGetFileList, to the end of the chain), sidecars
                            * GDAL reads (.aux.xml, .ovr...), the QA files; all
                            * regular files or GDAL virtual paths; not /vsimem/ */
    int warped;            /* t2 is warped onto t1's grid (its grid differed) */
    double shift[2][2];    /* (dx, dy) in pixels at which each date is read (coreg) */
    int off[2][2];         /* pixel offset (x, y) of the scene grid in each source */
    int grid_off[2];       /* pixel offset (x, y) of the scene grid in t1's own grid */
    int width, height;
    double gt[6];          /* geotransform, north-up */
    char *wkt;             /* scene CRS (owned) */
    char *measure_wkt;     /* the CRS areas and distances are measured in: the
                            * scene's own (the same text) when it is projected in
                            * metres, else an equal-area one (measure.h) (owned) */
    double pixel_area_m2;  /* m2 of a pixel: |gt[1] * gt[5]| when projected in
                            * metres, else at the centre row */
    double *row_area;      /* [height] m2 of a pixel of each row; NULL when every
                            * pixel has pixel_area_m2 (owned) */
    int band[MW_NROLES];   /* 1-based band numbers, 0 = role absent */
    int has_nodata[2];
    double nodata[2];
    double saturation;     /* raw DN >= saturation is masked; 0 = off */
    int read_u16;          /* both dates are UInt16 (fast path) */
    int direct[2];         /* date d is a plain tiled GeoTIFF read through libtiff
                            * (tiffdirect.h), unwarped and unshifted */
    uint16_t direct_fill[2]; /* its value where a tile is absent (GDAL's) */
    struct mw_tiffcache *tcache[2]; /* its decoded tiles, shared by the readers (owned) */
    float scale, offset;
    int qa_type;           /* MW_QA_NONE, MW_QA_LANDSAT, MW_QA_SCL or MW_QA_SCL_RGB */
    unsigned qa_rgb_div[2]; /* MW_QA_SCL_RGB: 257 for a 16-bit rendering, 1 for 8-bit */
    char *qa_base[2];      /* each date's QA band alone, before any warp (owned) */
    char *qa_src[2];       /* the QA on the scene grid, nearest, shifted with its
                            * date: a warped /vsimem/ VRT (owned) */
    int cloud_test;        /* spectral cloud test on every read (no QA) */
} mw_scene;

/* QA masks: Landsat Collection-2 QA_PIXEL bits, Sentinel-2 L2A SCL classes,
 * or the SCL as the RGB picture that Sentinel Hub's EO Browser exports. */
enum { MW_QA_NONE, MW_QA_LANDSAT, MW_QA_SCL, MW_QA_SCL_RGB };

/* 1 when the QA value v (of the given type) marks a pixel to mask: Landsat
 * QA_PIXEL bit 0 fill, 1 dilated cloud, 2 cirrus, 3 cloud, 4 cloud shadow;
 * SCL class 0 no data, 1 saturated/defective, 3 cloud shadow, 6 water,
 * 8/9 cloud medium/high probability, 10 thin cirrus, 11 snow or ice.  For
 * MW_QA_SCL_RGB, v is a class from mw_scl_rgb_class (-1, a colour of no
 * class, is masked). */
int mw_qa_masked(int type, int v);

/* The SCL class (0-11) of a pixel of Sentinel Hub's scene-classification
 * rendering (the EO Browser "Scene classification map": 0 black, 1 red,
 * 2 (47,47,47), 3 (100,50,0), 4 (0,160,0), 5 (255,230,90), 6 blue,
 * 7 (128,128,128), 8 (192,192,192), 9 white, 10 (100,200,255),
 * 11 (255,150,255)) from its 8-bit red, green and blue (a 16-bit export
 * divided by 257, rounded); within 3 per channel.  -1: no class's colour. */
int mw_scl_rgb_class(unsigned r, unsigned g, unsigned b);

/* 1 when reflectances (blue, red, nir) look like cloud: bright in blue
 * (> 0.20), spectrally flat (blue >= 0.8 red) and not vegetated
 * (NDVI < 0.2).  Bare ground and excavation have blue well below red and
 * are kept.  NaN input gives 0. */
int mw_cloud_white(float blue, float red, float nir);

/* Open both dates, check bands and grid.  Every input file must be a
 * regular file (a device or a FIFO is refused at once: reading it would
 * never end, or never start), unless GDAL names it a virtual path
 * (/vsizip/, /vsicurl/...); a scene of more than [tiles] max_pixels pixels
 * is refused before any work.  A date given as a pattern with
 * {band} is stacked from one file per name of [bands] files through a VRT on
 * the finest grid (bilinear).  When t2's grid (CRS, pixel size, extent)
 * differs from t1's, t2 is warped onto t1's grid through a warped VRT and the
 * scene is the overlap of both (no overlap is an error).  0, or -1 with
 * mw_error (MW_EXIT_RASTER) naming the file and the problem. */
int mw_scene_open(const mw_config *cfg, mw_scene *scene);
void mw_scene_free(mw_scene *scene);

/* Area in m2 of a pixel at (fractional) row y of the grid, row r's centre
 * being r + 0.5: interpolated between row centres (clamped at the edges).
 * A patch of n pixels whose mean row-centre is y has n * this area (exact
 * while the area is linear over the patch's rows: within 1e-9 for a patch
 * of a few km). */
double mw_scene_pixel_area(const mw_scene *scene, double y);

/* Date d read at a shift (co-registration): its source and its QA on the
 * scene grid shifted by (dx, dy) pixels, owned (/vsimem/ VRTs). */
typedef struct {
    int on;                /* 0: no shift (the scene as opened) */
    int d;                 /* the date */
    double dx, dy;         /* pixels */
    double nodata;         /* the value outside the date's footprint (no data) */
    char *src;             /* warped VRT of the date (owned) */
    char *qa_src;          /* warped VRT of its QA band; NULL without one (owned) */
} mw_shifted;

/* Date d read at (x + dx, y + dy) of the scene grid, resampled (Lanczos)
 * through a warped VRT of the date's unwarped source onto t1's grid shifted
 * by (dx, dy) pixels (any CRS; no copy).  Pixels that the shift moves
 * outside the date read as no data.  The scene is not changed: read it
 * through mw_scene_view.  0, or -1 with mw_error (*out empty). */
int mw_scene_shifted(const mw_scene *scene, int d, double dx, double dy, mw_shifted *out);
/* NULL-safe; leaves *sh empty. */
void mw_shifted_free(mw_shifted *sh);
/* The scene with date sh->d read through sh (sh NULL or off: the scene as
 * it is): a copy of the struct that owns nothing and lives no longer than
 * scene and sh; never give it to mw_scene_free.  Readers made from it read
 * the shifted date. */
mw_scene mw_scene_view(const mw_scene *scene, const mw_shifted *sh);

typedef struct mw_reader mw_reader;

mw_reader *mw_reader_new(const mw_scene *scene);
void mw_reader_free(mw_reader *r);
/* The reader's windows move across span_w x span_h px at a time, row after
 * row (a stripe of the tile pass): the libtiff path keeps the source tiles
 * that span needs decoded.  Without it, a few tiles are kept. */
void mw_reader_span(mw_reader *r, int span_w, int span_h);

/* Read the window (x, y, w, h), which must lie inside the grid, of every
 * present band role of date d (0 or 1) as reflectance into out[role]
 * (w*h floats each; NaN where nodata or saturated, where the QA band of
 * either date masks the pixel, or where [bands] cloud_test finds cloud on
 * this date).  Absent roles are left untouched.
 * scratch holds w*h uint16_t.  0 or -1 with mw_error. */
int mw_reader_read(mw_reader *r, int d, int x, int y, int w, int h,
                   float *out[MW_NROLES], uint16_t *scratch);
/* The same window read into a bw x bh buffer (bw <= w, bh <= h: nearest
 * neighbour decimation, for the survey).  scratch holds bw*bh uint16_t. */
int mw_reader_read_buf(mw_reader *r, int d, int x, int y, int w, int h, int bw, int bh,
                       float *out[MW_NROLES], uint16_t *scratch);
/* The band roles present in the scene. */
int mw_scene_nbands(const mw_scene *s);
/* 1 when the scene's windows can be read as raw UInt16 values and turned
 * into reflectance pixel by pixel (UInt16 sources, no QA band, no cloud
 * test): mw_reader_read_dn then mw_dn_to_refl give the values
 * mw_reader_read gives, so a caller may convert a small piece at a time. */
int mw_reader_dn_ok(const mw_scene *s);
/* The window (x, y, w, h) of every present band role of date d as raw
 * UInt16 values: the roles' planes in role order, band_space values apart,
 * rows w values apart.  0 or -1 with mw_error. */
int mw_reader_read_dn(mw_reader *r, int d, int x, int y, int w, int h, uint16_t *out,
                      size_t band_space);
/* Raw values of date d to reflectance as mw_reader_read converts them:
 * scale, offset, nodata and saturation to NaN. */
void mw_dn_to_refl(const mw_scene *s, int d, const uint16_t *v, size_t n, float *out);
/* The same conversion as parameters of mw_change_u16. */
mw_dn_scale mw_scene_dn_scale(const mw_scene *s, int d);
/* One band role only (which must be present), same conventions except the
 * spectral cloud test, which needs several bands (the QA masks apply). */
int mw_reader_read_role(mw_reader *r, int d, int role, int x, int y, int w, int h, int bw,
                        int bh, float *out, uint16_t *scratch);

#endif
