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

/* Band roles, in this order everywhere. */
enum { MW_BLUE, MW_GREEN, MW_RED, MW_NIR, MW_SWIR1, MW_NROLES };

typedef struct {
    char path[2][MW_PATH_MAX];
    int width, height;
    double gt[6];          /* geotransform, north-up */
    char *wkt;             /* scene CRS (owned) */
    double pixel_area_m2;  /* |gt[1] * gt[5]| in CRS units squared */
    int band[MW_NROLES];   /* 1-based band numbers, 0 = role absent */
    int has_nodata[2];
    double nodata[2];
    int read_u16;          /* both dates are UInt16 (fast path) */
    float scale, offset;
} mw_scene;

/* Open both dates, check bands and grid.  0, or -1 with mw_error
 * (MW_EXIT_RASTER) naming the file and the problem. */
int mw_scene_open(const mw_config *cfg, mw_scene *scene);
void mw_scene_free(mw_scene *scene);

typedef struct mw_reader mw_reader;

mw_reader *mw_reader_new(const mw_scene *scene);
void mw_reader_free(mw_reader *r);

/* Read the window (x, y, w, h), which must lie inside the grid, of every
 * present band role of date d (0 or 1) as reflectance into out[role]
 * (w*h floats each; NaN where nodata).  Absent roles are left untouched.
 * scratch holds w*h uint16_t.  0 or -1 with mw_error. */
int mw_reader_read(mw_reader *r, int d, int x, int y, int w, int h,
                   float *out[MW_NROLES], uint16_t *scratch);

#endif
