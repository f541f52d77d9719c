/* nightly.h - the unattended nightly job.
 *
 *   minewatch nightly CONFIG.ini
 *
 * reads the catalog of [nightly] catalog (a folder of scenes, or a list file
 * with one "path[,date[,cloud]]" a line), pairs each scene with the most
 * recent earlier clear scene of the same area (footprints overlapping by
 * min_overlap of the smaller; cloud fraction <= max_cloud), and scans every
 * pair not already done, each as its own `minewatch scan` process (a crash
 * costs one pair, not the night; killed with the night), into [nightly]
 * out/<pair>/, waiting up to a minute for a pair folder another run holds.  What was done
 * is kept in [nightly] state/done/; one run at a time: state/lock is held
 * with flock(2), so a killed run never leaves a lock that blocks the next.
 */
#ifndef MW_NIGHTLY_H
#define MW_NIGHTLY_H

#include "config.h"

/* Run the night.  self is the path of this executable.  Returns MW_OK, the
 * exit code of the first failed pair, or -1 with mw_error. */
int mw_nightly_run(const mw_config *cfg, const char *self, int quiet);

#endif
