/* gen_layers.c - seeded legal layers of a province for the bench (issue 18).
 *
 *   gen_layers OUT.gpkg EPSG XMIN YMIN XMAX YMAX [key=value ...]
 *
 * writes a GeoPackage (each layer with its R-tree) of layers whose features
 * are spread uniformly over the rectangle XMIN..XMAX x YMIN..YMAX (in EPSG's
 * units, metres):
 *
 *   licences=N              N mining licences: irregular hexagons 250-1,000 m
 *                           across with the fields of configs/sample.ini
 *                           (licence_id, holder, mineral, valid_from,
 *                           valid_to, status, reserves_t); one in 20 expired,
 *                           one in 50 geothermal (exempt)
 *   redline=N:V:R           N red-line polygons of V vertices each, star-shaped
 *                           (simple), radius R m (field name)
 *   farmland=N:R            N farmland quadrilaterals of radius R m
 *   clip=X0:Y0:X1:Y1        write only the features whose envelope meets this
 *                           rectangle (the same features, same order and
 *                           attributes: the "small layers" of a scene)
 *   seed=S                  random seed (default 18)
 *
 * Every feature is drawn whether or not it is written, so a clipped file
 * holds exactly the features of the unclipped one that meet the rectangle.
 * Exit 0, or 1 with a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpl_conv.h"
#include "cpl_string.h"
#include "gdal.h"
#include "ogr_api.h"
#include "ogr_srs_api.h"

static uint64_t rng_state;

static uint64_t next_u64(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uniform(void) { return (double)(next_u64() >> 11) * 0x1.0p-53; }

static int die(const char *what, const char *detail)
{
    fprintf(stderr, "gen_layers: %s: %s\n", what, detail);
    return 1;
}

typedef struct {
    double x0, y0, x1, y1;
} rect;

/* A star-shaped polygon of v vertices around (cx, cy): radius r * [0.6, 1]
 * at v increasing angles (simple: every ray from the centre meets the
 * boundary once).  Its envelope in *e. */
static OGRGeometryH star(double cx, double cy, int v, double r, rect *e)
{
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    double x0 = 0, y0 = 0;
    e->x0 = e->y0 = INFINITY;
    e->x1 = e->y1 = -INFINITY;
    double phase = uniform() * 2 * M_PI;
    for (int k = 0; k < v; k++) {
        double a = phase + 2 * M_PI * ((double)k + 0.8 * uniform()) / v;
        double rr = r * (0.6 + 0.4 * uniform());
        double x = cx + rr * cos(a), y = cy + rr * sin(a);
        if (k == 0) {
            x0 = x;
            y0 = y;
        }
        OGR_G_AddPoint_2D(ring, x, y);
        e->x0 = fmin(e->x0, x);
        e->x1 = fmax(e->x1, x);
        e->y0 = fmin(e->y0, y);
        e->y1 = fmax(e->y1, y);
    }
    OGR_G_AddPoint_2D(ring, x0, y0);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

static int meets(const rect *a, const rect *b)
{
    return a->x0 <= b->x1 && b->x0 <= a->x1 && a->y0 <= b->y1 && b->y0 <= a->y1;
}

static OGRLayerH new_layer(GDALDatasetH ds, const char *name, OGRSpatialReferenceH srs)
{
    char **opt = CSLSetNameValue(NULL, "SPATIAL_INDEX", "YES");
    OGRLayerH l = GDALDatasetCreateLayer(ds, name, srs, wkbPolygon, opt);
    CSLDestroy(opt);
    return l;
}

static void add_field(OGRLayerH l, const char *name, OGRFieldType t)
{
    OGRFieldDefnH fd = OGR_Fld_Create(name, t);
    OGR_L_CreateField(l, fd, TRUE);
    OGR_Fld_Destroy(fd);
}

int main(int argc, char **argv)
{
    if (argc < 7)
        return die("usage", "gen_layers OUT.gpkg EPSG XMIN YMIN XMAX YMAX [licences=N] "
                            "[redline=N:V:R] [farmland=N:R] [clip=X0:Y0:X1:Y1] [seed=S]");
    const char *out = argv[1];
    int epsg = atoi(argv[2]);
    rect box = {atof(argv[3]), atof(argv[4]), atof(argv[5]), atof(argv[6])};
    long nlic = 0, nred = 0, nfarm = 0;
    int vred = 100;
    double rred = 300, rfarm = 150;
    rect clip = {-INFINITY, -INFINITY, INFINITY, INFINITY};
    uint64_t seed = 18;
    for (int i = 7; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "licences=", 9))
            nlic = atol(a + 9);
        else if (!strncmp(a, "redline=", 8)) {
            if (sscanf(a + 8, "%ld:%d:%lf", &nred, &vred, &rred) != 3 || vred < 3)
                return die(a, "want redline=N:V:R");
        } else if (!strncmp(a, "farmland=", 9)) {
            if (sscanf(a + 9, "%ld:%lf", &nfarm, &rfarm) != 2)
                return die(a, "want farmland=N:R");
        } else if (!strncmp(a, "clip=", 5)) {
            if (sscanf(a + 5, "%lf:%lf:%lf:%lf", &clip.x0, &clip.y0, &clip.x1, &clip.y1) != 4)
                return die(a, "want clip=X0:Y0:X1:Y1");
        } else if (!strncmp(a, "seed=", 5))
            seed = strtoull(a + 5, NULL, 10);
        else
            return die(a, "unknown argument");
    }
    rng_state = seed;
    GDALAllRegister();
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (OSRImportFromEPSG(srs, epsg) != OGRERR_NONE)
        return die(argv[2], "unknown EPSG code");
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv)
        return die("GPKG", "no GeoPackage driver");
    VSIUnlink(out);
    GDALDatasetH ds = GDALCreate(drv, out, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds)
        return die(out, CPLGetLastErrorMsg());
    double w = box.x1 - box.x0, h = box.y1 - box.y0;
    long written[3] = {0, 0, 0};

    if (nlic > 0) {
        OGRLayerH l = new_layer(ds, "licences", srs);
        add_field(l, "licence_id", OFTString);
        add_field(l, "holder", OFTString);
        add_field(l, "mineral", OFTString);
        add_field(l, "valid_from", OFTString);
        add_field(l, "valid_to", OFTString);
        add_field(l, "status", OFTString);
        add_field(l, "reserves_t", OFTReal);
        GDALDatasetStartTransaction(ds, FALSE);
        for (long i = 0; i < nlic; i++) {
            double cx = box.x0 + uniform() * w, cy = box.y0 + uniform() * h;
            double r = 125 + 375 * uniform();
            rect e;
            OGRGeometryH g = star(cx, cy, 6, r, &e);
            int expired = i % 20 == 7, thermal = i % 50 == 11;
            double reserves = 1e5 + 9e5 * uniform();
            if (meets(&e, &clip)) {
                OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
                char id[32], holder[48];
                snprintf(id, sizeof id, "C14%010ld", i);
                snprintf(holder, sizeof holder, "Holder %ld Mining Co.", i % 700);
                OGR_F_SetFieldString(f, 0, id);
                OGR_F_SetFieldString(f, 1, holder);
                OGR_F_SetFieldString(f, 2, thermal ? "地热" : i % 3 ? "limestone" : "iron");
                OGR_F_SetFieldString(f, 3, "2015-01-01");
                OGR_F_SetFieldString(f, 4, expired ? "2023-12-31" : "2030-12-31");
                OGR_F_SetFieldString(f, 5, "valid");
                OGR_F_SetFieldDouble(f, 6, reserves);
                OGR_F_SetGeometryDirectly(f, g);
                if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
                    return die(out, CPLGetLastErrorMsg());
                OGR_F_Destroy(f);
                written[0]++;
            } else {
                OGR_G_DestroyGeometry(g);
            }
        }
        GDALDatasetCommitTransaction(ds);
    }
    if (nred > 0) {
        OGRLayerH l = new_layer(ds, "redline", srs);
        add_field(l, "name", OFTString);
        GDALDatasetStartTransaction(ds, FALSE);
        for (long i = 0; i < nred; i++) {
            double cx = box.x0 + uniform() * w, cy = box.y0 + uniform() * h;
            rect e;
            OGRGeometryH g = star(cx, cy, vred, rred * (0.5 + uniform()), &e);
            if (meets(&e, &clip)) {
                OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
                char name[48];
                snprintf(name, sizeof name, "生态保护红线 %ld", i);
                OGR_F_SetFieldString(f, 0, name);
                OGR_F_SetGeometryDirectly(f, g);
                if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
                    return die(out, CPLGetLastErrorMsg());
                OGR_F_Destroy(f);
                written[1]++;
            } else {
                OGR_G_DestroyGeometry(g);
            }
        }
        GDALDatasetCommitTransaction(ds);
    }
    if (nfarm > 0) {
        OGRLayerH l = new_layer(ds, "farmland", srs);
        GDALDatasetStartTransaction(ds, FALSE);
        for (long i = 0; i < nfarm; i++) {
            double cx = box.x0 + uniform() * w, cy = box.y0 + uniform() * h;
            rect e;
            OGRGeometryH g = star(cx, cy, 4, rfarm * (0.5 + uniform()), &e);
            if (meets(&e, &clip)) {
                OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
                OGR_F_SetGeometryDirectly(f, g);
                if (OGR_L_CreateFeature(l, f) != OGRERR_NONE)
                    return die(out, CPLGetLastErrorMsg());
                OGR_F_Destroy(f);
                written[2]++;
            } else {
                OGR_G_DestroyGeometry(g);
            }
        }
        GDALDatasetCommitTransaction(ds);
    }
    GDALClose(ds);
    OSRDestroySpatialReference(srs);
    printf("gen_layers: %s: %ld licences, %ld red-line polygons (%d vertices), %ld farmland "
           "polygons\n", out, written[0], written[1], vred, written[2]);
    return 0;
}
