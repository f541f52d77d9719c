/* ledger.h - the history of reported patches across runs.
 *
 * A GeoPackage by default, or PostgreSQL/PostGIS with a "PG:" connection
 * string: the same OGR code writes both.  Two tables:
 *
 *   ledger        one row per place ever reported: ledger_id (MW000001...),
 *                 first_run, case_status (reported, field_checked,
 *                 confirmed, dismissed, closed 销号), the first footprint
 *                 (polygon, CGCS2000 geographic EPSG:4490);
 *   observations  one row per patch and run: ledger_id, run (T1/T2 dates),
 *                 patch_id, state, area_m2, rules, licence_id.
 *
 * A run marks each patch NEW (no earlier place overlaps it), KNOWN (it
 * overlaps an earlier place) or GROWN (known, and larger than last time by
 * more than the minimum mapping unit), and every earlier place inside the
 * scene that no patch overlaps GONE.  Running the same pair again replaces
 * that run's observations, so a re-run gives the same states.  All changes
 * of a run are one transaction.
 */
#ifndef MW_LEDGER_H
#define MW_LEDGER_H

#include "config.h"
#include "ingest.h"
#include "patches.h"

typedef struct mw_ledger mw_ledger;

/* Open (creating a GeoPackage or the PostGIS tables if needed).
 * 0, or -1 with mw_error (MW_EXIT_LEDGER). */
int mw_ledger_open(const char *target, mw_ledger **out);
void mw_ledger_close(mw_ledger *l);

/* Match this run's patches against the ledger and record them (one
 * transaction).  Fills each patch's ledger fields.  0, or -1. */
int mw_ledger_record(mw_ledger *l, const mw_config *cfg, const mw_scene *scene,
                     mw_patchset *ps);

/* Set the case status of a ledger id.  0, or -1 (unknown id or status). */
int mw_ledger_set_status(mw_ledger *l, const char *ledger_id, const char *status);

#endif
