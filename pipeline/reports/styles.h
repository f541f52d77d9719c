/* styles.h - what QGIS shows when it opens the outputs.
 *
 * patches.gpkg (and licences.gpkg) get the GeoPackage `layer_styles` table
 * QGIS reads default styles from (its own schema: f_table_name, styleName,
 * styleQML, styleSLD, useAsDefault, ...), one row per styled layer, each
 * with a QML and an SLD: patches filled by their worst rule (the severity
 * column, 7 = RED_LINE ... 1 = URBAN_BOUNDARY, 0 = none), licences outlined
 * and labelled with their number, restoration plots outlined green.
 *
 * change.tif stays byte for byte what the tile pass wrote (a TIFF palette
 * has no alpha, and GTiff keeps category names and attribute tables in the
 * PAM sidecar): change.tif.aux.xml carries the category names and a raster
 * attribute table (value, class name, colour with alpha, class 0
 * transparent), written by GDAL; change.qml, QGIS's default style for
 * change.tif, shows the classes paletted with class 0 and 255 transparent.
 */
#ifndef MW_STYLES_H
#define MW_STYLES_H

#include <gdal.h>
#include <stddef.h>

/* The layer_styles table in ds (an open GeoPackage, inside the caller's
 * transaction) for those of the layers named that have a style.  path is
 * for messages.  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_styles_gpkg(GDALDatasetH ds, const char *const *layers, size_t n, const char *path);

/* The styles of change.tif (work_dir/change.tif): change.tif.aux.xml and
 * change.qml beside it (published with the rest of the work folder).
 * 0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_styles_change(const char *work_dir);

#endif
