/* chips.h - per-patch evidence chips, evidence/<patch_id>.png (and .jpg when
 * that is smaller).
 *
 * A chip shows the patch's neighbourhood on both dates side by side, in true
 * colour (red, green, blue) and in a false colour that shows bare ground
 * (SWIR1, NIR, red; NIR, red, green without SWIR1), with the patch outline,
 * the licences near it with their numbers, red-line edges, a scale bar, a
 * north arrow, the dates, the patch id and rules, its area in m2 and mu and
 * its centre in CGCS2000 (3-degree Gauss-Krueger, zone-prefixed easting) and
 * WGS84.  Both dates share one stretch per band, computed once for the scene
 * (mw_stretch_scene), so a change of colour is a change on the ground.
 * A chip's pixels come from the chips' store the tile pass filled
 * (chipstore.h: the values the pass read, coded for display), or through
 * mw_reader for a window that meets a tile not in the store: the same
 * bytes.  A window reaching past the scene's edge is read only inside it
 * and the rest drawn as outside the scene.
 * Chips are drawn by the scan's threads, one reader each; every chip depends
 * on its patch alone, so the files are the same bytes whatever the thread
 * count.
 */
#ifndef MW_CHIPS_H
#define MW_CHIPS_H
#include <stddef.h>
#include "chipstore.h"
#include "reports.h"

/* Chip size in pixels. */
#define MW_CHIP_PANEL 300
#define MW_CHIP_MARGIN 10
#define MW_CHIP_HEADER 104
#define MW_CHIP_FOOTER 30

/* The patch outline colour (0xRRGGBB), exactly present on every chip. */
#define MW_CHIP_OUTLINE 0xFFFF00

/* Chips for the first min(patches, [report] evidence_max) patches of order
 * (suspects.csv order) into dir (created, empty with evidence_max = 0 or
 * no patch: it replaces an earlier night's; the work folder's "evidence").
 * Nothing is written, and dir not created, with [report] evidence = off.  *written: chips written.  0, or -1 with
 * mw_error (MW_EXIT_OUTPUT for a file that cannot be written). */
int mw_chips_write(const mw_run *run, const size_t *order, const char *dir, size_t *written);

/* The CGCS2000 3-degree Gauss-Krueger coordinates of (lon, lat): zone
 * (central meridian 3 x zone), northing X and easting Y with the zone
 * number in front (as EPSG:4513-4533 write it).  0, or -1 when PROJ fails. */
int mw_cgcs2000_gk(double lon, double lat, int *zone, double *x, double *y);

#endif
