/* xlsx.h - suspects.xlsx (一张表) through libxlsxwriter.
 *
 * One sheet for the province (every row of the table) and one per county
 * (the rows whose `county` column names it, in county-code order, then by
 * name; rows without a county on a sheet of their own).  Cells are typed:
 * COL_R and COL_I columns are numbers, the date columns (t1_date, t2_date,
 * valid_from, valid_to, baseline, deadline) dates when they hold
 * YYYY-MM-DD, everything else text -- ids always text, so a 22-digit
 * licence number stays as written.  The header row is frozen (with the
 * first column), the columns sized to their text, an autofilter over the
 * whole sheet.  With [report] language = zh every header is Chinese and
 * every coded value too (codes.h), the English code kept in a column of its
 * own right after it, titled with the English column name.
 */
#ifndef MW_XLSX_H
#define MW_XLSX_H

#include "reports.h"

/* Write t as path; libxlsxwriter's temporary files go to tmpdir (the work
 * folder).  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_xlsx_write(const mw_table *t, const mw_config *cfg, const char *tmpdir,
                  const char *path);

#endif
