/* dates.h - calendar dates as the pipeline compares them: day numbers.
 *
 * Licence validity (valid_from, valid_to) and restoration deadlines come as
 * agencies write them: 2024-05-01, 2024/5/1, 2024-5-1, 2024.5.1, 20240501,
 * 2024年5月1日, or an OGR Date / DateTime field.  Each is parsed once, when
 * its layer is loaded, into the number of days since 1970-01-01 (timegm),
 * and only day numbers are compared.
 */
#ifndef MW_DATES_H
#define MW_DATES_H

#include <limits.h>
#include <ogr_api.h>
#include <stddef.h>

#define MW_NO_DATE INT_MIN /* an empty date: no limit */

/* The forms the parser reads, for messages. */
#define MW_DATE_FORMS "YYYY-MM-DD, YYYY/M/D, YYYY-M-D, YYYY.M.D, YYYYMMDD or YYYY年M月D日"

/* Day number of text in one of MW_DATE_FORMS (leading and trailing blanks
 * allowed; a time of day after the date, as OGR prints DateTime fields,
 * ignored).  An empty text gives MW_NO_DATE.  0, or -1 for text that is not
 * such a date or not a day of the calendar (2024-02-30). */
int mw_date_parse(const char *text, int *days);

/* Field i of f as a day number: OGR's own value for an OFTDate or
 * OFTDateTime field, else mw_date_parse of its text; a null or unset field
 * gives MW_NO_DATE.  0, or -1 (the text is not a date). */
int mw_date_field(OGRFeatureH f, int i, int *days);

/* YYYY-MM-DD of a day number (out holds 11 bytes or more). */
void mw_date_format(int days, char *out, size_t size);

#endif
