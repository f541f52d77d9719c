/* rules.h - the legal layers and the rules of the source documents.
 *
 * Layers (pipeline/layers.c) are loaded once; each patch is then judged with
 * GEOS (through OGR) against them:
 *
 *   RED_LINE          part of it inside a red line / protected area   (7)
 *   UNLICENSED        part outside every right, no valid licence near (6)
 *   AFTER_EXPIRY      part inside an expired/cancelled/closed licence (5)
 *   EXPLORATION_ONLY  part inside an exploration right only            (4)
 *   OUT_OF_BOUNDS     part outside, a valid licence within near_m     (3)
 *   FARMLAND          part inside permanent basic farmland            (2)
 *   URBAN_BOUNDARY    part inside the urban development boundary      (1)
 *
 * "Part" means more than one pixel's area.  A licence is valid at the later
 * image's date when its status is "valid" (or 有效/正常) and the date lies
 * within [valid_from, valid_to].  The codes go to suspects.csv worst first.
 */
#ifndef MW_RULES_H
#define MW_RULES_H

#include <ogr_api.h>

#include "config.h"
#include "ingest.h"
#include "layers.h"
#include "patches.h"

/* Attribute slots of each layer, in the order of their config keys. */
enum { LIC_ID, LIC_HOLDER, LIC_MINERAL, LIC_FROM, LIC_TO, LIC_STATUS, LIC_RESERVES,
       LIC_NFIELDS };
enum { EXPL_ID, EXPL_HOLDER, EXPL_NFIELDS };
enum { RED_NAME, RED_NFIELDS };
enum { RES_ID, RES_COUNTY, RES_PARTY, RES_BASELINE, RES_DEADLINE, RES_TARGET,
       RES_NFIELDS };
enum { CNTY_NAME, CNTY_NFIELDS };

struct mw_digests;

typedef struct {
    mw_layer lic, expl, redline, farmland, urban, resto, counties;
    struct mw_digests *digests; /* the layer files' SHA-256 for the manifest, hashed in
                                 * the background from the load on (digest.h; a
                                 * province layer is hundreds of MB); NULL: on demand */
    unsigned char *lic_valid;  /* [lic.n] valid for mining at t2 */
    unsigned char *lic_exempt; /* [lic.n] geothermal / mineral water */
} mw_layers;

/* Load every configured layer.  0, or -1 with mw_error (MW_EXIT_VECTOR). */
int mw_layers_load(const mw_config *cfg, const mw_scene *scene, mw_layers *out);
void mw_layers_free(mw_layers *l);

/* Fill every patch's verdict. */
int mw_rules_apply(const mw_config *cfg, const mw_scene *scene, const mw_layers *l,
                   mw_patchset *ps);

/* Rule codes with their severities (larger = worse). */
typedef enum {
    MW_RULE_RED_LINE,
    MW_RULE_UNLICENSED,
    MW_RULE_AFTER_EXPIRY,
    MW_RULE_EXPLORATION_ONLY,
    MW_RULE_OUT_OF_BOUNDS,
    MW_RULE_FARMLAND,
    MW_RULE_URBAN_BOUNDARY,
    MW_RULE_COUNT
} mw_rule;
const char *mw_rule_code(mw_rule r);
int mw_rule_severity(mw_rule r);

const char *mw_finding_name(mw_finding f);

/* Is licence i of l exempt from the control-line audit (地热, 矿泉水)? */
int mw_mineral_exempt(const char *mineral);

/* Name of the county feature holding most of g ("" if none). */
const char *mw_county_of(const mw_layers *l, OGRGeometryH g);

#endif
