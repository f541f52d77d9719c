/* measure.h - the CRS a run measures areas and distances in.
 *
 * A scene (or, for the licence audit without imagery, a licence layer) in a
 * CRS projected in metres is measured in that CRS, as it always was.  One in
 * a geographic CRS (EPSG:4326, CGCS2000 EPSG:4490: Sentinel-2 exports and
 * many provincial deliveries), or projected in other units, is measured in
 * a Lambert azimuthal equal-area CRS centred on the scene, on the scene's
 * own datum: every area is then the area on the ellipsoid (as the land
 * surveys measure land, 椭球面积), whatever the zone, and lengths within
 * 100 km of the centre are off by less than 1e-4 (docs/architecture.md,
 * "Measuring").  Pixel areas of a geographic grid depend on the latitude:
 * they are kept per row.
 */
#ifndef MW_MEASURE_H
#define MW_MEASURE_H

/* 1 when wkt is a CRS projected in metres. */
int mw_crs_metric(const char *wkt);

/* The WKT of the CRS to measure in for data in wkt whose centre is (x, y)
 * (in wkt, traditional GIS order: x = easting or longitude): a copy of wkt
 * when it is projected in metres, else a Lambert azimuthal equal-area CRS
 * centred there on wkt's datum.  Owned by the caller (free()); NULL with
 * mw_error. */
char *mw_measure_crs(const char *wkt, double x, double y);

/* Area in m2 (in measure_wkt) of one pixel of each row of a north-up grid
 * (geotransform gt, height rows) in wkt, taken at the grid's centre column;
 * [height] values, owned by the caller.  NULL with mw_error. */
double *mw_row_areas(const char *wkt, const char *measure_wkt, const double gt[6], int width,
                     int height);

#endif
