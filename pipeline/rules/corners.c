/* corners.c - corner-point tables to licence polygons. */
#include "corners.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <errno.h>
#include <gdal.h>
#include <iconv.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "mw.h"

int mw_gk_zone(int epsg, int *prefixed)
{
    if (epsg >= 4513 && epsg <= 4533) {
        *prefixed = 1;
        return 25 + (epsg - 4513);
    }
    if (epsg >= 4534 && epsg <= 4554) {
        *prefixed = 0;
        return 25 + (epsg - 4534);
    }
    return 0;
}

typedef struct {
    char *id;
    int ring, point, line;
    double x, y;     /* easting, northing in the target convention */
    char **extra;    /* extra column values (CSL) */
} corner;

static int by_licence(const void *a, const void *b)
{
    const corner *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    if (c)
        return c;
    if (p->ring != q->ring)
        return p->ring - q->ring;
    return p->point - q->point;
}

static int column(char **hdr, const char *const *names)
{
    for (int i = 0; hdr && hdr[i]; i++)
        for (int k = 0; names[k]; k++)
            if (!strcasecmp(hdr[i], names[k]))
                return i;
    return -1;
}

static int parse_int(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!s[0] || *end || v < 0 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_num(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (!s[0] || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static void free_corners(corner *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].id);
        CSLDestroy(c[i].extra);
    }
    free(c);
}

/* Line number (1-based) of byte `at` of text. */
static int line_of(const char *text, size_t at)
{
    int line = 1;
    for (size_t i = 0; i < at; i++)
        line += text[i] == '\n';
    return line;
}

static int is_utf8_name(const char *enc)
{
    return !strcasecmp(enc, "UTF-8") || !strcasecmp(enc, "UTF8");
}

/* The table as UTF-8 text, NUL-terminated, its BOM removed: read whole
 * (a corner table is small), decoded from `encoding`, or, when that is
 * NULL, taken as UTF-8 if it is valid UTF-8 and decoded from GBK if not.
 * *used names the encoding read.  NULL with mw_error. */
static char *read_text(const char *path, const char *encoding, const char **used)
{
    iconv_t cd = (iconv_t)-1;
    if (encoding && !is_utf8_name(encoding) &&
        (cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1) {
        mw_error(MW_EXIT_USAGE, "unknown text encoding '%s' (--encoding; e.g. GBK, GB18030, "
                 "UTF-8)", encoding);
        return NULL;
    }
    const vsi_l_offset limit = (vsi_l_offset)1 << 28;
    VSIStatBufL st;
    int known = VSIStatL(path, &st) == 0;
    if (known && VSI_ISDIR(st.st_mode)) {
        mw_error(MW_EXIT_VECTOR, "%s: is a directory, not a corner table", path);
        goto fail;
    }
    if (known && (vsi_l_offset)st.st_size > limit) {
        mw_error(MW_EXIT_VECTOR, "%s: is larger than 256 MB, not a corner table", path);
        goto fail;
    }
    VSILFILE *f = VSIFOpenL(path, "rb"); /* VSI: real files and /vsimem/ alike */
    if (!f) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot read corner table: %s", path, strerror(errno));
        goto fail;
    }
    GByte *raw = NULL;
    vsi_l_offset len = 0;
    int ok = VSIIngestFile(f, path, &raw, &len, (GIntBig)limit);
    VSIFCloseL(f);
    if (!ok) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot read corner table (%s)", path, mw_gdal_message());
        goto fail;
    }
    char *text = (char *)raw;
    size_t n = (size_t)len;
    size_t nul = strlen(text);
    if (nul < n) {
        mw_error(MW_EXIT_VECTOR, "%s:%d: holds a NUL byte: not a text table", path,
                 line_of(text, nul));
        VSIFree(raw);
        goto fail;
    }
    int bom = n >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3);
    if (bom) { /* a UTF-8 BOM: the table says UTF-8 */
        memmove(text, text + 3, (n -= 3) + 1);
        if (!encoding)
            encoding = "UTF-8";
    }
    if (cd == (iconv_t)-1 && CPLIsUTF8(text, (int)n)) {
        *used = "UTF-8";
        return text;
    }
    if (cd == (iconv_t)-1 && encoding) { /* --encoding UTF-8, and it is not */
        size_t at = 0;
        while (at < n && CPLIsUTF8(text, (int)(at + 1)))
            at++;
        mw_error(MW_EXIT_VECTOR, "%s:%d: is not valid UTF-8 text (%s)", path, line_of(text, at),
                 bom ? "it starts with a UTF-8 byte-order mark" : "--encoding UTF-8");
        VSIFree(raw);
        return NULL;
    }
    const char *from = encoding ? encoding : "GBK";
    if (cd == (iconv_t)-1 && (cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
        mw_error(MW_EXIT_INTERNAL, "iconv cannot decode GBK: %s", strerror(errno));
        VSIFree(raw);
        return NULL;
    }
    size_t cap = 3 * n + 1; /* GBK's 2 bytes give at most 3 of UTF-8; one byte at most 3 */
    char *out = VSIMalloc(cap + 1);
    if (!out) {
        mw_error(MW_EXIT_INTERNAL, "out of memory reading %s", path);
        VSIFree(raw);
        goto fail;
    }
    char *in = text, *o = out;
    size_t in_left = n, out_left = cap;
    if (iconv(cd, &in, &in_left, &o, &out_left) == (size_t)-1) {
        if (encoding)
            mw_error(MW_EXIT_VECTOR, "%s:%d: is not valid %s text (--encoding %s)", path,
                     line_of(text, (size_t)(in - text)), encoding, encoding);
        else
            mw_error(MW_EXIT_VECTOR, "%s:%d: is neither UTF-8 nor GBK text (give its "
                     "encoding with --encoding)", path, line_of(text, (size_t)(in - text)));
        VSIFree(out);
        VSIFree(raw);
        goto fail;
    }
    *o = '\0';
    VSIFree(raw);
    iconv_close(cd);
    *used = from;
    return out;
fail:
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    return NULL;
}

/* The next line of *text (ends: \n, \r\n or \r), cut in place; NULL at the end. */
static char *next_line(char **text)
{
    char *line = *text;
    if (!*line)
        return NULL;
    char *e = line + strcspn(line, "\r\n");
    if (*e == '\r' && e[1] == '\n')
        *e++ = '\0';
    if (*e)
        *e++ = '\0';
    *text = e;
    return line;
}

/* The header: the named columns found, and every other column's name good
 * for a field of the licence layer (named, not twice, not one of the
 * GeoPackage's own columns).  0, or -1 with mw_error. */
static int check_header(const char *path, char **hdr, int ci, int cr, int cp, int cx, int cy)
{
    if (ci < 0 || cp < 0 || cx < 0 || cy < 0) {
        mw_error(MW_EXIT_VECTOR, "%s:1: corner table needs columns licence_id, point, "
                 "x (northing), y (easting); ring is optional", path);
        return -1;
    }
    for (int i = 0; hdr[i]; i++) {
        if (!hdr[i][0]) {
            mw_error(MW_EXIT_VECTOR, "%s:1: column %d has no name", path, i + 1);
            return -1;
        }
        for (int j = 0; j < i; j++)
            if (!strcasecmp(hdr[i], hdr[j])) {
                mw_error(MW_EXIT_VECTOR, "%s:1: column '%s' appears twice (columns %d and "
                         "%d)", path, hdr[i], j + 1, i + 1);
                return -1;
            }
        if (i == ci || i == cr || i == cp || i == cx || i == cy)
            continue;
        /* copied as a field: the layer has its own fid, geom and licence_id */
        if (!strcasecmp(hdr[i], "fid") || !strcasecmp(hdr[i], "geom")) {
            mw_error(MW_EXIT_VECTOR, "%s:1: column '%s' (column %d) has the name of one of "
                     "the GeoPackage's own columns (fid, geom); rename it", path, hdr[i], i + 1);
            return -1;
        }
        if (!strcasecmp(hdr[i], "licence_id")) {
            mw_error(MW_EXIT_VECTOR, "%s:1: column '%s' (column %d) would repeat the licence "
                     "id, which is read from column %d ('%s'); rename one of them", path,
                     hdr[i], i + 1, ci + 1, hdr[ci]);
            return -1;
        }
    }
    return 0;
}

/* Read every row; returns count or -1. */
static long read_table(const char *path, const char *encoding, int zone, int prefixed,
                       corner **out, char ***extra_names, const char **used)
{
    static const char *const ID[] = {"licence_id", "license_id", "许可证号", "矿权编号", NULL};
    static const char *const RING[] = {"ring", "圈号", NULL};
    static const char *const POINT[] = {"point", "点号", "拐点号", NULL};
    static const char *const X[] = {"x", "X坐标", NULL};
    static const char *const Y[] = {"y", "Y坐标", NULL};
    char *text = read_text(path, encoding, used);
    if (!text)
        return -1;
    char **hdr = NULL;
    int ci = -1, cr = -1, cp = -1, cx = -1, cy = -1, lineno = 0;
    corner *c = NULL;
    size_t n = 0, cap = 0;
    long rc = 0;
    char *rest = text, *line;
    while (rc == 0 && (line = next_line(&rest)) != NULL) {
        lineno++;
        if (!line[0])
            continue;
        char **cell = CSLTokenizeStringComplex(line, ",", TRUE, TRUE);
        if (!hdr) {
            hdr = cell;
            ci = column(hdr, ID), cr = column(hdr, RING), cp = column(hdr, POINT);
            cx = column(hdr, X), cy = column(hdr, Y);
            if (check_header(path, hdr, ci, cr, cp, cx, cy))
                rc = -1;
            continue;
        }
        int nc = CSLCount(cell);
        corner k = {0};
        k.line = lineno;
        k.ring = 1;
        const char *why = NULL;
        int need = ci > cp ? ci : cp;
        need = need > cx ? need : cx;
        need = need > cy ? need : cy;
        need = need > cr ? need : cr;
        if (nc <= need)
            why = "too few cells";
        else if (!cell[ci][0])
            why = "empty licence_id";
        else if (cr >= 0 && (parse_int(cell[cr], &k.ring) || k.ring < 1))
            why = "ring is not a positive integer";
        else if (parse_int(cell[cp], &k.point) || k.point < 1)
            why = "point is not a positive integer";
        else if (parse_num(cell[cx], &k.y) || parse_num(cell[cy], &k.x))
            why = "x or y is not a number";
        else if (k.x <= 0 || k.x >= 1e8 || k.y <= 0 || k.y >= 1e7)
            why = "x (northing) or y (easting) is outside a Gauss-Kruger zone";
        if (!why) {
            /* easting: detect the zone prefix */
            double e = k.x;
            int has_prefix = e >= 1e6;
            int pz = has_prefix ? (int)floor(e / 1e6) : zone;
            if (has_prefix && pz != zone)
                why = "easting carries a zone prefix that is not the zone of the EPSG code";
            else if (has_prefix && !prefixed)
                k.x = e - zone * 1e6;
            else if (!has_prefix && prefixed)
                k.x = e + zone * 1e6;
        }
        if (why) {
            mw_error(MW_EXIT_VECTOR, "%s:%d: %s", path, lineno, why);
            CSLDestroy(cell);
            rc = -1;
            break;
        }
        k.id = strdup(cell[ci]);
        for (int i = 0; hdr[i]; i++)
            if (i != ci && i != cr && i != cp && i != cx && i != cy)
                k.extra = CSLAddString(k.extra, i < nc ? cell[i] : "");
        CSLDestroy(cell);
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            corner *g = realloc(c, cap * sizeof *c);
            if (!g) {
                mw_error(MW_EXIT_INTERNAL, "out of memory reading %s", path);
                free(k.id);
                CSLDestroy(k.extra);
                rc = -1;
                break;
            }
            c = g;
        }
        c[n++] = k;
    }
    VSIFree(text);
    if (rc == 0 && !hdr) {
        mw_error(MW_EXIT_VECTOR, "%s: corner table is empty", path);
        rc = -1;
    }
    if (rc == 0) {
        for (int i = 0; hdr[i]; i++)
            if (i != ci && i != cr && i != cp && i != cx && i != cy)
                *extra_names = CSLAddString(*extra_names, hdr[i]);
    }
    CSLDestroy(hdr);
    if (rc) {
        free_corners(c, n);
        return -1;
    }
    *out = c;
    return (long)n;
}

/* Rings of one licence [a, b) into a polygon; checks numbering. */
static OGRGeometryH build_polygon(const char *path, corner *c, size_t a, size_t b)
{
    OGRGeometryH poly = OGR_G_CreateGeometry(wkbPolygon);
    size_t i = a;
    while (i < b) {
        size_t j = i;
        while (j < b && c[j].ring == c[i].ring)
            j++;
        /* points must run 1, 2, 3, ... without gaps or repeats */
        char why[96] = "";
        int at = c[i].line;
        for (size_t k = i; k < j && !why[0]; k++) {
            int want = (int)(k - i) + 1;
            if (c[k].point == want)
                continue;
            at = c[k].line;
            if (k > i && c[k].point == c[k - 1].point)
                snprintf(why, sizeof why, "repeats point %d", c[k].point);
            else
                snprintf(why, sizeof why, "misses point %d", want);
        }
        if (!why[0] && j - i < 3)
            snprintf(why, sizeof why, "has fewer than 3 points");
        if (why[0]) {
            mw_error(MW_EXIT_VECTOR, "%s:%d: licence '%s' ring %d %s", path, at, c[i].id,
                     c[i].ring, why);
            OGR_G_DestroyGeometry(poly);
            return NULL;
        }
        OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
        for (size_t k = i; k < j; k++)
            OGR_G_AddPoint_2D(ring, c[k].x, c[k].y);
        if (c[j - 1].x != c[i].x || c[j - 1].y != c[i].y)
            OGR_G_AddPoint_2D(ring, c[i].x, c[i].y);
        OGR_G_AddGeometryDirectly(poly, ring);
        i = j;
    }
    return poly;
}

int mw_corners_import(const char *csv_path, int epsg, const char *out_path,
                      const char *layer_name, const char *encoding)
{
    int prefixed, zone = mw_gk_zone(epsg, &prefixed);
    if (!zone) {
        mw_error(MW_EXIT_USAGE, "EPSG:%d is not a CGCS2000 3-degree Gauss-Kruger zone "
                 "(4513-4554; Shanxi: 4525/4526 or 4546/4547)", epsg);
        return -1;
    }
    corner *c = NULL;
    char **extra = NULL;
    const char *used = "UTF-8";
    long n = read_table(csv_path, encoding, zone, prefixed, &c, &extra, &used);
    if (n < 0)
        return -1;
    if (n == 0) {
        mw_error(MW_EXIT_VECTOR, "%s: corner table has a header but no points", csv_path);
        CSLDestroy(extra);
        return -1;
    }
    qsort(c, (size_t)n, sizeof *c, by_licence);

    char tmp[MW_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp.gpkg", out_path);
    VSIUnlink(tmp);
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), tmp, 0, 0, 0, GDT_Unknown, NULL);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, epsg);
    OGRLayerH lyr = ds ? GDALDatasetCreateLayer(ds, layer_name, srs, wkbPolygon, NULL) : NULL;
    OSRDestroySpatialReference(srs);
    int rc = lyr ? 0 : -1;
    if (!lyr)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", out_path, mw_gdal_message());
    for (int i = -1; rc == 0 && (i < 0 || (extra && extra[i])); i++) {
        const char *name = i < 0 ? "licence_id" : extra[i];
        OGRFieldDefnH fd = OGR_Fld_Create(name, OFTString);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot create the field '%s' (%s)", out_path, name,
                     mw_gdal_message());
            rc = -1;
        }
        OGR_Fld_Destroy(fd);
    }
    if (rc == 0 && GDALDatasetStartTransaction(ds, FALSE) != OGRERR_NONE) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot start writing (%s)", out_path, mw_gdal_message());
        rc = -1;
    }
    size_t nlic = 0;
    for (size_t a = 0; rc == 0 && a < (size_t)n;) {
        size_t b = a;
        while (b < (size_t)n && !strcmp(c[b].id, c[a].id))
            b++;
        OGRGeometryH poly = build_polygon(csv_path, c, a, b);
        if (!poly) {
            rc = -1;
            break;
        }
        if (!OGR_G_IsValid(poly))
            mw_warn("%s:%d: licence '%s' polygon is not valid (self-intersecting?); "
                    "written as given", csv_path, c[a].line, c[a].id);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        OGR_F_SetFieldString(f, 0, c[a].id);
        for (int i = 0; c[a].extra && c[a].extra[i]; i++)
            OGR_F_SetFieldString(f, i + 1, c[a].extra[i]);
        OGR_F_SetGeometryDirectly(f, poly);
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot write licence '%s' (%s)", out_path, c[a].id,
                     mw_gdal_message());
            rc = -1;
        }
        OGR_F_Destroy(f);
        nlic++;
        a = b;
    }
    if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot finish writing (%s)", out_path, mw_gdal_message());
        rc = -1;
    }
    if (ds && mw_gdal_close(ds, out_path))
        rc = -1;
    free_corners(c, (size_t)n);
    CSLDestroy(extra);
    if (rc == 0 && VSIRename(tmp, out_path) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot move into place: %s", out_path, strerror(errno));
        rc = -1;
    }
    if (rc)
        VSIUnlink(tmp);
    else
        mw_log("%s: %zu licences from %ld corner points (EPSG:%d, the table read as %s)",
               out_path, nlic, n, epsg, used);
    return rc;
}
