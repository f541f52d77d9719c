/* rules.c - licences and the first rule pass. */
#include "rules.h"

#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mw.h"

const char *mw_finding_name(mw_finding f)
{
    switch (f) {
    case MW_FIND_INSIDE: return "INSIDE";
    case MW_FIND_OUT_OF_BOUNDS: return "OUT_OF_BOUNDS";
    case MW_FIND_UNLICENSED: return "UNLICENSED";
    case MW_FIND_NOT_JUDGED: return "NOT_JUDGED";
    case MW_FIND_COUNT: break;
    }
    return "?";
}

/* Field index by name, or -1 with an error that lists the fields there are. */
static int field_index(OGRFeatureDefnH defn, const char *name, const char *path,
                       const char *layer, const char *key)
{
    int i = OGR_FD_GetFieldIndex(defn, name);
    if (i >= 0)
        return i;
    char have[512] = "";
    size_t used = 0;
    for (int k = 0; k < OGR_FD_GetFieldCount(defn) && used < sizeof have - 1; k++)
        used += (size_t)snprintf(have + used, sizeof have - used, "%s%s", k ? ", " : "",
                                 OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, k)));
    mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no field '%s' ([licences] %s); fields: %s",
             path, layer, name, key, have[0] ? have : "none");
    return -1;
}

/* One licence feature into l (geometry reprojected, repaired if invalid).
 * Returns 1 if kept, 0 if skipped (no polygon), -1 on error. */
static int read_licence(OGRFeatureH f, int id_i, int holder_i,
                        OGRCoordinateTransformationH ct, const char *path,
                        mw_licence *l)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    const char *id = OGR_F_GetFieldAsString(f, id_i);
    if (!g || OGR_G_IsEmpty(g)) {
        mw_warn("%s: licence '%s' (feature %lld) has no geometry; skipped", path, id,
                (long long)OGR_F_GetFID(f));
        return 0;
    }
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t != wkbPolygon && t != wkbMultiPolygon) {
        mw_error(MW_EXIT_VECTOR, "%s: licence '%s' is a %s, not a polygon", path, id,
                 OGR_G_GetGeometryName(g));
        return -1;
    }
    OGRGeometryH c = OGR_G_Clone(g);
    if (ct && OGR_G_Transform(c, ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(c);
        mw_error(MW_EXIT_VECTOR, "%s: cannot reproject licence '%s' to the scene CRS",
                 path, id);
        return -1;
    }
    if (!OGR_G_IsValid(c)) {
        OGRGeometryH fixed = OGR_G_MakeValid(c);
        mw_warn("%s: licence '%s' has an invalid polygon; repaired", path, id);
        OGR_G_DestroyGeometry(c);
        c = fixed;
        if (!c) {
            mw_error(MW_EXIT_VECTOR, "%s: licence '%s' polygon cannot be repaired", path, id);
            return -1;
        }
    }
    l->id = strdup(id);
    l->holder = holder_i >= 0 ? strdup(OGR_F_GetFieldAsString(f, holder_i)) : strdup("");
    l->geom = c;
    OGR_G_GetEnvelope(c, &l->env);
    return 1;
}

int mw_licences_load(const mw_config *cfg, const mw_scene *s, mw_licences *lic)
{
    memset(lic, 0, sizeof *lic);
    const char *path = cfg->lic_path;
    snprintf(lic->path, sizeof lic->path, "%s", path);
    if (!path[0]) {
        lic->absent = 1;
        return 0;
    }
    if (access(path, R_OK) != 0) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot read licence layer: %s", path, strerror(errno));
        return -1;
    }
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        mw_error(MW_EXIT_VECTOR, "%s: not a vector dataset OGR can read (%s)", path,
                 mw_gdal_message());
        return -1;
    }
    int rc = -1;
    OGRCoordinateTransformationH ct = NULL;
    OGRSpatialReferenceH scene_srs = NULL;
    OGRLayerH lyr = cfg->lic_layer[0] ? GDALDatasetGetLayerByName(ds, cfg->lic_layer)
                                      : GDALDatasetGetLayer(ds, 0);
    if (!lyr) {
        mw_error(MW_EXIT_VECTOR, "%s: no layer '%s' ([licences] layer)", path,
                 cfg->lic_layer[0] ? cfg->lic_layer : "(first)");
        goto done;
    }
    snprintf(lic->layer, sizeof lic->layer, "%s", OGR_L_GetName(lyr));
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int id_i = field_index(defn, cfg->lic_id_field, path, lic->layer, "id_field");
    if (id_i < 0)
        goto done;
    int holder_i = field_index(defn, cfg->lic_holder_field, path, lic->layer, "holder_field");
    if (holder_i < 0)
        goto done;
    OGRSpatialReferenceH lsrs = OGR_L_GetSpatialRef(lyr);
    if (!lsrs) {
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no coordinate reference system", path,
                 lic->layer);
        goto done;
    }
    scene_srs = OSRNewSpatialReference(s->wkt);
    OGRSpatialReferenceH lclone = OSRClone(lsrs);
    OSRSetAxisMappingStrategy(scene_srs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(lclone, OAMS_TRADITIONAL_GIS_ORDER);
    if (!OSRIsSame(lclone, scene_srs)) {
        ct = OCTNewCoordinateTransformation(lclone, scene_srs);
        if (!ct) {
            OSRDestroySpatialReference(lclone);
            mw_error(MW_EXIT_VECTOR, "%s: cannot transform layer '%s' to the scene CRS",
                     path, lic->layer);
            goto done;
        }
    }
    OSRDestroySpatialReference(lclone);

    GIntBig count = OGR_L_GetFeatureCount(lyr, TRUE);
    lic->l = mw_calloc(count > 0 ? (size_t)count : 1, sizeof *lic->l);
    if (!lic->l)
        goto done;
    OGR_L_ResetReading(lyr);
    OGRFeatureH f;
    int bad = 0;
    while (!bad && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        if ((GIntBig)lic->n < count) {
            int k = read_licence(f, id_i, holder_i, ct, path, &lic->l[lic->n]);
            if (k < 0)
                bad = 1;
            else
                lic->n += (size_t)k;
        }
        OGR_F_Destroy(f);
    }
    if (bad)
        goto done;
    if (lic->n == 0)
        mw_warn("%s: licence layer '%s' is empty: every patch will be unlicensed", path,
                lic->layer);
    rc = 0;
done:
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (scene_srs)
        OSRDestroySpatialReference(scene_srs);
    GDALClose(ds);
    if (rc)
        mw_licences_free(lic);
    return rc;
}

void mw_licences_free(mw_licences *lic)
{
    if (!lic || !lic->l)
        return;
    for (size_t i = 0; i < lic->n; i++) {
        free(lic->l[i].id);
        free(lic->l[i].holder);
        OGR_G_DestroyGeometry(lic->l[i].geom);
    }
    free(lic->l);
    lic->l = NULL;
    lic->n = 0;
}

static int env_near(const OGREnvelope *a, const OGREnvelope *b, double d)
{
    return a->MinX - d <= b->MaxX && b->MinX - d <= a->MaxX &&
           a->MinY - d <= b->MaxY && b->MinY - d <= a->MaxY;
}

/* Largest distance from a vertex of g to target. */
static double farthest_vertex(OGRGeometryH g, OGRGeometryH target)
{
    double far = 0;
    int parts = OGR_G_GetGeometryCount(g);
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbGeometryCollection) {
        for (int i = 0; i < parts; i++) {
            double d = farthest_vertex(OGR_G_GetGeometryRef(g, i), target);
            if (d > far)
                far = d;
        }
        return far;
    }
    OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
    for (int i = 0; i < OGR_G_GetPointCount(g); i++) {
        OGR_G_SetPoint_2D(pt, 0, OGR_G_GetX(g, i), OGR_G_GetY(g, i));
        double d = OGR_G_Distance(pt, target);
        if (d > far)
            far = d;
    }
    OGR_G_DestroyGeometry(pt);
    return far;
}

static void set_licence(mw_verdict *v, const mw_licence *l)
{
    snprintf(v->licence_id, sizeof v->licence_id, "%s", l->id);
    snprintf(v->holder, sizeof v->holder, "%s", l->holder);
}

static int judge(const mw_config *cfg, const mw_scene *s, const mw_licences *lic,
                 mw_patch *p)
{
    mw_verdict *v = &p->v;
    OGREnvelope env;
    OGR_G_GetEnvelope(p->geom, &env);
    OGRGeometryH near_union = NULL; /* licences within near_m, unioned */
    const mw_licence *best = NULL, *nearest = NULL;
    double best_overlap = 0, nearest_d = INFINITY;
    for (size_t i = 0; i < lic->n; i++) {
        const mw_licence *l = &lic->l[i];
        if (!env_near(&env, &l->env, cfg->near_m))
            continue;
        double d = OGR_G_Distance(p->geom, l->geom);
        if (d < 0 || d > cfg->near_m)
            continue;
        if (d < nearest_d) {
            nearest_d = d;
            nearest = l;
        }
        if (d == 0) {
            OGRGeometryH in = OGR_G_Intersection(p->geom, l->geom);
            double a = in ? OGR_G_Area(in) : 0;
            if (in)
                OGR_G_DestroyGeometry(in);
            if (a > best_overlap) {
                best_overlap = a;
                best = l;
            }
        }
        OGRGeometryH u = near_union ? OGR_G_Union(near_union, l->geom) : OGR_G_Clone(l->geom);
        if (near_union)
            OGR_G_DestroyGeometry(near_union);
        near_union = u;
        if (!near_union) {
            mw_error(MW_EXIT_INTERNAL, "GEOS union failed for licence '%s'", l->id);
            return -1;
        }
    }
    v->nearest_licence_m = nearest ? nearest_d : -1;
    if (!near_union) {
        v->finding = MW_FIND_UNLICENSED;
        v->severity = MW_SEV_UNLICENSED;
        snprintf(v->rules, sizeof v->rules, "UNLICENSED");
        v->outside_licence_m2 = p->area_m2;
        return 0;
    }
    OGRGeometryH inside = OGR_G_Intersection(p->geom, near_union);
    v->inside_licence_m2 = inside ? OGR_G_Area(inside) : 0;
    if (inside)
        OGR_G_DestroyGeometry(inside);
    v->outside_licence_m2 = p->area_m2 - v->inside_licence_m2;
    if (v->outside_licence_m2 < 0)
        v->outside_licence_m2 = 0;
    set_licence(v, best ? best : nearest);
    if (v->outside_licence_m2 <= s->pixel_area_m2) {
        v->finding = MW_FIND_INSIDE;
        v->severity = 0;
        v->rules[0] = '\0';
    } else {
        v->finding = MW_FIND_OUT_OF_BOUNDS;
        v->severity = MW_SEV_OUT_OF_BOUNDS;
        snprintf(v->rules, sizeof v->rules, "OUT_OF_BOUNDS");
        OGRGeometryH outside = OGR_G_Difference(p->geom, near_union);
        v->beyond_boundary_m = outside ? farthest_vertex(outside, near_union) : 0;
        if (outside)
            OGR_G_DestroyGeometry(outside);
    }
    OGR_G_DestroyGeometry(near_union);
    return 0;
}

int mw_rules_apply(const mw_config *cfg, const mw_scene *s, const mw_licences *lic,
                   mw_patchset *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (lic->absent) {
            ps->p[i].v.finding = MW_FIND_NOT_JUDGED;
            ps->p[i].v.nearest_licence_m = -1;
            continue;
        }
        if (judge(cfg, s, lic, &ps->p[i]))
            return -1;
    }
    return 0;
}
