/* mapsheet.h - the map sheets (一张图): maps/<county>.pdf (A3 landscape,
 * one page) and maps/<county>.png (the same page at 150 dpi).
 *
 * One sheet per county of the [counties] layer that meets the scene, framed
 * on the county: its outline, every suspect patch of that county (its
 * `county` in suspects.csv) filled by its worst rule and numbered with its
 * row in suspects.csv, licences outlined with their numbers, red lines and
 * farmland, the scene's extent, a legend, the patch list, a scale bar, a
 * north arrow, and a title with the county's name, its admin code (the
 * [counties] code_field attribute, when that key is configured) and the
 * dates.  Without a county layer, one sheet for the whole scene,
 * maps/scene.{pdf,png}.  Vector only (no imagery is read).  The PDF's
 * creation date is the t2 date, so a rerun gives the same bytes.
 */
#ifndef MW_MAPSHEET_H
#define MW_MAPSHEET_H
#include <stddef.h>
#include "reports.h"

/* A3 landscape in points, and the PNG's resolution. */
#define MW_SHEET_W_PT 1190.55
#define MW_SHEET_H_PT 841.89
#define MW_SHEET_DPI 150

/* The sheets into dir (created; the work folder's "maps"), with [report]
 * evidence = on.  order: suspects.csv order.  *written: sheets written.
 * 0, or -1 with mw_error. */
int mw_mapsheets_write(const mw_run *run, const size_t *order, const char *dir,
                       size_t *written);

/* A county name as a file name: '/', '\\', control characters and a
 * leading '.' replaced by '_'; "" gives "county" (UTF-8 kept). */
void mw_sheet_file_name(const char *name, char *out, size_t size);

#endif
