/* tiffdirect.c - raw values of a plain tiled GeoTIFF, read through libtiff
 * (see tiffdirect.h). */
#include "tiffdirect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include "kernels.h"

#define MW_TD_MAX_TILE 2048
#define MW_TD_MIN_SLOTS 4

typedef struct {
    int64_t tile;    /* libtiff tile number; -1: empty */
    uint64_t used;   /* clock of the last use (least recently used goes) */
    uint16_t *data;  /* tw * th * spp values, allocated on first use */
} td_slot;

struct mw_tiffdirect {
    TIFF *tif;
    char path[4096];
    uint32_t width, height, tw, th, tiles_across;
    int spp, nb, sel[64];
    uint16_t fill;
    td_slot *slot;
    int nslot, cap;
    uint64_t clock, decoded;
    char msg[512];   /* libtiff's last error on this handle */
};

/* libtiff's messages on one handle go to that handle (not to GDAL's global
 * handlers, nor to stderr); warnings (unknown GeoTIFF tags...) are dropped. */
static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)module;
    mw_tiffdirect *t = user;
    if (t)
        vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

static TIFF *open_tiff(const char *path, mw_tiffdirect *t)
{
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (!o)
        return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, t);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, t);
    TIFF *tif = TIFFOpenExt(path, "rm", o); /* m: read(), no memory map */
    TIFFOpenOptionsFree(o);
    return tif;
}

/* The layout this module reads, of the image tif is at. */
static int readable(TIFF *tif, int width, int height, int nbands)
{
    uint32_t w = 0, h = 0, tw = 0, th = 0;
    uint16_t bps = 0, spp = 0, fmt = SAMPLEFORMAT_UINT, planar = 0, comp = 0, pred = 1;
    if (!TIFFIsTiled(tif) || !TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) || !TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) ||
        !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th))
        return 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
    if (comp == COMPRESSION_LZW || comp == COMPRESSION_ADOBE_DEFLATE ||
        comp == COMPRESSION_DEFLATE || comp == COMPRESSION_ZSTD || comp == COMPRESSION_LZMA)
        TIFFGetFieldDefaulted(tif, TIFFTAG_PREDICTOR, &pred);
    return w == (uint32_t)width && h == (uint32_t)height && bps == 16 &&
           fmt == SAMPLEFORMAT_UINT && spp == nbands && planar == PLANARCONFIG_CONTIG &&
           tw >= 16 && th >= 16 && tw <= MW_TD_MAX_TILE && th <= MW_TD_MAX_TILE &&
           comp != COMPRESSION_JPEG && comp != COMPRESSION_OJPEG &&
           TIFFIsCODECConfigured(comp) && (pred == 1 || pred == 2);
}

int mw_tiffdirect_probe(const char *path, int width, int height, int nbands)
{
    const char *env = getenv("MW_LIBTIFF");
    if ((env && !strcmp(env, "off")) || !path || !strncmp(path, "/vsi", 4))
        return 0;
    TIFF *tif = open_tiff(path, NULL);
    if (!tif)
        return 0;
    int ok = readable(tif, width, height, nbands);
    TIFFClose(tif);
    return ok;
}

mw_tiffdirect *mw_tiffdirect_open(const char *path, const int *bands, int nb, uint16_t fill,
                                  char *why, size_t why_size)
{
    mw_tiffdirect *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    snprintf(t->path, sizeof t->path, "%s", path);
    t->tif = open_tiff(path, t);
    uint16_t spp = 0;
    if (t->tif) {
        TIFFGetField(t->tif, TIFFTAG_IMAGEWIDTH, &t->width);
        TIFFGetField(t->tif, TIFFTAG_IMAGELENGTH, &t->height);
        TIFFGetField(t->tif, TIFFTAG_TILEWIDTH, &t->tw);
        TIFFGetField(t->tif, TIFFTAG_TILELENGTH, &t->th);
        TIFFGetFieldDefaulted(t->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    }
    int bad = !t->tif || nb < 1 || nb > (int)(sizeof t->sel / sizeof t->sel[0]) ||
              !readable(t->tif, (int)t->width, (int)t->height, spp);
    for (int k = 0; !bad && k < nb; k++)
        bad = bands[k] < 1 || bands[k] > spp;
    if (bad) {
        snprintf(why, why_size, "libtiff cannot read it as probed (%s)",
                 t->msg[0] ? t->msg : "layout changed");
        mw_tiffdirect_close(t);
        return NULL;
    }
    t->spp = spp;
    t->nb = nb;
    for (int k = 0; k < nb; k++)
        t->sel[k] = bands[k] - 1;
    t->fill = fill;
    t->tiles_across = (t->width + t->tw - 1) / t->tw;
    mw_tiffdirect_span(t, (int)t->tw, (int)t->th);
    return t;
}

void mw_tiffdirect_close(mw_tiffdirect *t)
{
    if (!t)
        return;
    if (t->tif)
        TIFFClose(t->tif);
    for (int i = 0; i < t->nslot; i++)
        free(t->slot[i].data);
    free(t->slot);
    free(t);
}

void mw_tiffdirect_span(mw_tiffdirect *t, int span_w, int span_h)
{
    /* the tile columns a span reaches into, plus one on each side for
     * windows not aligned on tiles, times the tile rows a window spans
     * (the next window down reuses the lower one) */
    int cols = (span_w + (int)t->tw - 1) / (int)t->tw + 2;
    int rows = (span_h + (int)t->th - 1) / (int)t->th + 1;
    int cap = cols * rows;
    if (cap < MW_TD_MIN_SLOTS)
        cap = MW_TD_MIN_SLOTS;
    if (cap <= t->nslot) { /* never shrinks: the slots may hold data */
        t->cap = cap > t->cap ? cap : t->cap;
        return;
    }
    td_slot *s = realloc(t->slot, (size_t)cap * sizeof *s);
    if (!s)
        return; /* keep the smaller cache: slower, not wrong */
    for (int i = t->nslot; i < cap; i++)
        s[i] = (td_slot){-1, 0, NULL};
    t->slot = s;
    t->nslot = t->cap = cap;
}

/* The decoded tile number `tile`, from the cache or decoded into the least
 * recently used slot.  NULL with t->msg on error. */
static const uint16_t *get_tile(mw_tiffdirect *t, uint32_t tile)
{
    td_slot *victim = NULL;
    for (int i = 0; i < t->nslot; i++) {
        td_slot *s = &t->slot[i];
        if (s->tile == (int64_t)tile) {
            s->used = ++t->clock;
            return s->data;
        }
        if (!victim || s->used < victim->used)
            victim = s;
    }
    size_t n = (size_t)t->tw * t->th * (size_t)t->spp;
    if (!victim->data && !(victim->data = malloc(n * sizeof(uint16_t)))) {
        snprintf(t->msg, sizeof t->msg, "out of memory for a decoded tile");
        return NULL;
    }
    victim->tile = -1;
    int err = 0;
    if (TIFFGetStrileByteCount(t->tif, tile) == 0) { /* absent from the file */
        for (size_t i = 0; i < n; i++)
            victim->data[i] = t->fill;
    } else {
        t->msg[0] = '\0';
        tmsize_t got = TIFFReadEncodedTile(t->tif, tile, victim->data,
                                           (tmsize_t)(n * sizeof(uint16_t)));
        err = got < 0 || (t->msg[0] && got < (tmsize_t)(n * sizeof(uint16_t)));
        if (!err && got < (tmsize_t)(n * sizeof(uint16_t)))
            memset((char *)victim->data + got, 0, n * sizeof(uint16_t) - (size_t)got);
        t->decoded++;
    }
    if (err) {
        if (!t->msg[0])
            snprintf(t->msg, sizeof t->msg, "cannot decode tile %u", tile);
        return NULL;
    }
    victim->tile = tile;
    victim->used = ++t->clock;
    return victim->data;
}

int mw_tiffdirect_read(mw_tiffdirect *t, int x, int y, int w, int h, uint16_t *out,
                       size_t band_space, char *why, size_t why_size)
{
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || (uint32_t)(x + w) > t->width ||
        (uint32_t)(y + h) > t->height) {
        snprintf(why, why_size, "window outside the image");
        return -1;
    }
    const int tw = (int)t->tw, th = (int)t->th, spp = t->spp;
    uint16_t *dst[64];
    for (int ty = y / th; ty <= (y + h - 1) / th; ty++) {
        int ry0 = ty * th > y ? ty * th : y;
        int ry1 = (ty + 1) * th < y + h ? (ty + 1) * th : y + h;
        for (int tx = x / tw; tx <= (x + w - 1) / tw; tx++) {
            int rx0 = tx * tw > x ? tx * tw : x;
            int rx1 = (tx + 1) * tw < x + w ? (tx + 1) * tw : x + w;
            const uint16_t *tile = get_tile(t, (uint32_t)ty * t->tiles_across + (uint32_t)tx);
            if (!tile) {
                snprintf(why, why_size, "%s", t->msg);
                return -1;
            }
            for (int yy = ry0; yy < ry1; yy++) {
                const uint16_t *src =
                    tile + ((size_t)(yy - ty * th) * tw + (size_t)(rx0 - tx * tw)) * spp;
                for (int k = 0; k < t->nb; k++)
                    dst[k] = out + k * band_space + (size_t)(yy - y) * w + (size_t)(rx0 - x);
                mw_split_u16(src, spp, t->sel, t->nb, (size_t)(rx1 - rx0), dst);
            }
        }
    }
    return 0;
}

uint64_t mw_tiffdirect_decoded(const mw_tiffdirect *t)
{
    return t->decoded;
}
