/* ledger.h - the history of reported patches across runs.
 *
 * A GeoPackage by default, or PostgreSQL/PostGIS with a "PG:" connection
 * string: the same OGR code writes both.  A table minewatch_ledger (one row:
 * schema_version) marks a ledger; a data source without it is refused.  Two
 * tables besides:
 *
 *   ledger        one row per place ever reported: ledger_id (MW000001...),
 *                 first_run, case_status (reported, field_checked,
 *                 confirmed, dismissed, closed 销号), the first footprint
 *                 (polygon, CGCS2000 geographic EPSG:4490), area,
 *                 first_run_id;
 *   observations  one row per patch and run: ledger_id, run (T1/T2 dates),
 *                 patch_id, state, area_m2, rules, licence_id, area, run_id.
 *
 * A run is known by its area ([scene] area, else the scene's footprint),
 * its dates and its inputs' file names (run_id): a run sees, marks GONE and
 * replaces only places of its own area; ids are numbered over the whole
 * ledger.  Rows of a ledger made before areas (no area, no run_id) are seen
 * by every area and belong to a run by their dates alone, as they did.
 *
 * A run marks each patch NEW (no earlier place overlaps it), KNOWN (it
 * overlaps an earlier place) or GROWN (known, and larger than last time by
 * more than the minimum mapping unit), and every earlier place inside the
 * scene that no patch overlaps GONE.  Running the same pair again replaces
 * that run's observations, so a re-run gives the same states and keeps the
 * statuses set meanwhile.  All changes of a run are one transaction,
 * committed after the reports are written.
 */
#ifndef MW_LEDGER_H
#define MW_LEDGER_H

#include "config.h"
#include "ingest.h"
#include "patches.h"

typedef struct mw_ledger mw_ledger;

/* Open (with create: making a GeoPackage for a new path or an empty file,
 * or the PostGIS tables if needed; without it a path that does not exist is
 * refused, nothing made); a data source that is not a minewatch ledger
 * is refused.  0, or -1 with mw_error (MW_EXIT_LEDGER). */
int mw_ledger_open(const char *target, int create, mw_ledger **out);
void mw_ledger_close(mw_ledger *l);

/* Match this run's patches against the ledger and record them, in a
 * transaction left open: mw_ledger_commit makes it last (once the reports
 * are written), mw_ledger_close without it rolls it back.  A re-run of a
 * pair matches the places it reported before like any other (their id,
 * case status and observations of other runs kept); one it no longer finds
 * is dropped only while its status is still "reported".  Fills each
 * patch's ledger fields.  0, or -1. */
int mw_ledger_record(mw_ledger *l, const mw_config *cfg, const mw_scene *scene,
                     mw_patchset *ps);
/* Commit what mw_ledger_record recorded (nothing to do without it).  0, or -1. */
int mw_ledger_commit(mw_ledger *l);

/* Set the case status of a ledger id: an English code or its Chinese name
 * (已下发 reported, 已核查 field_checked, 已确认 confirmed, 已排除 dismissed,
 * 已销号 closed); the code is stored.  0, or -1 (unknown id or status). */
int mw_ledger_set_status(mw_ledger *l, const char *ledger_id, const char *status);

#endif
