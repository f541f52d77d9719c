/* chipstore.h - the evidence chips' pixels, kept by the tile pass.
 *
 * A chip (reports/chips.h) shows a patch's neighbourhood on both dates in
 * true and false colour, every band under one stretch for the scene.  The
 * patches are known only after the tile pass, and read again afterwards the
 * chips' windows would decode most of the scene a second time (500 chips of
 * a Sentinel-2 tile meet 86 % of its 512-px source tiles).  So the tile pass,
 * which has every pixel in hand anyway, keeps what a chip shows: the display
 * code of each chip band of both dates (mw_stretch_u8: 0 no data, 1 ... 255
 * the stretch) for each tile's core, in a work file, and the chips read
 * their windows from it.
 *
 * The file: per tile (row-major index on the tile grid) a block of
 * size^2 x P bytes at index x size^2 x P, P = 2 dates x the chip bands;
 * inside a block, the core's rows, each row its P planes one after the
 * other (so a chip's row of a tile is one read).  Edge tiles use the front
 * of their block.  Written by pwrite, one call a tile, from any thread;
 * read by pread, a row a call.  The file is in memory (memfd_create) when
 * it takes at most 1 / MW_CHIPSTORE_RAM_SHARE of the memory available,
 * else in the work folder when there is room; either way it is gone when
 * the store closes.  It only saves time: a store that cannot be made, or
 * fails to be written or read, is left (logged) and the chips read the
 * scene instead.  A Sentinel-2 tile of 10980^2 px takes 723
 * MB with four bands (no true colour), 1.2 GB with five.
 *
 * A tile the pass did not compute (loaded from the resume journal; under
 * MPI, every tile: the store is per process and made only when there is
 * one) is not in the store, and mw_chipstore_read says so: the chip then
 * reads its window through mw_reader and codes it with mw_chip_codes, the
 * same values and the same sampling, hence the same bytes.
 */
#ifndef MW_CHIPSTORE_H
#define MW_CHIPSTORE_H
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"

/* One linear stretch per band role: reflectance lo -> 1, hi -> 255. */
typedef struct {
    float lo[MW_NROLES], hi[MW_NROLES];
} mw_stretch;

/* The 1st and 99.5th percentiles of each band role present, over both dates,
 * from MW_STRETCH_GRID^2 windows of MW_STRETCH_WIN px spread evenly over the
 * scene (read once per run by threads threads, <= 0: all cores; the same
 * for every chip and any thread count).  0, or -1 with mw_error. */
#define MW_STRETCH_GRID 8
#define MW_STRETCH_WIN 64
int mw_stretch_scene(const mw_scene *scene, int threads, mw_stretch *out);

/* The bands a chip shows: true colour (red, green, blue) when blue and green
 * are present, and the false colour that shows bare ground (SWIR1, NIR, red;
 * NIR, red, green without SWIR1; NIR, red, red without green either).  role:
 * the distinct roles, nroles of them; slot[role]: its index there, -1 when
 * not shown. */
#define MW_CHIP_ROLES 5
typedef struct {
    int true_colour;
    int tc[3], fc[3];   /* roles of the red, green and blue of each colouring */
    int role[MW_CHIP_ROLES], nroles;
    int slot[MW_NROLES];
} mw_chip_bands;
void mw_chip_bands_of(const mw_scene *s, mw_chip_bands *out);

/* The display codes of date d's window planes (n px each, the scene's
 * roles) into nroles planes of n bytes, in slot order. */
void mw_chip_codes(const mw_stretch *st, const mw_chip_bands *cb, float *const planes[MW_NROLES],
                   size_t n, uint8_t *out);

/* The source pixel of sample i of n taken from w pixels (fewer or more):
 * the nearest to the sample's centre, floor((i + 0.5) w / n); i itself when
 * n == w. */
static inline int mw_chip_sample(int i, int w, int n)
{
    return (int)(((2 * (long)i + 1) * w) / (2 * (long)n));
}

typedef struct mw_chipstore mw_chipstore;

/* A new store for the scene as co-registered, its stretch computed here by
 * threads threads: in memory when it takes at most 1 / MW_CHIPSTORE_RAM_SHARE
 * of the memory available, else at path (created, replacing a file there)
 * when it takes at most 1 / MW_CHIPSTORE_DISK_SHARE of the free space
 * there.  NULL when there is none (no room, or a failure: logged, no error
 * recorded): the store only saves time, the chips read the scene without
 * it. */
#define MW_CHIPSTORE_RAM_SHARE 4
#define MW_CHIPSTORE_DISK_SHARE 4
mw_chipstore *mw_chipstore_open(const mw_scene *s, int tile_size, int threads, const char *path);
/* Deletes the file.  NULL-safe. */
void mw_chipstore_close(mw_chipstore *cs);
const mw_stretch *mw_chipstore_stretch(const mw_chipstore *cs);

/* Scratch of a thread putting tiles: the codes of a tile and a row of floats. */
typedef struct {
    uint8_t *codes;
    float *row;
} mw_chipstore_scratch;
int mw_chipstore_scratch_alloc(const mw_chipstore *cs, mw_chipstore_scratch *sc);
void mw_chipstore_scratch_free(mw_chipstore_scratch *sc);

/* Keep the core (x0, y0, w, h) of one tile from the window at (wx, wy),
 * ww px wide, plane px a plane, as the tile pass read it: refl (the roles'
 * reflectances of both dates) or, when refl is NULL, dn (the raw values of
 * both dates, the present roles' planes in role order, plane apart).  A
 * write that fails leaves the store (logged once): its later tiles are not
 * kept. */
void mw_chipstore_put(mw_chipstore *cs, mw_chipstore_scratch *sc, int x0, int y0, int w, int h,
                     float *refl[2][MW_NROLES], uint16_t *const dn[2], int wx, int wy,
                     int ww, size_t plane);

/* The codes of the window (x, y, w, h) inside the scene, sampled to bw x bh
 * (mw_chip_sample), into 2 x nroles planes of bw x bh (date 0's slots, then
 * date 1's): 1; 0 when a tile it meets is not in the store, or on a read
 * error (logged).  row: scratch of tile_size x P bytes. */
int mw_chipstore_read(const mw_chipstore *cs, int x, int y, int w, int h, int bw, int bh,
                      uint8_t *out, uint8_t *row);
size_t mw_chipstore_row_bytes(const mw_chipstore *cs);

#endif
