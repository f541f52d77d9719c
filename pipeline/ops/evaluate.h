/* evaluate.h - score a change map against a reference map.
 *
 * Both rasters are one band and share one grid (size, geotransform, CRS).
 * Reference: 1 = changed, 0 = unchanged, 255 = unlabelled, and no other
 * value (a reference that holds one is refused: it is not a reference).
 * Prediction: nonzero = changed, except 255 (masked / no data), which
 * counts as unchanged.  Only labelled pixels are scored.
 */
#ifndef MW_EVALUATE_H
#define MW_EVALUATE_H

#include <stdint.h>

#include "stats.h"

typedef struct {
    uint64_t cm[MW_NCM];
    mw_scores s;
    int width, height;
} mw_evaluation;

/* Read both rasters (band 1) row block by row block.  0, or -1 with mw_error:
 * MW_EXIT_RASTER when a file is unreadable, not one band, the grids differ or
 * the reference holds a value other than 0, 1 and 255. */
int mw_evaluate(const char *pred_path, const char *ref_path, mw_evaluation *ev);

/* Print the scores: text (one "name value" per line) or JSON. */
void mw_evaluation_print(const mw_evaluation *ev, const char *pred_path,
                         const char *ref_path, int json);

#endif
