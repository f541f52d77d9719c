/* reports.c - change.tif, suspects.csv, patches.gpkg, manifest.json. */
#include "reports.h"

#include <dirent.h>
#include <errno.h>
#include <cpl_string.h>
#include <gdal.h>
#include <json-c/json.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mw.h"

/* ---- the output folder ------------------------------------------------ */

static int mkdir_p(const char *path)
{
    char buf[MW_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Remove work folders left by runs that are no longer alive. */
static void remove_stale_work(const char *out_dir)
{
    DIR *d = opendir(out_dir);
    if (!d)
        return;
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (sscanf(e->d_name, ".minewatch-work-%ld", &pid) != 1)
            continue;
        if (pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            snprintf(p, sizeof p, "%s/%s", out_dir, e->d_name);
            remove_tree(p);
        }
    }
    closedir(d);
}

int mw_outdir_prepare(const char *out_dir, mw_outdir *od)
{
    memset(od, 0, sizeof *od);
    snprintf(od->out_dir, sizeof od->out_dir, "%s", out_dir);
    if (mkdir_p(out_dir) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create output folder: %s", out_dir,
                 strerror(errno));
        return -1;
    }
    remove_stale_work(out_dir);
    snprintf(od->work_dir, sizeof od->work_dir, "%s/.minewatch-work-%ld", out_dir,
             (long)getpid());
    if (mkdir(od->work_dir, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: output folder is not writable: %s", out_dir,
                 strerror(errno));
        od->work_dir[0] = '\0';
        return -1;
    }
    return 0;
}

void mw_outdir_work_path(const mw_outdir *od, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", od->work_dir, name);
}

void mw_outdir_discard(mw_outdir *od)
{
    if (od->work_dir[0])
        remove_tree(od->work_dir);
    od->work_dir[0] = '\0';
}

/* ---- change.tif -------------------------------------------------------- */

static int write_cog(const char *class_path, const char *dst)
{
    GDALDatasetH src = GDALOpenEx(class_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                  NULL, NULL);
    if (!src) {
        mw_error(MW_EXIT_INTERNAL, "%s: cannot reopen (%s)", class_path, mw_gdal_message());
        return -1;
    }
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    opt = CSLSetNameValue(opt, "BLOCKSIZE", "512");
    opt = CSLSetNameValue(opt, "OVERVIEW_RESAMPLING", "NEAREST");
    opt = CSLSetNameValue(opt, "OVERVIEWS", "IGNORE_EXISTING");
    GDALDatasetH cog = GDALCreateCopy(GDALGetDriverByName("COG"), dst, src, FALSE, opt,
                                      NULL, NULL);
    CSLDestroy(opt);
    GDALClose(src);
    if (!cog) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write the change map (%s)", dst,
                 mw_gdal_message());
        return -1;
    }
    return mw_gdal_close(cog, dst);
}

/* ---- the patch table, shared by the CSV and the GeoPackage ------------- */

typedef enum { COL_S, COL_I, COL_R } col_type;
typedef struct { const char *name; col_type type; } column;

static const column COLS[] = {
    {"patch_id", COL_S}, {"rules", COL_S}, {"severity", COL_I}, {"finding", COL_S},
    {"licence_id", COL_S}, {"holder", COL_S},
    {"area_m2", COL_R}, {"area_ha", COL_R}, {"area_mu", COL_R}, {"pixels", COL_I},
    {"inside_licence_m2", COL_R}, {"outside_licence_m2", COL_R},
    {"beyond_boundary_m", COL_R}, {"nearest_licence_m", COL_R},
    {"centroid_x", COL_R}, {"centroid_y", COL_R}, {"lon", COL_R}, {"lat", COL_R},
    {"min_x", COL_R}, {"min_y", COL_R}, {"max_x", COL_R}, {"max_y", COL_R},
    {"mean_dndvi", COL_R}, {"min_dndvi", COL_R}, {"mean_dbsi", COL_R},
    {"field_check", COL_I}, {"t1_date", COL_S}, {"t2_date", COL_S},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])
#define FIELD_CHECK_MU 10.0 /* 卫片执法: every suspect >= 10 mu goes to the field */

typedef struct { char v[NCOLS][320]; } row;

static void format_row(const mw_patch *p, const mw_config *cfg, row *r)
{
    const mw_verdict *v = &p->v;
    int k = 0;
#define S(...) snprintf(r->v[k++], sizeof r->v[0], __VA_ARGS__)
    S("%s", p->id);
    S("%s", v->rules);
    S("%d", v->severity);
    S("%s", mw_finding_name(v->finding));
    S("%s", v->licence_id);
    S("%s", v->holder);
    S("%.1f", p->area_m2);
    S("%.4f", p->area_ha);
    S("%.2f", p->area_mu);
    S("%lld", (long long)p->stat.count);
    S("%.1f", v->inside_licence_m2);
    S("%.1f", v->outside_licence_m2);
    S("%.1f", v->beyond_boundary_m);
    S("%.1f", v->nearest_licence_m);
    S("%.2f", p->cx);
    S("%.2f", p->cy);
    S("%.7f", p->lon);
    S("%.7f", p->lat);
    S("%.2f", p->minx);
    S("%.2f", p->miny);
    S("%.2f", p->maxx);
    S("%.2f", p->maxy);
    S("%.4f", p->mean_dndvi);
    S("%.4f", p->min_dndvi);
    S("%.4f", p->mean_dbsi);
    S("%d", v->severity > 0 && p->area_mu >= FIELD_CHECK_MU);
    S("%s", cfg->t1_date);
    S("%s", cfg->t2_date);
#undef S
}

/* Report order: worst rule first, then larger first, then id. */
static const mw_patchset *g_sort_ps;
static int by_severity(const void *a, const void *b)
{
    const mw_patch *x = &g_sort_ps->p[*(const size_t *)a];
    const mw_patch *y = &g_sort_ps->p[*(const size_t *)b];
    if (x->v.severity != y->v.severity)
        return y->v.severity - x->v.severity;
    if (x->stat.count != y->stat.count)
        return y->stat.count > x->stat.count ? 1 : -1;
    return strcmp(x->id, y->id);
}

static size_t *report_order(const mw_patchset *ps)
{
    size_t *order = mw_calloc(ps->n, sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < ps->n; i++)
        order[i] = i;
    g_sort_ps = ps;
    qsort(order, ps->n, sizeof *order, by_severity);
    g_sort_ps = NULL;
    return order;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static int write_csv(const mw_run *run, const size_t *order, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    for (size_t c = 0; c < NCOLS; c++)
        fprintf(f, "%s%s", c ? "," : "", COLS[c].name);
    fputc('\n', f);
    row r;
    for (size_t i = 0; i < run->patches->n; i++) {
        format_row(&run->patches->p[order[i]], run->cfg, &r);
        for (size_t c = 0; c < NCOLS; c++) {
            if (c)
                fputc(',', f);
            csv_field(f, r.v[c]);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0 || bad) {
        mw_error(MW_EXIT_OUTPUT, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_gpkg(const mw_run *run, const size_t *order, const char *path)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0,
                                 GDT_Unknown, NULL);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", path, mw_gdal_message());
        return -1;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(run->scene->wkt);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "patches", srs, wkbPolygon, NULL);
    OSRDestroySpatialReference(srs);
    int rc = lyr ? 0 : -1;
    for (size_t c = 0; c < NCOLS && rc == 0; c++) {
        OGRFieldType t = COLS[c].type == COL_S ? OFTString
                         : COLS[c].type == COL_I ? OFTInteger64 : OFTReal;
        OGRFieldDefnH fd = OGR_Fld_Create(COLS[c].name, t);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = -1;
        OGR_Fld_Destroy(fd);
    }
    if (rc == 0 && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE)
        rc = -1;
    row r;
    for (size_t i = 0; i < run->patches->n && rc == 0; i++) {
        const mw_patch *p = &run->patches->p[order[i]];
        format_row(p, run->cfg, &r);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t c = 0; c < NCOLS; c++) {
            if (COLS[c].type == COL_S)
                OGR_F_SetFieldString(f, (int)c, r.v[c]);
            else if (COLS[c].type == COL_I)
                OGR_F_SetFieldInteger64(f, (int)c, strtoll(r.v[c], NULL, 10));
            else
                OGR_F_SetFieldDouble(f, (int)c, strtod(r.v[c], NULL));
        }
        OGR_F_SetGeometry(f, p->geom);
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
            rc = -1;
        OGR_F_Destroy(f);
    }
    if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        rc = -1;
    if (rc)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write patches (%s)", path, mw_gdal_message());
    if (mw_gdal_close(ds, path))
        rc = -1;
    return rc;
}

/* ---- manifest.json ------------------------------------------------------ */

static int sha256_file(const char *path, char hex[65], long long *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t got;
    long long total = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, got);
        total += (long long)got;
    }
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return -1;
    for (unsigned int i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    *bytes = total;
    return 0;
}

static int add_input(json_object *arr, const char *role, const char *path)
{
    char hex[65] = "";
    long long bytes = 0;
    if (sha256_file(path, hex, &bytes)) {
        mw_error(MW_EXIT_RASTER, "%s: cannot read for its checksum: %s", path,
                 strerror(errno));
        return -1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "role", json_object_new_string(role));
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object_object_add(o, "bytes", json_object_new_int64(bytes));
    json_object_object_add(o, "sha256", json_object_new_string(hex));
    json_object_array_add(arr, o);
    return 0;
}

static void visit_config(const char *section, const char *key, const char *value,
                         void *arg)
{
    json_object *root = arg, *sec;
    if (!json_object_object_get_ex(root, section, &sec)) {
        sec = json_object_new_object();
        json_object_object_add(root, section, sec);
    }
    json_object_object_add(sec, key, json_object_new_string(value));
}

static json_object *counts_json(const mw_run *run)
{
    static const char *names[MW_CLASS_COUNT] = {
        "no_change", "vegetation_loss", "bare_ground_gain", "disturbance",
        "revegetation", "other_change"};
    json_object *o = json_object_new_object(), *px = json_object_new_object();
    for (int c = 0; c < MW_CLASS_COUNT; c++)
        json_object_object_add(px, names[c],
                               json_object_new_int64((int64_t)run->tiles->class_count[c]));
    json_object_object_add(px, "masked",
                           json_object_new_int64(
                               (int64_t)run->tiles->class_count[MW_CLASS_MASKED]));
    json_object_object_add(o, "pixels_by_class", px);
    json_object_object_add(o, "disturbance_components",
                           json_object_new_int64((int64_t)run->patches->n_components));
    json_object_object_add(o, "dropped_below_mmu",
                           json_object_new_int64((int64_t)run->patches->n_dropped));
    json_object_object_add(o, "patches", json_object_new_int64((int64_t)run->patches->n));
    int64_t by[MW_FIND_COUNT] = {0};
    for (size_t i = 0; i < run->patches->n; i++)
        by[run->patches->p[i].v.finding]++;
    json_object *f = json_object_new_object();
    for (int k = 0; k < MW_FIND_COUNT; k++)
        json_object_object_add(f, mw_finding_name((mw_finding)k), json_object_new_int64(by[k]));
    json_object_object_add(o, "patches_by_finding", f);
    json_object_object_add(o, "licences", json_object_new_int64((int64_t)run->licences->n));
    return o;
}

static int write_manifest(const mw_run *run, const char *path)
{
    const mw_scene *s = run->scene;
    json_object *m = json_object_new_object();
    json_object_object_add(m, "minewatch_version", json_object_new_string(MW_VERSION));
    json_object_object_add(m, "gdal_version",
                           json_object_new_string(GDALVersionInfo("RELEASE_NAME")));
    json_object_object_add(m, "command", json_object_new_string("scan"));
    json_object_object_add(m, "config_file", json_object_new_string(run->cfg->file));
    json_object *cfg = json_object_new_object();
    mw_config_visit(run->cfg, visit_config, cfg);
    json_object_object_add(m, "config", cfg);

    json_object *in = json_object_new_array();
    json_object_object_add(m, "inputs", in);
    if (add_input(in, "t1", s->path[0]) || add_input(in, "t2", s->path[1]) ||
        (!run->licences->absent && add_input(in, "licences", run->licences->path))) {
        json_object_put(m);
        return -1;
    }

    json_object *sc = json_object_new_object();
    json_object_object_add(sc, "width", json_object_new_int(s->width));
    json_object_object_add(sc, "height", json_object_new_int(s->height));
    json_object *gt = json_object_new_array();
    for (int i = 0; i < 6; i++)
        json_object_array_add(gt, json_object_new_double(s->gt[i]));
    json_object_object_add(sc, "geotransform", gt);
    json_object_object_add(sc, "crs_wkt", json_object_new_string(s->wkt));
    json_object_object_add(sc, "bare_soil_index",
                           json_object_new_string(s->band[MW_SWIR1] ? "BSI" : "BSI_vnir"));
    json_object_object_add(m, "scene", sc);

    json_object *t = json_object_new_object();
    json_object_object_add(t, "size", json_object_new_int(run->tiles->size));
    json_object_object_add(t, "count", json_object_new_int(run->tiles->ntiles));
    json_object_object_add(t, "threads", json_object_new_int(run->tiles->threads_used));
    json_object_object_add(t, "halo", json_object_new_int(2 * run->cfg->open_radius));
    json_object_object_add(m, "tiles", t);
    json_object_object_add(m, "counts", counts_json(run));

    json_object *tm = json_object_new_object();
    for (int i = 0; i < run->timings->nstages; i++)
        json_object_object_add(tm, run->timings->stage[i],
                               json_object_new_double(round(run->timings->seconds[i] * 1e3) / 1e3));
    json_object_object_add(m, "timings_s", tm);
    json_object_object_add(m, "started_unix", json_object_new_int64((int64_t)run->timings->started_unix));

    json_object *out = json_object_new_array();
    static const char *files[] = {"change.tif", "suspects.csv", "patches.gpkg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        json_object_array_add(out, json_object_new_string(files[i]));
    json_object_object_add(m, "outputs", out);

    int rc = json_object_to_file_ext(path, m, JSON_C_TO_STRING_PRETTY |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
    json_object_put(m);
    if (rc != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", path, json_util_get_last_err());
        return -1;
    }
    return 0;
}

/* ---- commit ------------------------------------------------------------- */

static int commit(mw_outdir *od, const char *const *names, size_t n)
{
    char from[MW_PATH_MAX + 64], to[MW_PATH_MAX + 64];
    for (size_t i = 0; i < n; i++) {
        snprintf(from, sizeof from, "%s/%s", od->work_dir, names[i]);
        snprintf(to, sizeof to, "%s/%s", od->out_dir, names[i]);
        if (rename(from, to) != 0) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot move into place: %s", to, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int mw_reports_write(const mw_run *run, const char *class_path, mw_outdir *od)
{
    static const char *const names[] = {"change.tif", "suspects.csv", "patches.gpkg",
                                        "manifest.json"};
    char path[4][MW_PATH_MAX + 64];
    for (int i = 0; i < 4; i++)
        mw_outdir_work_path(od, names[i], path[i], sizeof path[i]);
    size_t *order = report_order(run->patches);
    if (!order && run->patches->n)
        return -1;
    int rc = write_cog(class_path, path[0]) || write_csv(run, order, path[1]) ||
             write_gpkg(run, order, path[2]) || write_manifest(run, path[3]);
    free(order);
    if (rc)
        return -1;
    return commit(od, names, 4);
}
