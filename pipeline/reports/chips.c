/* chips.c - per-patch evidence chips (see chips.h). */
#include "chips.h"

#include <cairo.h>
#include <errno.h>
#include <gdal.h>
#include <malloc.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "draw.h"
#include "mw.h"
#include "rules.h"

/* ---- coordinates ---------------------------------------------------------- */

int mw_cgcs2000_gk(double lon, double lat, int *zone, double *x, double *y)
{
    int z = (int)floor((lon + 1.5) / 3.0);
    char proj[160];
    snprintf(proj, sizeof proj,
             "+proj=tmerc +lat_0=0 +lon_0=%d +k=1 +x_0=%d500000 +y_0=0 +ellps=GRS80 "
             "+units=m +no_defs",
             3 * z, z);
    OGRSpatialReferenceH geo = OSRNewSpatialReference(NULL), gk = OSRNewSpatialReference(NULL);
    int rc = -1;
    if (OSRImportFromEPSG(geo, 4490) == OGRERR_NONE && OSRImportFromProj4(gk, proj) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(geo, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(gk, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(geo, gk);
        double e = lon, n = lat;
        if (ct && OCTTransform(ct, 1, &e, &n, NULL)) {
            *zone = z;
            *x = n;
            *y = e;
            rc = 0;
        }
        OCTDestroyCoordinateTransformation(ct);
    }
    OSRDestroySpatialReference(geo);
    OSRDestroySpatialReference(gk);
    return rc;
}

/* ---- one chip ------------------------------------------------------------- */

typedef struct {
    const mw_run *run;
    const mw_stretch *st;
    const char *dir;
    int zh;
    mw_chip_bands cb;         /* what the chip shows (chipstore.h) */
    int threads;              /* drawing the chips */
    double m_per_unit;        /* metres per map unit along x */
    OGREnvelope *lic_env, *red_env; /* scene-CRS envelopes of the features */
} chip_ctx;

typedef struct {
    size_t cap;               /* px of a panel */
    /* a window not in the chips' store: made for the first one */
    mw_reader *rd;
    float *buf;               /* MW_NROLES planes of cap px */
    uint16_t *scratch;
    float *wide;              /* MW_NROLES planes of a scene row (decimated windows) */
    uint8_t *wide_codes;      /* the codes of a scene row */
    uint8_t *codes;           /* the window's codes: 2 x nroles planes of cap */
    uint8_t *row;             /* the store's row (mw_chipstore_read) */
    cairo_surface_t *over;    /* ARGB32 panel: chip_overlays, drawn once a chip */
    cairo_surface_t *name[2]; /* ARGB32: the panels' names (true, false colour), drawn
                               * once a thread (text with a halo is slow to draw) */
} chip_buf;

/* the rows of a band of chips drawn in turn (by_place): the source's tile
 * rows, for 512-px tiles */
#define MW_CHIP_BAND 512

/* grey for no data (masked) and outside the scene */
#define NODATA_GREY 0x5a
#define OUTSIDE_GREY 0xc8

/* One panel of the chip: the window's codes (one date's planes of bw x bh,
 * chipstore.h; slot: the planes of red, green and blue), placed at (ix, iy)
 * of an image of n x n, drawn scaled to P x P px at (X0, Y0) of the chip's
 * pixels by nearest neighbour (mw_chip_sample). */
static void fill_panel(cairo_surface_t *chip, int X0, int Y0, const uint8_t *codes,
                       const int slot[3], int n, int ix, int iy, int bw, int bh)
{
    enum { P = MW_CHIP_PANEL };
    cairo_surface_flush(chip);
    unsigned char *data = cairo_image_surface_get_data(chip);
    const int stride = cairo_image_surface_get_stride(chip);
    const size_t N = (size_t)bw * bh;
    const uint8_t *R = codes + slot[0] * N, *G = codes + slot[1] * N, *B = codes + slot[2] * N;
    int col[P]; /* each panel column's column in the window, -1 outside */
    for (int x = 0; x < P; x++) {
        int sx = mw_chip_sample(x, n, P) - ix;
        col[x] = sx >= 0 && sx < bw ? sx : -1;
    }
    for (int y = 0; y < P; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)(Y0 + y) * stride) + X0;
        int sy = mw_chip_sample(y, n, P) - iy;
        if (sy < 0 || sy >= bh) {
            for (int x = 0; x < P; x++)
                row[x] = 0xFF000000u | OUTSIDE_GREY * 0x010101u;
            continue;
        }
        const size_t i0 = (size_t)sy * bw;
        for (int x = 0; x < P; x++) {
            uint32_t v = OUTSIDE_GREY * 0x010101u;
            if (col[x] >= 0) {
                size_t i = i0 + (size_t)col[x];
                v = !R[i] || !G[i] || !B[i] /* no data on a band */
                        ? NODATA_GREY * 0x010101u
                        : (uint32_t)R[i] << 16 | (uint32_t)G[i] << 8 | B[i];
            }
            row[x] = 0xFF000000u | v;
        }
    }
    cairo_surface_mark_dirty_rectangle(chip, X0, Y0, P, P);
}

/* A thread's buffers (those of a window not in the store come with the
 * first one, read_codes).  0, or -1 with mw_error (cb freed). */
static void chip_buf_free(chip_buf *cb);
static int chip_buf_init(chip_buf *cb, const chip_ctx *c)
{
    memset(cb, 0, sizeof *cb);
    cb->cap = (size_t)MW_CHIP_PANEL * MW_CHIP_PANEL;
    cb->codes = mw_calloc(cb->cap, 2 * MW_CHIP_ROLES);
    cb->row = c->run->chips ? mw_calloc(mw_chipstore_row_bytes(c->run->chips), 1) : NULL;
    cb->over = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MW_CHIP_PANEL, MW_CHIP_PANEL);
    if (cb->codes && (cb->row || !c->run->chips) &&
        cairo_surface_status(cb->over) == CAIRO_STATUS_SUCCESS)
        return 0;
    if (cairo_surface_status(cb->over) != CAIRO_STATUS_SUCCESS)
        mw_error(MW_EXIT_INTERNAL, "cairo: cannot make a %d px panel", MW_CHIP_PANEL);
    chip_buf_free(cb);
    return -1;
}

static void chip_buf_free(chip_buf *cb)
{
    mw_reader_free(cb->rd);
    free(cb->buf);
    free(cb->scratch);
    free(cb->wide);
    free(cb->wide_codes);
    free(cb->codes);
    free(cb->row);
    cairo_surface_destroy(cb->over);
    for (int k = 0; k < 2; k++)
        if (cb->name[k])
            cairo_surface_destroy(cb->name[k]);
    memset(cb, 0, sizeof *cb);
}

/* The window's codes through the reader (a tile of it not in the store):
 * the values the tile pass read and the samples of mw_chipstore_read, so
 * the same codes.  0, or -1 with mw_error. */
static int read_codes(const chip_ctx *c, chip_buf *cb, int x, int y, int w, int h, int bw,
                      int bh, uint8_t *out)
{
    const mw_scene *s = c->run->scene;
    const int nr = c->cb.nroles;
    const size_t n = (size_t)bw * bh;
    if (!cb->rd) {
        /* each made once, whatever failed before; freed with cb */
        if (!(cb->buf || (cb->buf = mw_calloc(cb->cap * MW_NROLES, sizeof *cb->buf))) ||
            !(cb->scratch || (cb->scratch = mw_calloc(cb->cap, sizeof *cb->scratch))) ||
            !(cb->wide || (cb->wide = mw_calloc((size_t)s->width * MW_NROLES, sizeof *cb->wide))) ||
            !(cb->wide_codes || (cb->wide_codes = mw_calloc((size_t)s->width, MW_CHIP_ROLES))) ||
            !(cb->rd = mw_reader_new(s)))
            return -1;
        /* the chips go along a band of tile rows, left to right, their
         * windows reaching into the tile row below, which the next band
         * reads again: the threads' shares of the scene's tile cache
         * together hold two tile rows of the scene (each source tile then
         * decoded once; 4 slots a thread is all a chip needs otherwise) */
        mw_reader_span(cb->rd, (s->width + c->threads - 1) / c->threads, MW_CHIP_BAND);
    }
    for (int d = 0; d < 2; d++) {
        uint8_t *od = out + (size_t)d * nr * n;
        float *planes[MW_NROLES];
        if (bw == w && bh == h) { /* the window at once */
            for (int r = 0; r < MW_NROLES; r++)
                planes[r] = cb->buf + (size_t)r * cb->cap;
            if (mw_reader_read(cb->rd, d, x, y, w, h, planes, cb->scratch))
                return -1;
            mw_chip_codes(c->st, &c->cb, planes, n, od);
            continue;
        }
        const size_t sw = (size_t)s->width;
        for (int r = 0; r < MW_NROLES; r++)
            planes[r] = cb->wide + (size_t)r * sw;
        for (int j = 0; j < bh; j++) { /* a row a sample */
            if (mw_reader_read(cb->rd, d, x, y + mw_chip_sample(j, h, bh), w, 1, planes,
                               cb->scratch))
                return -1;
            mw_chip_codes(c->st, &c->cb, planes, (size_t)w, cb->wide_codes);
            for (int k = 0; k < nr; k++)
                for (int i = 0; i < bw; i++)
                    od[(size_t)k * n + (size_t)j * bw + i] =
                        cb->wide_codes[(size_t)k * w + mw_chip_sample(i, w, bw)];
        }
    }
    return 0;
}

static void thousands(char *out, size_t size, double v, int decimals)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    char *dot = strchr(raw, '.');
    size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
    size_t start = raw[0] == '-' ? 1 : 0;
    for (size_t i = 0; i < ilen && o + 2 < size; i++) {
        if (i > start && (ilen - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = raw[i];
    }
    out[o] = '\0';
    if (dot)
        snprintf(out + o, size - o, "%s", dot);
}

static const mw_rgba INK = {0.08, 0.08, 0.08, 1};
static const mw_rgba LIC_RGB = {0, 0.9, 1, 1};
static const mw_rgba RED_RGB = {1, 0.1, 0.1, 1};
static const mw_rgba LABEL_RGB = {0, 0.22, 0.32, 1};

static void set_rgba(cairo_t *cr, mw_rgba c) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a); }

/* A licence's label point inside the window, on the part of it the window
 * shows: in the band of the window above the patch (the patch fills the
 * window's middle third), else the band below, else anywhere.  0 when the
 * window shows none of it. */
static OGRGeometryH rect_geom(double x0, double y0, double x1, double y1);
static int label_point(OGRGeometryH g, OGRGeometryH win, const double band[2][4], double *X,
                       double *Y)
{
    OGRGeometryH part = OGR_G_Intersection(g, win);
    int ok = 0;
    for (int k = 0; k < 3 && !ok && part && !OGR_G_IsEmpty(part); k++) {
        OGRGeometryH where = part, strip = NULL;
        if (k < 2) {
            strip = rect_geom(band[k][0], band[k][1], band[k][2], band[k][3]);
            where = OGR_G_Intersection(part, strip);
        }
        if (where && !OGR_G_IsEmpty(where) && OGR_G_Area(where) > 0) {
            OGRGeometryH pt = OGR_G_PointOnSurface(where);
            if (pt && !OGR_G_IsEmpty(pt)) {
                *X = OGR_G_GetX(pt, 0);
                *Y = OGR_G_GetY(pt, 0);
                ok = 1;
            }
            OGR_G_DestroyGeometry(pt);
        }
        if (where != part)
            OGR_G_DestroyGeometry(where);
        OGR_G_DestroyGeometry(strip);
    }
    OGR_G_DestroyGeometry(part);
    return ok;
}

static OGRGeometryH rect_geom(double x0, double y0, double x1, double y1)
{
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, x0, y0);
    OGR_G_AddPoint_2D(ring, x1, y0);
    OGR_G_AddPoint_2D(ring, x1, y1);
    OGR_G_AddPoint_2D(ring, x0, y1);
    OGR_G_AddPoint_2D(ring, x0, y0);
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    OGR_G_AddGeometryDirectly(poly, ring);
    return poly;
}

static int env_meets(const OGREnvelope *e, double x0, double y0, double x1, double y1)
{
    return e->MaxX >= x0 && e->MinX <= x1 && e->MaxY >= y0 && e->MinY <= y1;
}

/* The text above the panels: id and rules, area, licence and county, the
 * centre in CGCS2000 and WGS84, the dates over the columns. */
static void chip_header(cairo_t *cr, const chip_ctx *c, const mw_patch *p, int zone,
                        double gkx, double gky, int W)
{
    const mw_config *cfg = c->run->cfg;
    const char *font = cfg->font;
    const int P = MW_CHIP_PANEL, M = MW_CHIP_MARGIN;
    char area[64], mu[64], line[512], gx[48], gy[48];
    thousands(area, sizeof area, p->area_m2, 0);
    thousands(mu, sizeof mu, p->area_mu, 2);
    thousands(gx, sizeof gx, gkx, 1);
    thousands(gy, sizeof gy, gky, 1);
    const char *rules = p->v.rules[0] ? p->v.rules
                        : p->v.finding == MW_FIND_NOT_JUDGED
                            ? (c->zh ? "未判定(无采矿许可证图层)" : "not judged (no licence layer)")
                            : (c->zh ? "未违反规则" : "no rule broken");
    snprintf(line, sizeof line, "%s   %s", p->id, rules);
    mw_draw_text(cr, font, 20, 1, M, 6, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);
    snprintf(line, sizeof line,
             c->zh ? "面积 %s m² = %s 亩   %s%s%s"
                   : "Area %s m² = %s mu (亩)   %s%s%s",
             area, mu, p->v.licence_id[0] ? (c->zh ? "许可证 " : "licence ") : "",
             p->v.licence_id, p->v.county[0] ? "   " : "");
    size_t ln = strlen(line);
    snprintf(line + ln, sizeof line - ln, "%s", p->v.county);
    mw_draw_text(cr, font, 14, 0, M, 34, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);
    if (zone > 0)
        snprintf(line, sizeof line, "%s CGCS2000 3° GK %d: X %s m  Y %s m",
                 c->zh ? "中心" : "Centre", zone, gx, gy);
    else
        snprintf(line, sizeof line, "%s CGCS2000: —", c->zh ? "中心" : "Centre");
    mw_draw_text(cr, font, 13, 0, M, 56, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);
    snprintf(line, sizeof line, "WGS84 %.6f°%s %.6f°%s", fabs(p->lon), p->lon < 0 ? "W" : "E",
             fabs(p->lat), p->lat < 0 ? "S" : "N");
    mw_draw_text(cr, font, 13, 0, M, 76, MW_TOP_LEFT, INK, 0, W - 2 * M, line, NULL, NULL);
    for (int d = 0; d < 2; d++) {
        snprintf(line, sizeof line, "t%d  %s", d + 1, d ? cfg->t2_date : cfg->t1_date);
        mw_draw_text(cr, font, 16, 1, M + d * (P + M) + P / 2.0, MW_CHIP_HEADER, MW_TOP_CENTRE,
                     INK, 0, 0, line, NULL, NULL);
    }

}

/* What a window of the scene looks like in map coordinates, and the
 * licence labels in it. */
typedef struct {
    double ox, oy, ex, ey;    /* top-left and bottom-right corners */
    int n;                    /* side in scene pixels */
    double lx[64], ly[64];
    const char *lid[64];
    int nlab;
    double m_per_px;          /* metres per chip pixel */
} chip_win;

/* Red lines, licences, the patch, the licence numbers, the panel's name,
 * north arrow and scale bar on the panel at (X0, Y0); fc: the false-colour
 * row. */
/* What every panel of a chip shows over its image (the same on each):
 * red lines, licences, the patch, the licence numbers, north arrow and
 * scale bar, drawn with the panel's top-left at (X0, Y0). */
static void chip_overlays(cairo_t *cr, const chip_ctx *c, const mw_patch *p,
                          const chip_win *w, double X0, double Y0)
{
    const mw_layers *L = c->run->layers;
    const double *gt = c->run->scene->gt;
    const char *font = c->run->cfg->font;
    const int P = MW_CHIP_PANEL;
    const double ox = w->ox, oy = w->oy, ex = w->ex, ey = w->ey;
    const int n = w->n, nlab = w->nlab;
    const double *lx = w->lx, *ly = w->ly;
    const char *const *lid = w->lid;
    const double m_per_px = w->m_per_px;
    mw_frame f = {ox, oy, fabs(gt[1]) * n / P, fabs(gt[5]) * n / P, X0, Y0};
    cairo_save(cr);
    cairo_rectangle(cr, X0, Y0, P, P);
    cairo_clip(cr);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    /* red lines: dashed red over white */
    for (size_t i = 0; L->redline.present && i < L->redline.n; i++) {
        if (!env_meets(&c->red_env[i], ox, ey, ex, oy))
            continue;
        cairo_new_path(cr);
        mw_draw_geom_path(cr, mw_feature_scene_geom(&L->redline.f[i]), &f);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 3.5);
        cairo_stroke_preserve(cr);
        double dash[2] = {8, 5};
        cairo_set_dash(cr, dash, 2, 0);
        set_rgba(cr, RED_RGB);
        cairo_set_line_width(cr, 2.5);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    for (size_t i = 0; L->lic.present && i < L->lic.n; i++) {
        if (!env_meets(&c->lic_env[i], ox, ey, ex, oy))
            continue;
        cairo_new_path(cr);
        mw_draw_geom_path(cr, mw_feature_scene_geom(&L->lic.f[i]), &f);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.6);
        cairo_set_line_width(cr, 4);
        cairo_stroke_preserve(cr);
        set_rgba(cr, LIC_RGB);
        cairo_set_line_width(cr, 2);
        cairo_stroke(cr);
    }
    /* the patch: black under yellow */
    cairo_new_path(cr);
    mw_draw_geom_path(cr, p->geom, &f);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 4.5);
    cairo_stroke_preserve(cr);
    cairo_set_source_rgb(cr, ((MW_CHIP_OUTLINE >> 16) & 255) / 255.0,
                         ((MW_CHIP_OUTLINE >> 8) & 255) / 255.0,
                         (MW_CHIP_OUTLINE & 255) / 255.0);
    cairo_set_line_width(cr, 2.5);
    cairo_stroke(cr);
    for (int k = 0; k < nlab; k++) {
        /* kept inside the panel (a bold digit is about 0.6 em wide) */
        double hw = 0.31 * 12 * (double)strlen(lid[k]) + 3;
        double x = mw_frame_x(&f, lx[k]), y = mw_frame_y(&f, ly[k]);
        x = fmax(X0 + hw, fmin(X0 + P - hw, x));
        y = fmax(Y0 + 28, fmin(Y0 + P - 34, y));
        mw_draw_text(cr, font, 12, 1, x, y, MW_CENTRE, LABEL_RGB, 2.5, 0, lid[k], NULL,
                     NULL);
    }
    /* north arrow, scale bar */
    mw_draw_north(cr, font, X0 + P - 16, Y0 + 6, 34);
    mw_draw_scalebar(cr, font, X0 + 10, Y0 + P - 8, m_per_px, P * 0.4, 11);
    cairo_restore(cr);
}

/* The overlays once a chip on the ARGB panel over, composited on each
 * panel after (stroking the outlines once instead of once a panel). */
static void overlay_panel(cairo_surface_t *over, const chip_ctx *c, const mw_patch *p,
                          const chip_win *w)
{
    cairo_t *oc = cairo_create(over);
    cairo_set_operator(oc, CAIRO_OPERATOR_CLEAR);
    cairo_paint(oc);
    cairo_set_operator(oc, CAIRO_OPERATOR_OVER);
    chip_overlays(oc, c, p, w, 0, 0);
    cairo_destroy(oc);
    cairo_surface_flush(over);
}

/* The legend under the panels, at the chip's bottom (height H). */
static void chip_legend(cairo_t *cr, const chip_ctx *c, int H)
{
    const mw_layers *L = c->run->layers;
    const char *font = c->run->cfg->font;
    const int M = MW_CHIP_MARGIN;
    {
        double y = H - MW_CHIP_FOOTER + 2, x = M;
        struct { int on; mw_rgba c; int dash; const char *en, *zh; } items[] = {
            {1, {1, 1, 0, 1}, 0, "patch", "图斑"},
            {L->lic.present, LIC_RGB, 0, "licence (number)", "采矿许可证(编号)"},
            {L->redline.present, RED_RGB, 1, "red line", "生态保护红线"},
            {1, {NODATA_GREY / 255.0, NODATA_GREY / 255.0, NODATA_GREY / 255.0, 1}, 2,
             "masked / no data", "掩膜/无数据"},
            {1, {OUTSIDE_GREY / 255.0, OUTSIDE_GREY / 255.0, OUTSIDE_GREY / 255.0, 1}, 2,
             "outside the scene", "影像范围外"},
        };
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
            if (!items[k].on)
                continue;
            if (items[k].dash == 2) {
                cairo_rectangle(cr, x, y + 3, 18, 12);
                set_rgba(cr, items[k].c);
                cairo_fill_preserve(cr);
                cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
                cairo_set_line_width(cr, 1);
                cairo_stroke(cr);
            } else {
                cairo_move_to(cr, x, y + 9);
                cairo_line_to(cr, x + 18, y + 9);
                cairo_set_source_rgb(cr, 0, 0, 0);
                cairo_set_line_width(cr, 4.5);
                cairo_stroke(cr);
                cairo_move_to(cr, x, y + 9);
                cairo_line_to(cr, x + 18, y + 9);
                set_rgba(cr, items[k].c);
                cairo_set_line_width(cr, 2.5);
                if (items[k].dash) {
                    double dash[2] = {5, 3};
                    cairo_set_dash(cr, dash, 2, 0);
                }
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
            }
            double tw;
            mw_draw_text(cr, font, 12, 0, x + 22, y + 1, MW_TOP_LEFT, INK, 0, 0,
                         c->zh ? items[k].zh : items[k].en, &tw, NULL);
            x += 22 + tw + 14;
        }
    }
}

/* The chip's window on the scene grid: the patch's box and as much again
 * on each side, square, at least 96 px; top-left (wx, wy), side n. */
static void chip_window(const double *gt, const mw_patch *p, int *wx, int *wy, int *n)
{
    double px0 = (p->minx - gt[0]) / gt[1], px1 = (p->maxx - gt[0]) / gt[1];
    double py0 = (p->maxy - gt[3]) / gt[5], py1 = (p->miny - gt[3]) / gt[5];
    double side = fmax(px1 - px0, py1 - py0) * 3.0 + 16;
    *n = (int)ceil(side < 96 ? 96 : side);
    *wx = (int)floor((px0 + px1) / 2 - *n / 2.0);
    *wy = (int)floor((py0 + py1) / 2 - *n / 2.0);
}

/* A panel's name (fc: the false colour's) at its top left, on a clear
 * surface of the panel's width.  NULL with mw_error. */
static cairo_surface_t *panel_name(const chip_ctx *c, int fc)
{
    const char *name = !fc ? (c->zh ? "真彩色" : "true colour")
                       : c->cb.fc[0] == MW_SWIR1
                           ? (c->zh ? "假彩色 SWIR1/NIR/红" : "false colour SWIR1/NIR/red")
                           : (c->zh ? "假彩色 NIR/红/绿" : "false colour NIR/red/green");
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MW_CHIP_PANEL, 32);
    cairo_t *cr = cairo_create(s);
    if (cairo_status(cr)) {
        mw_error(MW_EXIT_INTERNAL, "cairo: cannot make a %d x 32 image", MW_CHIP_PANEL);
        cairo_destroy(cr);
        cairo_surface_destroy(s);
        return NULL;
    }
    mw_draw_text(cr, c->run->cfg->font, 12, 1, 6, 5, MW_TOP_LEFT, INK, 2.5, 0, name, NULL, NULL);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    return s;
}

static int draw_chip(const chip_ctx *c, chip_buf *cb, const mw_patch *p, int zone,
                     double gkx, double gky)
{
    const mw_scene *s = c->run->scene;
    const mw_layers *L = c->run->layers;
    const double *gt = s->gt;
    int n, wx, wy;
    chip_window(gt, p, &wx, &wy, &n);
    /* read at most the panel's size (nearest decimation for a large patch) */
    int bn = n > MW_CHIP_PANEL ? MW_CHIP_PANEL : n;
    int rx0 = wx < 0 ? 0 : wx, ry0 = wy < 0 ? 0 : wy;
    int rx1 = wx + n > s->width ? s->width : wx + n, ry1 = wy + n > s->height ? s->height : wy + n;
    int rw = rx1 - rx0, rh = ry1 - ry0;
    int bw = (int)((long)rw * bn / n), bh = (int)((long)rh * bn / n);
    int ix = (int)((long)(rx0 - wx) * bn / n), iy = (int)((long)(ry0 - wy) * bn / n);
    if (bw < 1 || bh < 1)
        rw = rh = 0; /* nothing of the scene (cannot happen for a patch) */
    const int P = MW_CHIP_PANEL, M = MW_CHIP_MARGIN;
    const int W = 2 * P + 3 * M, top = MW_CHIP_HEADER + 24;
    const int nrows = c->cb.true_colour ? 2 : 1;
    const int H = top + nrows * P + (nrows - 1) * M + MW_CHIP_FOOTER + M;
    cairo_surface_t *chip = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    cairo_t *cr = cairo_create(chip);
    int rc = 0;
    if (cairo_status(cr)) {
        mw_error(MW_EXIT_INTERNAL, "cairo: cannot make a %d x %d image", W, H);
        rc = -1;
        goto out;
    }
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    chip_header(cr, c, p, zone, gkx, gky, W);

    /* the window in map coordinates, and its frame on a panel */
    chip_win w = {.n = n};
    double ox = w.ox = gt[0] + wx * gt[1], oy = w.oy = gt[3] + wy * gt[5];
    double ex = w.ex = gt[0] + (wx + n) * gt[1], ey = w.ey = gt[3] + (wy + n) * gt[5];
    OGRGeometryH win = rect_geom(ox, ey, ex, oy);
    /* label bands: 12-28 % and 72-88 % of the window from the top */
    const double band[2][4] = {{ox, oy + 0.28 * (ey - oy), ex, oy + 0.12 * (ey - oy)},
                               {ox, oy + 0.88 * (ey - oy), ex, oy + 0.72 * (ey - oy)}};
    for (size_t i = 0; L->lic.present && i < L->lic.n; i++) {
        if (!env_meets(&c->lic_env[i], ox, ey, ex, oy) || w.nlab == 64)
            continue;
        if (label_point(mw_feature_scene_geom(&L->lic.f[i]), win, band, &w.lx[w.nlab],
                        &w.ly[w.nlab]))
            w.lid[w.nlab++] = L->lic.f[i].attr[LIC_ID];
    }
    w.m_per_px = fabs(gt[1]) * c->m_per_unit * n / P;
    overlay_panel(cb->over, c, p, &w);

    /* both dates' codes, from the store or else through the reader */
    const size_t N = (size_t)bw * bh;
    if (rw > 0) {
        const mw_chipstore *store = c->run->chips;
        int got =
            store && mw_chipstore_read(store, rx0, ry0, rw, rh, bw, bh, cb->codes, cb->row);
        if (!got && read_codes(c, cb, rx0, ry0, rw, rh, bw, bh, cb->codes)) {
            rc = -1;
            goto out_win;
        }
    }
    for (int d = 0; d < 2; d++) {
        for (int row = 0; row < nrows; row++) {
            int fc = row == nrows - 1; /* the last row is the false colour */
            const int *roles = fc ? c->cb.fc : c->cb.tc;
            int slot[3] = {c->cb.slot[roles[0]], c->cb.slot[roles[1]], c->cb.slot[roles[2]]};
            const int X0 = M + d * (P + M), Y0 = top + row * (P + M);
            fill_panel(chip, X0, Y0, cb->codes + (size_t)d * c->cb.nroles * N, slot, bn, ix, iy,
                       rw > 0 ? bw : 0, rw > 0 ? bh : 0);

            cairo_set_source_surface(cr, cb->over, X0, Y0);
            cairo_paint(cr);
            if (!cb->name[fc] && !(cb->name[fc] = panel_name(c, fc))) {
                rc = -1;
                goto out_win;
            }
            cairo_set_source_surface(cr, cb->name[fc], X0, Y0);
            cairo_paint(cr);
            cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
            cairo_set_line_width(cr, 1);
            cairo_rectangle(cr, X0 + 0.5, Y0 + 0.5, P - 1, P - 1);
            cairo_stroke(cr);
        }
    }

    chip_legend(cr, c, H);
    cairo_surface_flush(chip);
    {
        char png[MW_PATH_MAX + 64], jpg[MW_PATH_MAX + 64];
        snprintf(png, sizeof png, "%s/%s.png", c->dir, p->id);
        snprintf(jpg, sizeof jpg, "%s/%s.jpg", c->dir, p->id);
        if (mw_draw_write_png(chip, png) || mw_draw_write_jpeg_if_smaller(chip, png, jpg))
            rc = -1;
    }
out_win:
    OGR_G_DestroyGeometry(win);
out:
    cairo_destroy(cr);
    cairo_surface_destroy(chip);
    return rc;
}

/* qsort of chip numbers (into order) by place: the band of MW_CHIP_BAND
 * rows (the source's tile rows, for 512-px tiles) the window's top lies
 * in, then the window's left edge */
static const size_t *g_chip_order;
static const mw_patchset *g_chip_ps;
static const double *g_chip_gt;
static int by_place(const void *a, const void *b)
{
    const mw_patch *p = &g_chip_ps->p[g_chip_order[*(const size_t *)a]];
    const mw_patch *q = &g_chip_ps->p[g_chip_order[*(const size_t *)b]];
    int px, py, pn, qx, qy, qn;
    chip_window(g_chip_gt, p, &px, &py, &pn);
    chip_window(g_chip_gt, q, &qx, &qy, &qn);
    long rp = (long)floor((double)py / MW_CHIP_BAND), rq = (long)floor((double)qy / MW_CHIP_BAND);
    if (rp != rq)
        return rp < rq ? -1 : 1;
    if (px != qx)
        return px < qx ? -1 : 1;
    return strcmp(p->id, q->id);
}

static OGREnvelope *envelopes(const mw_layer *l)
{
    if (!l->present || !l->n)
        return NULL;
    OGREnvelope *e = mw_calloc(l->n, sizeof *e);
    for (size_t i = 0; e && i < l->n; i++)
        OGR_G_GetEnvelope(mw_feature_scene_geom(&l->f[i]), &e[i]);
    return e;
}

int mw_chips_write(const mw_run *run, const size_t *order, const char *dir, size_t *written)
{
    const mw_config *cfg = run->cfg;
    const mw_scene *s = run->scene;
    const mw_patchset *ps = run->patches;
    *written = 0;
    size_t n = ps->n < (size_t)cfg->evidence_max ? ps->n : (size_t)cfg->evidence_max;
    if (strcmp(cfg->evidence, "on"))
        return 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    if (n == 0)
        return 0;
    /* the store's stretch, else the same computed here */
    mw_stretch st;
    if (!run->chips && mw_stretch_scene(s, cfg->threads, &st))
        return -1;
    chip_ctx c = {.run = run, .st = run->chips ? mw_chipstore_stretch(run->chips) : &st,
                  .dir = dir, .zh = !strcmp(cfg->language, "zh")};
    mw_chip_bands_of(s, &c.cb);
    c.m_per_unit = mw_draw_m_per_unit(s->wkt, ps->p[order[0]].lat);
    c.lic_env = envelopes(&run->layers->lic);
    c.red_env = envelopes(&run->layers->redline);
    /* Gauss-Krueger coordinates first, on this thread (PROJ objects) */
    int *zone = mw_calloc(n, sizeof *zone);
    double *gx = mw_calloc(n, sizeof *gx), *gy = mw_calloc(n, sizeof *gy);
    int failed = 0;
    if (!zone || !gx || !gy || (run->layers->lic.present && run->layers->lic.n && !c.lic_env) ||
        (run->layers->redline.present && run->layers->redline.n && !c.red_env))
        failed = 1;
    for (size_t k = 0; k < n && !failed; k++) {
        const mw_patch *p = &ps->p[order[k]];
        if (mw_cgcs2000_gk(p->lon, p->lat, &zone[k], &gx[k], &gy[k]))
            zone[k] = 0;
    }
    /* drawn in the order of their place in the scene (bands of 512 rows,
     * left to right), not of suspects.csv: neighbouring chips then share
     * the source tiles the readers' cache holds, instead of each decoding
     * its own */
    size_t *proc = mw_calloc(n, sizeof *proc);
    if (!proc)
        failed = 1;
    for (size_t k = 0; proc && k < n; k++)
        proc[k] = k;
    if (proc) {
        g_chip_order = order;
        g_chip_ps = ps;
        g_chip_gt = s->gt;
        qsort(proc, n, sizeof *proc, by_place);
        g_chip_order = NULL;
    }
    int threads = run->tiles && run->tiles->threads_used > 0 ? run->tiles->threads_used : 1;
    size_t done = 0;
    c.threads = threads;
#pragma omp parallel num_threads(threads) default(none) \
    shared(c, s, ps, order, proc, n, zone, gx, gy, failed) reduction(+ : done)
    {
        chip_buf cb;
        int ok = chip_buf_init(&cb, &c) == 0;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t j = 0; j < n; j++) {
            int stop;
#pragma omp atomic read
            stop = failed;
            if (stop || !ok)
                continue;
            size_t k = proc[j];
            if (draw_chip(&c, &cb, &ps->p[order[k]], zone[k], gx[k], gy[k])) {
#pragma omp atomic write
                failed = 1;
            } else {
                done++;
            }
        }
        chip_buf_free(&cb);
        mw_draw_thread_done();
    }
    free(proc);
    free(zone);
    free(gx);
    free(gy);
    free(c.lic_env);
    free(c.red_env);
    /* the decoded tiles the readers held (two tile rows of each date) go
     * back to the system, not kept in the heap under what comes next (the
     * map sheets) */
    malloc_trim(0);
    *written = done;
    return failed ? -1 : 0;
}
