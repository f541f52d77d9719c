/* mapsheet.c - the map sheets (see mapsheet.h). */
#include "mapsheet.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "draw.h"
#include "mw.h"
#include "rules.h"

void mw_sheet_file_name(const char *name, char *out, size_t size)
{
    if (!name[0]) {
        snprintf(out, size, "county");
        return;
    }
    mw_copy_utf8(out, size > 200 ? 200 : size, name);
    for (char *c = out; *c; c++)
        if (*c == '/' || *c == '\\' || (unsigned char)*c < 0x20 || (c == out && *c == '.'))
            *c = '_';
}

/* Worst-rule colours of the patches, by severity 0..7. */
static const mw_rgba SEV_RGB[8] = {
    {0.20, 0.45, 0.85, 1}, /* 0 inside a valid licence */
    {0.55, 0.55, 0.70, 1}, /* 1 urban boundary */
    {0.65, 0.45, 0.15, 1}, /* 2 farmland */
    {1.00, 0.60, 0.00, 1}, /* 3 out of bounds */
    {0.60, 0.25, 0.75, 1}, /* 4 exploration only */
    {0.95, 0.40, 0.20, 1}, /* 5 after expiry */
    {0.85, 0.00, 0.00, 1}, /* 6 unlicensed */
    {0.50, 0.00, 0.10, 1}, /* 7 red line */
};
static const char *const SEV_EN[8] = {"inside a licence", "URBAN_BOUNDARY", "FARMLAND",
                                      "OUT_OF_BOUNDS", "EXPLORATION_ONLY", "AFTER_EXPIRY",
                                      "UNLICENSED", "RED_LINE"};
static const char *const SEV_ZH[8] = {"许可证范围内", "城镇开发边界", "永久基本农田",
                                      "越界开采", "以探代采", "过期/注销后开采",
                                      "无证开采", "生态保护红线"};
static const mw_rgba INK = {0.08, 0.08, 0.08, 1};
static const mw_rgba LIC_RGB = {0.0, 0.45, 0.75, 1};

typedef struct {
    const mw_run *run;
    const size_t *order;
    int zh;
    const char *font;
    double m_per_unit;
} sheet_ctx;

typedef struct {
    const char *name;      /* the county's name, or NULL for the scene */
    const char *code;      /* admin code, "" = none */
    OGRGeometryH outline;  /* scene CRS, or NULL */
    OGREnvelope env;       /* frame extent, scene CRS */
} sheet;

static int env_meets(const OGREnvelope *a, const OGREnvelope *b)
{
    return a->MaxX >= b->MinX && a->MinX <= b->MaxX && a->MaxY >= b->MinY && a->MinY <= b->MaxY;
}

static void fill_stroke_layer(cairo_t *cr, const mw_layer *l, const OGREnvelope *frame,
                              const mw_frame *f, mw_rgba fill, mw_rgba line, double width)
{
    for (size_t i = 0; l->present && i < l->n; i++) {
        OGRGeometryH g = mw_feature_scene_geom(&l->f[i]);
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        if (!env_meets(&e, frame))
            continue;
        cairo_new_path(cr);
        mw_draw_geom_path(cr, g, f);
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        cairo_set_source_rgba(cr, fill.r, fill.g, fill.b, fill.a);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, line.r, line.g, line.b, line.a);
        cairo_set_line_width(cr, width);
        cairo_stroke(cr);
    }
}

static int patch_on_sheet(const sheet *sh, const mw_patch *p)
{
    if (!sh->name)
        return 1;
    return !strcmp(p->v.county, sh->name);
}

static void legend_swatch(cairo_t *cr, double x, double y, mw_rgba fill, mw_rgba line,
                          double width, int dashed)
{
    cairo_rectangle(cr, x, y, 22, 12);
    cairo_set_source_rgba(cr, fill.r, fill.g, fill.b, fill.a);
    cairo_fill_preserve(cr);
    if (dashed) {
        double d[2] = {4, 2};
        cairo_set_dash(cr, d, 2, 0);
    }
    cairo_set_source_rgba(cr, line.r, line.g, line.b, line.a);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

/* Each licence's number at a point inside it. */
static void licence_numbers(cairo_t *cr, const mw_layer *lic, const OGREnvelope *frame,
                            const mw_frame *f, const char *font)
{
    for (size_t i = 0; lic->present && i < lic->n; i++) {
        OGRGeometryH g = mw_feature_scene_geom(&lic->f[i]);
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        if (!env_meets(&e, frame))
            continue;
        OGRGeometryH pt = OGR_G_PointOnSurface(g);
        if (pt && !OGR_G_IsEmpty(pt))
            mw_draw_text(cr, font, 8, 0, mw_frame_x(f, OGR_G_GetX(pt, 0)),
                         mw_frame_y(f, OGR_G_GetY(pt, 0)), MW_CENTRE, LIC_RGB, 1.5, 0,
                         lic->f[i].attr[LIC_ID], NULL, NULL);
        OGR_G_DestroyGeometry(pt);
    }
}

/* The sheet's patches: their count and area (m2). */
static size_t sheet_count(const sheet_ctx *c, const sheet *sh, double *area)
{
    const mw_patchset *ps = c->run->patches;
    size_t np = 0;
    *area = 0;
    for (size_t k = 0; k < ps->n; k++)
        if (patch_on_sheet(sh, &ps->p[c->order[k]])) {
            np++;
            *area += ps->p[c->order[k]].area_m2;
        }
    return np;
}

/* The title: place, admin code, dates, count and area. */
static void sheet_title(cairo_t *cr, const sheet_ctx *c, const sheet *sh, size_t np,
                        double area)
{
    const mw_config *cfg = c->run->cfg;
    const char *font = c->font;
    const double W = MW_SHEET_W_PT, M = 28;
    char line[768];
    const char *place = sh->name ? sh->name : (c->zh ? "影像范围" : "scene");
    snprintf(line, sizeof line, c->zh ? "%s 卫片执法监测图斑分布图" : "%s — suspect patches (satellite enforcement map)",
             place);
    mw_draw_text(cr, font, 24, 1, M, 18, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);
    char code[96] = "";
    if (sh->code && sh->code[0])
        snprintf(code, sizeof code, c->zh ? "行政区划代码 %s   " : "admin code %s   ", sh->code);
    snprintf(line, sizeof line,
             c->zh ? "%s前时相 %s  后时相 %s   图斑 %zu 个，面积 %.2f 亩 (%.0f m²)"
                   : "%st1 %s  t2 %s   %zu patches, %.2f mu (%.0f m²)",
             code, cfg->t1_date, cfg->t2_date, np, area / MW_M2_PER_MU, area);
    mw_draw_text(cr, font, 13, 0, M, 54, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);

}

/* Right of the map: the legend, then the patch list (x px, width pw, from
 * fy down to fy + fh). */
static void sheet_side(cairo_t *cr, const sheet_ctx *c, const sheet *sh, size_t np, double px,
                       double pw, double fy, double fh)
{
    const mw_layers *L = c->run->layers;
    const mw_patchset *ps = c->run->patches;
    const char *font = c->font;
    char line[768];
    double y = fy;
    mw_draw_text(cr, font, 14, 1, px, y, MW_TOP_LEFT, INK, 0, 0, c->zh ? "图例" : "Legend", NULL,
                 NULL);
    y += 22;
    int used[8] = {0};
    for (size_t k = 0; k < ps->n; k++)
        if (patch_on_sheet(sh, &ps->p[k])) {
            int sev = ps->p[k].v.severity;
            used[sev < 0 ? 0 : sev > 7 ? 7 : sev] = 1;
        }
    for (int s = 7; s >= 0; s--) {
        if (!used[s])
            continue;
        legend_swatch(cr, px, y, SEV_RGB[s], (mw_rgba){0, 0, 0, 1}, 0.5, 0);
        snprintf(line, sizeof line, "%s %s", c->zh ? "图斑:" : "patch:", c->zh ? SEV_ZH[s] : SEV_EN[s]);
        mw_draw_text(cr, font, 10, 0, px + 28, y - 1, MW_TOP_LEFT, INK, 0, 0, line, NULL, NULL);
        y += 17;
    }
    struct { int on; mw_rgba fill, line; double w; int dash; const char *en, *zh; } items[] = {
        {L->lic.present, {0, 0.45, 0.75, 0.06}, LIC_RGB, 1.2, 0, "licence (number)", "采矿许可证(编号)"},
        {L->expl.present, {0.6, 0.25, 0.75, 0.06}, {0.6, 0.25, 0.75, 1}, 0.8, 0, "exploration right", "探矿权"},
        {L->redline.present, {1, 0.75, 0.75, 0.45}, {0.85, 0.1, 0.1, 1}, 1.4, 0, "ecological red line", "生态保护红线"},
        {L->farmland.present, {0.85, 0.93, 0.6, 0.7}, {0.55, 0.7, 0.25, 1}, 0.6, 0, "permanent basic farmland", "永久基本农田"},
        {L->urban.present, {0.85, 0.85, 0.92, 0.6}, {0.55, 0.55, 0.7, 1}, 0.6, 0, "urban development boundary", "城镇开发边界"},
        {sh->outline != NULL, {1, 1, 1, 0}, {0.15, 0.15, 0.15, 1}, 2.4, 0, "county boundary", "县界"},
        {1, {1, 1, 1, 1}, {0.5, 0.5, 0.5, 1}, 0.8, 1, "scene extent", "影像范围"},
    };
    for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
        if (!items[k].on)
            continue;
        legend_swatch(cr, px, y, items[k].fill, items[k].line, items[k].w, items[k].dash);
        mw_draw_text(cr, font, 10, 0, px + 28, y - 1, MW_TOP_LEFT, INK, 0, 0,
                     c->zh ? items[k].zh : items[k].en, NULL, NULL);
        y += 17;
    }

    /* the patch list */
    y += 10;
    mw_draw_text(cr, font, 14, 1, px, y, MW_TOP_LEFT, INK, 0, 0,
                 c->zh ? "图斑清单 (编号 = suspects.csv 行号)" : "Patches (number = row of suspects.csv)",
                 NULL, NULL);
    y += 22;
    const double rowh = 12.5;
    size_t room = (size_t)((fy + fh - y) / rowh), shown = 0;
    for (size_t k = 0; k < ps->n; k++) {
        const mw_patch *p = &ps->p[c->order[k]];
        if (!patch_on_sheet(sh, p))
            continue;
        if (shown + 1 >= room && np > room) {
            snprintf(line, sizeof line, c->zh ? "… 另有 %zu 个，见 suspects.csv" : "… %zu more in suspects.csv",
                     np - shown);
            mw_draw_text(cr, font, 9, 0, px, y, MW_TOP_LEFT, INK, 0, pw, line, NULL, NULL);
            break;
        }
        char a[32];
        snprintf(a, sizeof a, "%.1f", p->area_mu);
        snprintf(line, sizeof line, "%zu", k + 1);
        mw_draw_text(cr, font, 9, 1, px + 26, y, MW_TOP_RIGHT, INK, 0, 0, line, NULL, NULL);
        mw_draw_text(cr, font, 9, 0, px + 32, y, MW_TOP_LEFT, INK, 0, 0, p->id, NULL, NULL);
        snprintf(line, sizeof line, "%s %s", a, c->zh ? "亩" : "mu");
        mw_draw_text(cr, font, 9, 0, px + 132, y, MW_TOP_RIGHT, INK, 0, 0, line, NULL, NULL);
        const char *r = p->v.rules[0] ? p->v.rules : "—";
        mw_draw_text(cr, font, 8, 0, px + 138, y + 1, MW_TOP_LEFT, INK, 0, pw - 138, r, NULL, NULL);
        y += rowh;
        shown++;
    }
    if (np == 0)
        mw_draw_text(cr, font, 10, 0, px, y, MW_TOP_LEFT, INK, 0, pw,
                     c->zh ? "本次监测无疑似图斑" : "no suspect patch on this night", NULL, NULL);
}

/* The page in points on cr.  0, or -1 with mw_error (out of memory). */
static int draw_sheet(cairo_t *cr, const sheet_ctx *c, const sheet *sh)
{
    const mw_run *run = c->run;
    const mw_layers *L = run->layers;
    const mw_patchset *ps = run->patches;
    const char *font = c->font;
    const double W = MW_SHEET_W_PT, H = MW_SHEET_H_PT, M = 28;
    const double fx = M, fy = 86, fw = 820, fh = H - fy - M;
    const double px = fx + fw + 18, pw = W - M - px;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    double area;
    size_t np = sheet_count(c, sh, &area);
    sheet_title(cr, c, sh, np, area);

    /* the frame: the extent, 6 % wider, at the frame's aspect */
    double ew = sh->env.MaxX - sh->env.MinX, eh = sh->env.MaxY - sh->env.MinY;
    if (!(ew > 0))
        ew = 1;
    if (!(eh > 0))
        eh = 1;
    double res = fmax(ew / fw, eh / fh) * 1.06;
    double cxm = (sh->env.MinX + sh->env.MaxX) / 2, cym = (sh->env.MinY + sh->env.MaxY) / 2;
    mw_frame f = {cxm - res * fw / 2, cym + res * fh / 2, res, res, fx, fy};
    OGREnvelope frame = {cxm - res * fw / 2, cxm + res * fw / 2, cym - res * fh / 2,
                         cym + res * fh / 2};
    cairo_save(cr);
    cairo_rectangle(cr, fx, fy, fw, fh);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 0.97, 0.97, 0.95);
    cairo_paint(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* the scene's extent */
    {
        const double *gt = run->scene->gt;
        double x0 = mw_frame_x(&f, gt[0]), x1 = mw_frame_x(&f, gt[0] + run->scene->width * gt[1]);
        double y0 = mw_frame_y(&f, gt[3]), y1 = mw_frame_y(&f, gt[3] + run->scene->height * gt[5]);
        cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        double d[2] = {6, 4};
        cairo_set_dash(cr, d, 2, 0);
        cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    fill_stroke_layer(cr, &L->farmland, &frame, &f, (mw_rgba){0.85, 0.93, 0.60, 0.7},
                      (mw_rgba){0.55, 0.70, 0.25, 1}, 0.6);
    fill_stroke_layer(cr, &L->urban, &frame, &f, (mw_rgba){0.85, 0.85, 0.92, 0.6},
                      (mw_rgba){0.55, 0.55, 0.70, 1}, 0.6);
    fill_stroke_layer(cr, &L->redline, &frame, &f, (mw_rgba){1.0, 0.75, 0.75, 0.45},
                      (mw_rgba){0.85, 0.1, 0.1, 1}, 1.4);
    fill_stroke_layer(cr, &L->expl, &frame, &f, (mw_rgba){0.6, 0.25, 0.75, 0.06},
                      (mw_rgba){0.6, 0.25, 0.75, 1}, 0.8);
    fill_stroke_layer(cr, &L->lic, &frame, &f, (mw_rgba){0.0, 0.45, 0.75, 0.06}, LIC_RGB, 1.2);
    /* the county's outline */
    if (sh->outline) {
        cairo_new_path(cr);
        mw_draw_geom_path(cr, sh->outline, &f);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        cairo_set_line_width(cr, 2.4);
        cairo_stroke(cr);
    }
    licence_numbers(cr, &L->lic, &frame, &f, font);
    /* patches, worst drawn last (on top), each with its number */
    mw_labeller *lab = mw_labeller_new(cr, font, 9);
    if (!lab) {
        cairo_restore(cr);
        return -1;
    }
    for (size_t kk = ps->n; kk-- > 0;) {
        const mw_patch *p = &ps->p[c->order[kk]];
        if (!patch_on_sheet(sh, p))
            continue;
        int sev = p->v.severity < 0 ? 0 : p->v.severity > 7 ? 7 : p->v.severity;
        mw_rgba col = SEV_RGB[sev];
        cairo_new_path(cr);
        mw_draw_geom_path(cr, p->geom, &f);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.85);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
        /* a marker that stays visible when the patch is smaller than a point */
        double x = mw_frame_x(&f, p->cx), y = mw_frame_y(&f, p->cy);
        cairo_arc(cr, x, y, 2.6, 0, 2 * M_PI);
        cairo_set_source_rgba(cr, col.r, col.g, col.b, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
        char num[24];
        snprintf(num, sizeof num, "%zu", kk + 1);
        mw_labeller_draw(lab, x + 4, y - 3, INK, 1.6, num);
    }
    mw_labeller_free(lab);
    cairo_restore(cr);
    cairo_rectangle(cr, fx, fy, fw, fh);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    mw_draw_north(cr, font, fx + fw - 26, fy + 10, 44);
    mw_draw_scalebar(cr, font, fx + 14, fy + fh - 12, res * c->m_per_unit, fw * 0.3, 10);

    sheet_side(cr, c, sh, np, px, pw, fy, fh);
    char line[64];
    snprintf(line, sizeof line, "minewatch %s", MW_VERSION);
    mw_draw_text(cr, font, 8, 0, W - M, H - 14, MW_TOP_RIGHT, (mw_rgba){0.4, 0.4, 0.4, 1}, 0, 0,
                 line, NULL, NULL);
    return 0;
}

static int write_sheet_pdf(const sheet_ctx *c, const sheet *sh, const char *base)
{
    char path[MW_PATH_MAX + 300];
    snprintf(path, sizeof path, "%s.pdf", base);
    cairo_surface_t *pdf = cairo_pdf_surface_create(path, MW_SHEET_W_PT, MW_SHEET_H_PT);
    char date[40];
    snprintf(date, sizeof date, "%sT00:00:00Z", c->run->cfg->t2_date);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "minewatch");
    cairo_t *cr = cairo_create(pdf);
    int drawn = draw_sheet(cr, c, sh);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    cairo_status_t st = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    if (drawn)
        return -1;
    if (st != CAIRO_STATUS_SUCCESS) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", path, cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

static int write_sheet_png(const sheet_ctx *c, const sheet *sh, const char *base)
{
    char path[MW_PATH_MAX + 300];
    const double k = MW_SHEET_DPI / 72.0;
    cairo_surface_t *png = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(MW_SHEET_W_PT * k),
                                                      (int)(MW_SHEET_H_PT * k));
    cairo_t *cr = cairo_create(png);
    cairo_scale(cr, k, k);
    int drawn = draw_sheet(cr, c, sh);
    cairo_destroy(cr);
    snprintf(path, sizeof path, "%s.png", base);
    cairo_status_t st = cairo_surface_status(png);
    int rc = 0;
    if (drawn) {
        rc = -1;
    } else if (st != CAIRO_STATUS_SUCCESS) {
        mw_error(MW_EXIT_INTERNAL, "%s: cannot draw: %s", path, cairo_status_to_string(st));
        rc = -1;
    } else {
        rc = mw_draw_write_png(png, path);
    }
    cairo_surface_destroy(png);
    return rc;
}

/* The sheet's PDF and its PNG, drawn at once on two of the scan's threads
 * (each on its own surface, with its own pango font map) when it has two. */
static int write_sheet(const sheet_ctx *c, const sheet *sh, const char *base)
{
    int rc_pdf = 0, rc_png = 0;
    /* the thread count in the clause itself: a build without OpenMP (the
     * fuzzers') has no variable left unused */
#pragma omp parallel sections default(none) shared(c, sh, base, rc_pdf, rc_png) \
    num_threads(c->run->tiles && c->run->tiles->threads_used > 1 ? 2 : 1)
    {
#pragma omp section
        {
            rc_pdf = write_sheet_pdf(c, sh, base);
            mw_draw_thread_done();
        }
#pragma omp section
        {
            rc_png = write_sheet_png(c, sh, base);
            mw_draw_thread_done();
        }
    }
    return rc_pdf || rc_png ? -1 : 0;
}

/* The [counties] code_field key, when the configuration has it. */
typedef struct {
    char field[128];
} code_key;
static void find_code_key(const char *section, const char *key, const char *value, void *arg)
{
    if (!strcmp(section, "counties") && !strcmp(key, "code_field"))
        snprintf(((code_key *)arg)->field, sizeof ((code_key *)arg)->field, "%s", value);
}

/* Each county feature's code, read from the layer by feature id ("" when
 * the field or value is missing).  codes[i] owned by the caller. */
static char **county_codes(const mw_layer *l, const char *field)
{
    char **codes = mw_calloc(l->n ? l->n : 1, sizeof *codes);
    if (!codes)
        return NULL;
    GDALDatasetH ds = field[0] ? GDALOpenEx(l->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
                                            NULL, NULL)
                               : NULL;
    OGRLayerH lay = NULL;
    if (ds)
        lay = l->name[0] ? GDALDatasetGetLayerByName(ds, l->name) : GDALDatasetGetLayer(ds, 0);
    int fi = lay ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lay), field) : -1;
    for (size_t i = 0; i < l->n; i++) {
        const char *v = "";
        OGRFeatureH ft = fi >= 0 ? OGR_L_GetFeature(lay, (GIntBig)l->f[i].fid) : NULL;
        if (ft && OGR_F_IsFieldSetAndNotNull(ft, fi))
            v = OGR_F_GetFieldAsString(ft, fi);
        codes[i] = strdup(v);
        if (ft)
            OGR_F_Destroy(ft);
    }
    if (ds)
        GDALClose(ds);
    return codes;
}

int mw_mapsheets_write(const mw_run *run, const size_t *order, const char *dir,
                       size_t *written)
{
    const mw_config *cfg = run->cfg;
    const mw_layers *L = run->layers;
    const mw_scene *s = run->scene;
    *written = 0;
    if (strcmp(cfg->evidence, "on"))
        return 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    const mw_patchset *ps = run->patches;
    double cy = s->gt[3] + s->height * s->gt[5] / 2;
    double lat = ps->n ? ps->p[0].lat : cy; /* geographic: the y is a latitude */
    sheet_ctx c = {run, order, !strcmp(cfg->language, "zh"), cfg->font,
                   mw_draw_m_per_unit(s->wkt, lat)};
    OGREnvelope scene_env = {s->gt[0], s->gt[0] + s->width * s->gt[1],
                             s->gt[3] + s->height * s->gt[5], s->gt[3]};
    int rc = 0;
    char base[MW_PATH_MAX + 260], fname[256];
    if (!L->counties.present) {
        sheet sh = {NULL, "", NULL, scene_env};
        snprintf(base, sizeof base, "%s/scene", dir);
        rc = write_sheet(&c, &sh, base);
        *written = rc == 0;
        return rc;
    }
    code_key ck = {""};
    mw_config_visit(cfg, find_code_key, &ck);
    char **codes = county_codes(&L->counties, ck.field);
    if (!codes)
        return -1;
    for (size_t i = 0; i < L->counties.n && rc == 0; i++) {
        const mw_feature *ft = &L->counties.f[i];
        OGRGeometryH g = mw_feature_scene_geom(ft);
        sheet sh = {ft->attr[CNTY_NAME], codes[i], g, {0, 0, 0, 0}};
        OGR_G_GetEnvelope(g, &sh.env);
        if (!env_meets(&sh.env, &scene_env))
            continue;
        mw_sheet_file_name(ft->attr[CNTY_NAME], fname, sizeof fname);
        /* a name given twice: the second sheet carries its feature id */
        int dup = 0;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(L->counties.f[j].attr[CNTY_NAME], ft->attr[CNTY_NAME]))
                dup = 1;
        if (dup)
            snprintf(base, sizeof base, "%s/%s_%lld", dir, fname, ft->fid);
        else
            snprintf(base, sizeof base, "%s/%s", dir, fname);
        rc = write_sheet(&c, &sh, base);
        if (rc == 0)
            (*written)++;
    }
    for (size_t i = 0; i < L->counties.n; i++)
        free(codes[i]);
    free(codes);
    return rc;
}
