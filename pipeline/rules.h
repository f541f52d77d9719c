/* rules.h - cross patches with the licence layer.
 *
 * The licence layer is read through OGR (any format), its geometries are
 * reprojected to the scene CRS, and each patch gets a verdict:
 *   INSIDE         all of it (up to one pixel's area) within licences;
 *   OUT_OF_BOUNDS  partly or wholly outside, within near_m of a licence
 *                  (越界开采): area outside and farthest reach are reported;
 *   UNLICENSED     no licence within near_m (无证开采).
 * Licences and distances are GEOS computations through OGR.
 */
#ifndef MW_RULES_H
#define MW_RULES_H

#include <ogr_api.h>

#include "config.h"
#include "ingest.h"
#include "patches.h"

typedef struct {
    char *id, *holder;        /* UTF-8 (owned) */
    OGRGeometryH geom;        /* in the scene CRS (owned) */
    OGREnvelope env;
} mw_licence;

typedef struct {
    size_t n;
    mw_licence *l;
    char path[MW_PATH_MAX];
    char layer[256];
    int absent;               /* no licence layer configured: no verdicts */
} mw_licences;

/* Read the licence layer of cfg.  0, or -1 with mw_error (MW_EXIT_VECTOR)
 * naming the file and the problem. */
int mw_licences_load(const mw_config *cfg, const mw_scene *scene, mw_licences *out);
void mw_licences_free(mw_licences *lic);

/* Fill every patch's verdict. */
int mw_rules_apply(const mw_config *cfg, const mw_scene *scene,
                   const mw_licences *lic, mw_patchset *ps);

/* Severity of a verdict's worst rule, for sorting (larger = worse). */
#define MW_SEV_RED_LINE 7
#define MW_SEV_UNLICENSED 6
#define MW_SEV_AFTER_EXPIRY 5
#define MW_SEV_EXPLORATION_ONLY 4
#define MW_SEV_OUT_OF_BOUNDS 3
#define MW_SEV_FARMLAND 2
#define MW_SEV_URBAN_BOUNDARY 1

const char *mw_finding_name(mw_finding f);

#endif
