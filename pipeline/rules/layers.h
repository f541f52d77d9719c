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
#include <stdint.h>

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

/* A packed R-tree (Sort-Tile-Recursive) over envelopes: what meets a
 * rectangle without looking at every item. */
#define MW_INDEX_FANOUT 16
#define MW_INDEX_LEVELS 12
typedef struct {
    size_t n;                          /* items */
    int levels;                        /* 0 when empty */
    size_t count[MW_INDEX_LEVELS];     /* nodes of each level; level 0: the items */
    OGREnvelope *box[MW_INDEX_LEVELS]; /* [count] envelopes, level 0 in STR order */
    uint32_t *item;                    /* [n] the item at each level-0 slot */
} mw_index;

/* The items' envelopes: env[0], env at env + stride bytes, ... (n of them).
 * 0, or -1 with mw_error (out of memory). */
int mw_index_build(mw_index *ix, const OGREnvelope *env, size_t n, size_t stride);
void mw_index_free(mw_index *ix);

/* Items found by a query, ascending (the order of a loop over every item,
 * so that results do not depend on the index).  all = 1: the query could not
 * allocate and stands for every item. */
typedef struct {
    size_t n, cap;
    uint32_t *i;
    int all;
} mw_hits;

/* The items whose envelope may meet q grown by margin on every side: every
 * item that does (and perhaps a few just beyond, by less than a millionth
 * of the coordinates: callers keep their exact test).  h is reused between
 * queries (set n = 0 first; mw_hits_free at the end). */
void mw_index_query(const mw_index *ix, const OGREnvelope *q, double margin, mw_hits *h);
void mw_hits_free(mw_hits *h);
/* a grown to cover b too; whether two envelopes meet (edges included) */
void mw_env_grow(OGREnvelope *a, const OGREnvelope *b);
int mw_env_meets(const OGREnvelope *b, const OGREnvelope *q);

static inline size_t mw_hits_count(const mw_hits *h, size_t nitems)
{
    return h->all ? nitems : h->n;
}
static inline size_t mw_hits_at(const mw_hits *h, size_t k)
{
    return h->all ? k : h->i[k];
}

/* What to read of a layer: the features whose envelope meets one of n
 * rectangles of the measuring CRS (n = 0: none; no region: every feature). */
typedef struct {
    size_t n;
    const OGREnvelope *r;
    int every_record;   /* look at every record (no OGR filter: for small layers,
                         * whose features without geometry are then reported) */
} mw_region;

typedef struct {
    int present;                  /* configured */
    char path[MW_PATH_MAX];
    char name[256];
    size_t n;
    mw_feature *f;
    int recoded;                  /* some text was decoded from the encoding */
    mw_index ix;                  /* over the features' env */
} mw_layer;

/* Load one layer into measure_wkt (and scene_wkt when it differs).  A layer
 * that is not configured loads as present = 0.  With a region (NULL: the whole
 * layer) only the features that meet it are read: the region's
 * rectangles are taken to the layer's CRS (OCTTransformBounds, densified
 * edges, grown by a metre's worth), the layer is read through an OGR spatial
 * filter on their bounding box (the layer's own index: GeoPackage R-tree,
 * PostGIS GiST, a shapefile's .qix; without one OGR reads every record once)
 * and a feature is kept when its envelope meets one of them.  A filtered
 * read is put in FID order.  0, or -1 with mw_error (MW_EXIT_VECTOR) naming
 * the file and problem. */
int mw_layer_load(const mw_layer_spec *spec, const char *scene_wkt, const char *measure_wkt,
                  const mw_region *region, mw_layer *out);
void mw_layer_free(mw_layer *l);

/* Area of g inside the features of l whose envelope meets env (the features
 * found through l's index; the parts of g in them are unioned in one cascaded
 * union, never the layer). */
double mw_layer_overlap(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env);
/* The feature of l whose overlap with g (envelope env) is largest, its area
 * in *area; NULL (and 0) when none overlaps.  want: only the features i
 * with want[i] == want_value (NULL: every one); the first of equal ones. */
const mw_feature *mw_layer_best(const mw_layer *l, OGRGeometryH g, const OGREnvelope *env,
                                const unsigned char *want, unsigned char want_value,
                                double *area);

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
