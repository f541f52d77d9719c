/* patches.h - from tile components to patches.
 *
 * Components that touch across tile borders are merged (union-find on the
 * tiles' edge labels), patches under the minimum mapping unit are dropped,
 * the rest get statistics, a deterministic id (raster order of their first
 * pixel: independent of tile size and thread count) and a polygon
 * (GDALPolygonize of the patch's own pixels, read back from the class
 * raster).
 */
#ifndef MW_PATCHES_H
#define MW_PATCHES_H

#include <ogr_api.h>

#include "config.h"
#include "ingest.h"
#include "tiles.h"

/* What the rules stage decides for a patch. */
typedef enum {
    MW_FIND_INSIDE,
    MW_FIND_OUT_OF_BOUNDS,
    MW_FIND_UNLICENSED,
    MW_FIND_NOT_JUDGED, /* no licence layer configured */
    MW_FIND_COUNT
} mw_finding;

typedef struct {
    mw_finding finding;
    int severity;             /* larger = worse; 0 = no rule broken */
    char rules[128];          /* ';'-separated rule codes, worst first */
    char licence_id[128];
    char holder[256];
    double inside_licence_m2, outside_licence_m2;
    double beyond_boundary_m; /* farthest reach outside the valid licences near
                               * (0 inside them), NaN without one near */
    double nearest_licence_m; /* distance to the nearest valid licence within near_m,
                               * NaN if none */
    double redline_m2, farmland_m2, urban_m2;
    double after_expiry_m2, exploration_m2;
    unsigned rules_mask;      /* bit r set for each mw_rule that applies */
    char licence_status[64];
    char redline_name[128];
    char county[128];
    char county_code[8];      /* its 行政区划代码 ([counties] code_field), "" = none */
    /* filled by the ledger (empty without one) */
    char ledger_id[24];
    char ledger_state[8];     /* NEW, KNOWN, GROWN */
    char case_status[24];
} mw_verdict;

typedef struct {
    char id[24];
    mw_comp stat;
    double area_m2, area_ha, area_mu;
    double cx, cy;            /* centroid (mean of pixel centres), scene CRS */
    double lon, lat;          /* the same in WGS84 */
    double minx, miny, maxx, maxy;
    double mean_dndvi, min_dndvi, mean_dbsi;
    double masked_fraction;   /* masked (255) pixels in the patch's bounding box */
    double confidence;        /* engine irmad: mean P(change) x (1 - masked_fraction);
                               * NaN with the threshold engine */
    const char *confidence_level; /* "low" | "high" | "highest" | "" */
    double change_margin;     /* mean change magnitude / threshold (irmad), NaN otherwise */
    OGRGeometryH geom;        /* polygon in the scene CRS (owned) */
    OGRGeometryH mgeom;       /* the same in the measuring CRS when that is not the
                               * scene's (ingest.h measure_wkt), else NULL (owned) */
    mw_verdict v;
} mw_patch;

/* The patch's polygon in the CRS areas and distances are measured in. */
static inline OGRGeometryH mw_patch_mgeom(const mw_patch *p)
{
    return p->mgeom ? p->mgeom : p->geom;
}

typedef struct {
    size_t n;
    mw_patch *p;              /* [n], in id order */
    size_t n_components;      /* disturbance components before the MMU */
    size_t n_dropped;         /* of which below the minimum mapping unit */
} mw_patchset;

#define MW_M2_PER_MU (10000.0 / 15.0)

/* Merge b into a (the statistics of a patch of both). */
void mw_comp_merge(mw_comp *a, const mw_comp *b);

/* Merge the tiles' components into whole-scene components (union-find over
 * the tiles' edge labels), sorted by first pixel; *out is owned by the
 * caller.  Returns the count, or -1 with mw_error. */
long mw_patches_merge(const mw_tileset *ts, mw_comp **out);

/* Merge, filter, measure and polygonize.  class_path is the class raster the
 * tile pass wrote; survey: the survey stage's result (NULL or not enabled:
 * engine threshold, no confidence).  0, or -1 with mw_error. */
int mw_patches_build(const mw_config *cfg, const mw_scene *scene,
                     const struct mw_survey *survey, const mw_tileset *ts,
                     const char *class_path, mw_patchset *out);
void mw_patchset_free(mw_patchset *ps);

#endif
