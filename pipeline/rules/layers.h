/* layers.h - vector layers through OGR: licences, exploration rights, red
 * lines, farmland, urban boundary, restoration plots, counties.
 *
 * Every layer is read whole (they are small next to the imagery), its
 * geometries reprojected to the CRS the run measures in (measure.h: the
 * scene's own when it is projected in metres) and, when that is not the
 * scene's, also to the scene CRS (for rasterizing and for the reports);
 * invalid polygons are repaired (MakeValid, METHOD=STRUCTURE, polygonal parts
 * only) with a warning naming the feature.  Attributes are read as UTF-8
 * text: strings that are not valid UTF-8 (GBK shapefiles with or without a
 * .cpg) are decoded from the layer's encoding (GBK unless configured).
 * Fields that hold dates are parsed once here (dates.h), fields that hold
 * numbers too: a value that is neither empty nor a date / number is an
 * error naming the file, layer, feature and field.
 */
#ifndef MW_LAYERS_H
#define MW_LAYERS_H

#include <ogr_api.h>

#include "config.h"

#define MW_LAYER_MAX_FIELDS 10

/* What the configuration asks of one layer. */
typedef struct {
    const char *section;          /* config section, for messages */
    const char *path;             /* "" = layer not configured */
    const char *layer;            /* "" = first layer */
    const char *encoding;         /* of non-UTF-8 text; "" = GBK */
    int nfields;
    const char *field[MW_LAYER_MAX_FIELDS];     /* attribute names ("" = unused) */
    const char *field_key[MW_LAYER_MAX_FIELDS]; /* their config keys */
    unsigned dates;               /* bit k: field k holds a date */
    unsigned numbers;             /* bit k: field k holds a number */
} mw_layer_spec;

typedef struct {
    char *attr[MW_LAYER_MAX_FIELDS]; /* UTF-8 text, "" when unused (owned) */
    int day[MW_LAYER_MAX_FIELDS];    /* date fields: days since 1970-01-01,
                                      * MW_NO_DATE when empty or unused */
    double num[MW_LAYER_MAX_FIELDS]; /* number fields: the value, NaN when empty */
    OGRGeometryH geom;               /* (multi)polygon in the measuring CRS (owned) */
    OGRGeometryH sgeom;              /* the same in the scene CRS when that is another
                                      * CRS, else NULL (owned) */
    OGREnvelope env;                 /* of geom */
    long long fid;
} mw_feature;

/* The feature's polygon in the scene CRS. */
static inline OGRGeometryH mw_feature_scene_geom(const mw_feature *f)
{
    return f->sgeom ? f->sgeom : f->geom;
}

typedef struct {
    int present;                  /* configured */
    char path[MW_PATH_MAX];
    char name[256];
    size_t n;
    mw_feature *f;
    int recoded;                  /* some text was decoded from the encoding */
} mw_layer;

/* Load one layer into measure_wkt (and scene_wkt when it differs).  A layer
 * that is not configured loads as present = 0.  0, or -1 with mw_error
 * (MW_EXIT_VECTOR) naming the file and problem. */
int mw_layer_load(const mw_layer_spec *spec, const char *scene_wkt, const char *measure_wkt,
                  mw_layer *out);
void mw_layer_free(mw_layer *l);

/* Union of all features' geometries (NULL if none); caller owns. */
OGRGeometryH mw_layer_union(const mw_layer *l);

/* Area of g inside the features of l whose envelope meets env. */
double mw_layer_overlap(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env);

/* The WKT of a layer's CRS, and of the CRS to measure it in (the licence
 * audit without imagery): the layer's own when it is projected in metres,
 * else an equal-area CRS at the centre of the layer's extent (measure.h).
 * 0, or -1 with mw_error; free both. */
int mw_layer_crs(const char *path, const char *layer, char **wkt, char **measure_wkt);

/* Copy src into dst (size bytes) cut on a UTF-8 character boundary. */
void mw_copy_utf8(char *dst, size_t size, const char *src);

/* Remove an incomplete UTF-8 sequence at the end of s (text cut by a
 * fixed-size copy). */
void mw_utf8_trim(char *s);

/* Is s valid UTF-8? */
int mw_is_utf8(const char *s);

#endif
