/* layers.c - vector layers through OGR. */
#include "layers.h"

#include <cpl_string.h>
#include <errno.h>
#include <iconv.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dates.h"
#include "measure.h"
#include "mw.h"

int mw_is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p >> 5) == 6 ? 1 : (*p >> 4) == 14 ? 2
              : (*p >> 3) == 30 ? 3 : -1;
        if (n < 0)
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return 0;
    }
    return 1;
}

/* Text of field i as UTF-8. */
static char *field_text(OGRFeatureH f, int i, const char *encoding, int *recoded)
{
    if (i < 0)
        return strdup("");
    const char *raw = OGR_F_GetFieldAsString(f, i);
    if (mw_is_utf8(raw))
        return strdup(raw);
    char *u = CPLRecode(raw, encoding, CPL_ENC_UTF8);
    char *out = strdup(u);
    CPLFree(u);
    *recoded = 1;
    return out;
}

void mw_utf8_trim(char *s)
{
    size_t n = strlen(s), k = n;
    /* back over continuation bytes to the last lead byte */
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80 && n - k < 3)
        k--;
    if (k == 0)
        return;
    unsigned char lead = (unsigned char)s[k - 1];
    size_t want = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3
                : (lead >> 3) == 30 ? 4 : 0;
    if (want && n - (k - 1) < want)
        s[k - 1] = '\0'; /* the last character lost its tail */
}

void mw_copy_utf8(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return;
    snprintf(dst, size, "%s", src);
    if (strlen(src) >= size)
        mw_utf8_trim(dst);
}

/* The date in field i of f into o->day[k]. */
static int field_date(OGRFeatureH f, int i, mw_feature *o, int k, const mw_layer_spec *spec,
                      const char *path, const char *layer)
{
    if (mw_date_field(f, i, &o->day[k]) == 0)
        return 0;
    mw_error(MW_EXIT_VECTOR, "%s: layer '%s' feature %lld field '%s' ([%s] %s): '%s' is not "
             "a date (" MW_DATE_FORMS ")", path, layer, (long long)OGR_F_GetFID(f),
             spec->field[k], spec->section, spec->field_key[k], o->attr[k]);
    return -1;
}

/* The number in field i of f into o->num[k] (a text may end in '%'). */
static int field_number(OGRFeatureH f, int i, mw_feature *o, int k, const mw_layer_spec *spec,
                        const char *path, const char *layer)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i))
        return 0;
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i));
    if (t == OFTReal || t == OFTInteger || t == OFTInteger64) {
        o->num[k] = OGR_F_GetFieldAsDouble(f, i);
        return 0;
    }
    const char *p = o->attr[k];
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return 0;
    char *end;
    double v = CPLStrtod(p, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end == '%')
        end++;
    while (*end == ' ' || *end == '\t')
        end++;
    if (end != p && !*end && isfinite(v)) {
        o->num[k] = v;
        return 0;
    }
    mw_error(MW_EXIT_VECTOR, "%s: layer '%s' feature %lld field '%s' ([%s] %s): '%s' is not "
             "a number", path, layer, (long long)OGR_F_GetFID(f), spec->field[k],
             spec->section, spec->field_key[k], o->attr[k]);
    return -1;
}

static int field_index(OGRFeatureDefnH defn, const mw_layer_spec *spec, int k,
                       const char *path, const char *layer)
{
    const char *name = spec->field[k];
    if (!name || !name[0])
        return -1;
    int i = OGR_FD_GetFieldIndex(defn, name);
    if (i >= 0)
        return i;
    char have[512] = "";
    size_t used = 0;
    for (int j = 0; j < OGR_FD_GetFieldCount(defn) && used < sizeof have - 1; j++)
        used += (size_t)snprintf(have + used, sizeof have - used, "%s%s", j ? ", " : "",
                                 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, j)));
    mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no field '%s' ([%s] %s); fields: %s", path,
             layer, name, spec->section, spec->field_key[k], have[0] ? have : "none");
    return -2;
}

/* The polygons of g (any collection, nested or not) as one MultiPolygon;
 * NULL when it has none.  Lines and points that MakeValid left are dropped. */
static void add_polygons(OGRGeometryH mp, OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon) {
        if (!OGR_G_IsEmpty(g))
            OGR_G_AddGeometry(mp, g);
    } else if (t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            add_polygons(mp, OGR_G_GetGeometryRef(g, i));
    }
}

static OGRGeometryH polygonal(OGRGeometryH g)
{
    OGRGeometryH mp = OGR_G_CreateGeometry(wkbMultiPolygon);
    add_polygons(mp, g);
    if (OGR_G_GetGeometryCount(mp) == 0) {
        OGR_G_DestroyGeometry(mp);
        return NULL;
    }
    return mp;
}

/* g repaired: MakeValid with METHOD=STRUCTURE (GEOS >= 3.10: rings are
 * shells and holes, a figure-eight ring two polygons; LINEWORK, the older
 * method, can leave a collapsed part as a line), then only its polygonal
 * parts.  NULL when nothing polygonal is left.  why: GEOS's reason. */
static OGRGeometryH repair(OGRGeometryH g, int *was_invalid, char *why, size_t why_size)
{
    CPLPushErrorHandler(CPLQuietErrorHandler); /* GEOS says why; we report it once */
    CPLErrorReset();
    int valid = OGR_G_IsValid(g);
    snprintf(why, why_size, "%s", CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "invalid");
    *was_invalid = !valid;
    OGRGeometryH fixed = NULL;
    if (!valid) {
        char **opt = CSLSetNameValue(NULL, "METHOD", "STRUCTURE");
        fixed = OGR_G_MakeValidEx(g, opt);
        CSLDestroy(opt);
        if (!fixed) /* GEOS before 3.10 */
            fixed = OGR_G_MakeValid(g);
    }
    CPLPopErrorHandler();
    if (valid)
        return OGR_G_Clone(g);
    OGRGeometryH poly = fixed ? polygonal(fixed) : NULL;
    if (fixed)
        OGR_G_DestroyGeometry(fixed);
    return poly;
}

/* Geometry of f in the measuring CRS (ct_m; NULL = the layer's own) and, when
 * want_s, in the scene CRS (ct_s; NULL = the layer's own) in *sgeom,
 * repaired; NULL with *skip = 1 for an empty one; NULL with an error for a
 * non-polygon or a failure. */
static OGRGeometryH feature_geometry(OGRFeatureH f, OGRCoordinateTransformationH ct_m,
                                     int want_s, OGRCoordinateTransformationH ct_s,
                                     OGRGeometryH *sgeom, const char *path, const char *layer,
                                     int *skip)
{
    *skip = 0;
    *sgeom = NULL;
    long long fid = (long long)OGR_F_GetFID(f);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || OGR_G_IsEmpty(g)) {
        mw_warn("%s: layer '%s' feature %lld has no geometry; skipped", path, layer, fid);
        *skip = 1;
        return NULL;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbPolygon && t != wkbMultiPolygon) {
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' feature %lld is a %s, not a polygon", path,
                 layer, fid, OGR_G_GetGeometryName(g));
        return NULL;
    }
    OGRGeometryH out[2] = {NULL, NULL};
    for (int k = 0; k < (want_s ? 2 : 1); k++) {
        OGRCoordinateTransformationH ct = k ? ct_s : ct_m;
        OGRGeometryH c = OGR_G_Clone(g);
        if (ct && OGR_G_Transform(c, ct) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(c);
            if (out[0])
                OGR_G_DestroyGeometry(out[0]);
            mw_error(MW_EXIT_VECTOR, "%s: layer '%s' feature %lld cannot be reprojected to "
                     "the %s CRS", path, layer, fid, k ? "scene" : "measuring");
            return NULL;
        }
        int invalid;
        char why[256];
        out[k] = repair(c, &invalid, why, sizeof why);
        OGR_G_DestroyGeometry(c);
        if (k == 1)
            break; /* the scene's copy: repaired alike, reported once */
        if (invalid && !out[0]) {
            mw_warn("%s: layer '%s' feature %lld has an invalid polygon that repairs to "
                    "nothing; skipped", path, layer, fid);
            *skip = 1;
            return NULL;
        }
        if (invalid)
            mw_warn("%s: layer '%s' feature %lld has an invalid polygon (%s); repaired with "
                    "MakeValid", path, layer, fid, why);
    }
    if (want_s && !out[1]) { /* cannot happen where the measuring copy was fine */
        OGR_G_DestroyGeometry(out[0]);
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' feature %lld repairs to nothing in the "
                 "scene CRS", path, layer, fid);
        return NULL;
    }
    *sgeom = out[1];
    return out[0];
}

static OGRCoordinateTransformationH to_crs(OGRLayerH lyr, const char *wkt, const char *what,
                                           const char *path, const char *name, int *same)
{
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(lyr);
    *same = 0;
    if (!lsrs) {
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no coordinate reference system", path,
                 name);
        return NULL;
    }
    OGRSpatialReferenceH a = OSRClone(lsrs), b = OSRNewSpatialReference(wkt);
    OSRSetAxisMappingStrategy(a, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(b, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = NULL;
    if (OSRIsSame(a, b))
        *same = 1;
    else if (!(ct = OCTNewCoordinateTransformation(a, b)))
        mw_error(MW_EXIT_VECTOR, "%s: cannot transform layer '%s' to the %s CRS", path,
                 name, what);
    OSRDestroySpatialReference(a);
    OSRDestroySpatialReference(b);
    return ct;
}

static GDALDatasetH open_vector(const char *path, const char *section)
{
    if (access(path, R_OK) != 0) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot read the [%s] layer: %s", path, section,
                 strerror(errno));
        return NULL;
    }
    /* Shapefiles: no recoding by GDAL (a missing .cpg would make it guess
     * Latin-1); text that is not UTF-8 is decoded here. */
    char **oo = CSLSetNameValue(NULL, "ENCODING", "");
    const char *const only_shp[] = {"ESRI Shapefile", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, only_shp,
                                 (const char *const *)oo, NULL);
    CSLDestroy(oo);
    if (!ds)
        ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        mw_error(MW_EXIT_VECTOR, "%s: not a vector dataset OGR can read (%s)", path,
                 mw_gdal_message());
    return ds;
}

static int known_encoding(const char *enc)
{
    iconv_t cd = iconv_open("UTF-8", enc);
    if (cd == (iconv_t)-1)
        return 0;
    iconv_close(cd);
    return 1;
}


static int by_fid(const void *a, const void *b)
{
    const mw_feature *x = a, *y = b;
    return (x->fid > y->fid) - (x->fid < y->fid);
}

/* (px, py) of the measuring CRS in the layer's CRS: Newton's method on the
 * layer's transformation to it, from (*x, *y); h: a step in the layer's
 * units.  (A transformation the other way could cost a search of PROJ's
 * database for every layer.)  0, or -1 when it does not converge. */
static int point_back(OGRCoordinateTransformationH fwd, double px, double py, double h,
                      double *x, double *y)
{
    double qx = *x, qy = *y;
    for (int it = 0; it < 40; it++) {
        double X[3] = {qx, qx + h, qx}, Y[3] = {qy, qy, qy + h};
        int ok[3] = {0, 0, 0};
        if (!OCTTransformEx(fwd, 3, X, Y, NULL, ok) || !ok[0] || !ok[1] || !ok[2])
            return -1;
        double fx = X[0] - px, fy = Y[0] - py; /* metres */
        if (fabs(fx) < 1e-3 && fabs(fy) < 1e-3) {
            *x = qx;
            *y = qy;
            return 0;
        }
        double a = (X[1] - X[0]) / h, b = (X[2] - X[0]) / h;
        double c = (Y[1] - Y[0]) / h, d = (Y[2] - Y[0]) / h, det = a * d - b * c;
        if (det == 0 || !isfinite(det))
            return -1;
        qx -= (d * fx - b * fy) / det;
        qy -= (a * fy - c * fx) / det;
        if (!isfinite(qx) || !isfinite(qy))
            return -1;
    }
    return -1;
}

/* The bounds in the layer's CRS of rectangle q of the measuring CRS: its
 * edges at 21 points each taken back (point_back), from the guess (*gx,
 * *gy), which follows the points. */
static int bounds_back(OGRCoordinateTransformationH fwd, const OGREnvelope *q, double h,
                       double *gx, double *gy, OGREnvelope *e)
{
    *e = (OGREnvelope){INFINITY, -INFINITY, INFINITY, -INFINITY};
    const double cx[5] = {q->MinX, q->MaxX, q->MaxX, q->MinX, q->MinX};
    const double cy[5] = {q->MinY, q->MinY, q->MaxY, q->MaxY, q->MinY};
    for (int side = 0; side < 4; side++)
        for (int k = 0; k < 21; k++) {
            double t = k / 21.0;
            double px = cx[side] + t * (cx[side + 1] - cx[side]);
            double py = cy[side] + t * (cy[side + 1] - cy[side]);
            if (point_back(fwd, px, py, h, gx, gy))
                return -1;
            e->MinX = fmin(e->MinX, *gx);
            e->MaxX = fmax(e->MaxX, *gx);
            e->MinY = fmin(e->MinY, *gy);
            e->MaxY = fmax(e->MaxY, *gy);
        }
    return 0;
}

/* The region's rectangles in the layer's CRS into *rix (an index over them,
 * rix->box[0] in the layer's units), and the layer's spatial filter set to
 * their bounding box.  -1 (not an error: the whole layer is read) when they
 * cannot be taken there. */
static int region_filter(OGRLayerH lyr, OGRCoordinateTransformationH to_measure,
                         const mw_region *region, mw_index *rix, OGREnvelope **rects,
                         const char *path, const char *name)
{
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(lyr);
    if (!lsrs || !OGR_L_GetGeomType(lyr))
        return -1;
    int same = !to_measure;
    /* a metre's worth of the layer's units: nothing on the region's edge is lost */
    double metre = OSRIsGeographic(lsrs) ? 1e-5
                                         : 1.0 / fmax(1e-9, OSRGetLinearUnits(lsrs, NULL));
    /* Newton's first guess: the middle of the layer's extent (known cheaply
     * by GeoPackage, PostGIS and shapefiles) */
    OGREnvelope ext;
    double gx = 0, gy = 0;
    if (!same) {
        if (OGR_L_GetExtent(lyr, &ext, FALSE) != OGRERR_NONE)
            return -1;
        gx = 0.5 * (ext.MinX + ext.MaxX);
        gy = 0.5 * (ext.MinY + ext.MaxY);
    }
    OGREnvelope *rr = mw_calloc(region->n, sizeof *rr);
    int rc = !rr ? -1 : 0;
    OGREnvelope all = {INFINITY, -INFINITY, INFINITY, -INFINITY};
    for (size_t i = 0; rc == 0 && i < region->n; i++) {
        const OGREnvelope *q = &region->r[i];
        OGREnvelope *e = &rr[i];
        if (!same) {
            if (bounds_back(to_measure, q, metre, &gx, &gy, e))
                rc = -1;
        } else {
            *e = *q;
        }
        e->MinX -= metre;
        e->MinY -= metre;
        e->MaxX += metre;
        e->MaxY += metre;
        mw_env_grow(&all, e);
    }
    if (rc == 0 && (region->n > 1 || region->every_record) &&
        mw_index_build(rix, rr, region->n, sizeof *rr))
        rc = -1;
    if (rc == 0 && !region->every_record)
        OGR_L_SetSpatialFilterRect(lyr, all.MinX, all.MinY, all.MaxX, all.MaxY);
    else
        mw_log("%s: layer '%s': the region cannot be taken to its CRS; read whole", path,
               name);
    if (rc == 0)
        *rects = rr;
    else
        free(rr);
    return rc;
}

/* Does g's envelope (in the layer's CRS) meet one of the region's rectangles? */
static int in_region(const mw_index *rix, const OGREnvelope *rects, OGRGeometryH g,
                     mw_hits *h)
{
    if (!g || OGR_G_IsEmpty(g))
        return 1; /* feature_geometry says what is wrong with it */
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    mw_index_query(rix, &e, 0, h);
    for (size_t k = 0; k < mw_hits_count(h, rix->n); k++)
        if (mw_env_meets(&rects[mw_hits_at(h, k)], &e))
            return 1;
    return 0;
}

/* Does g's envelope (in the measuring CRS) meet one of the region's
 * rectangles (r, indexed by mix)? */
static int meets_region(const mw_index *mix, const OGREnvelope *r, OGRGeometryH g, mw_hits *h)
{
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    mw_index_query(mix, &e, 0, h);
    for (size_t k = 0; k < mw_hits_count(h, mix->n); k++)
        if (mw_env_meets(&r[mw_hits_at(h, k)], &e))
            return 1;
    return 0;
}

/* Room for more features in l->f (*cap of them now, zeroed beyond l->n).
 * 0, or -1 with mw_error. */
static int grow(mw_layer *l, size_t *cap)
{
    size_t ncap = *cap ? 2 * *cap : 256;
    mw_feature *p = realloc(l->f, ncap * sizeof *p);
    if (!p) {
        mw_error(MW_EXIT_INTERNAL, "out of memory");
        return -1;
    }
    memset(p + *cap, 0, (ncap - *cap) * sizeof *p);
    l->f = p;
    *cap = ncap;
    return 0;
}

/* The configured fields of f into o: text (decoded from enc), and the date
 * and number fields parsed.  0, or -1 with mw_error (an unreadable date or
 * number: every field is still read). */
static int read_fields(OGRFeatureH f, mw_feature *o, const mw_layer_spec *spec, const int *idx,
                       const char *enc, mw_layer *l)
{
    int bad = 0;
    for (int k = 0; k < MW_LAYER_MAX_FIELDS; k++) {
        int i = k < spec->nfields ? idx[k] : -1;
        o->attr[k] = field_text(f, i, enc, &l->recoded);
        o->day[k] = MW_NO_DATE;
        o->num[k] = NAN;
        if (i >= 0 && (spec->dates >> k & 1u) &&
            field_date(f, i, o, k, spec, spec->path, l->name))
            bad = 1;
        if (i >= 0 && (spec->numbers >> k & 1u) &&
            field_number(f, i, o, k, spec, spec->path, l->name))
            bad = 1;
    }
    return bad ? -1 : 0;
}

int mw_layer_load(const mw_layer_spec *spec, const char *scene_wkt, const char *measure_wkt,
                  const mw_region *region, mw_layer *l)
{
    memset(l, 0, sizeof *l);
    if (!spec->path || !spec->path[0])
        return 0;
    if (spec->encoding && spec->encoding[0] && !known_encoding(spec->encoding)) {
        mw_error(MW_EXIT_CONFIG, "%s: unknown text encoding '%s' ([%s] encoding; e.g. GBK, "
                 "GB18030, UTF-8)", spec->path, spec->encoding, spec->section);
        return -1;
    }
    l->present = 1;
    const char *path = spec->path;
    snprintf(l->path, sizeof l->path, "%s", path);
    GDALDatasetH ds = open_vector(path, spec->section);
    if (!ds)
        return -1;
    int rc = -1, same = 0, same_s = 0;
    OGRCoordinateTransformationH ct = NULL, ct_s = NULL;
    mw_index rix = {0}, mix = {0}; /* the region in the layer's CRS, in the measuring CRS */
    mw_hits hits = {0};
    OGREnvelope *rects = NULL;
    OGRLayerH lyr = spec->layer && spec->layer[0] ? GDALDatasetGetLayerByName(ds, spec->layer)
                                                   : GDALDatasetGetLayer(ds, 0);
    if (!lyr) {
        mw_error(MW_EXIT_VECTOR, "%s: no layer '%s' ([%s] layer)", path,
                 spec->layer && spec->layer[0] ? spec->layer : "(first)", spec->section);
        goto done;
    }
    snprintf(l->name, sizeof l->name, "%s", OGR_L_GetName(lyr));
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int idx[MW_LAYER_MAX_FIELDS];
    for (int k = 0; k < spec->nfields; k++)
        if ((idx[k] = field_index(defn, spec, k, path, l->name)) == -2)
            goto done;
    ct = to_crs(lyr, measure_wkt, "measuring", path, l->name, &same);
    if (!ct && !same)
        goto done;
    /* a scene measured in another CRS than its own: a copy in its own */
    int other = strcmp(scene_wkt, measure_wkt) != 0;
    if (other && !(ct_s = to_crs(lyr, scene_wkt, "scene", path, l->name, &same_s)) && !same_s)
        goto done;
    GIntBig total = OGR_L_GetFeatureCount(lyr, FALSE); /* -1: not known cheaply */
    int filtered = region && region->n > 0 &&
                   region_filter(lyr, ct, region, &rix, &rects, path, l->name) == 0 &&
                   mw_index_build(&mix, region->r, region->n, sizeof *region->r) == 0;
    const char *enc = spec->encoding && spec->encoding[0] ? spec->encoding : "GBK";
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    int bad = 0;
    size_t cap = 0;
    int nothing = region && region->n == 0; /* a region of no rectangle */
    while (!bad && !nothing && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        if (filtered && (rix.n > 1 || region->every_record) &&
            !in_region(&rix, rects, OGR_F_GetGeometryRef(f), &hits)) {
            OGR_F_Destroy(f);
            continue;
        }
        if (l->n == cap && grow(l, &cap)) {
            OGR_F_Destroy(f);
            bad = 1;
            break;
        }
        int skip;
        OGRGeometryH sg = NULL;
        OGRGeometryH g = feature_geometry(f, ct, other, ct_s, &sg, path, l->name, &skip);
        if (g && filtered && !meets_region(&mix, region->r, g, &hits)) {
            /* what the layer's CRS let through: outside the region itself */
            OGR_G_DestroyGeometry(g);
            if (sg)
                OGR_G_DestroyGeometry(sg);
            OGR_F_Destroy(f);
            continue;
        }
        if (g) {
            mw_feature *o = &l->f[l->n++];
            o->geom = g;
            o->sgeom = sg;
            o->fid = (long long)OGR_F_GetFID(f);
            OGR_G_GetEnvelope(g, &o->env);
            if (read_fields(f, o, spec, idx, enc, l))
                bad = 1;
        } else if (!skip) {
            bad = 1;
        }
        OGR_F_Destroy(f);
    }
    if (!bad && (filtered || nothing)) {
        /* the order of an unfiltered read, whatever order the index gave */
        if (l->n > 1)
            qsort(l->f, l->n, sizeof *l->f, by_fid);
        mw_log("%s: layer '%s' ([%s]): %zu of %lld features meet the region read", path,
               l->name, spec->section, l->n, (long long)total);
    }
    if (!bad && mw_index_build(&l->ix, l->f ? &l->f[0].env : NULL, l->n, sizeof *l->f))
        bad = 1;
    if (bad)
        goto done;
    if (l->n == 0)
        mw_log("%s: layer '%s' ([%s]) is empty", path, l->name, spec->section);
    if (l->recoded)
        mw_log("%s: layer '%s': attribute text decoded from %s to UTF-8", path, l->name, enc);
    rc = 0;
done:
    mw_index_free(&rix);
    mw_index_free(&mix);
    mw_hits_free(&hits);
    free(rects);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (ct_s)
        OCTDestroyCoordinateTransformation(ct_s);
    GDALClose(ds);
    if (rc)
        mw_layer_free(l);
    return rc;
}

void mw_layer_free(mw_layer *l)
{
    if (!l || !l->f) {
        if (l)
            l->n = 0;
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        for (int k = 0; k < MW_LAYER_MAX_FIELDS; k++)
            free(l->f[i].attr[k]);
        OGR_G_DestroyGeometry(l->f[i].geom);
        if (l->f[i].sgeom)
            OGR_G_DestroyGeometry(l->f[i].sgeom);
    }
    free(l->f);
    l->f = NULL;
    l->n = 0;
    mw_index_free(&l->ix);
}

static int env_meet(const OGREnvelope *a, const OGREnvelope *b)
{
    return a->MinX <= b->MaxX && b->MinX <= a->MaxX && a->MinY <= b->MaxY &&
           b->MinY <= a->MaxY;
}

double mw_layer_overlap(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env)
{
    mw_hits h = {0};
    mw_index_query(&l->ix, env, 0, &h);
    /* the polygonal parts of g in each feature it meets; unioned at once
     * (a union grown one piece at a time re-nodes all it holds at each step) */
    OGRGeometryH first = NULL, pieces = NULL;
    for (size_t k = 0; k < mw_hits_count(&h, l->n); k++) {
        const mw_feature *f = &l->f[mw_hits_at(&h, k)];
        if (!env_meet(env, &f->env))
            continue;
        OGRGeometryH in = OGR_G_Intersection(g, f->geom);
        if (!in)
            continue;
        if (OGR_G_IsEmpty(in)) {
            OGR_G_DestroyGeometry(in);
            continue;
        }
        if (!first) {
            first = in;
            continue;
        }
        if (!pieces) {
            pieces = OGR_G_CreateGeometry(wkbMultiPolygon);
            add_polygons(pieces, first);
        }
        add_polygons(pieces, in);
        OGR_G_DestroyGeometry(in);
    }
    mw_hits_free(&h);
    double a = 0;
    if (pieces) {
        int np = OGR_G_GetGeometryCount(pieces);
        OGRGeometryH u = np > 1 ? OGR_G_UnionCascaded(pieces) : NULL;
        for (int k = 1; !u && k < np; k++) { /* GEOS refused: one at a time */
            OGRGeometryH next = OGR_G_Union(k == 1 ? OGR_G_GetGeometryRef(pieces, 0) : u,
                                            OGR_G_GetGeometryRef(pieces, k));
            if (k > 1)
                OGR_G_DestroyGeometry(u);
            u = next;
            if (!u)
                break;
        }
        a = OGR_G_Area(u ? u : pieces);
        if (u)
            OGR_G_DestroyGeometry(u);
        OGR_G_DestroyGeometry(pieces);
    } else if (first) {
        a = OGR_G_Area(first);
    }
    if (first)
        OGR_G_DestroyGeometry(first);
    return a;
}

const mw_feature *mw_layer_best(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env,
                                const unsigned char *want, unsigned char want_value,
                                double *area)
{
    const mw_feature *best = NULL;
    *area = 0;
    mw_hits h = {0};
    mw_index_query(&l->ix, env, 0, &h);
    for (size_t k = 0; k < mw_hits_count(&h, l->n); k++) {
        size_t i = mw_hits_at(&h, k);
        if ((want && want[i] != want_value) || !env_meet(env, &l->f[i].env))
            continue;
        OGRGeometryH in = OGR_G_Intersection(g, l->f[i].geom);
        double a = in ? OGR_G_Area(in) : 0;
        if (in)
            OGR_G_DestroyGeometry(in);
        if (a > *area) {
            *area = a;
            best = &l->f[i];
        }
    }
    mw_hits_free(&h);
    return best;
}

int mw_layer_crs(const char *path, const char *layer, char **wkt, char **measure_wkt)
{
    *wkt = *measure_wkt = NULL;
    GDALDatasetH ds = open_vector(path, "licences");
    if (!ds)
        return -1;
    OGRLayerH lyr = layer && layer[0] ? GDALDatasetGetLayerByName(ds, layer)
                                      : GDALDatasetGetLayer(ds, 0);
    OGRSpatialReferenceH srs = lyr ? OGR_L_GetSpatialRef(lyr) : NULL;
    char *w = NULL;
    OGREnvelope e = {0, 0, 0, 0};
    int rc = -1;
    if (!lyr)
        mw_error(MW_EXIT_VECTOR, "%s: no layer '%s' ([licences] layer)", path,
                 layer && layer[0] ? layer : "(first)");
    else if (!srs)
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no coordinate reference system", path,
                 OGR_L_GetName(lyr));
    else if (OSRExportToWkt(srs, &w) != OGRERR_NONE || !(*wkt = strdup(w)))
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s': cannot read its CRS (%s)", path,
                 OGR_L_GetName(lyr), mw_gdal_message());
    else if (OGR_L_GetExtent(lyr, &e, TRUE) != OGRERR_NONE && !mw_crs_metric(*wkt))
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' is empty: no extent to choose a CRS in "
                 "metres from", path, OGR_L_GetName(lyr));
    else if ((*measure_wkt = mw_measure_crs(*wkt, 0.5 * (e.MinX + e.MaxX),
                                            0.5 * (e.MinY + e.MaxY))) != NULL)
        rc = 0;
    CPLFree(w);
    if (rc) {
        free(*wkt);
        *wkt = NULL;
    }
    GDALClose(ds);
    return rc;
}
