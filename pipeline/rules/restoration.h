/* restoration.h - progress of restoration obligations (谁破坏、谁治理).
 *
 * For each plot of the restoration layer, the pixels whose centre lies in
 * the plot and that are valid on both dates are counted: vegetated (NDVI >=
 * [restoration] veg_ndvi) at t1 and at t2, bare at t2 (BSI >= [detect]
 * bare_min), disturbed (class 3 in the change map).  Status at t2:
 *
 *   NEW_DISTURBANCE  disturbed fraction >= 0.05 (excavation inside the plot)
 *   COMPLETED        vegetated fraction at t2 >= the plot's target
 *   REGRESSED        vegetated fraction fell by 0.05 or more
 *   IN_PROGRESS      vegetated fraction rose by 0.05 or more
 *   NOT_STARTED      otherwise
 *   NO_DATA          fewer than half the plot's pixels valid on both dates
 *
 * overdue = the deadline has passed at t2 and the plot is not COMPLETED.
 * Counties aggregate plots (and join the plan table when one is given).
 */
#ifndef MW_RESTORATION_H
#define MW_RESTORATION_H

#include "config.h"
#include "ingest.h"
#include "rules.h"

#define MW_RESTO_STEP 0.05 /* change that counts as progress or regression */

typedef struct {
    const mw_feature *f;       /* the plot (owned by the layer) */
    double area_m2;            /* polygon area */
    long long pixels, valid, veg1, veg2, bare2, disturbed;
    double veg_t1, veg_t2, bare_t2, target;
    const char *status;
    int overdue;
} mw_plot;

typedef struct {
    char county[128];
    char county_code[8];       /* 行政区划代码 of the county of that name, "" = none */
    int plots, completed, in_progress, not_started, regressed, new_disturbance, no_data,
        overdue;
    double ha, restored_ha;
    int plan_plots;            /* -1 when no plan row */
    double plan_ha;
} mw_county_progress;

typedef struct {
    size_t n;
    mw_plot *p;                /* [n] in layer order */
    size_t ncounty;
    mw_county_progress *c;     /* [ncounty] sorted by county name */
    int has_plan;
} mw_restoration;

/* Measure every plot (none if the layer is not configured).  class_path is
 * the tile pass's class raster.  0, or -1 with mw_error. */
int mw_restoration_run(const mw_config *cfg, const mw_scene *scene, const mw_layers *L,
                       const char *class_path, mw_restoration *out);
void mw_restoration_free(mw_restoration *r);

#endif
