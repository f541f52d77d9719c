/* corners.h - licence boundaries from corner-point tables (拐点坐标).
 *
 * A table lists, per licence, numbered corner points of one or more rings:
 *
 *   licence_id,ring,point,x,y[,holder,mineral,...]
 *
 * x is the northing and y the easting (surveyors' order) in a CGCS2000
 * 3-degree Gauss-Kruger zone given as an EPSG code: 4513-4533 (zones 25-45,
 * eastings carry the zone number, e.g. 38512345.67) or 4534-4554 (the same
 * zones by central meridian, no prefix).  Eastings with or without the
 * prefix are detected (>= 1,000,000 m means prefixed) and converted to the
 * convention of the given code; a prefix naming another zone is an error.
 * Ring 1 is the exterior, further rings are holes; rings need not repeat
 * their first point.  Extra columns are copied as text from each licence's
 * first row.  Bad rows are reported with their line number.
 */
#ifndef MW_CORNERS_H
#define MW_CORNERS_H

/* Read csv_path and write a GeoPackage out_path with layer `layer`.
 * encoding: the table's text encoding (iconv's names, e.g. GBK); NULL:
 * UTF-8, or GBK when the table is not valid UTF-8.  0, or -1 with mw_error
 * (MW_EXIT_VECTOR for bad input, MW_EXIT_USAGE for an unknown EPSG zone or
 * encoding, MW_EXIT_OUTPUT). */
int mw_corners_import(const char *csv_path, int epsg, const char *out_path,
                      const char *layer, const char *encoding);

/* Zone number of a CGCS2000 3-degree GK EPSG code, and whether its
 * eastings carry the zone prefix; 0 if the code is not one of them. */
int mw_gk_zone(int epsg, int *prefixed);

#endif
