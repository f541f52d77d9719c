/* layers.h - vector layers through OGR: licences, exploration rights, red
 * lines, farmland, urban boundary, restoration plots, counties.
 *
 * Every layer is read whole (they are small next to the imagery), its
 * geometries reprojected to the scene CRS and repaired when invalid (with a
 * warning naming the feature), its attributes read as UTF-8 text: strings
 * that are not valid UTF-8 (GBK shapefiles with or without a .cpg) are
 * decoded from the layer's encoding (GBK unless configured).
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
} mw_layer_spec;

typedef struct {
    char *attr[MW_LAYER_MAX_FIELDS]; /* UTF-8 text, "" when unused (owned) */
    OGRGeometryH geom;               /* polygon(s) in the scene CRS (owned) */
    OGREnvelope env;
    long long fid;
} mw_feature;

typedef struct {
    int present;                  /* configured */
    char path[MW_PATH_MAX];
    char name[256];
    size_t n;
    mw_feature *f;
    int recoded;                  /* some text was decoded from the encoding */
} mw_layer;

/* Load one layer.  A layer that is not configured loads as present = 0.
 * 0, or -1 with mw_error (MW_EXIT_VECTOR) naming the file and problem. */
int mw_layer_load(const mw_layer_spec *spec, const char *scene_wkt, mw_layer *out);
void mw_layer_free(mw_layer *l);

/* Union of all features' geometries (NULL if none); caller owns. */
OGRGeometryH mw_layer_union(const mw_layer *l);

/* Area of g inside the features of l whose envelope meets env. */
double mw_layer_overlap(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env);

/* The WKT of a layer's CRS, which must be projected (the licence audit
 * without imagery measures in it).  0, or -1 with mw_error; free *wkt. */
int mw_layer_crs(const char *path, const char *layer, char **wkt);

/* Is s valid UTF-8? */
int mw_is_utf8(const char *s);

#endif
