/* tiffdirect.h - raw values of a plain tiled GeoTIFF, read through libtiff.
 *
 * The common input of the tile pass is a multi-band UInt16 GeoTIFF, tiled
 * and pixel-interleaved (DEFLATE, LZW, ZSTD or none).  Through GDAL each
 * source tile is decoded into the shared block cache, split into one block
 * per band, then copied again into the caller's window.  Here each reader
 * decodes the file's tiles with its own libtiff handle (no memory map: the
 * mapped pages would count in the resident set) into its own small cache of
 * decoded tiles, and splits the bands straight into the window.  DEFLATE
 * tiles are read compressed and inflated by ISA-L, which is faster than
 * libtiff's codec (libdeflate) on imagery.
 *
 * GDAL stays the path for every other format and layout, and the reference
 * this one is tested against (the same values: tests/unit/test_tiffdirect.c).
 * The environment variable MW_LIBTIFF=off turns this path off; MW_ISAL=off
 * leaves DEFLATE tiles to libtiff.
 */
#ifndef MW_TIFFDIRECT_H
#define MW_TIFFDIRECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct mw_tiffdirect mw_tiffdirect;

/* Decoded tiles of one file, shared by the handles of several threads: a
 * tile one thread decoded (the block column beside a stripe boundary, which
 * both stripes' halos reach into) is not decoded again by another; a tile
 * being decoded is waited for, not decoded twice.  Sized by the spans of
 * the handles using it (mw_tiffdirect_span); thread-safe. */
typedef struct mw_tiffcache mw_tiffcache;

mw_tiffcache *mw_tiffcache_new(void);
/* After every handle using it is closed. */
void mw_tiffcache_free(mw_tiffcache *c);

/* 1 when path is a TIFF whose first image this module reads as GDAL does:
 * width x height, nbands (at most 64) samples per pixel of 16-bit unsigned integers,
 * tiled (tiles up to 2048 px a side), pixel-interleaved, compressed with a
 * codec libtiff has (not JPEG).  0 otherwise, and on any error: the caller
 * then reads through GDAL. */
int mw_tiffdirect_probe(const char *path, int width, int height, int nbands);

/* A handle reading the 1-based bands[0..nb) of path (which passed the
 * probe).  fill: the value of a tile absent from the file (GDAL's: the
 * nodata value, else 0).  shared: the cache of path's tiles this handle
 * uses with others (NULL: a cache of its own).  NULL with why filled on
 * failure. */
mw_tiffdirect *mw_tiffdirect_open(const char *path, const int *bands, int nb, uint16_t fill,
                                  mw_tiffcache *shared, char *why, size_t why_size);
void mw_tiffdirect_close(mw_tiffdirect *t);

/* Size this handle's share of the cache of decoded tiles for windows that
 * move across a span of span_w x span_h px, row after row (at least 4
 * tiles).  A handle's share leaves the cache when it is closed. */
void mw_tiffdirect_span(mw_tiffdirect *t, int span_w, int span_h);

/* The window (x, y, w, h), inside the image, of every band: band k's plane
 * at out + k * band_space, rows w values apart.  0, or -1 with why filled
 * (libtiff's message). */
int mw_tiffdirect_read(mw_tiffdirect *t, int x, int y, int w, int h, uint16_t *out,
                       size_t band_space, char *why, size_t why_size);

/* Every DEFLATE stream of a TIFF file (every image of it: tiles or strips,
 * overviews) inflated by ISA-L to its end and its Adler-32, a step at a
 * time: for the files GDAL reads itself.  GDAL reads GeoTIFF blocks through
 * libtiff, which stops inflating when the block is full, so a damaged
 * stream that still fills a block is read as data (tested: the sample's t2
 * with such a tile gives 68 patches instead of 9 through GDAL too). */
typedef struct mw_tiffcheck mw_tiffcheck;
/* NULL when path is not a TIFF libtiff opens (nothing to check; a virtual
 * path: not checked) or out of memory. */
mw_tiffcheck *mw_tiffcheck_open(const char *path);
/* Check the next striles (about 1 MB of compressed data).  1: every stream
 * checked (also for c NULL); 0: more to do; -1: a damaged stream, why
 * filled ("tile 27 (row 3, column 3): corrupt DEFLATE data (wrong
 * checksum)", with "image N, " first past the first image). */
int mw_tiffcheck_step(mw_tiffcheck *c, char *why, size_t size);
void mw_tiffcheck_close(mw_tiffcheck *c);

/* Tiles decoded so far into the handle's cache, by every handle using it
 * (tests: the cache is used, and shared). */
uint64_t mw_tiffdirect_decoded(const mw_tiffdirect *t);

#endif
