/* audit.h - the licence audit (needs no imagery, uses this run's patches
 * when there are any).
 *
 * Per licence: its area, validity at the later date, overlap with each
 * control line (ecological red line, permanent basic farmland, urban
 * development boundary; geothermal and mineral-water licences are exempt,
 * 003: "除地热、矿泉水外…不得新设置矿业权"), the disturbed area of this run
 * inside it and within near_m outside it, and consolidation candidates
 * (002 §三.(一).5): licences under 0.1 km² (and under 300,000 t of reserves
 * where the attribute is given) whose boundaries lie within 500 m of each
 * other, grouped transitively as G1, G2, ...
 */
#ifndef MW_AUDIT_H
#define MW_AUDIT_H

#include "config.h"
#include "patches.h"
#include "rules.h"

#define MW_CONSOLIDATE_DIST_M 500.0
#define MW_CONSOLIDATE_AREA_M2 100000.0
#define MW_CONSOLIDATE_RESERVES_T 300000.0

typedef struct {
    const mw_feature *f;
    int valid, exempt, candidate;
    double area_m2, redline_m2, farmland_m2, urban_m2; /* overlaps NaN: exempt, or
                                                        * the layer not configured */
    double disturbed_inside_m2, disturbed_outside_m2;  /* NaN without imagery */
    int group;                 /* 0 = none, else Gk */
} mw_licence_row;

typedef struct {
    size_t n;
    mw_licence_row *l;         /* sorted by licence id */
    int ngroups;
} mw_audit;

/* ps may be NULL (no imagery).  0, or -1 with mw_error. */
int mw_audit_run(const mw_config *cfg, const mw_layers *L, const mw_patchset *ps,
                 mw_audit *out);
void mw_audit_free(mw_audit *a);

#endif
