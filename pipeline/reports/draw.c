/* draw.c - cairo + pango helpers for the chips and the map sheets. */
#include "draw.h"

#include <fontconfig/fontconfig.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <pango/pangocairo.h>
#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mw.h"

int mw_draw_font_check(const char *family)
{
    FcInit();
    FcPattern *pat = FcNameParse((const FcChar8 *)family);
    if (!pat)
        return 1;
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *m = FcFontMatch(NULL, pat, &res);
    int missing = 1;
    char got[256] = "none";
    int cjk = 0;
    if (m) {
        FcChar8 *fam = NULL;
        /* a font can carry several family names (localized ones) */
        for (int i = 0; FcPatternGetString(m, FC_FAMILY, i, &fam) == FcResultMatch; i++) {
            if (i == 0)
                snprintf(got, sizeof got, "%s", (const char *)fam);
            if (!strcasecmp((const char *)fam, family))
                missing = 0;
        }
        FcCharSet *cs = NULL;
        if (FcPatternGetCharSet(m, FC_CHARSET, 0, &cs) == FcResultMatch)
            cjk = FcCharSetHasChar(cs, 0x4EA9) && FcCharSetHasChar(cs, 0x53BF); /* 亩 县 */
        FcPatternDestroy(m);
    }
    FcPatternDestroy(pat);
    if (missing)
        mw_warn("[report] font '%s' is not installed; the chips and map sheets use '%s'%s",
                family, got, cjk ? "" : ", which has no Chinese characters");
    return missing;
}

void mw_draw_text(cairo_t *cr, const char *family, double size_px, int bold, double x,
                  double y, int anchor, mw_rgba c, double halo, double max_w,
                  const char *text, double *w, double *h)
{
    PangoLayout *lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_absolute_size(fd, size_px * PANGO_SCALE);
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(lay, fd);
    if (max_w > 0) {
        pango_layout_set_width(lay, (int)(max_w * PANGO_SCALE));
        pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(lay, text, -1);
    int lw, lh;
    pango_layout_get_pixel_size(lay, &lw, &lh);
    double dx = 0, dy = 0;
    switch (anchor) {
    case MW_TOP_CENTRE: dx = -lw / 2.0; break;
    case MW_CENTRE: dx = -lw / 2.0; dy = -lh / 2.0; break;
    case MW_BOTTOM_LEFT: dy = -lh; break;
    case MW_TOP_RIGHT: dx = -lw; break;
    case MW_BOTTOM_CENTRE: dx = -lw / 2.0; dy = -lh; break;
    default: break;
    }
    cairo_save(cr);
    cairo_move_to(cr, round(x + dx), round(y + dy));
    if (halo > 0) {
        pango_cairo_layout_path(cr, lay);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_set_line_width(cr, 2 * halo);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_move_to(cr, round(x + dx), round(y + dy));
    }
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    if (cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_PDF) {
        /* outlines in a PDF: cairo 1.16 leaks each PDF's font subsets (768
         * bytes a file, which LeakSanitizer reports) when text is shown */
        cairo_new_path(cr);
        cairo_move_to(cr, round(x + dx), round(y + dy));
        pango_cairo_layout_path(cr, lay);
        cairo_fill(cr);
    } else {
        pango_cairo_show_layout(cr, lay);
    }
    cairo_restore(cr);
    if (w)
        *w = lw;
    if (h)
        *h = lh;
    pango_font_description_free(fd);
    g_object_unref(lay);
}

struct mw_labeller {
    cairo_t *cr;
    PangoLayout *lay;
};

mw_labeller *mw_labeller_new(cairo_t *cr, const char *family, double size_px)
{
    mw_labeller *l = mw_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->cr = cr;
    l->lay = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_absolute_size(fd, size_px * PANGO_SCALE);
    pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(l->lay, fd);
    pango_font_description_free(fd);
    return l;
}

void mw_labeller_draw(mw_labeller *l, double x, double y, mw_rgba c, double halo,
                      const char *text)
{
    cairo_t *cr = l->cr;
    pango_layout_set_text(l->lay, text, -1);
    int lw, lh;
    pango_layout_get_pixel_size(l->lay, &lw, &lh);
    cairo_save(cr);
    cairo_new_path(cr);
    cairo_move_to(cr, x, y - lh);
    pango_cairo_layout_path(cr, l->lay);
    if (halo > 0) {
        cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
        cairo_set_line_width(cr, 2 * halo);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke_preserve(cr);
    }
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
    cairo_fill(cr);
    cairo_restore(cr);
}

void mw_labeller_free(mw_labeller *l)
{
    if (!l)
        return;
    g_object_unref(l->lay);
    free(l);
}

/* Points of a ring closer than this (device units: pixels of an image, points
 * of a PDF) to the last one kept are left out: the pixel steps of a patch
 * polygon on a county's sheet are a tenth of a point apart, and stroking
 * (and writing into the PDF) each of them cost more than the rest of the
 * sheet. */
#define MW_PATH_MIN_STEP 0.3

static void ring_path(cairo_t *cr, OGRGeometryH r, const mw_frame *f, int close)
{
    int n = OGR_G_GetPointCount(r);
    double lx = 0, ly = 0;
    for (int i = 0; i < n; i++) {
        double x = mw_frame_x(f, OGR_G_GetX(r, i)), y = mw_frame_y(f, OGR_G_GetY(r, i));
        if (i == 0) {
            cairo_move_to(cr, x, y);
        } else {
            double dx = x - lx, dy = y - ly;
            cairo_user_to_device_distance(cr, &dx, &dy);
            if (i < n - 1 && fabs(dx) < MW_PATH_MIN_STEP && fabs(dy) < MW_PATH_MIN_STEP)
                continue;
            cairo_line_to(cr, x, y);
        }
        lx = x;
        ly = y;
    }
    if (close && n)
        cairo_close_path(cr);
}

void mw_draw_geom_path(cairo_t *cr, OGRGeometryH g, const mw_frame *f)
{
    if (!g)
        return;
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    switch (t) {
    case wkbPolygon:
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            ring_path(cr, OGR_G_GetGeometryRef(g, i), f, 1);
        break;
    case wkbLineString:
    case wkbLinearRing:
        ring_path(cr, g, f, 0);
        break;
    case wkbMultiPolygon:
    case wkbMultiLineString:
    case wkbGeometryCollection:
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
            mw_draw_geom_path(cr, OGR_G_GetGeometryRef(g, i), f);
        break;
    default:
        break;
    }
}

void mw_draw_scalebar(cairo_t *cr, const char *family, double x, double y, double m_per_px,
                      double max_px, double size_px)
{
    if (!(m_per_px > 0) || !(max_px > 4))
        return;
    double max_m = m_per_px * max_px, len = 1;
    while (len * 10 <= max_m)
        len *= 10;
    if (len * 5 <= max_m)
        len *= 5;
    else if (len * 2 <= max_m)
        len *= 2;
    double px = len / m_per_px, bh = size_px * 0.45;
    char label[32];
    if (len >= 1000)
        snprintf(label, sizeof label, "%g km", len / 1000);
    else
        snprintf(label, sizeof label, "%g m", len);
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
    double lw = size_px * 0.6 * (double)strlen(label); /* room for the label's right half */
    cairo_rectangle(cr, x - 4, y - bh - size_px * 1.5, px + lw / 2 + 8, bh + size_px * 1.5 + 4);
    cairo_fill(cr);
    for (int s = 0; s < 4; s++) {
        cairo_rectangle(cr, round(x + s * px / 4), round(y - bh), px / 4, bh);
        if (s % 2)
            cairo_set_source_rgb(cr, 1, 1, 1);
        else
            cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    mw_rgba black = {0, 0, 0, 1};
    mw_draw_text(cr, family, size_px, 0, x, y - bh - 1, MW_BOTTOM_LEFT, black, 0, 0, "0",
                 NULL, NULL);
    mw_draw_text(cr, family, size_px, 0, x + px, y - bh - 1, MW_BOTTOM_CENTRE, black, 0, 0,
                 label, NULL, NULL);
}

void mw_draw_north(cairo_t *cr, const char *family, double x, double y, double h)
{
    double fs = h * 0.38, aw = h * 0.32, top = y + fs * 1.1;
    mw_rgba black = {0, 0, 0, 1};
    mw_draw_text(cr, family, fs, 1, x, y, MW_TOP_CENTRE, black, 2, 0, "N", NULL, NULL);
    cairo_save(cr);
    /* two halves: black left, white right, outlined */
    cairo_move_to(cr, x, top);
    cairo_line_to(cr, x - aw / 2, y + h);
    cairo_line_to(cr, x, y + h - aw * 0.45);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
    cairo_move_to(cr, x, top);
    cairo_line_to(cr, x + aw / 2, y + h);
    cairo_line_to(cr, x, y + h - aw * 0.45);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

double mw_draw_m_per_unit(const char *wkt, double lat)
{
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    double m = 1;
    if (srs) {
        if (OSRIsGeographic(srs))
            m = 111320.0 * cos(lat * M_PI / 180.0);
        else
            m = OSRGetLinearUnits(srs, NULL);
        OSRDestroySpatialReference(srs);
    }
    return m > 0 ? m : 1;
}

/* The image's rows as PNG scanlines, each a filter byte (2, "Up": the
 * difference to the row above, the cheapest filter that helps on imagery)
 * and its RGB bytes, compressed into one zlib stream by ISA-L at level 1
 * (about 5 x faster than zlib's level 1 on chips, the size within a few per
 * cent).  *out malloc'd, *len its bytes.  0, or -1 (out of memory). */
static int png_idat(const unsigned char *data, int stride, int w, int h, unsigned char **out,
                    size_t *len)
{
    const size_t rb = (size_t)w * 3, n = (size_t)h * (rb + 1);
    unsigned char *raw = malloc(n), *prev = calloc(rb, 1), *cur = malloc(rb);
    size_t cap = n + n / 8 + 4096;
    unsigned char *z = malloc(cap), *lvl = malloc(ISAL_DEF_LVL1_DEFAULT);
    int rc = -1;
    if (raw && prev && cur && z && lvl) {
        for (int y = 0; y < h; y++) {
            const uint32_t *src = (const uint32_t *)(data + (size_t)y * stride);
            unsigned char *o = raw + (size_t)y * (rb + 1);
            o[0] = 2;
            for (int x = 0; x < w; x++) {
                cur[3 * x] = (unsigned char)(src[x] >> 16);
                cur[3 * x + 1] = (unsigned char)(src[x] >> 8);
                cur[3 * x + 2] = (unsigned char)src[x];
            }
            for (size_t i = 0; i < rb; i++)
                o[1 + i] = (unsigned char)(cur[i] - prev[i]);
            unsigned char *t = prev;
            prev = cur;
            cur = t;
        }
        /* zeroed first: isal_deflate_stateless_init leaves fields the
         * stateless deflate reads (valgrind: "depends on uninitialised
         * value" in isal_deflate_stateless), and a chip's bytes must not
         * depend on what the stack held */
        struct isal_zstream zs;
        memset(&zs, 0, sizeof zs);
        isal_deflate_stateless_init(&zs);
        zs.level = 1;
        zs.level_buf = lvl;
        zs.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
        zs.gzip_flag = IGZIP_ZLIB;
        zs.end_of_stream = 1;
        zs.flush = NO_FLUSH;
        zs.next_in = raw;
        zs.avail_in = (uint32_t)n;
        zs.next_out = z;
        zs.avail_out = (uint32_t)cap;
        if (isal_deflate_stateless(&zs) == COMP_OK) {
            *out = z;
            *len = zs.total_out;
            z = NULL;
            rc = 0;
        }
    }
    free(raw);
    free(prev);
    free(cur);
    free(z);
    free(lvl);
    return rc;
}

/* libpng (signature, IHDR, the chunks' framing and CRCs) around the IDAT
 * of png_idat.  libpng reports errors by longjmp to the setjmp of the
 * caller (the library's only way); kept inside this function. */
static int png_file(FILE *f, const unsigned char *idat, size_t len, int w, int h, char *msg,
                    size_t msize)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        snprintf(msg, msize, "out of memory");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        snprintf(msg, msize, "%s", errno ? strerror(errno) : "libpng error");
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_write_info(png, info);
    png_write_chunk(png, (png_const_bytep) "IDAT", idat, len);
    png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int mw_draw_write_png(cairo_surface_t *s, const char *path)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    unsigned char *idat = NULL;
    size_t len = 0;
    if (!data || png_idat(data, stride, w, h, &idat, &len)) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: out of memory", path);
        return -1;
    }
    char msg[256] = "";
    FILE *f = fopen(path, "wb");
    int rc = -1;
    if (!f) {
        snprintf(msg, sizeof msg, "%s", strerror(errno));
    } else {
        errno = 0;
        rc = png_file(f, idat, len, w, h, msg, sizeof msg);
        if (fclose(f) != 0 && rc == 0) {
            snprintf(msg, sizeof msg, "%s", strerror(errno));
            rc = -1;
        }
    }
    if (rc)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", path, msg);
    free(idat);
    return rc;
}

/* libjpeg reports errors through error_exit, which must not return: a
 * longjmp back into jpeg_encode. */
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
} jpeg_err;

static void jpeg_fail(j_common_ptr j)
{
    longjmp(((jpeg_err *)j->err)->jb, 1);
}

/* The image as a baseline JPEG (quality 90, 4:2:0, Huffman tables not
 * optimized: one pass) in memory, libjpeg-turbo reading cairo's pixels as
 * they are.  *out malloc'd by libjpeg (free it), *len its bytes; 0, or -1. */
static int jpeg_encode(cairo_surface_t *s, unsigned char **out, unsigned long *len)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    struct jpeg_compress_struct j;
    jpeg_err err;
    j.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jpeg_fail;
    *out = NULL;
    *len = 0;
    if (setjmp(err.jb)) {
        jpeg_destroy_compress(&j);
        free(*out);
        *out = NULL;
        return -1;
    }
    jpeg_create_compress(&j);
    jpeg_mem_dest(&j, out, len);
    j.image_width = (JDIMENSION)w;
    j.image_height = (JDIMENSION)h;
    j.input_components = 4;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    j.in_color_space = JCS_EXT_BGRX; /* cairo's RGB24: 0xXXRRGGBB words */
#else
    j.in_color_space = JCS_EXT_XRGB;
#endif
    jpeg_set_defaults(&j);
    jpeg_set_quality(&j, 90, TRUE);
    jpeg_start_compress(&j, TRUE);
    while (j.next_scanline < j.image_height) {
        JSAMPROW row = data + (size_t)j.next_scanline * stride;
        jpeg_write_scanlines(&j, &row, 1);
    }
    jpeg_finish_compress(&j);
    jpeg_destroy_compress(&j);
    return 0;
}

int mw_draw_write_jpeg_if_smaller(cairo_surface_t *s, const char *png, const char *jpg)
{
    unsigned char *buf = NULL;
    unsigned long len = 0;
    struct stat a;
    if (jpeg_encode(s, &buf, &len)) {
        mw_error(MW_EXIT_INTERNAL, "%s: cannot make the JPEG image", jpg);
        return -1;
    }
    int rc = 0;
    if (stat(png, &a) == 0 && (off_t)len < a.st_size) {
        FILE *f = fopen(jpg, "wb");
        if (!f || fwrite(buf, 1, len, f) != len) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", jpg, strerror(errno));
            rc = -1;
        }
        if (f && fclose(f) != 0 && rc == 0) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", jpg, strerror(errno));
            rc = -1;
        }
    } else {
        unlink(jpg);
    }
    free(buf);
    return rc;
}

void mw_draw_thread_done(void)
{
    pango_cairo_font_map_set_default(NULL);
}

void mw_draw_done(void)
{
    mw_draw_thread_done();
    cairo_debug_reset_static_data();
    FcFini();
}
