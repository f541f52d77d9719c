/* reports.c - change.tif, suspects.csv, patches.gpkg, manifest.json; the hooks of
 * suspects.xlsx, report.html and the QGIS styles (xlsx.c, report_html.c, styles.c). */
#include "reports.h"
#include "chips.h"
#include "mapsheet.h"
#include "draw.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <cpl_string.h>
#include <gdal.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <openssl/evp.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "mw.h"
#include "coreg.h"
#include "dist.h"
#include "report_html.h"
#include "styles.h"
#include "survey.h"
#include "xlsx.h"

/* ---- the output folder ------------------------------------------------ */

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

int mw_outdir_check_path(const char *out_dir, int code)
{
    /* the folder as it will be: the deepest existing ancestor resolved
     * (symlinks: OUTDIR/latest is a run folder), the rest as given */
    char path[MW_PATH_MAX], real[PATH_MAX], abs[MW_PATH_MAX + PATH_MAX + 2];
    snprintf(path, sizeof path, "%s", out_dir);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    const char *rest = "";
    char *cut = NULL;
    for (;;) {
        if (realpath(path[0] ? path : ".", real))
            break;
        char *slash = strrchr(path, '/');
        if (cut)
            *cut = '/';
        if (!slash) { /* nothing of it exists: relative to the current folder */
            if (!realpath(".", real))
                return 0;
            rest = out_dir;
            break;
        }
        *slash = '\0';
        cut = slash;
        rest = out_dir + (slash - path) + 1;
        if (slash == path) { /* "/x": the root */
            snprintf(real, sizeof real, "/");
            break;
        }
    }
    snprintf(abs, sizeof abs, "%s/%s", real, rest);
    /* walk its components */
    char prefix[sizeof abs] = "";
    size_t plen = 0;
    for (char *c = abs; *c;) {
        char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        if (n && !(n == 1 && c[0] == '.')) {
            char comp[NAME_MAX + 1];
            snprintf(comp, sizeof comp, "%.*s", (int)(n < NAME_MAX ? n : NAME_MAX), c);
            char latest[sizeof abs + 8];
            snprintf(latest, sizeof latest, "%s/latest", prefix[0] ? prefix : "");
            struct stat st;
            const char *what = !strcmp(comp, ".minewatch-resume")         ? "a resume folder"
                               : !strncmp(comp, ".minewatch-work-", 16)   ? "a work folder"
                               : !strcmp(comp, "runs") && lstat(latest, &st) == 0 &&
                                         S_ISLNK(st.st_mode)
                                   ? "the run folders"
                                   : NULL;
            if (what) {
                mw_error(code, "%s: is inside %s of an output folder (%s/%s), which a "
                         "run replaces; give another folder", out_dir, what,
                         prefix[0] ? prefix : "", comp);
                return -1;
            }
            plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, "/%s", comp);
        }
        c += n;
        while (*c == '/')
            c++;
    }
    return 0;
}

int mw_outdir_prepare(const char *out_dir, mw_outdir *od)
{
    memset(od, 0, sizeof *od);
    od->lock_fd = -1;
    snprintf(od->out_dir, sizeof od->out_dir, "%s", out_dir);
    if (mw_mkdirs(out_dir) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create output folder: %s", out_dir,
                 strerror(errno));
        return -1;
    }
    /* Two runs into one folder would rename their reports over each other's
     * and share one resume folder.  The folder itself is locked: no lock
     * file to leave behind or to race on. */
    od->lock_fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (od->lock_fd >= 0 && flock(od->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(od->lock_fd);
        od->lock_fd = -1;
        if (busy) {
            mw_error(MW_EXIT_BUSY, "%s: another minewatch run is writing into this "
                                   "output folder", out_dir);
            return -1;
        }
    }
    remove_stale_work(out_dir);
    snprintf(od->work_dir, sizeof od->work_dir, "%s/.minewatch-work-%ld", out_dir,
             (long)getpid());
    if (mkdir(od->work_dir, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: output folder is not writable: %s", out_dir,
                 strerror(errno));
        od->work_dir[0] = '\0';
        mw_outdir_discard(od);
        return -1;
    }
    return 0;
}

void mw_outdir_resume_done(mw_outdir *od)
{
    if (od->resume_dir[0])
        remove_tree(od->resume_dir);
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
    if (od->lock_fd >= 0)
        close(od->lock_fd); /* releases the flock */
    od->lock_fd = -1;
}

/* ---- change.tif -------------------------------------------------------- */

/* The COG copy of the class raster.  Runs on its own thread (mw_cog_start),
 * so it reports GDAL's message of that thread, not the shared one. */
static int write_cog(const char *class_path, const char *dst, int threads, int *code,
                     char *msg, size_t msg_size)
{
    GDALDatasetH src = GDALOpenEx(class_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                  NULL, NULL);
    if (!src) {
        *code = MW_EXIT_INTERNAL;
        snprintf(msg, msg_size, "%.480s: cannot reopen (%.480s)", class_path, CPLGetLastErrorMsg());
        return -1;
    }
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    opt = CSLSetNameValue(opt, "BLOCKSIZE", "512");
    /* the class raster's own nearest overviews, filled by the tile pass */
    opt = CSLSetNameValue(opt, "OVERVIEWS", "FORCE_USE_EXISTING");
    /* blocks compressed by as many threads as the scan has, not ALL_CPUS
     * (every CPU of the process's affinity, whatever --threads says) */
    char nthreads[16];
    snprintf(nthreads, sizeof nthreads, "%d", threads > 0 ? threads : 1);
    opt = CSLSetNameValue(opt, "NUM_THREADS", nthreads);
    CPLErrorReset();
    GDALDatasetH cog = GDALCreateCopy(GDALGetDriverByName("COG"), dst, src, FALSE, opt,
                                      NULL, NULL);
    CSLDestroy(opt);
    GDALClose(src);
    if (cog) {
        GDALClose(cog); /* GDAL 3.6: void; a failed flush shows as CPL's last error */
        if (CPLGetLastErrorType() < CE_Failure)
            return 0;
    }
    *code = MW_EXIT_OUTPUT;
    snprintf(msg, msg_size, "%.480s: cannot write the change map (%.480s)", dst,
             CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "unknown GDAL error");
    return -1;
}

struct mw_cog_job {
    pthread_t thread;
    int started;
    char src[MW_PATH_MAX + 64], dst[MW_PATH_MAX + 64];
    int threads;
    int rc, code;
    char msg[1024];
};

static void *cog_thread(void *arg)
{
    mw_cog_job *j = arg;
    j->rc = write_cog(j->src, j->dst, j->threads, &j->code, j->msg, sizeof j->msg);
    return NULL;
}

mw_cog_job *mw_cog_start(const char *class_path, const mw_outdir *od, int threads)
{
    mw_cog_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->threads = threads;
    snprintf(j->src, sizeof j->src, "%s", class_path);
    mw_outdir_work_path(od, "change.tif", j->dst, sizeof j->dst);
    j->started = pthread_create(&j->thread, NULL, cog_thread, j) == 0;
    return j;
}

int mw_cog_finish(mw_cog_job *j)
{
    if (!j)
        return 0;
    if (!j->started) /* no thread: write it now */
        cog_thread(j);
    else
        pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc)
        mw_error((mw_exit)j->code, "%s", j->msg);
    free(j);
    return rc;
}

/* ---- the patch table (suspects.csv and the patches layer) ---------------- */

static const mw_column COLS[] = {
    {"patch_id", COL_S}, {"rules", COL_S}, {"severity", COL_I}, {"finding", COL_S},
    {"licence_id", COL_S}, {"holder", COL_S}, {"licence_status", COL_S},
    {"area_m2", COL_R}, {"area_ha", COL_R}, {"area_mu", COL_R}, {"pixels", COL_I},
    {"inside_licence_m2", COL_R}, {"outside_licence_m2", COL_R},
    {"beyond_boundary_m", COL_R}, {"nearest_licence_m", COL_R},
    {"after_expiry_m2", COL_R}, {"exploration_m2", COL_R},
    {"redline_m2", COL_R}, {"redline_name", COL_S}, {"farmland_m2", COL_R},
    {"urban_m2", COL_R}, {"county", COL_S}, {"county_code", COL_S},
    {"ledger_id", COL_S}, {"ledger_state", COL_S}, {"case_status", COL_S},
    {"centroid_x", COL_R}, {"centroid_y", COL_R}, {"lon", COL_R}, {"lat", COL_R},
    {"min_x", COL_R}, {"min_y", COL_R}, {"max_x", COL_R}, {"max_y", COL_R},
    {"mean_dndvi", COL_R}, {"min_dndvi", COL_R}, {"mean_dbsi", COL_R},
    {"field_check", COL_I}, {"t1_date", COL_S}, {"t2_date", COL_S},
    {"confidence", COL_R}, {"confidence_level", COL_S}, {"masked_fraction", COL_R},
    {"change_margin", COL_R},
};
#define NCOLS (sizeof COLS / sizeof COLS[0])

typedef struct { char v[NCOLS][MW_CELL]; } row;

static void format_row(const mw_patch *p, const mw_config *cfg, row *r)
{
    const mw_verdict *v = &p->v;
    int k = 0;
#define S(...) snprintf(r->v[k++], sizeof r->v[0], __VA_ARGS__)
#define N(fmt, x) mw_cell_num(r->v[k++], fmt, x) /* NaN: no value */
    S("%s", p->id);
    S("%s", v->rules);
    S("%d", v->severity);
    S("%s", mw_finding_name(v->finding));
    S("%s", v->licence_id);
    S("%s", v->holder);
    S("%s", v->licence_status);
    S("%.1f", p->area_m2);
    S("%.4f", p->area_ha);
    S("%.2f", p->area_mu);
    S("%lld", (long long)p->stat.count);
    N("%.1f", v->inside_licence_m2);
    N("%.1f", v->outside_licence_m2);
    N("%.1f", v->beyond_boundary_m);
    N("%.1f", v->nearest_licence_m);
    N("%.1f", v->after_expiry_m2);
    N("%.1f", v->exploration_m2);
    N("%.1f", v->redline_m2);
    S("%s", v->redline_name);
    N("%.1f", v->farmland_m2);
    N("%.1f", v->urban_m2);
    S("%s", v->county);
    S("%s", v->county_code);
    S("%s", v->ledger_id);
    S("%s", v->ledger_state);
    S("%s", v->case_status);
    S("%.2f", p->cx);
    S("%.2f", p->cy);
    N("%.7f", p->lon);
    N("%.7f", p->lat);
    S("%.2f", p->minx);
    S("%.2f", p->miny);
    S("%.2f", p->maxx);
    S("%.2f", p->maxy);
    S("%.4f", p->mean_dndvi);
    S("%.4f", p->min_dndvi);
    S("%.4f", p->mean_dbsi);
    S("%d", p->area_mu >= MW_FIELD_CHECK_MU);
    S("%s", cfg->t1_date);
    S("%s", cfg->t2_date);
    N("%.4f", p->confidence);
    S("%s", p->confidence_level);
    S("%.4f", p->masked_fraction);
    N("%.4f", p->change_margin);
#undef S
#undef N
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

typedef struct {
    const mw_run *run;
    const size_t *order;
} patch_ctx;

static void patch_format(const mw_table *t, size_t i, char (*cells)[MW_CELL])
{
    const patch_ctx *c = t->ctx;
    row *r = malloc(sizeof *r);
    if (!r)
        return;
    format_row(&c->run->patches->p[c->order[i]], c->run->cfg, r);
    memcpy(cells, r->v, sizeof r->v);
    free(r);
}

static OGRGeometryH patch_geom(const mw_table *t, size_t i)
{
    const patch_ctx *c = t->ctx;
    return c->run->patches->p[c->order[i]].geom;
}

/* ---- writing any table as CSV and as a GeoPackage layer ------------------ */

/* Chinese headers for [report] language = zh; unlisted names stay English. */
static const struct { const char *en, *zh; } ZH[] = {
    {"patch_id", "图斑编号"}, {"rules", "违法类型"}, {"severity", "严重程度"},
    {"finding", "矿权关系"}, {"licence_id", "许可证号"}, {"holder", "矿业权人"},
    {"licence_status", "许可证状态"}, {"area_m2", "面积(平方米)"},
    {"area_ha", "面积(公顷)"}, {"area_mu", "面积(亩)"}, {"pixels", "像元数"},
    {"inside_licence_m2", "矿区范围内面积(平方米)"},
    {"outside_licence_m2", "矿区范围外面积(平方米)"},
    {"beyond_boundary_m", "越界距离(米)"}, {"nearest_licence_m", "最近矿区距离(米)"},
    {"after_expiry_m2", "失效矿权内面积(平方米)"},
    {"exploration_m2", "探矿权内面积(平方米)"}, {"redline_m2", "生态红线内面积(平方米)"},
    {"redline_name", "红线名称"}, {"farmland_m2", "永久基本农田内面积(平方米)"},
    {"urban_m2", "城镇开发边界内面积(平方米)"}, {"county", "县(区)"},
    {"county_code", "行政区划代码"},
    {"ledger_id", "台账编号"}, {"ledger_state", "台账状态"}, {"case_status", "案件状态"},
    {"centroid_x", "中心X"}, {"centroid_y", "中心Y"}, {"lon", "经度"}, {"lat", "纬度"},
    {"field_check", "需外业核查"}, {"t1_date", "前时相日期"}, {"t2_date", "后时相日期"},
    {"plot_id", "图斑号"}, {"party", "责任主体"}, {"target", "目标植被覆盖率"},
    {"veg_fraction_t1", "前时相植被覆盖率"}, {"veg_fraction_t2", "后时相植被覆盖率"},
    {"status", "状态"}, {"overdue", "逾期"}, {"plots", "图斑数"}, {"ha", "面积(公顷)"},
    {"restored_ha", "已修复面积(公顷)"}, {"pct_of_target", "完成率(%)"},
    {"plan_plots", "规划图斑数"}, {"plan_ha", "规划面积(公顷)"},
    {"mineral", "矿种"}, {"consolidation_group", "整合组"},
    {"redline_overlap_m2", "与生态红线重叠(平方米)"},
    {"farmland_overlap_m2", "与永久基本农田重叠(平方米)"},
    {"urban_overlap_m2", "与城镇开发边界重叠(平方米)"},
    {"min_x", "最小X"}, {"min_y", "最小Y"}, {"max_x", "最大X"}, {"max_y", "最大Y"},
    {"mean_dndvi", "NDVI变化均值"}, {"min_dndvi", "NDVI变化最小值"},
    {"mean_dbsi", "裸土指数变化均值"}, {"confidence", "置信度"},
    {"confidence_level", "置信等级"}, {"masked_fraction", "遮挡比例"},
    {"change_margin", "变化强度倍数"}, {"baseline", "基准日期"}, {"deadline", "完成期限"},
    {"valid_pixels", "有效像元数"}, {"veg_change", "植被覆盖率变化"},
    {"bare_fraction_t2", "后时相裸地比例"}, {"disturbed_m2", "扰动面积(平方米)"},
    {"completed", "已完成"}, {"in_progress", "进行中"}, {"not_started", "未开始"},
    {"regressed", "退化"}, {"new_disturbance", "新增扰动"}, {"no_data", "无数据"},
    {"valid_from", "有效期起"}, {"valid_to", "有效期止"}, {"valid_at_t2", "后时相有效"},
    {"exempt", "豁免审查"}, {"disturbed_inside_m2", "矿区内扰动面积(平方米)"},
    {"disturbed_outside_m2", "矿区外扰动面积(平方米)"},
    {"consolidation_candidate", "整合候选"},
};

const char *mw_column_title(const char *en, int zh)
{
    for (size_t i = 0; zh && i < sizeof ZH / sizeof ZH[0]; i++)
        if (!strcmp(ZH[i].en, en))
            return ZH[i].zh;
    return en;
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

/* Row i's cells; text cut at MW_CELL is cut on a UTF-8 character boundary. */
void mw_table_row(const mw_table *t, size_t i, char (*cells)[MW_CELL])
{
    t->format(t, i, cells);
    for (size_t c = 0; c < t->ncols; c++)
        if (strlen(cells[c]) == MW_CELL - 1)
            mw_utf8_trim(cells[c]);
}

static int write_csv(const mw_table *t, const mw_config *cfg, const char *path)
{
    FILE *f = fopen(path, "w");
    char (*cells)[MW_CELL] = calloc(t->ncols, MW_CELL);
    if (!f || !cells) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", path, strerror(errno));
        if (f)
            fclose(f);
        free(cells);
        return -1;
    }
    if (cfg->csv_bom)
        fputs("\xEF\xBB\xBF", f); /* Excel and WPS then read UTF-8 */
    int zh = !strcmp(cfg->language, "zh");
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        csv_field(f, mw_column_title(t->cols[c].name, zh));
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        mw_table_row(t, i, cells);
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', f);
            /* OWASP: a text cell a spreadsheet would run as a formula is
             * shown as text; numbers (a negative mean_dndvi) stay numbers */
            if (t->cols[c].type == COL_S && cells[c][0] && strchr("=+-@\t\r", cells[c][0])) {
                char quoted[MW_CELL + 1];
                snprintf(quoted, sizeof quoted, "'%s", cells[c]);
                csv_field(f, quoted);
            } else {
                csv_field(f, cells[c]);
            }
        }
        fputc('\n', f);
    }
    free(cells);
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0 || bad) {
        mw_error(MW_EXIT_OUTPUT, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_layer(GDALDatasetH ds, const mw_table *t, OGRSpatialReferenceH srs,
                       const char *path)
{
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, t->name, t->geom ? srs : NULL,
                                           t->geom ? wkbMultiPolygon : wkbNone, NULL);
    int rc = lyr ? 0 : -1;
    for (size_t c = 0; c < t->ncols && rc == 0; c++) {
        OGRFieldType ft = t->cols[c].type == COL_S ? OFTString
                          : t->cols[c].type == COL_I ? OFTInteger64 : OFTReal;
        OGRFieldDefnH fd = OGR_Fld_Create(t->cols[c].name, ft);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = -1;
        OGR_Fld_Destroy(fd);
    }
    char (*cells)[MW_CELL] = rc == 0 ? calloc(t->ncols, MW_CELL) : NULL;
    if (rc == 0 && !cells)
        rc = -1;
    for (size_t i = 0; i < t->nrows && rc == 0; i++) {
        mw_table_row(t, i, cells);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t c = 0; c < t->ncols; c++) {
            if (t->cols[c].type != COL_S && !cells[c][0])
                OGR_F_SetFieldNull(f, (int)c); /* no value */
            else if (t->cols[c].type == COL_S)
                OGR_F_SetFieldString(f, (int)c, cells[c]);
            else if (t->cols[c].type == COL_I)
                OGR_F_SetFieldInteger64(f, (int)c, strtoll(cells[c], NULL, 10));
            else
                OGR_F_SetFieldDouble(f, (int)c, strtod(cells[c], NULL));
        }
        if (t->geom) {
            OGRGeometryH g = t->geom(t, i);
            if (g)
                OGR_F_SetGeometryDirectly(f, OGR_G_ForceToMultiPolygon(OGR_G_Clone(g)));
        }
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
            rc = -1;
        OGR_F_Destroy(f);
    }
    free(cells);
    if (rc)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write layer '%s' (%s)", path, t->name,
                 mw_gdal_message());
    return rc;
}

/* All tables as layers of one GeoPackage, in one transaction. */
static int write_gpkg(const char *wkt, const mw_table *tables, size_t n, const char *path)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0,
                                 GDT_Unknown, NULL);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", path, mw_gdal_message());
        return -1;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    int rc = GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = write_layer(ds, &tables[i], srs, path);
    const char *layer_names[16];
    for (size_t i = 0; i < n && i < 16; i++)
        layer_names[i] = tables[i].name;
    if (rc == 0) /* QGIS's default styles */
        rc = mw_styles_gpkg(ds, layer_names, n < 16 ? n : 16, path);
    if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot commit (%s)", path, mw_gdal_message());
        rc = -1;
    }
    OSRDestroySpatialReference(srs);
    if (mw_gdal_close(ds, path))
        rc = -1;
    return rc;
}

/* ---- manifest.json ------------------------------------------------------ */

static int add_input(json_object *arr, const char *role, const char *path,
                     mw_digests *digests)
{
    char hex[65] = "";
    long long bytes = 0;
    if (mw_digest_get(digests, path, hex, &bytes)) {
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

/* Every configured vector layer, by its section name. */
static int add_layer_inputs(json_object *arr, const mw_layers *L)
{
    const struct { const char *role; const mw_layer *l; } all[] = {
        {"licences", &L->lic}, {"exploration", &L->expl}, {"redline", &L->redline},
        {"farmland", &L->farmland}, {"urban", &L->urban}, {"restoration", &L->resto},
        {"counties", &L->counties}};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].l->present && add_input(arr, all[i].role, all[i].l->path, L->digests))
            return -1;
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
    json_object_object_add(o, "licences", json_object_new_int64((int64_t)run->layers->lic.n));
    return o;
}

static json_object *shift_json(const mw_shift *sh)
{
    json_object *o = json_object_new_object();
    int win[4] = {sh->x, sh->y, sh->w, sh->h};
    json_object *w = json_object_new_array();
    for (int i = 0; i < 4; i++)
        json_object_array_add(w, json_object_new_int(win[i]));
    json_object_object_add(o, "window", w);
    json_object_object_add(o, "dx", json_object_new_double(sh->dx));
    json_object_object_add(o, "dy", json_object_new_double(sh->dy));
    json_object_object_add(o, "match", json_object_new_double(sh->peak));
    json_object_object_add(o, "valid", json_object_new_double(sh->valid));
    json_object_object_add(o, "reliable", json_object_new_boolean(sh->reliable));
    return o;
}

/* The co-registration: shifts of t2 relative to t1 in pixels (t2's content
 * lies at x + dx, y + dy of t1's grid). */
static json_object *coreg_json(const mw_coreg *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(c != NULL));
    if (!c)
        return o;
    json_object_object_add(o, "band", json_object_new_string(MW_ROLE_NAMES[c->role]));
    json_object_object_add(o, "method", json_object_new_string(
        "phase correlation, Hann window, Gaussian low-pass sigma 1 px, 3-point Gaussian peak fit"));
    json_object_object_add(o, "global", shift_json(&c->global));
    json_object *b = json_object_new_array();
    for (int i = 0; i < c->nblocks; i++)
        json_object_array_add(b, shift_json(&c->block[i]));
    json_object_object_add(o, "blocks", b);
    json_object_object_add(o, "block_spread_px", json_object_new_double(c->block_spread));
    json_object_object_add(o, "apply_above_px", json_object_new_double(MW_COREG_APPLY_PX));
    json_object_object_add(o, "applied", json_object_new_boolean(c->applied));
    json_object_object_add(o, "applied_dx", json_object_new_double(c->applied_dx));
    json_object_object_add(o, "applied_dy", json_object_new_double(c->applied_dy));
    if (c->applied)
        json_object_object_add(o, "residual", shift_json(&c->residual));
    return o;
}

static int write_manifest(const mw_run *run, const char *path)
{
    const mw_scene *s = run->scene;
    json_object *m = json_object_new_object();
    json_object_object_add(m, "minewatch_version", json_object_new_string(MW_VERSION));
    json_object_object_add(m, "build", json_object_new_string(mw_build_id()));
    json_object_object_add(m, "gdal_version",
                           json_object_new_string(GDALVersionInfo("RELEASE_NAME")));
    json_object_object_add(m, "command", json_object_new_string("scan"));
    json_object_object_add(m, "simd", json_object_new_string(mw_simd_name()));
    json_object *rd = json_object_new_object(); /* how each date's pixels were read */
    for (int d = 0; d < 2; d++)
        json_object_object_add(rd, d ? "t2" : "t1",
                               json_object_new_string(s->direct[d] ? "libtiff" : "gdal"));
    json_object_object_add(m, "reader", rd);
    json_object_object_add(m, "config_file", json_object_new_string(run->cfg->file));
    json_object *cfg = json_object_new_object();
    mw_config_visit(run->cfg, visit_config, cfg);
    json_object_object_add(m, "config", cfg);

    json_object *in = json_object_new_array();
    json_object_object_add(m, "inputs", in);
    for (int d = 0; d < 2; d++) { /* a {band} pattern: each band file */
        const char *role = d ? "t2" : "t1";
        int bad = 0;
        if (s->files[d])
            for (char **f = s->files[d]; *f && !bad; f++)
                bad = add_input(in, role, *f, run->digests);
        else
            bad = add_input(in, role, s->path[d], run->digests);
        if (bad) {
            json_object_put(m);
            return -1;
        }
    }
    if (add_layer_inputs(in, run->layers)) {
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
    /* the CRS areas and distances are measured in (the scene's own when it
     * is projected in metres) and a pixel's area there (at the centre row) */
    json_object_object_add(sc, "measure_crs_wkt", json_object_new_string(s->measure_wkt));
    json_object_object_add(sc, "pixel_area_m2", json_object_new_double(s->pixel_area_m2));
    json_object_object_add(sc, "bare_soil_index",
                           json_object_new_string(s->band[MW_SWIR1] ? "BSI" : "BSI_vnir"));
    json_object_object_add(sc, "t2_warped", json_object_new_boolean(s->warped));
    json_object_object_add(m, "scene", sc);
    json_object_object_add(m, "coregistration", coreg_json(s->coreg));

    const mw_survey *sv = s->survey;
    json_object *su = json_object_new_object();
    json_object_object_add(su, "engine", json_object_new_string(run->cfg->engine));
    if (sv) {
#define NUM(o, k, v) json_object_object_add(o, k, json_object_new_double(v))
#define ARR(o, k, v, n)                                                        \
    do {                                                                       \
        json_object *a_ = json_object_new_array();                             \
        for (int i_ = 0; i_ < (n); i_++)                                       \
            json_object_array_add(a_, json_object_new_double((v)[i_]));        \
        json_object_object_add(o, k, a_);                                      \
    } while (0)
        int p = sv->mad.p;
        json_object_object_add(su, "decimation", json_object_new_int(sv->decimation));
        json_object_object_add(su, "width", json_object_new_int(sv->width));
        json_object_object_add(su, "height", json_object_new_int(sv->height));
        json_object *roles = json_object_new_array();
        for (int j = 0; j < p; j++)
            json_object_array_add(roles, json_object_new_string(MW_ROLE_NAMES[sv->roles[j]]));
        json_object_object_add(su, "mad_bands", roles);
        json_object_object_add(su, "iterations", json_object_new_int(sv->iterations));
        json_object_object_add(su, "converged", json_object_new_boolean(sv->converged));
        ARR(su, "canonical_correlations", sv->rho, p);
        ARR(su, "mad_center", sv->mad.center, p);
        ARR(su, "mad_scale", sv->mad.scale, p);
        json_object_object_add(su, "pixels", json_object_new_int64(sv->pixels));
        json_object_object_add(su, "valid", json_object_new_int64(sv->valid));
        json_object_object_add(su, "clipped_extreme", json_object_new_int64(sv->clipped));
        json_object_object_add(su, "invariant", json_object_new_int64(sv->invariant));
        json_object *norm = json_object_new_object();
        for (int r = 0; r < MW_NROLES; r++) {
            if (!s->band[r])
                continue;
            json_object *g = json_object_new_object();
            NUM(g, "gain", sv->gain[r]);
            NUM(g, "bias", sv->bias[r]);
            json_object_object_add(norm, MW_ROLE_NAMES[r], g);
        }
        json_object_object_add(su, "t2_normalization", norm);
        json_object *th = json_object_new_object();
        json_object_object_add(th, "statistic",
                               json_object_new_string("box mean of sqrt(chi-square)"));
        json_object_object_add(th, "smooth_radius", json_object_new_int(run->cfg->smooth_radius));
        NUM(th, "otsu", sv->t_otsu);
        NUM(th, "kittler_illingworth", sv->t_kittler);
        NUM(th, "chi2_quantile", sv->t_chi2);
        NUM(th, "histogram_max", sv->hist_hi);
        NUM(th, "used", sv->threshold);
        json_object_object_add(th, "method", json_object_new_string(sv->method));
        json_object_object_add(su, "threshold", th);
        json_object *dir = json_object_new_object();
        NUM(dir, "dndvi_center", sv->dir.ndvi_center);
        NUM(dir, "dndvi_scale", sv->dir.ndvi_scale);
        NUM(dir, "dbsi_center", sv->dir.bsi_center);
        NUM(dir, "dbsi_scale", sv->dir.bsi_scale);
        NUM(dir, "z", sv->dir.z);
        json_object_object_add(su, "direction", dir);
        json_object *ob = json_object_new_object(); /* issue 16: survey.h */
        json_object_object_add(ob, "mode", json_object_new_string(run->cfg->objects));
        if (sv->objects_on) {
            json_object_object_add(ob, "min_pixels", json_object_new_int(sv->objects.min_px));
            NUM(ob, "seed", sv->objects.seed);
            NUM(ob, "seed_quantile", sv->seed_quantile);
            json_object_object_add(ob, "seed_objects", json_object_new_int64(sv->seed_objects));
            json_object_object_add(ob, "reach_px", json_object_new_int(sv->objects.reach));
            json_object_object_add(ob, "edge_refined", json_object_new_boolean(sv->objects.refine));
            json_object_object_add(ob, "halo_px", json_object_new_int(mw_survey_objects_halo(sv)));
        }
        json_object_object_add(su, "objects", ob);
#undef NUM
#undef ARR
    }
    json_object_object_add(m, "survey", su);

    json_object *t = json_object_new_object();
    json_object_object_add(t, "size", json_object_new_int(run->tiles->size));
    json_object_object_add(t, "count", json_object_new_int(run->tiles->ntiles));
    json_object_object_add(t, "threads", json_object_new_int(run->tiles->threads_used));
    json_object_object_add(t, "ranks", json_object_new_int(mw_dist_size()));
    json_object_object_add(t, "from_other_ranks", json_object_new_int(run->tiles->remote));
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
    static const char *files[] = {"change.tif", "change.tif.aux.xml", "change.qml",
                                  "suspects.csv", "patches.gpkg", "suspects.xlsx",
                                  "report.html"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        json_object_array_add(out, json_object_new_string(files[i]));
    if (!strcmp(run->cfg->evidence, "on")) { /* folders: the chips, the map sheets */
        json_object_array_add(out, json_object_new_string("evidence/"));
        json_object_array_add(out, json_object_new_string("maps/"));
    }
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

/* ---- publish ------------------------------------------------------------
 *
 * OUTDIR/runs/RUN-ID/   one folder per published run (the work folder,
 *                       renamed whole), the last two kept;
 * OUTDIR/latest         a symlink to runs/RUN-ID, swapped by one rename;
 * OUTDIR/NAME           a symlink latest/NAME for every report NAME (made
 *                       once), so every path through OUTDIR flips at the
 *                       swap: a reader sees last night's set or tonight's. */

/* work files (NAME.work.EXT, and GDAL's side files of them) are not reports */
static int is_work_file(const char *name)
{
    return strstr(name, ".work.") != NULL;
}

static int is_entry(const struct dirent *e)
{
    return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

int mw_outdir_publish_check(const mw_outdir *od)
{
    DIR *d = opendir(od->work_dir);
    if (!d) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot list: %s", od->work_dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    char to[MW_PATH_MAX + 256];
    struct stat st;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!is_entry(e) || is_work_file(e->d_name))
            continue;
        snprintf(to, sizeof to, "%s/%s", od->out_dir, e->d_name);
        if (lstat(to, &st) == 0 && S_ISDIR(st.st_mode)) { /* a symlink cannot replace it */
            mw_error(MW_EXIT_OUTPUT, "%s: a folder is in the way of the report", to);
            rc = -1;
        }
    }
    closedir(d);
    const char *own[] = {"latest", "runs"};
    for (int i = 0; i < 2 && rc == 0; i++) {
        snprintf(to, sizeof to, "%s/%s", od->out_dir, own[i]);
        if (lstat(to, &st) == 0 && (i == 0 ? !S_ISLNK(st.st_mode) : !S_ISDIR(st.st_mode))) {
            mw_error(MW_EXIT_OUTPUT, "%s: in the way of the run folders (%s expected)", to,
                     i == 0 ? "a symlink" : "a folder");
            rc = -1;
        }
    }
    return rc;
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    if (rc != 0 && dir && (errno == EINVAL || errno == EBADF)) /* some file systems */
        rc = 0;
    close(fd);
    return rc;
}

/* Drop the work files, fsync every file and folder below dir, dir last. */
static int settle_tree(const char *dir, char *bad, size_t size)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(bad, size, "%s", dir);
        return -1;
    }
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!is_entry(e))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = settle_tree(p, bad, size);
        else if (is_work_file(e->d_name))
            unlink(p);
        else if (S_ISREG(st.st_mode) && fsync_path(p, 0) != 0)
            rc = -1;
        if (rc && !bad[0])
            snprintf(bad, size, "%s", p);
    }
    closedir(d);
    if (rc == 0 && fsync_path(dir, 1) != 0) {
        snprintf(bad, size, "%s", dir);
        rc = -1;
    }
    return rc;
}

/* symlink target -> path, made as path.tmp and renamed over path */
static int swap_link(const char *target, const char *path)
{
    char tmp[MW_PATH_MAX + 300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    if (symlink(target, tmp) != 0)
        return -1;
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int mw_outdir_publish(mw_outdir *od)
{
    char bad[MW_PATH_MAX + 256] = "", runs[MW_PATH_MAX + 16], run[MW_PATH_MAX + 96];
    char id[64], latest[MW_PATH_MAX + 16], prev[MW_PATH_MAX] = "";
    if (settle_tree(od->work_dir, bad, sizeof bad)) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write to disk: %s", bad, strerror(errno));
        return -1;
    }
    snprintf(runs, sizeof runs, "%s/runs", od->out_dir);
    if (mkdir(runs, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", runs, strerror(errno));
        return -1;
    }
    /* the run id: UTC time, then the pid (sorts by time) */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    struct stat st;
    for (int k = 0;; k++) {
        if (k)
            snprintf(id, sizeof id, "%s-%ld-%d", stamp, (long)getpid(), k);
        else
            snprintf(id, sizeof id, "%s-%ld", stamp, (long)getpid());
        snprintf(run, sizeof run, "%s/%s", runs, id);
        if (lstat(run, &st) != 0)
            break;
    }
    if (rename(od->work_dir, run) != 0 || fsync_path(runs, 1) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot move the reports into place: %s", run,
                 strerror(errno));
        return -1;
    }
    od->work_dir[0] = '\0'; /* it is a run folder now: nothing to discard */
    snprintf(latest, sizeof latest, "%s/latest", od->out_dir);
    ssize_t n = readlink(latest, prev, sizeof prev - 1);
    prev[n > 0 ? n : 0] = '\0';
    char target[128];
    snprintf(target, sizeof target, "runs/%s", id);
    /* the one step that publishes the set */
    if (swap_link(target, latest) != 0 || fsync_path(od->out_dir, 1) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot publish the reports: %s", latest, strerror(errno));
        return -1;
    }
    /* OUTDIR/NAME -> latest/NAME for every report (made once; a file left
     * by a run before run folders is replaced), and none left dangling */
    DIR *d = opendir(run);
    struct dirent *e;
    char p[MW_PATH_MAX + 300], link[MW_PATH_MAX + 256], want[300];
    int rc = 0;
    while (rc == 0 && d && (e = readdir(d)) != NULL) {
        if (!is_entry(e))
            continue;
        snprintf(p, sizeof p, "%s/%s", od->out_dir, e->d_name);
        snprintf(want, sizeof want, "latest/%s", e->d_name);
        n = readlink(p, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
        if (n > 0 && !strcmp(link, want))
            continue;
        if (swap_link(want, p) != 0) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot link to %s: %s", p, want, strerror(errno));
            rc = -1;
        }
    }
    if (d)
        closedir(d);
    if ((d = opendir(od->out_dir)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            snprintf(p, sizeof p, "%s/%s", od->out_dir, e->d_name);
            n = readlink(p, link, sizeof link - 1);
            link[n > 0 ? n : 0] = '\0';
            if (n > 7 && !strncmp(link, "latest/", 7) && !strcmp(link + 7, e->d_name) &&
                stat(p, &st) != 0)
                unlink(p); /* tonight's set has no such report */
        }
        closedir(d);
    }
    fsync_path(od->out_dir, 1);
    /* the last two runs are kept: tonight's and the one it replaced */
    const char *prev_id = strncmp(prev, "runs/", 5) ? "" : prev + 5;
    if ((d = opendir(runs)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (!is_entry(e) || !strcmp(e->d_name, id) || !strcmp(e->d_name, prev_id))
                continue;
            snprintf(p, sizeof p, "%s/%s", runs, e->d_name);
            remove_tree(p);
        }
        closedir(d);
    }
    return rc;
}

/* evidence/ (the chips) and maps/ (the map sheets) in the work folder */
static int write_evidence(const mw_run *run, const size_t *order, mw_outdir *od)
{
    char dir[MW_PATH_MAX + 64];
    size_t chips, sheets;
    mw_draw_font_check(run->cfg->font); /* a warning: fontconfig substitutes */
    double t0 = mw_now();
    mw_outdir_work_path(od, "evidence", dir, sizeof dir);
    if (mw_chips_write(run, order, dir, &chips)) {
        mw_draw_done();
        return -1;
    }
    /* evidence/ is made even with no chip: the set published has one */
    double t1 = mw_now();
    mw_outdir_work_path(od, "maps", dir, sizeof dir);
    int rc = mw_mapsheets_write(run, order, dir, &sheets);
    mw_draw_done(); /* pango's, cairo's and fontconfig's caches */
    if (rc)
        return -1;
    mw_log("evidence: %zu chip(s) in %.2f s, %zu map sheet(s) in %.2f s", chips, t1 - t0,
           sheets, mw_now() - t1);
    return 0;
}

int mw_reports_write(const mw_run *run, const char *class_path, mw_outdir *od)
{
    /* change.tif is written meanwhile by run->cog (or from now on): the
     * tables are written while it runs, then it is joined, on every path
     * before the work folder can go, and the manifest, which lists it,
     * comes last */
    mw_cog_job *cog = run->cog;
    if (!cog)
        cog = mw_cog_start(class_path, od, run->tiles->threads_used);
    size_t *order = report_order(run->patches);
    int rc = !order && run->patches->n ? -1 : 0;
    patch_ctx pc = {run, order};
    mw_table tables[8];
    size_t nt = 0;
    tables[nt++] = (mw_table){"suspects", "patches", COLS, NCOLS, run->patches->n,
                              patch_format, patch_geom, &pc, run->cfg};
    if (run->layers->resto.present) {
        tables[nt++] = mw_restoration_table(run->restoration, run->cfg);
        tables[nt++] = mw_restoration_county_table(run->restoration, run->cfg);
    }
    if (run->layers->lic.present)
        tables[nt++] = mw_licence_table(run->audit, run->cfg);

    char path[MW_PATH_MAX + 64], name[48];
    for (size_t i = 0; i < nt && rc == 0; i++) {
        snprintf(name, sizeof name, "%s.csv", tables[i].csv);
        mw_outdir_work_path(od, name, path, sizeof path);
        rc = write_csv(&tables[i], run->cfg, path);
    }
    if (rc == 0) {
        mw_outdir_work_path(od, "patches.gpkg", path, sizeof path);
        rc = write_gpkg(run->scene->wkt, tables, nt, path);
    }
    if (rc == 0 && !strcmp(run->cfg->evidence, "on")) /* chips.h, mapsheet.h */
        rc = write_evidence(run, order, od);
    if (rc == 0) {
        mw_outdir_work_path(od, "suspects.xlsx", path, sizeof path);
        rc = mw_xlsx_write(&tables[0], run->cfg, od->work_dir, path);
    }
    if (rc == 0) {
        mw_outdir_work_path(od, "report.html", path, sizeof path);
        rc = mw_html_write(run, tables, nt, od->work_dir, path);
    }
    if (mw_cog_finish(cog)) /* joined whatever happened above */
        rc = -1;
    if (rc == 0)
        rc = mw_styles_change(od->work_dir);
    if (rc == 0) {
        mw_outdir_work_path(od, "manifest.json", path, sizeof path);
        rc = write_manifest(run, path);
    }
    free(order);
    return rc ? -1 : 0;
}

int mw_reports_write_audit(const mw_config *cfg, const char *wkt, const mw_audit *audit,
                           mw_outdir *od)
{
    mw_table t = mw_licence_table(audit, cfg);
    char path[MW_PATH_MAX + 64];
    mw_outdir_work_path(od, "licences.csv", path, sizeof path);
    if (write_csv(&t, cfg, path))
        return -1;
    mw_outdir_work_path(od, "licences.gpkg", path, sizeof path);
    if (write_gpkg(wkt, &t, 1, path))
        return -1;
    return 0;
}
