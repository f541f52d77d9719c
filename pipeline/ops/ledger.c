/* ledger.c - patch history across runs, in a GeoPackage or PostGIS. */
#include "ledger.h"

#include <cpl_string.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mw.h"

static const char *const CASE_STATUS[] = {"reported", "field_checked", "confirmed",
                                          "dismissed", "closed", NULL};
/* the same statuses as the field teams write them (the ledger stores the
 * English code) */
static const char *const CASE_STATUS_ZH[] = {"已下发", "已核查", "已确认", "已排除", "已销号",
                                             NULL};

#define KEY_LEN 40 /* "YYYY-MM-DD/YYYY-MM-DD" run dates */

/* A run's identity: its area, its dates and its inputs.  Only the places of
 * its own area are matched, marked GONE or replaced by a re-run; ids are
 * numbered over the whole ledger, so they stay unique across areas. */
typedef struct {
    char dates[KEY_LEN]; /* the observations' "run" */
    char area[160];      /* [scene] area, or "footprint:minlon,minlat,maxlon,maxlat" */
    char id[1024];       /* area|dates|t1 file|t2 file */
} run_ident;

struct mw_ledger {
    char target[MW_PATH_MAX];
    GDALDatasetH ds;
    OGRLayerH places, obs;
    int lock_fd;      /* GeoPackage: flock(2) on TARGET.lock, -1 if none */
    int in_tx;        /* a run recorded, not committed yet */
};

typedef struct {
    char id[24];
    char first_run[KEY_LEN];
    char first_run_id[1024];
    char case_status[24];
    OGRGeometryH geom; /* scene CRS */
    OGREnvelope env;
    double last_area;  /* latest earlier observation */
    char last_state[8];
    int matched;
    int own;           /* first reported by this very run (a re-run) */
} place;

/* GDAL's last message on one line: a driver's message can hold several
 * (libpq's "connection refused" is three, with a tab), and every failure is
 * one line. */
static const char *gdal_line(void)
{
    static __thread char buf[1024];
    const char *m = mw_gdal_message();
    size_t k = 0;
    int gap = 0;
    for (; *m && k + 3 < sizeof buf; m++) {
        if (*m == '\n' || *m == '\r' || *m == '\t') {
            gap = k > 0;
            continue;
        }
        if (gap) { /* "failed.\nconnection..." -> "failed. connection..." */
            if (buf[k - 1] != '.')
                buf[k++] = ';';
            buf[k++] = ' ';
            gap = 0;
        }
        buf[k++] = *m;
    }
    while (k > 0 && (buf[k - 1] == ' ' || buf[k - 1] == '.' || buf[k - 1] == ';'))
        k--;
    buf[k] = '\0';
    return buf;
}

static int create_field(OGRLayerH lyr, const char *name, OGRFieldType t)
{
    OGRFieldDefnH fd = OGR_Fld_Create(name, t);
    int rc = OGR_L_CreateField(lyr, fd, TRUE) == OGRERR_NONE ? 0 : -1;
    OGR_Fld_Destroy(fd);
    return rc;
}

#define MARKER "minewatch_ledger"
#define SCHEMA_VERSION 2 /* 1: ledger and observations; 2: runs known by area */

/* The marker of a minewatch ledger: a table minewatch_ledger with one row,
 * its schema_version (a GeoPackage's application_id is GPKG's own). */
static int write_marker(mw_ledger *l)
{
    OGRLayerH m = GDALDatasetCreateLayer(l->ds, MARKER, NULL, wkbNone, NULL);
    int rc = !m || create_field(m, "schema_version", OFTInteger) ||
             create_field(m, "created_by", OFTString);
    if (rc == 0) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(m));
        OGR_F_SetFieldInteger(f, 0, SCHEMA_VERSION);
        OGR_F_SetFieldString(f, 1, "minewatch " MW_VERSION);
        rc = OGR_L_CreateFeature(m, f) != OGRERR_NONE;
        OGR_F_Destroy(f);
    }
    if (rc)
        mw_error(MW_EXIT_LEDGER, "%s: cannot mark the ledger (%s)", l->target,
                 gdal_line());
    return rc ? -1 : 0;
}

static int has_field(OGRLayerH lyr, const char *name)
{
    return lyr && OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name) >= 0;
}

/* A minewatch ledger (the marker; or a ledger made before it, which gets
 * it), or a data source with nothing of ours that may become one (new: a
 * file just created, a PostgreSQL database).  0, or -1 with mw_error. */
static int check_marker(mw_ledger *l, int fresh)
{
    OGRLayerH m = GDALDatasetGetLayerByName(l->ds, MARKER);
    if (m) {
        OGR_L_ResetReading(m);
        OGRFeatureH f = OGR_L_GetNextFeature(m);
        int v = f && has_field(m, "schema_version")
                    ? OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "schema_version"))
                    : 0;
        if (f)
            OGR_F_Destroy(f);
        if (v < 1) {
            mw_error(MW_EXIT_LEDGER, "%s: the minewatch_ledger table has no schema version; "
                     "not a minewatch ledger", l->target);
            return -1;
        }
        if (v > SCHEMA_VERSION) {
            mw_error(MW_EXIT_LEDGER, "%s: a ledger of schema version %d, newer than this "
                     "minewatch's %d", l->target, v, SCHEMA_VERSION);
            return -1;
        }
        return 0;
    }
    OGRLayerH places = GDALDatasetGetLayerByName(l->ds, "ledger");
    OGRLayerH obs = GDALDatasetGetLayerByName(l->ds, "observations");
    if (has_field(places, "ledger_id") && has_field(places, "case_status") &&
        has_field(obs, "ledger_id") && has_field(obs, "run"))
        return write_marker(l); /* a ledger from before the marker */
    if (!places && !obs && (fresh || !strncmp(l->target, "PG:", 3)))
        return write_marker(l);
    mw_error(MW_EXIT_LEDGER, "%s: not a minewatch ledger (no minewatch_ledger table); give "
             "--ledger an existing ledger or a new path", l->target);
    return -1;
}

static int ensure_layers(mw_ledger *l)
{
    l->places = GDALDatasetGetLayerByName(l->ds, "ledger");
    l->obs = GDALDatasetGetLayerByName(l->ds, "observations");
    if (l->places && l->obs) {
        /* a ledger of an earlier version: the run identity's columns added
         * (its rows, without an area, are seen by every area) */
        OGRFeatureDefnH pd = OGR_L_GetLayerDefn(l->places), od = OGR_L_GetLayerDefn(l->obs);
        int rc = (OGR_FD_GetFieldIndex(pd, "area") < 0 && create_field(l->places, "area", OFTString)) ||
                 (OGR_FD_GetFieldIndex(pd, "first_run_id") < 0 &&
                  create_field(l->places, "first_run_id", OFTString)) ||
                 (OGR_FD_GetFieldIndex(od, "area") < 0 && create_field(l->obs, "area", OFTString)) ||
                 (OGR_FD_GetFieldIndex(od, "run_id") < 0 && create_field(l->obs, "run_id", OFTString));
        if (rc)
            mw_error(MW_EXIT_LEDGER, "%s: cannot add the run identity's columns (%s)", l->target,
                     gdal_line());
        return rc ? -1 : 0;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 4490); /* CGCS2000 */
    int rc = 0;
    if (!l->places) {
        l->places = GDALDatasetCreateLayer(l->ds, "ledger", srs, wkbMultiPolygon, NULL);
        rc = !l->places || create_field(l->places, "ledger_id", OFTString) ||
             create_field(l->places, "first_run", OFTString) ||
             create_field(l->places, "case_status", OFTString) ||
             create_field(l->places, "first_area_m2", OFTReal) ||
             create_field(l->places, "area", OFTString) ||
             create_field(l->places, "first_run_id", OFTString);
    }
    if (rc == 0 && !l->obs) {
        l->obs = GDALDatasetCreateLayer(l->ds, "observations", NULL, wkbNone, NULL);
        rc = !l->obs || create_field(l->obs, "ledger_id", OFTString) ||
             create_field(l->obs, "run", OFTString) ||
             create_field(l->obs, "patch_id", OFTString) ||
             create_field(l->obs, "state", OFTString) ||
             create_field(l->obs, "area_m2", OFTReal) ||
             create_field(l->obs, "rules", OFTString) ||
             create_field(l->obs, "licence_id", OFTString) ||
             create_field(l->obs, "area", OFTString) ||
             create_field(l->obs, "run_id", OFTString);
    }
    OSRDestroySpatialReference(srs);
    if (rc)
        mw_error(MW_EXIT_LEDGER, "%s: cannot create the ledger tables (%s)", l->target,
                 gdal_line());
    return rc ? -1 : 0;
}

int mw_ledger_open(const char *target, int create, mw_ledger **out)
{
    *out = NULL;
    VSIStatBufL st0;
    if (!create && strncmp(target, "PG:", 3) && VSIStatL(target, &st0) != 0) {
        mw_error(MW_EXIT_LEDGER, "%s: no ledger there (a scan with --ledger makes one)", target);
        return -1;
    }
    mw_ledger *l = mw_calloc(1, sizeof *l);
    if (!l)
        return -1;
    snprintf(l->target, sizeof l->target, "%s", target);
    int pg = !strncmp(target, "PG:", 3);
    l->lock_fd = -1;
    /* One writer at a time (scans of a nightly run spread over MPI ranks,
     * or a scan beside a set-status): ledger ids are numbered from the
     * ledger's content.  A GeoPackage: flock on TARGET.lock (a local or
     * lock-capable file system); PostGIS: an advisory lock, below. */
    if (!pg) {
        char lock[MW_PATH_MAX + 8];
        snprintf(lock, sizeof lock, "%s.lock", target);
        l->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (l->lock_fd < 0 || flock(l->lock_fd, LOCK_EX) != 0) {
            mw_error(MW_EXIT_LEDGER, "%s: cannot lock the ledger: %s", lock, strerror(errno));
            if (l->lock_fd >= 0)
                close(l->lock_fd);
            free(l);
            return -1;
        }
    }
    int fresh = 0;
    VSIStatBufL st;
    if (!pg && VSIStatL(target, &st) == 0 && VSI_ISREG(st.st_mode) && st.st_size == 0)
        unlink(target); /* an empty file: a new ledger (under the lock) */
    l->ds = pg || VSIStatL(target, &st) == 0
                ? GDALOpenEx(target, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL)
                : NULL;
    if (!l->ds && !pg) {
        if (VSIStatL(target, &st) == 0) {
            char why[1024];
            snprintf(why, sizeof why, "%s", gdal_line());
            GDALDatasetH ro = GDALOpenEx(target, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL,
                                         NULL);
            if (ro) { /* immutable (chattr +i), read-only file or folder */
                GDALClose(ro);
                mw_error(MW_EXIT_LEDGER, "%s: the ledger cannot be opened for writing (%s)",
                         target, why);
            } else {
                mw_error(MW_EXIT_LEDGER, "%s: not a ledger GeoPackage OGR can update (%s)",
                         target, why);
            }
            mw_ledger_close(l);
            return -1;
        }
        l->ds = GDALCreate(GDALGetDriverByName("GPKG"), target, 0, 0, 0, GDT_Unknown, NULL);
        fresh = 1;
    }
    if (!l->ds) {
        mw_error(MW_EXIT_LEDGER, "%s: cannot open the ledger (%s)", target, gdal_line());
        mw_ledger_close(l);
        return -1;
    }
    if (pg) { /* held by this connection until it closes */
        OGRLayerH r = GDALDatasetExecuteSQL(l->ds, "SELECT pg_advisory_lock(20241120)", NULL,
                                            NULL);
        if (r)
            GDALDatasetReleaseResultSet(l->ds, r);
    }
    if (check_marker(l, fresh) || ensure_layers(l)) {
        mw_ledger_close(l);
        return -1;
    }
    *out = l;
    return 0;
}

void mw_ledger_close(mw_ledger *l)
{
    if (!l)
        return;
    if (l->ds && l->in_tx) /* a run whose reports failed: the ledger as it was */
        GDALDatasetRollbackTransaction(l->ds);
    if (l->ds)
        GDALClose(l->ds);
    if (l->lock_fd >= 0)
        close(l->lock_fd); /* releases the flock */
    free(l);
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* The run's identity; the footprint in the ledger's CRS (lon/lat). */
static void run_ident_make(const mw_config *cfg, const mw_scene *s,
                           OGRCoordinateTransformationH to_ledger, run_ident *r)
{
    snprintf(r->dates, sizeof r->dates, "%.15s/%.15s", cfg->t1_date, cfg->t2_date);
    if (cfg->area[0]) {
        snprintf(r->area, sizeof r->area, "%s", cfg->area);
    } else {
        double x[4] = {s->gt[0], s->gt[0] + s->width * s->gt[1], s->gt[0],
                       s->gt[0] + s->width * s->gt[1]};
        double y[4] = {s->gt[3], s->gt[3], s->gt[3] + s->height * s->gt[5],
                       s->gt[3] + s->height * s->gt[5]};
        if (to_ledger)
            OCTTransform(to_ledger, 4, x, y, NULL);
        double x0 = x[0], x1 = x[0], y0 = y[0], y1 = y[0];
        for (int i = 1; i < 4; i++) {
            x0 = x[i] < x0 ? x[i] : x0;
            x1 = x[i] > x1 ? x[i] : x1;
            y0 = y[i] < y0 ? y[i] : y0;
            y1 = y[i] > y1 ? y[i] : y1;
        }
        snprintf(r->area, sizeof r->area, "footprint:%.4f,%.4f,%.4f,%.4f", x0, y0, x1, y1);
    }
    snprintf(r->id, sizeof r->id, "%s|%s|%.200s|%.200s", r->area, r->dates, base_name(cfg->t1),
             base_name(cfg->t2));
}

/* s as an SQL string literal, quotes doubled */
static void sql_quote(const char *s, char *out, size_t size)
{
    size_t k = 0;
    if (size < 3)
        return;
    out[k++] = '\'';
    for (; *s && k + 3 < size; s++) {
        if (*s == '\'')
            out[k++] = '\'';
        out[k++] = *s;
    }
    out[k++] = '\'';
    out[k] = '\0';
}

/* SQL that both SQLite (GeoPackage) and PostgreSQL accept. */
static int exec_sql(mw_ledger *l, const char *sql)
{
    CPLErrorReset();
    OGRLayerH r = GDALDatasetExecuteSQL(l->ds, sql, NULL, NULL);
    if (r)
        GDALDatasetReleaseResultSet(l->ds, r);
    if (CPLGetLastErrorType() >= CE_Failure) {
        mw_error(MW_EXIT_LEDGER, "%s: %s failed (%s)", l->target, sql, CPLGetLastErrorMsg());
        return -1;
    }
    return 0;
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const place *)a)->id, ((const place *)b)->id);
}

/* Every place, in the scene CRS, with its latest earlier observation; the
 * places this run reported when it ran before are marked own. */
static long load_places(mw_ledger *l, const run_ident *run, OGRSpatialReferenceH scene_srs,
                        place **out)
{
    OGRSpatialReferenceH lsrs = OSRClone(OGR_L_GetSpatialRef(l->places));
    OSRSetAxisMappingStrategy(lsrs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(lsrs, scene_srs);
    OSRDestroySpatialReference(lsrs);
    long n = 0, cap = 0;
    place *p = NULL;
    OGR_L_ResetReading(l->places);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l->places)) != NULL) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        const char *area = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "area"));
        if (g && (!area[0] || !strcmp(area, run->area))) { /* this area's (or a legacy row) */
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                place *grown = realloc(p, (size_t)cap * sizeof *p);
                if (!grown) {
                    OGR_F_Destroy(f);
                    break;
                }
                p = grown;
            }
            place *q = &p[n++];
            memset(q, 0, sizeof *q);
            snprintf(q->id, sizeof q->id, "%s", OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ledger_id")));
            snprintf(q->first_run, sizeof q->first_run, "%s",
                     OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "first_run")));
            snprintf(q->case_status, sizeof q->case_status, "%s",
                     OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "case_status")));
            snprintf(q->first_run_id, sizeof q->first_run_id, "%s",
                     OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "first_run_id")));
            /* a row from before run ids: its dates alone, as then */
            q->own = !strcmp(q->first_run_id, run->id) ||
                     (!q->first_run_id[0] && !strcmp(q->first_run, run->dates));
            q->geom = OGR_G_Clone(g);
            if (ct)
                OGR_G_Transform(q->geom, ct);
            OGR_G_GetEnvelope(q->geom, &q->env);
            q->last_area = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "first_area_m2"));
            snprintf(q->last_state, sizeof q->last_state, "NEW");
        }
        OGR_F_Destroy(f);
    }
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    if (n > 1)
        qsort(p, (size_t)n, sizeof *p, by_id);
    /* latest earlier observation of each place (runs sort as text: dates) */
    OGR_L_ResetReading(l->obs);
    char (*seen)[KEY_LEN] = calloc((size_t)n + 1, KEY_LEN);
    while (seen && (f = OGR_L_GetNextFeature(l->obs)) != NULL) {
        const char *id = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ledger_id"));
        const char *run_dates = OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "run"));
        place k;
        snprintf(k.id, sizeof k.id, "%s", id);
        place *q = n ? bsearch(&k, p, (size_t)n, sizeof *p, by_id) : NULL;
        if (q && strcmp(run_dates, run->dates) < 0 && strcmp(run_dates, seen[q - p]) > 0) {
            snprintf(seen[q - p], KEY_LEN, "%s", run_dates);
            q->last_area = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "area_m2"));
            snprintf(q->last_state, sizeof q->last_state, "%s",
                     OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "state")));
        }
        OGR_F_Destroy(f);
    }
    free(seen);
    *out = p;
    return n;
}

static long next_number(mw_ledger *l)
{
    long max = 0;
    OGR_L_ResetReading(l->places);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(l->places)) != NULL) {
        long v = 0;
        sscanf(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ledger_id")), "MW%ld", &v);
        if (v > max)
            max = v;
        OGR_F_Destroy(f);
    }
    return max + 1;
}

static int add_observation(mw_ledger *l, const char *id, const run_ident *run,
                           const mw_patch *p, const char *state, double area)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l->obs));
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "ledger_id"), id);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "run"), run->dates);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "area"), run->area);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "run_id"), run->id);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "patch_id"), p ? p->id : "");
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "state"), state);
    OGR_F_SetFieldDouble(f, OGR_F_GetFieldIndex(f, "area_m2"), area);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "rules"), p ? p->v.rules : "");
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "licence_id"), p ? p->v.licence_id : "");
    int rc = OGR_L_CreateFeature(l->obs, f) == OGRERR_NONE ? 0 : -1;
    OGR_F_Destroy(f);
    return rc;
}

static int add_place(mw_ledger *l, const char *id, const run_ident *run, const mw_patch *p,
                     OGRCoordinateTransformationH to_ledger)
{
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l->places));
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "ledger_id"), id);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "first_run"), run->dates);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "area"), run->area);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "first_run_id"), run->id);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "case_status"), "reported");
    OGR_F_SetFieldDouble(f, OGR_F_GetFieldIndex(f, "first_area_m2"), p->area_m2);
    OGRGeometryH g = OGR_G_ForceToMultiPolygon(OGR_G_Clone(p->geom));
    if (to_ledger)
        OGR_G_Transform(g, to_ledger);
    OGR_F_SetGeometryDirectly(f, g);
    int rc = OGR_L_CreateFeature(l->places, f) == OGRERR_NONE ? 0 : -1;
    OGR_F_Destroy(f);
    return rc;
}

static int env_meet(const OGREnvelope *a, const OGREnvelope *b)
{
    return a->MinX <= b->MaxX && b->MinX <= a->MaxX && a->MinY <= b->MaxY &&
           b->MinY <= a->MaxY;
}

static int match(mw_ledger *l, const mw_config *cfg, const mw_scene *s, mw_patchset *ps,
                 place *pl, long np, const run_ident *key, OGRCoordinateTransformationH to_ledger)
{
    long next = next_number(l);
    double mmu = cfg->min_area_m2 > s->pixel_area_m2 ? cfg->min_area_m2 : s->pixel_area_m2;
    for (size_t i = 0; i < ps->n; i++) {
        mw_patch *p = &ps->p[i];
        OGREnvelope env;
        OGR_G_GetEnvelope(p->geom, &env);
        place *best = NULL;
        double best_a = 0;
        for (long k = 0; k < np; k++) {
            if (!env_meet(&env, &pl[k].env) || !OGR_G_Intersects(p->geom, pl[k].geom))
                continue;
            OGRGeometryH in = OGR_G_Intersection(p->geom, pl[k].geom);
            double a = in ? OGR_G_Area(in) : 0;
            if (in)
                OGR_G_DestroyGeometry(in);
            if (a > best_a || !best) {
                best_a = a;
                best = &pl[k];
            }
        }
        mw_verdict *v = &p->v;
        if (best) {
            best->matched = 1;
            snprintf(v->ledger_id, sizeof v->ledger_id, "%s", best->id);
            snprintf(v->case_status, sizeof v->case_status, "%s", best->case_status);
            /* a place this run reported before is NEW again, as it was */
            snprintf(v->ledger_state, sizeof v->ledger_state, "%s",
                     best->own ? "NEW" : p->area_m2 > best->last_area + mmu ? "GROWN" : "KNOWN");
        } else {
            snprintf(v->ledger_id, sizeof v->ledger_id, "MW%06ld", next++);
            snprintf(v->case_status, sizeof v->case_status, "reported");
            snprintf(v->ledger_state, sizeof v->ledger_state, "NEW");
            if (add_place(l, v->ledger_id, key, p, to_ledger))
                return -1;
        }
        if (add_observation(l, v->ledger_id, key, p, v->ledger_state, p->area_m2))
            return -1;
    }
    /* earlier places inside this scene that nothing overlaps now: GONE */
    OGREnvelope scene = {s->gt[0], s->gt[0] + s->width * s->gt[1],
                         s->gt[3] + s->height * s->gt[5], s->gt[3]};
    for (long k = 0; k < np; k++) {
        const OGREnvelope *e = &pl[k].env;
        int inside = e->MinX >= scene.MinX && e->MaxX <= scene.MaxX &&
                     e->MinY >= scene.MinY && e->MaxY <= scene.MaxY;
        if (!pl[k].matched && !pl[k].own && inside && strcmp(pl[k].last_state, "GONE") &&
            add_observation(l, pl[k].id, key, NULL, "GONE", 0))
            return -1;
    }
    /* places this run reported before and does not find again: dropped,
     * unless someone set their status (then they stay, with it) */
    for (long k = 0; k < np; k++) {
        if (!pl[k].own || pl[k].matched || strcmp(pl[k].case_status, "reported"))
            continue;
        char sql[96];
        snprintf(sql, sizeof sql, "DELETE FROM ledger WHERE ledger_id = '%s'", pl[k].id);
        if (exec_sql(l, sql))
            return -1;
    }
    return 0;
}

int mw_ledger_record(mw_ledger *l, const mw_config *cfg, const mw_scene *s, mw_patchset *ps)
{
    char sql[2400], quoted[2100];
    OGRSpatialReferenceH srs = OSRNewSpatialReference(s->wkt);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReferenceH lsrs = OSRClone(OGR_L_GetSpatialRef(l->places));
    OSRSetAxisMappingStrategy(lsrs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH to_ledger = OCTNewCoordinateTransformation(srs, lsrs);
    run_ident key;
    run_ident_make(cfg, s, to_ledger, &key);
    int rc = 0;
    if (GDALDatasetStartTransaction(l->ds, FALSE) != OGRERR_NONE) {
        mw_error(MW_EXIT_LEDGER, "%s: cannot start a transaction (%s)", l->target,
                 gdal_line());
        rc = -1;
    } else {
        /* this run again: its earlier observations are replaced; its places
         * are matched again like any other (their id, status and history
         * kept) */
        sql_quote(key.id, quoted, sizeof quoted);
        snprintf(sql, sizeof sql, "DELETE FROM observations WHERE run_id = %s OR ((run_id IS "
                 "NULL OR run_id = '') AND run = '%s')", quoted, key.dates);
        rc = exec_sql(l, sql);
        if (rc)
            GDALDatasetRollbackTransaction(l->ds);
    }
    place *pl = NULL;
    long np = rc ? 0 : load_places(l, &key, srs, &pl);
    if (rc == 0 && match(l, cfg, s, ps, pl, np, &key, to_ledger)) {
        mw_error(MW_EXIT_LEDGER, "%s: cannot record the run (%s)", l->target,
                 gdal_line());
        GDALDatasetRollbackTransaction(l->ds);
        rc = -1;
    }
    for (long k = 0; k < np; k++)
        OGR_G_DestroyGeometry(pl[k].geom);
    free(pl);
    if (to_ledger)
        OCTDestroyCoordinateTransformation(to_ledger);
    OSRDestroySpatialReference(srs);
    OSRDestroySpatialReference(lsrs);
    if (rc)
        return -1;
    l->in_tx = 1; /* committed by mw_ledger_commit once the reports are written */
    return 0;
}

int mw_ledger_commit(mw_ledger *l)
{
    if (!l->in_tx)
        return 0;
    l->in_tx = 0;
    if (GDALDatasetCommitTransaction(l->ds) != OGRERR_NONE) {
        mw_error(MW_EXIT_LEDGER, "%s: cannot commit (%s)", l->target, gdal_line());
        return -1;
    }
    return 0;
}

int mw_ledger_set_status(mw_ledger *l, const char *id, const char *status)
{
    const char *code = NULL;
    for (int i = 0; CASE_STATUS[i] && !code; i++)
        if (!strcmp(status, CASE_STATUS[i]) || !strcmp(status, CASE_STATUS_ZH[i]))
            code = CASE_STATUS[i];
    if (!code) {
        mw_error(MW_EXIT_USAGE, "unknown case status '%s' (reported 已下发, field_checked "
                 "已核查, confirmed 已确认, dismissed 已排除, closed 已销号)", status);
        return -1;
    }
    status = code;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))) {
            mw_error(MW_EXIT_USAGE, "'%s' is not a ledger id (like MW000001)", id);
            return -1;
        }
    char filter[96];
    snprintf(filter, sizeof filter, "ledger_id = '%s'", id);
    OGR_L_SetAttributeFilter(l->places, filter);
    OGR_L_ResetReading(l->places);
    OGRFeatureH f = OGR_L_GetNextFeature(l->places);
    int rc = -1;
    if (!f) {
        mw_error(MW_EXIT_LEDGER, "%s: no ledger id %s", l->target, id);
    } else {
        OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "case_status"), status);
        if (OGR_L_SetFeature(l->places, f) == OGRERR_NONE)
            rc = 0;
        else
            mw_error(MW_EXIT_LEDGER, "%s: cannot update %s (%s)", l->target, id,
                     gdal_line());
        OGR_F_Destroy(f);
    }
    OGR_L_SetAttributeFilter(l->places, NULL);
    return rc;
}
