/* measure.c - the CRS a run measures in, and pixel areas per row. */
#include "measure.h"

#include <cpl_conv.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

int mw_crs_metric(const char *wkt)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    int metric = srs && OSRIsProjected(srs) && OSRGetLinearUnits(srs, NULL) == 1.0;
    OSRDestroySpatialReference(srs);
    return metric;
}

static OGRSpatialReferenceH srs_of(const char *wkt)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(wkt);
    if (s)
        OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

char *mw_measure_crs(const char *wkt, double x, double y)
{
    if (mw_crs_metric(wkt)) {
        char *copy = strdup(wkt);
        if (!copy)
            mw_error(MW_EXIT_INTERNAL, "out of memory");
        return copy;
    }
    OGRSpatialReferenceH src = srs_of(wkt);
    OGRSpatialReferenceH geo = src ? OSRCloneGeogCS(src) : NULL;
    OGRSpatialReferenceH laea = OSRNewSpatialReference(NULL);
    OGRCoordinateTransformationH ct = NULL;
    char *out = NULL, *w = NULL;
    if (!src || !geo || !laea)
        goto done;
    OSRSetAxisMappingStrategy(geo, OAMS_TRADITIONAL_GIS_ORDER);
    double lon = x, lat = y;
    if (!OSRIsGeographic(src)) {
        ct = OCTNewCoordinateTransformation(src, geo);
        if (!ct || !OCTTransform(ct, 1, &lon, &lat, NULL))
            goto done;
    }
    char name[128];
    snprintf(name, sizeof name, "minewatch: Lambert azimuthal equal-area at %.6f E %.6f N",
             lon, lat);
    if (OSRCopyGeogCSFrom(laea, geo) != OGRERR_NONE ||
        OSRSetProjCS(laea, name) != OGRERR_NONE ||
        OSRSetLAEA(laea, lat, lon, 0, 0) != OGRERR_NONE ||
        OSRSetLinearUnits(laea, SRS_UL_METER, 1.0) != OGRERR_NONE ||
        OSRExportToWkt(laea, &w) != OGRERR_NONE)
        goto done;
    out = strdup(w);
done:
    if (!out)
        mw_error(MW_EXIT_INTERNAL, "cannot make an equal-area CRS to measure a scene in its "
                 "geographic CRS (%s)", mw_gdal_message());
    CPLFree(w);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(laea);
    OSRDestroySpatialReference(geo);
    OSRDestroySpatialReference(src);
    return out;
}

double *mw_row_areas(const char *wkt, const char *measure_wkt, const double gt[6], int width,
                     int height)
{
    OGRSpatialReferenceH a = srs_of(wkt), b = srs_of(measure_wkt);
    OGRCoordinateTransformationH ct = a && b ? OCTNewCoordinateTransformation(a, b) : NULL;
    size_t n = (size_t)height + 1;
    double *area = ct ? malloc((size_t)height * sizeof *area) : NULL;
    double *x = ct ? malloc(2 * n * sizeof *x) : NULL, *y = ct ? malloc(2 * n * sizeof *y) : NULL;
    int *ok = ct ? malloc(2 * n * sizeof *ok) : NULL;
    int rc = -1;
    if (!area || !x || !y || !ok)
        goto done;
    /* the corners of the centre column's pixels: its left and right edges
     * at every row edge */
    double x0 = gt[0] + (double)(width / 2) * gt[1];
    for (size_t k = 0; k < n; k++) {
        x[2 * k] = x0;
        x[2 * k + 1] = x0 + gt[1];
        y[2 * k] = y[2 * k + 1] = gt[3] + (double)k * gt[5];
    }
    if (!OCTTransformEx(ct, (int)(2 * n), x, y, NULL, ok))
        goto done;
    for (size_t k = 0; k < 2 * n; k++)
        if (!ok[k])
            goto done;
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    for (int r = 0; r < height; r++) {
        size_t t = 2 * (size_t)r, u = t + 2; /* top edge, bottom edge */
        OGR_G_Empty(ring);
        OGR_G_AddPoint_2D(ring, x[t], y[t]);
        OGR_G_AddPoint_2D(ring, x[t + 1], y[t + 1]);
        OGR_G_AddPoint_2D(ring, x[u + 1], y[u + 1]);
        OGR_G_AddPoint_2D(ring, x[u], y[u]);
        OGR_G_AddPoint_2D(ring, x[t], y[t]);
        OGR_G_Empty(poly);
        OGR_G_AddGeometry(poly, ring);
        area[r] = OGR_G_Area(poly);
    }
    OGR_G_DestroyGeometry(ring);
    OGR_G_DestroyGeometry(poly);
    rc = 0;
done:
    if (rc) {
        mw_error(MW_EXIT_RASTER, "cannot measure the scene's pixels in metres (%s)",
                 mw_gdal_message());
        free(area);
        area = NULL;
    }
    free(x);
    free(y);
    free(ok);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(a);
    OSRDestroySpatialReference(b);
    return area;
}
