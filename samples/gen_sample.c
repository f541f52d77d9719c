/* gen_sample.c - deterministic synthetic scene pair and vector layers for the
 * minewatch sample (Changzhi, Shanxi).
 *
 *   gen_sample OUTDIR
 *
 * Writes into OUTDIR (created if missing):
 *   t1.tif, t2.tif  2000 x 2000 px, 10 m, EPSG:32649, origin (680000, 4020000),
 *                   5 x UInt16 (blue green red nir swir1), reflectance x 10000,
 *                   nodata 0; acquired 2024-05-15 and 2024-09-20.
 *   layers.gpkg     layers licences, exploration, redline, farmland, urban,
 *                   restoration and counties, all in EPSG:4547 (CGCS2000 3-degree
 *                   GK, CM 114E), a CRS other than the imagery's on purpose.
 *   counties_gbk.shp (+ .shx .dbf .prj) the counties again, text in GBK and no
 *                   .cpg (LDID 0): a shapefile as local agencies hand them out.
 *   licence_corners.csv  every licence as a corner-point table (拐点坐标):
 *                   licence_id,ring,point,x,y with X northing and Y easting in
 *                   EPSG:4526 (zone prefix 38 on Y); rings are not closed.
 *   truth_licences.csv     per licence: exemption, consolidation group and the
 *                   control-line overlaps the licence audit must report.
 *   truth_restoration.csv  per restoration plot: status, overdue and the
 *                   fractions measured on the written pixels.
 *   truth.csv       one row per planted event, coordinates in EPSG:32649.
 *
 * Every random number is splitmix64 used as a counter-based hash of (seed,
 * stream, coordinates), so the output depends on nothing but this file and
 * not on the order of generation.  Files are written under temporary names
 * and renamed once all are complete (truth.csv last: make's target).
 *
 * Self-checks, any failure fails the run:
 *  - design (stage_design): events >= 150 px from each other and from the
 *    nodata stripes; every flagged event and every plot >= 30 px inside its
 *    county; the counties tile the scene; the consolidation groups that GEOS
 *    finds are the designed ones.
 *  - pixels (check_pixel): every pixel is classified as the pipeline does;
 *    the run fails if a background pixel is classed disturbance, a planted
 *    pixel misses its designed margin, or a plot pixel comes within 0.1 of
 *    the restoration thresholds.
 *  - plots (stage_plots): each plot's status, computed from the written
 *    pixels by the pipeline's definition, is the designed one, with margin.
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "cpl_vsi.h"
#include "gdal.h"
#include "ogr_api.h"
#include "ogr_srs_api.h"

#include "sample.h"

const char *const FILES[NFILES][2] = {
    {"t1.tmp.tif", "t1.tif"},
    {"t2.tmp.tif", "t2.tif"},
    {"layers.tmp.gpkg", "layers.gpkg"},
    {"counties_gbk.tmp.shp", "counties_gbk.shp"}, /* the driver names the rest */
    {"counties_gbk.tmp.shx", "counties_gbk.shx"},
    {"counties_gbk.tmp.dbf", "counties_gbk.dbf"},
    {"counties_gbk.tmp.prj", "counties_gbk.prj"},
    {"licence_corners.tmp.csv", "licence_corners.csv"},
    {"truth_licences.tmp.csv", "truth_licences.csv"},
    {"truth_restoration.tmp.csv", "truth_restoration.csv"},
    {"truth.tmp.csv", "truth.csv"}};


int fail(run *rn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rn->err, sizeof rn->err, fmt, ap);
    va_end(ap);
    return -1;
}

const char *gdal_msg(void)
{
    const char *m = CPLGetLastErrorMsg();
    return *m ? m : "unknown GDAL error";
}

int close_checked(run *rn, GDALDatasetH ds, const char *stage, const char *path)
{
    CPLErrorReset();
    GDALClose(ds);
    if (CPLGetLastErrorType() >= CE_Failure)
        return fail(rn, "%s: writing %s failed: %s", stage, path, gdal_msg());
    return 0;
}

/* ---- output folder ---- */

static int stage_outdir(run *rn, const char *dir)
{
    rn->dir = dir;
    if (strlen(dir) > sizeof rn->tmp[0] - 32)
        return fail(rn, "outdir: path too long: %s", dir);
    for (int i = 0; i < NFILES; i++) {
        snprintf(rn->tmp[i], sizeof rn->tmp[i], "%s/%s", dir, FILES[i][0]);
        snprintf(rn->out[i], sizeof rn->out[i], "%s/%s", dir, FILES[i][1]);
    }
    snprintf(rn->cpg_tmp, sizeof rn->cpg_tmp, "%s/counties_gbk.tmp.cpg", dir);
    snprintf(rn->cpg_out, sizeof rn->cpg_out, "%s/counties_gbk.cpg", dir);
    VSIStatBufL st;
    if (VSIStatL(dir, &st) != 0 && VSIMkdirRecursive(dir, 0755) != 0)
        return fail(rn, "outdir: cannot create %s", dir);
    if (VSIStatL(dir, &st) != 0 || !VSI_ISDIR(st.st_mode))
        return fail(rn, "outdir: %s is not a directory", dir);
    return 0;
}

static int stage_publish(run *rn)
{
    VSIUnlink(rn->cpg_out); /* the GBK shapefile goes without one */
    for (int i = 0; i < NFILES; i++)
        if (VSIRename(rn->tmp[i], rn->out[i]) != 0)
            return fail(rn, "publish: cannot rename %s to %s", rn->tmp[i], rn->out[i]);
    return 0;
}

static int nflagged(void)
{
    int n = 0;
    for (int e = 0; e < NEVENTS; e++)
        n += EVENTS[e].flagged;
    return n;
}

int main(int argc, char **argv)
{
    static run rn;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sample OUTDIR\n");
        return 2;
    }
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler); /* GDAL's words go into rn.err */
    licence_init();
    scene_init(&rn.sc);

    int rc = stage_outdir(&rn, argv[1]) || stage_srs(&rn) || stage_design(&rn) ||
             stage_scene(&rn) || stage_plots(&rn) || stage_layers(&rn) ||
             stage_shapefile(&rn) || stage_corners(&rn) || stage_licence_truth(&rn) ||
             stage_truth(&rn) || stage_publish(&rn);
    srs_free(&rn);
    CPLPopErrorHandler();
    if (rc) {
        for (int i = 0; i < NFILES && rn.tmp[i][0]; i++)
            VSIUnlink(rn.tmp[i]);
        if (rn.cpg_tmp[0])
            VSIUnlink(rn.cpg_tmp);
        for (char *p = rn.err; *p; p++) /* one line, whatever GDAL said */
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(stderr, "gen_sample: %s\n", rn.err);
        return 1;
    }
    printf("gen_sample: wrote %s (%dx%d, %d events of which %d flagged, %d licences, "
           "%d exploration rights, %d red-line, %d farmland and %d urban polygons, "
           "%d restoration plots, %d counties)\n",
           rn.dir, W, H, NEVENTS, nflagged(), NLICENCES, NEXPL, NREDLINES, NFARMLAND, NURBAN,
           NPLOTS, NCOUNTIES);
    GDALDestroyDriverManager();
    return 0;
}
