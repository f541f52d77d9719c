/* tiffdirect.c - raw values of a plain tiled GeoTIFF, read through libtiff
 * (see tiffdirect.h). */
#include "tiffdirect.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#include <isa-l/igzip_lib.h>

#include "kernels.h"

#define MW_TD_MAX_TILE 2048
#define MW_TD_MIN_SLOTS 4
/* Bytes past a decoded tile given to the inflater, so that a stream that
 * goes on past the tile is seen to (ISAL_OUT_OVERFLOW) rather than cut. */
#define MW_TD_SLACK 64

enum { SLOT_EMPTY, SLOT_LOADING, SLOT_READY };

typedef struct {
    int64_t tile;    /* libtiff tile number; -1: none */
    int state;       /* SLOT_* */
    int pins;        /* handles reading from it now: not to be reused */
    uint64_t used;   /* clock of the last use (least recently used goes) */
    uint16_t *data;  /* tw * th * spp values, allocated on first use */
} td_slot;

struct mw_tiffcache {
    pthread_mutex_t mu;
    pthread_cond_t loaded; /* a slot left SLOT_LOADING */
    td_slot **slot;        /* each allocated once: a pinned slot never moves */
    int nslot;
    int cap;               /* the handles' shares: slots with data kept */
    uint64_t clock, decoded;
};

struct mw_tiffdirect {
    TIFF *tif;
    uint32_t width, height, tw, th, tiles_across;
    int spp, nb, sel[64];
    uint16_t fill;
    mw_tiffcache *cache;
    int own_cache;   /* the cache is this handle's alone */
    int undiff;      /* predictor 2, undone here (mw_undiff_u16), not by libtiff */
    int swab;        /* the file's byte order is not this machine's */
    int deflate;     /* DEFLATE tiles: each stream checked to its end and Adler-32 */
    int lsb_first;   /* FillOrder 2: the file's bytes are bit-reversed */
    struct inflate_state *isal; /* DEFLATE tiles inflated by ISA-L (NULL: libtiff) */
    uint8_t *raw;    /* a compressed tile, read for ISA-L */
    size_t raw_cap;
    int share;       /* slots this handle added to the cache's capacity */
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

/* The layout of the image tif is at. */
typedef struct {
    uint32_t w, h, tw, th;
    uint16_t spp, comp;
} td_layout;

/* 1 when the image tif is at has a layout this module reads (filled in). */
static int readable(TIFF *tif, td_layout *l)
{
    uint16_t bps = 0, fmt = SAMPLEFORMAT_UINT, planar = 0, pred = 1;
    *l = (td_layout){0};
    if (!TIFFIsTiled(tif) || !TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &l->w) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &l->h) ||
        !TIFFGetField(tif, TIFFTAG_TILEWIDTH, &l->tw) ||
        !TIFFGetField(tif, TIFFTAG_TILELENGTH, &l->th))
        return 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &l->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &l->comp);
    const uint16_t c = l->comp;
    if (c == COMPRESSION_LZW || c == COMPRESSION_ADOBE_DEFLATE || c == COMPRESSION_DEFLATE ||
        c == COMPRESSION_ZSTD || c == COMPRESSION_LZMA)
        TIFFGetFieldDefaulted(tif, TIFFTAG_PREDICTOR, &pred);
    return bps == 16 && fmt == SAMPLEFORMAT_UINT && planar == PLANARCONFIG_CONTIG &&
           l->spp >= 1 && l->spp <= 64 && /* more (hyperspectral): through GDAL */
           l->tw >= 16 && l->th >= 16 && l->tw <= MW_TD_MAX_TILE && l->th <= MW_TD_MAX_TILE &&
           c != COMPRESSION_JPEG && c != COMPRESSION_OJPEG && TIFFIsCODECConfigured(c) &&
           (pred == 1 || pred == 2);
}

int mw_tiffdirect_probe(const char *path, int width, int height, int nbands)
{
    const char *env = getenv("MW_LIBTIFF");
    if ((env && !strcmp(env, "off")) || !path || !strncmp(path, "/vsi", 4))
        return 0;
    TIFF *tif = open_tiff(path, NULL);
    if (!tif)
        return 0;
    td_layout l;
    int ok = readable(tif, &l) && l.w == (uint32_t)width && l.h == (uint32_t)height &&
             l.spp == nbands;
    TIFFClose(tif);
    return ok;
}

mw_tiffdirect *mw_tiffdirect_open(const char *path, const int *bands, int nb, uint16_t fill,
                                  mw_tiffcache *shared, char *why, size_t why_size)
{
    mw_tiffdirect *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(why, why_size, "out of memory");
        return NULL;
    }
    t->cache = shared ? shared : mw_tiffcache_new();
    t->own_cache = !shared;
    t->tif = open_tiff(path, t);
    td_layout l;
    int bad = !t->cache || !t->tif || !readable(t->tif, &l) || nb < 1 ||
              nb > (int)(sizeof t->sel / sizeof t->sel[0]);
    for (int k = 0; !bad && k < nb; k++)
        bad = bands[k] < 1 || bands[k] > l.spp;
    if (bad) {
        snprintf(why, why_size, "libtiff cannot read it as probed (%s)",
                 t->msg[0] ? t->msg : "layout changed");
        mw_tiffdirect_close(t);
        return NULL;
    }
    t->width = l.w;
    t->height = l.h;
    t->tw = l.tw;
    t->th = l.th;
    t->spp = l.spp;
    t->nb = nb;
    for (int k = 0; k < nb; k++)
        t->sel[k] = bands[k] - 1;
    t->fill = fill;
    t->tiles_across = (t->width + t->tw - 1) / t->tw;
    /* libtiff undoes the predictor one sample at a time; told there is
     * none (in memory only: the file is read-only), it leaves the
     * differences, which mw_undiff_u16 sums two pixels at a time */
    uint16_t pred = 1;
    if (TIFFGetField(t->tif, TIFFTAG_PREDICTOR, &pred) && pred == 2 &&
        TIFFSetField(t->tif, TIFFTAG_PREDICTOR, 1))
        t->undiff = 1;
    /* DEFLATE tiles: read compressed and inflated by ISA-L, faster than
     * libtiff's libdeflate on imagery (about 12 % on the bench pair); the
     * bytes are then swapped as libtiff would.  MW_ISAL=off: libtiff.
     * Either way every stream is checked to its end (inflate_tile,
     * libtiff_tile). */
    uint16_t fill_order = FILLORDER_MSB2LSB;
    TIFFGetFieldDefaulted(t->tif, TIFFTAG_FILLORDER, &fill_order);
    const char *env = getenv("MW_ISAL");
    t->deflate = l.comp == COMPRESSION_ADOBE_DEFLATE || l.comp == COMPRESSION_DEFLATE;
    t->lsb_first = fill_order == FILLORDER_LSB2MSB;
    t->swab = TIFFIsByteSwapped(t->tif);
    if (t->deflate && !t->lsb_first && !(env && !strcmp(env, "off")))
        t->isal = malloc(sizeof *t->isal); /* 87 KB: not on a thread's stack */
    mw_tiffdirect_span(t, (int)t->tw, (int)t->th);
    return t;
}

mw_tiffcache *mw_tiffcache_new(void)
{
    mw_tiffcache *c = calloc(1, sizeof *c);
    if (c && (pthread_mutex_init(&c->mu, NULL) || pthread_cond_init(&c->loaded, NULL))) {
        free(c);
        return NULL;
    }
    return c;
}

void mw_tiffcache_free(mw_tiffcache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->nslot; i++) {
        free(c->slot[i]->data);
        free(c->slot[i]);
    }
    free(c->slot);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->loaded);
    free(c);
}

/* Free the data of the least recently used idle slots until no more than
 * the capacity hold data.  Locked. */
static void trim(mw_tiffcache *c)
{
    int held = 0;
    for (int i = 0; i < c->nslot; i++)
        held += c->slot[i]->data != NULL;
    while (held > c->cap) {
        td_slot *v = NULL;
        for (int i = 0; i < c->nslot; i++) {
            td_slot *s = c->slot[i];
            if (s->data && !s->pins && s->state != SLOT_LOADING && (!v || s->used < v->used))
                v = s;
        }
        if (!v)
            return; /* all in use: freed when the last handle goes */
        free(v->data);
        *v = (td_slot){-1, SLOT_EMPTY, 0, 0, NULL};
        held--;
    }
}

/* Change this handle's share of the cache to `share` slots. */
static void set_share(mw_tiffdirect *t, int share)
{
    mw_tiffcache *c = t->cache;
    pthread_mutex_lock(&c->mu);
    c->cap += share - t->share;
    t->share = share;
    trim(c);
    pthread_mutex_unlock(&c->mu);
}

void mw_tiffdirect_close(mw_tiffdirect *t)
{
    if (!t)
        return;
    if (t->tif)
        TIFFClose(t->tif);
    free(t->isal);
    free(t->raw);
    if (t->cache && t->own_cache)
        mw_tiffcache_free(t->cache);
    else if (t->cache)
        set_share(t, 0);
    free(t);
}

void mw_tiffdirect_span(mw_tiffdirect *t, int span_w, int span_h)
{
    /* the tile columns a span reaches into, plus one on each side for
     * windows not aligned on tiles, times the tile rows a window spans
     * (the next window down reuses the lower one) */
    int cols = (span_w + (int)t->tw - 1) / (int)t->tw + 2;
    int rows = (span_h + (int)t->th - 1) / (int)t->th + 1;
    int share = cols * rows;
    set_share(t, share < MW_TD_MIN_SLOTS ? MW_TD_MIN_SLOTS : share);
}

/* "tile N (row R, column C)" of tile number `tile`, into buf. */
static const char *tile_name(const mw_tiffdirect *t, uint32_t tile, char *buf, size_t size)
{
    snprintf(buf, size, "tile %u (row %u, column %u)", tile, tile / t->tiles_across,
             tile % t->tiles_across);
    return buf;
}

/* The compressed bytes of DEFLATE tile `tile` (stored bytes, as the file's
 * byte counts say) into t->raw.  Their count, or -1 with t->msg. */
static tmsize_t read_raw(mw_tiffdirect *t, uint32_t tile, size_t want, uint64_t stored)
{
    char name[80];
    /* DEFLATE at its worst adds 5 bytes a 64 KB block (stored blocks) */
    if (stored > want + want / 1024 + 4096) {
        snprintf(t->msg, sizeof t->msg,
                 "%s: %llu bytes stored, more than DEFLATE of %zu bytes can take",
                 tile_name(t, tile, name, sizeof name), (unsigned long long)stored, want);
        return -1;
    }
    if (stored > t->raw_cap) {
        uint8_t *grown = realloc(t->raw, stored);
        if (!grown) {
            snprintf(t->msg, sizeof t->msg, "out of memory for a compressed tile");
            return -1;
        }
        t->raw = grown;
        t->raw_cap = stored;
    }
    tmsize_t got = TIFFReadRawTile(t->tif, tile, t->raw, (tmsize_t)stored);
    if (got <= 0) { /* libtiff's message says what, not where */
        char what[400];
        snprintf(what, sizeof what, "%.399s", t->msg[0] ? t->msg : "short file");
        snprintf(t->msg, sizeof t->msg, "cannot read %s (%s)",
                 tile_name(t, tile, name, sizeof name), what);
        return -1;
    }
    return got;
}

/* Inflate DEFLATE tile `tile` into data (want bytes, and MW_TD_SLACK more
 * of room) with ISA-L: the zlib stream must end, within the tile, with its
 * Adler-32 right.  A stream that inflates to more than the tile is refused
 * too (libtiff would stop at the tile and read a damaged stream as a tile).
 * 0, or -1 with t->msg. */
static int inflate_tile(mw_tiffdirect *t, uint32_t tile, uint16_t *data, size_t want,
                        uint64_t stored)
{
    tmsize_t got = read_raw(t, tile, want, stored);
    if (got < 0)
        return -1;
    struct inflate_state *st = t->isal;
    isal_inflate_init(st);
    st->crc_flag = ISAL_ZLIB;
    st->next_in = t->raw;
    st->avail_in = (uint32_t)got;
    st->next_out = (uint8_t *)data;
    st->avail_out = (uint32_t)(want + MW_TD_SLACK);
    int rc = isal_inflate_stateless(st);
    if (rc != ISAL_DECOMP_OK || st->total_out != want) {
        char name[80];
        snprintf(t->msg, sizeof t->msg, "%s: corrupt DEFLATE data (%s)",
                 tile_name(t, tile, name, sizeof name),
                 rc == ISAL_INCORRECT_CHECKSUM               ? "wrong checksum"
                 : rc == ISAL_OUT_OVERFLOW || (rc == ISAL_DECOMP_OK && st->total_out > want)
                     ? "the stream goes on past the tile"
                 : rc == ISAL_DECOMP_OK || rc == ISAL_END_INPUT ? "too short"
                                                                : "invalid stream");
        return -1;
    }
    if (t->swab)
        TIFFSwabArrayOfShort(data, (tmsize_t)(want / sizeof *data));
    return 0;
}

/* DEFLATE tile `tile` decoded by libtiff (MW_ISAL=off), which stops once the
 * tile is full and does not read the stream's end: the Adler-32 of the
 * bytes it gave (in the file's byte order) is compared here with the last
 * four bytes of the stream, so that a damaged stream, or one that goes on
 * past the tile, is refused as ISA-L refuses it.  0, or -1 with t->msg. */
static int libtiff_tile(mw_tiffdirect *t, uint32_t tile, uint16_t *data, size_t want,
                        uint64_t stored)
{
    char name[80];
    tmsize_t got = read_raw(t, tile, want, stored);
    if (got < 0)
        return -1;
    uint8_t tail[4] = {0};
    if (got >= 6)
        memcpy(tail, t->raw + got - 4, 4);
    if (t->lsb_first) /* what libtiff hands its codec */
        TIFFReverseBits(tail, 4);
    /* the buffer is libtiff's to change (it reverses the bits of FillOrder 2) */
    if (got < 6 || !TIFFReadFromUserBuffer(t->tif, tile, t->raw, got, data, (tmsize_t)want)) {
        snprintf(t->msg + strlen(t->msg), sizeof t->msg - strlen(t->msg),
                 "%s%s: corrupt DEFLATE data", t->msg[0] ? ": " : "",
                 tile_name(t, tile, name, sizeof name));
        return -1;
    }
    if (t->swab) /* back to the stream's bytes for the sum */
        TIFFSwabArrayOfShort(data, (tmsize_t)(want / sizeof *data));
    uint32_t sum = isal_adler32(1, (const unsigned char *)data, want);
    if (t->swab)
        TIFFSwabArrayOfShort(data, (tmsize_t)(want / sizeof *data));
    uint32_t stream = (uint32_t)tail[0] << 24 | (uint32_t)tail[1] << 16 |
                      (uint32_t)tail[2] << 8 | tail[3];
    if (sum != stream) {
        snprintf(t->msg, sizeof t->msg, "%s: corrupt DEFLATE data (wrong checksum)",
                 tile_name(t, tile, name, sizeof name));
        return -1;
    }
    return 0;
}

/* Decode tile `tile` into data (n values, and MW_TD_SLACK bytes of room).
 * 0, or -1 with t->msg. */
static int decode(mw_tiffdirect *t, uint32_t tile, uint16_t *data, size_t n)
{
    uint64_t stored = TIFFGetStrileByteCount(t->tif, tile);
    if (stored == 0) { /* absent from the file */
        for (size_t i = 0; i < n; i++)
            data[i] = t->fill;
        return 0;
    }
    t->msg[0] = '\0';
    tmsize_t want = (tmsize_t)(n * sizeof(uint16_t));
    if (t->isal) {
        if (inflate_tile(t, tile, data, (size_t)want, stored))
            return -1;
    } else if (t->deflate) {
        if (libtiff_tile(t, tile, data, (size_t)want, stored))
            return -1;
    } else {
        tmsize_t got = TIFFReadEncodedTile(t->tif, tile, data, want);
        if (got < 0 || (t->msg[0] && got < want)) {
            char name[80];
            snprintf(t->msg + strlen(t->msg), sizeof t->msg - strlen(t->msg),
                     "%scannot decode %s", t->msg[0] ? ": " : "",
                     tile_name(t, tile, name, sizeof name));
            return -1;
        }
        if (got < want)
            memset((char *)data + got, 0, (size_t)(want - got));
    }
    if (t->undiff)
        mw_undiff_u16(data, t->th, t->tw, t->spp);
    return 0;
}

/* The slot holding tile number `tile`, pinned: from the cache, waited for
 * while another handle decodes it, or decoded by this handle.  Below the
 * capacity a slot without data is used (or added); at it, the least
 * recently used idle slot; when every slot is in use, one more is added.
 * NULL with t->msg on error. */
static td_slot *get_tile(mw_tiffdirect *t, uint32_t tile)
{
    mw_tiffcache *c = t->cache;
    const size_t n = (size_t)t->tw * t->th * (size_t)t->spp;
    td_slot *v = NULL;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        td_slot *hit = NULL, *bare = NULL, *lru = NULL;
        int held = 0;
        for (int i = 0; i < c->nslot; i++) {
            td_slot *s = c->slot[i];
            held += s->data != NULL;
            if (s->tile == (int64_t)tile)
                hit = s;
            else if (!s->data && s->state == SLOT_EMPTY)
                bare = s;
            else if (!s->pins && s->state != SLOT_LOADING && (!lru || s->used < lru->used))
                lru = s;
        }
        if (hit && hit->state == SLOT_LOADING) {
            pthread_cond_wait(&c->loaded, &c->mu);
            continue; /* look again */
        }
        if (hit) {
            hit->pins++;
            hit->used = ++c->clock;
            pthread_mutex_unlock(&c->mu);
            return hit;
        }
        v = held < c->cap ? bare : lru;
        if (!v) { /* one more slot */
            td_slot **grown = realloc(c->slot, (size_t)(c->nslot + 1) * sizeof *grown);
            if (grown)
                c->slot = grown;
            if (!grown || !(v = calloc(1, sizeof *v))) {
                pthread_mutex_unlock(&c->mu);
                snprintf(t->msg, sizeof t->msg, "out of memory for the tile cache");
                return NULL;
            }
            c->slot[c->nslot++] = v;
        }
        break;
    }
    /* decoded outside the lock: the others wait for this tile only */
    v->tile = tile;
    v->state = SLOT_LOADING;
    v->pins = 1;
    pthread_mutex_unlock(&c->mu);
    int err = 0;
    if (!v->data && !(v->data = malloc(n * sizeof *v->data + MW_TD_SLACK))) {
        snprintf(t->msg, sizeof t->msg, "out of memory for a decoded tile");
        err = 1;
    }
    if (!err)
        err = decode(t, tile, v->data, n) != 0;
    pthread_mutex_lock(&c->mu);
    if (err) {
        v->tile = -1;
        v->state = SLOT_EMPTY;
        v->pins = 0;
    } else {
        v->state = SLOT_READY;
        v->used = ++c->clock;
        c->decoded++;
    }
    pthread_cond_broadcast(&c->loaded);
    pthread_mutex_unlock(&c->mu);
    return err ? NULL : v;
}

static void unpin(mw_tiffcache *c, td_slot *s)
{
    pthread_mutex_lock(&c->mu);
    s->pins--;
    pthread_mutex_unlock(&c->mu);
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
            td_slot *slot = get_tile(t, (uint32_t)ty * t->tiles_across + (uint32_t)tx);
            if (!slot) {
                snprintf(why, why_size, "%s", t->msg);
                return -1;
            }
            const uint16_t *tile = slot->data;
            for (int yy = ry0; yy < ry1; yy++) {
                const uint16_t *src =
                    tile + ((size_t)(yy - ty * th) * tw + (size_t)(rx0 - tx * tw)) * spp;
                for (int k = 0; k < t->nb; k++)
                    dst[k] = out + k * band_space + (size_t)(yy - y) * w + (size_t)(rx0 - x);
                mw_split_u16(src, spp, t->sel, t->nb, (size_t)(rx1 - rx0), dst);
            }
            unpin(t->cache, slot);
        }
    }
    return 0;
}

uint64_t mw_tiffdirect_decoded(const mw_tiffdirect *t)
{
    pthread_mutex_lock(&t->cache->mu);
    uint64_t n = t->cache->decoded;
    pthread_mutex_unlock(&t->cache->mu);
    return n;
}

/* ---- every DEFLATE stream of a file, checked ------------------------------ */

struct mw_tiffcheck {
    TIFF *tif;
    int image;        /* 0-based directory */
    uint32_t strile, nstriles;
    int deflate;      /* this image's striles are DEFLATE (and checked) */
    uint8_t *raw, *out;
    size_t raw_cap, out_cap;
    struct inflate_state *st;
};

/* Set c up for the image libtiff is at. */
static void check_image(mw_tiffcheck *c)
{
    uint16_t comp = COMPRESSION_NONE, fill = FILLORDER_MSB2LSB;
    TIFFGetFieldDefaulted(c->tif, TIFFTAG_COMPRESSION, &comp);
    TIFFGetFieldDefaulted(c->tif, TIFFTAG_FILLORDER, &fill);
    c->strile = 0;
    c->nstriles = TIFFIsTiled(c->tif) ? TIFFNumberOfTiles(c->tif) : TIFFNumberOfStrips(c->tif);
    /* bit-reversed DEFLATE (FillOrder 2) is left to libtiff */
    c->deflate = (comp == COMPRESSION_ADOBE_DEFLATE || comp == COMPRESSION_DEFLATE) &&
                 fill == FILLORDER_MSB2LSB;
}

mw_tiffcheck *mw_tiffcheck_open(const char *path)
{
    if (!path || !strncmp(path, "/vsi", 4))
        return NULL;
    mw_tiffcheck *c = calloc(1, sizeof *c);
    if (!c || !(c->st = malloc(sizeof *c->st)) || !(c->tif = open_tiff(path, NULL))) {
        mw_tiffcheck_close(c); /* not a TIFF: nothing to check */
        return NULL;
    }
    check_image(c);
    return c;
}

/* Grow *buf to n bytes.  0, or -1. */
static int grow(uint8_t **buf, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

int mw_tiffcheck_step(mw_tiffcheck *c, char *why, size_t size)
{
    if (!c)
        return 1;
    /* a step: striles up to 1 MB of compressed data, or the next image */
    for (size_t done = 0; done < (1u << 20);) {
        if (!c->deflate || c->strile >= c->nstriles) {
            if (!TIFFReadDirectory(c->tif))
                return 1; /* every image checked */
            c->image++;
            check_image(c);
            continue;
        }
        uint32_t s = c->strile++;
        uint64_t stored = TIFFGetStrileByteCount(c->tif, s);
        if (stored == 0)
            continue; /* absent */
        uint64_t want;
        if (TIFFIsTiled(c->tif)) {
            want = TIFFTileSize64(c->tif);
        } else { /* the last strip of a plane holds the rows left */
            uint32_t h = 0, rps = 0;
            TIFFGetField(c->tif, TIFFTAG_IMAGELENGTH, &h);
            TIFFGetFieldDefaulted(c->tif, TIFFTAG_ROWSPERSTRIP, &rps);
            if (rps == 0 || rps > h)
                rps = h;
            uint32_t per_plane = (h + rps - 1) / rps, row = (s % per_plane) * rps;
            want = TIFFVStripSize64(c->tif, h - row < rps ? h - row : rps);
        }
        if (want == 0 || want > ((uint64_t)1 << 31) || stored > want + want / 1024 + 4096 ||
            grow(&c->raw, &c->raw_cap, stored) || grow(&c->out, &c->out_cap, want + MW_TD_SLACK)) {
            snprintf(why, size, "image %d, %s %u: %llu bytes stored for %llu", c->image + 1,
                     TIFFIsTiled(c->tif) ? "tile" : "strip", s, (unsigned long long)stored,
                     (unsigned long long)want);
            return -1;
        }
        tmsize_t got = TIFFIsTiled(c->tif) ? TIFFReadRawTile(c->tif, s, c->raw, (tmsize_t)stored)
                                           : TIFFReadRawStrip(c->tif, s, c->raw, (tmsize_t)stored);
        int rc = ISAL_END_INPUT;
        if (got > 0) {
            isal_inflate_init(c->st);
            c->st->crc_flag = ISAL_ZLIB;
            c->st->next_in = c->raw;
            c->st->avail_in = (uint32_t)got;
            c->st->next_out = c->out;
            c->st->avail_out = (uint32_t)(want + MW_TD_SLACK);
            rc = isal_inflate_stateless(c->st);
        }
        if (rc != ISAL_DECOMP_OK || c->st->total_out != want) {
            char where[96];
            if (TIFFIsTiled(c->tif)) {
                uint32_t w = 0, tw = 1;
                uint16_t planar = PLANARCONFIG_CONTIG, spp = 1;
                TIFFGetField(c->tif, TIFFTAG_IMAGEWIDTH, &w);
                TIFFGetField(c->tif, TIFFTAG_TILEWIDTH, &tw);
                TIFFGetFieldDefaulted(c->tif, TIFFTAG_PLANARCONFIG, &planar);
                TIFFGetFieldDefaulted(c->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
                uint32_t across = tw ? (w + tw - 1) / tw : 1;
                uint32_t per_plane = planar == PLANARCONFIG_SEPARATE && spp ? c->nstriles / spp
                                                                            : c->nstriles;
                uint32_t k = per_plane ? s % per_plane : s;
                snprintf(where, sizeof where, "tile %u (row %u, column %u)", s, k / across,
                         k % across);
            } else {
                snprintf(where, sizeof where, "strip %u", s);
            }
            char image[32] = "";
            if (c->image) /* an overview, or another image of the file */
                snprintf(image, sizeof image, "image %d, ", c->image + 1);
            snprintf(why, size, "%s%s: corrupt DEFLATE data (%s)", image, where,
                     got <= 0                                      ? "cannot be read"
                     : rc == ISAL_INCORRECT_CHECKSUM               ? "wrong checksum"
                     : rc == ISAL_OUT_OVERFLOW || c->st->total_out > want
                         ? "the stream goes on past the tile"
                     : rc == ISAL_DECOMP_OK || rc == ISAL_END_INPUT ? "too short"
                                                                   : "invalid stream");
            return -1;
        }
        done += (size_t)got;
    }
    return 0;
}

void mw_tiffcheck_close(mw_tiffcheck *c)
{
    if (!c)
        return;
    if (c->tif)
        TIFFClose(c->tif);
    free(c->st);
    free(c->raw);
    free(c->out);
    free(c);
}
