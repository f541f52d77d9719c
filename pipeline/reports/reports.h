/* reports.h - the run's outputs, written into the output folder's work
 * folder (outdir.h) and published from there whole or not at all.
 */
#ifndef MW_REPORTS_H
#define MW_REPORTS_H

#include <stdio.h>

#include "config.h"
#include "ingest.h"
#include "patches.h"
#include "rules.h"
#include "tiles.h"
#include "audit.h"
#include "restoration.h"
#include "outdir.h"

/* What the manifest records besides the config. */
typedef struct {
    const char *stage[32];
    double seconds[32];
    int nstages;
    double started_unix;
} mw_timings;

typedef struct {
    const mw_config *cfg;
    const mw_scene *scene;
    const mw_tileset *tiles;
    const mw_patchset *patches;
    const mw_layers *layers;
    const mw_timings *timings;
    const mw_restoration *restoration;
    const mw_audit *audit;
    struct mw_digests *digests; /* input checksums hashed in the background, or NULL */
    struct mw_cog_job *cog;     /* change.tif being written in the background, or NULL */
    const struct mw_county_codes_s *county_codes; /* codes.h; NULL = none */
    const struct mw_coreg *coreg;   /* the coreg stage's result; NULL = none (off) */
    const struct mw_survey *survey; /* the survey stage's result; NULL = none */
    const struct mw_chipstore *chips; /* the chips' pixels from the tile pass; NULL = none */
} mw_run;

/* A report table: written as OUTDIR/<csv>.csv and as layer <name> of
 * patches.gpkg (with polygons when geom is set).  A cell the formatter
 * leaves empty has no value: an empty CSV cell, NULL in the GeoPackage
 * (numeric columns; mw_cell_num writes NaN so).  Text cells that a
 * spreadsheet would run as a formula (= + - @ tab CR first) get a leading
 * ' in the CSV only. */
#define MW_CELL 320
#define MW_FIELD_CHECK_MU 10.0 /* 卫片执法: every patch >= 10 mu goes to the field */
typedef enum { COL_S, COL_I, COL_R } mw_col_type;
typedef struct {
    const char *name;
    mw_col_type type;
} mw_column;
typedef struct mw_table {
    const char *csv, *name;
    const mw_column *cols;
    size_t ncols, nrows;
    void (*format)(const struct mw_table *t, size_t row, char (*cells)[MW_CELL]);
    OGRGeometryH (*geom)(const struct mw_table *t, size_t row); /* NULL: no geometry */
    const void *ctx;
    const mw_config *cfg;
} mw_table;

/* v formatted with fmt, or an empty cell (no value) when v is NaN. */
static inline void mw_cell_num(char *cell, const char *fmt, double v)
{
    if (v != v)
        cell[0] = '\0';
    else
        snprintf(cell, MW_CELL, fmt, v);
}

/* Row i of t formatted (text cut at MW_CELL is cut on a UTF-8 boundary). */
void mw_table_row(const mw_table *t, size_t i, char (*cells)[MW_CELL]);
/* A column's title: its English name, or its Chinese one when zh is set
 * (names without one stay English). */
const char *mw_column_title(const char *en, int zh);

/* t as CSV at path (tables.c): a UTF-8 BOM when [report] csv_bom is set,
 * Chinese titles when [report] language = zh.  0, or -1 with mw_error. */
int mw_table_write_csv(const mw_table *t, const mw_config *cfg, const char *path);
/* All n tables as layers of one GeoPackage at path, in one transaction, with
 * QGIS's default styles (tables.c).  0, or -1 with mw_error. */
int mw_tables_write_gpkg(const char *wkt, const mw_table *tables, size_t n, const char *path);
/* manifest.json of the run at path (manifest.c).  0, or -1 with mw_error. */
int mw_manifest_write(const mw_run *run, const char *path);

/* The tables of restoration.csv, restoration_by_county.csv, licences.csv
 * (report_tables.c). */
mw_table mw_restoration_table(const mw_restoration *r, const mw_config *cfg);
mw_table mw_restoration_county_table(const mw_restoration *r, const mw_config *cfg);
mw_table mw_licence_table(const mw_audit *a, const mw_config *cfg);

/* The licence audit alone (no imagery): licences.csv and licences.gpkg. */
int mw_reports_write_audit(const mw_config *cfg, const char *wkt, const mw_audit *audit,
                           mw_outdir *od);

/* Write change.tif (COG), suspects.csv, patches.gpkg and manifest.json into
 * the work folder, then rename them into OUTDIR.  class_path is the tile
 * pass's class raster.  0, or -1 with mw_error. */
int mw_reports_write(const mw_run *run, const char *class_path, mw_outdir *od);

/* change.tif (a COG copy of the finished class raster) written into the
 * work folder on a thread of its own while the patch, rule, restoration and
 * audit stages run, its blocks compressed by `threads` threads;
 * mw_reports_write waits for it.  mw_cog_finish joins it:
 * 0, or -1 with its error recorded (mw_error); NULL-safe.  Call it before
 * the work folder is removed on any path. */
typedef struct mw_cog_job mw_cog_job;
mw_cog_job *mw_cog_start(const char *class_path, const mw_outdir *od, int threads);
int mw_cog_finish(mw_cog_job *job);

#endif
