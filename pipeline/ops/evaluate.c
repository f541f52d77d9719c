/* evaluate.c - confusion matrix and scores of a change map. */
#include "evaluate.h"

#include <gdal.h>
#include <json-c/json.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"

/* A map of one band: a change map, or the reference (what names it). */
static GDALDatasetH open_map(const char *path, const char *what)
{
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                                 NULL, NULL, NULL);
    if (!ds) {
        mw_error(MW_EXIT_RASTER, "%s: cannot open as a raster (%s)", path, mw_gdal_message());
        return NULL;
    }
    int n = GDALGetRasterCount(ds);
    if (n != 1) {
        mw_error(MW_EXIT_RASTER, "%s: has %d bands; %s is one band", path, n, what);
        GDALClose(ds);
        return NULL;
    }
    return ds;
}

/* The reference's values as labels: 0, 1 or 255 each, else -1 with the
 * first other value named. */
static int reference_labels(const char *path, const double *v, uint8_t *out, int width,
                            int h, int y)
{
    for (size_t i = 0; i < (size_t)width * (size_t)h; i++) {
        if (v[i] == 0 || v[i] == 1 || v[i] == 255) {
            out[i] = (uint8_t)v[i];
            continue;
        }
        mw_error(MW_EXIT_RASTER, "%s: pixel (%zu, %zu) is %g; a reference holds only 0 "
                 "(unchanged), 1 (changed) and 255 (unlabelled)", path, i % (size_t)width,
                 (size_t)y + i / (size_t)width, v[i]);
        return -1;
    }
    return 0;
}

/* Same size, same geotransform (to 1e-6 of a pixel) and, when both have one,
 * the same CRS. */
static int check_grids(GDALDatasetH p, GDALDatasetH r, const char *pp, const char *rp)
{
    int wp = GDALGetRasterXSize(p), hp = GDALGetRasterYSize(p);
    int wr = GDALGetRasterXSize(r), hr = GDALGetRasterYSize(r);
    if (wp != wr || hp != hr) {
        mw_error(MW_EXIT_RASTER, "%s: is %dx%d px but the reference %s is %dx%d px; "
                 "both must share one grid", pp, wp, hp, rp, wr, hr);
        return -1;
    }
    double gp[6], gr[6];
    int has_p = GDALGetGeoTransform(p, gp) == CE_None;
    int has_r = GDALGetGeoTransform(r, gr) == CE_None;
    if (has_p && has_r) {
        double tol = 1e-6 * (fabs(gr[1]) + fabs(gr[5]));
        for (int i = 0; i < 6; i++)
            if (fabs(gp[i] - gr[i]) > tol) {
                mw_error(MW_EXIT_RASTER, "%s: geotransform differs from the reference %s "
                         "(origin %.6f,%.6f vs %.6f,%.6f, pixel %g vs %g); both must "
                         "share one grid", pp, rp, gp[0], gp[3], gr[0], gr[3], gp[1], gr[1]);
                return -1;
            }
    } else if (has_p != has_r) {
        mw_error(MW_EXIT_RASTER, "%s: one of it and the reference %s has no geotransform; "
                 "both must share one grid", pp, rp);
        return -1;
    }
    const char *wp_ = GDALGetProjectionRef(p), *wr_ = GDALGetProjectionRef(r);
    if (wp_ && wp_[0] && wr_ && wr_[0]) {
        OGRSpatialReferenceH sp = OSRNewSpatialReference(wp_);
        OGRSpatialReferenceH sr = OSRNewSpatialReference(wr_);
        int same = sp && sr && OSRIsSame(sp, sr);
        OSRDestroySpatialReference(sp);
        OSRDestroySpatialReference(sr);
        if (!same) {
            mw_error(MW_EXIT_RASTER, "%s: coordinate reference system differs from the "
                     "reference %s; both must share one grid", pp, rp);
            return -1;
        }
    }
    return 0;
}

int mw_evaluate(const char *pred_path, const char *ref_path, mw_evaluation *ev)
{
    memset(ev, 0, sizeof *ev);
    GDALDatasetH p = open_map(pred_path, "a change map");
    GDALDatasetH r = p ? open_map(ref_path, "a reference (0 unchanged, 1 changed, 255 "
                                            "unlabelled)") : NULL;
    uint8_t *bp = NULL, *br = NULL;
    double *vr = NULL;
    int rc = -1;
    if (!p || !r || check_grids(p, r, pred_path, ref_path))
        goto done;
    ev->width = GDALGetRasterXSize(p);
    ev->height = GDALGetRasterYSize(p);
    const int rows = 128;
    size_t cap = (size_t)ev->width * rows;
    bp = mw_calloc(cap, 1);
    br = mw_calloc(cap, 1);
    vr = mw_calloc(cap, sizeof *vr); /* the reference as stored, to check its values */
    if (!bp || !br || !vr)
        goto done;
    GDALRasterBandH pb = GDALGetRasterBand(p, 1), rb = GDALGetRasterBand(r, 1);
    for (int y = 0; y < ev->height; y += rows) {
        int h = ev->height - y < rows ? ev->height - y : rows;
        if (GDALRasterIO(pb, GF_Read, 0, y, ev->width, h, bp, ev->width, h, GDT_Byte, 0,
                         0) != CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: read failed at row %d (%s)", pred_path, y,
                     mw_gdal_message());
            goto done;
        }
        if (GDALRasterIO(rb, GF_Read, 0, y, ev->width, h, vr, ev->width, h, GDT_Float64, 0,
                         0) != CE_None) {
            mw_error(MW_EXIT_RASTER, "%s: read failed at row %d (%s)", ref_path, y,
                     mw_gdal_message());
            goto done;
        }
        if (reference_labels(ref_path, vr, br, ev->width, h, y))
            goto done;
        mw_confusion_add(bp, br, (size_t)ev->width * (size_t)h, ev->cm);
    }
    mw_scores_compute(ev->cm, &ev->s);
    rc = 0;
done:
    free(bp);
    free(br);
    free(vr);
    if (r)
        GDALClose(r);
    if (p)
        GDALClose(p);
    return rc;
}

void mw_evaluation_print(const mw_evaluation *ev, const char *pred_path,
                         const char *ref_path, int json)
{
    const mw_scores *s = &ev->s;
    const uint64_t *cm = ev->cm;
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "prediction", json_object_new_string(pred_path));
        json_object_object_add(o, "reference", json_object_new_string(ref_path));
        json_object_object_add(o, "labelled", json_object_new_int64((int64_t)s->n));
        static const char *cells[MW_NCM] = {"tp", "fp", "fn", "tn"};
        for (int i = 0; i < MW_NCM; i++)
            json_object_object_add(o, cells[i], json_object_new_int64((int64_t)cm[i]));
        const struct { const char *name; double v; } sc[] = {
            {"overall_accuracy", s->oa}, {"kappa", s->kappa}, {"f1", s->f1},
            {"precision", s->precision}, {"recall", s->recall}};
        for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++)
            json_object_object_add(o, sc[i].name,
                                   json_object_new_double(round(sc[i].v * 1e6) / 1e6));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return;
    }
    printf("prediction        %s\n", pred_path);
    printf("reference         %s\n", ref_path);
    printf("labelled          %llu px (TP %llu, FP %llu, FN %llu, TN %llu)\n",
           (unsigned long long)s->n, (unsigned long long)cm[MW_TP],
           (unsigned long long)cm[MW_FP], (unsigned long long)cm[MW_FN],
           (unsigned long long)cm[MW_TN]);
    printf("overall_accuracy  %.4f\n", s->oa);
    printf("kappa             %.4f\n", s->kappa);
    printf("f1                %.4f\n", s->f1);
    printf("precision         %.4f\n", s->precision);
    printf("recall            %.4f\n", s->recall);
}
