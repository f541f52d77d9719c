/* reports.h - the run's outputs, written whole or not at all.
 *
 * Everything is written into a private work folder inside the output folder
 * (OUTDIR/.minewatch-work-PID) and published as one set only when every
 * report is complete: the folder becomes OUTDIR/runs/RUN-ID, the symlink
 * OUTDIR/latest is swapped to it by one rename, and OUTDIR/NAME are links
 * latest/NAME.  A failed or killed run leaves the previous reports untouched
 * (a stale work folder is removed by the next run).
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

typedef struct {
    char out_dir[MW_PATH_MAX];
    char work_dir[MW_PATH_MAX];
    char resume_dir[MW_PATH_MAX + 32]; /* tiles of an interrupted run ("" = none) */
    int lock_fd; /* OUTDIR itself, flock(2)ed while this run writes into it; -1: none */
} mw_outdir;

/* Create OUTDIR (and parents), lock it against other runs writing into it
 * (flock(2) on the folder, released by mw_outdir_discard or by the kernel
 * when the process ends; where the file system refuses locks on folders the
 * run goes on unlocked) and make the work folder.  0, or -1 with mw_error:
 * MW_EXIT_BUSY when another run holds OUTDIR, else MW_EXIT_OUTPUT. */
int mw_outdir_prepare(const char *out_dir, mw_outdir *od);
/* An output folder inside another's resume folder, work folder or run
 * folders (OUTDIR/.minewatch-resume, .minewatch-work-PID, runs/, latest),
 * which that folder's next run deletes, is refused: -1 with mw_error(code),
 * else 0. */
int mw_outdir_check_path(const char *out_dir, int code);
/* Path of a file name inside the work folder. */
void mw_outdir_work_path(const mw_outdir *od, const char *name, char *buf, size_t size);
/* A run that finished removes its resume folder, OUTDIR/.minewatch-resume
 * (od->resume_dir, "" = none: resume.h prepares it); an interrupted one
 * keeps it. */
void mw_outdir_resume_done(mw_outdir *od);

/* Whether the reports in the work folder can be published: nothing in their
 * way in OUTDIR.  0, or -1 with mw_error (MW_EXIT_OUTPUT).  A scan checks
 * before it commits its ledger, which it does before it publishes. */
int mw_outdir_publish_check(const mw_outdir *od);
/* Publish every entry of the work folder (files and folders alike; work
 * files, NAME.work.EXT, are dropped) in one step: fsynced, the folder
 * renamed to OUTDIR/runs/RUN-ID, OUTDIR/latest swapped to it, links
 * OUTDIR/NAME -> latest/NAME made where missing, run folders but this one and
 * the one it replaced removed.  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_outdir_publish(mw_outdir *od);

/* Remove the work folder and everything in it; unlock OUTDIR. */
void mw_outdir_discard(mw_outdir *od);

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
