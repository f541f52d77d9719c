/* report_html.h - report.html, the night's report for an enforcement officer.
 *
 * One self-contained file (no network, no script but its own few lines for
 * sorting): the night's summary (patches and areas per rule and per
 * county, how many need a field check), the whole table of suspects
 * (sortable), one card per patch for the [report] evidence_max worst (its
 * chips evidence/<patch_id>.png or .jpg when the evidence stage wrote them,
 * and every field of suspects.csv), restoration progress per county against
 * the plan and the licence audit.  Chinese with [report] language = zh,
 * English otherwise (the default).  Every value is HTML-escaped.
 */
#ifndef MW_REPORT_HTML_H
#define MW_REPORT_HTML_H

#include "reports.h"

/* The night in numbers: each patch counted once under its worst rule
 * (worst[MW_RULE_COUNT] = no rule broken), and under every rule it breaks. */
typedef struct {
    size_t n, field_check;
    double area_m2;
    size_t worst[MW_RULE_COUNT + 1];
    double worst_m2[MW_RULE_COUNT + 1];
    size_t with[MW_RULE_COUNT];
    double with_m2[MW_RULE_COUNT];
} mw_night;

void mw_night_count(const mw_patchset *ps, mw_night *out);
/* The worst rule a patch breaks, MW_RULE_COUNT for none. */
int mw_worst_rule(const mw_patch *p);

/* Write report.html (path) from the run and its tables (tables[0] the
 * suspects in report order; restoration_by_county and licences found by
 * name); chips are looked for in work_dir/evidence, map sheets in
 * work_dir/maps.  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_html_write(const mw_run *run, const mw_table *tables, size_t nt, const char *work_dir,
                  const char *path);

#endif
