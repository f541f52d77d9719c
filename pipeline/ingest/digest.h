/* digest.h - SHA-256 of the input files for the manifest, computed in the
 * background while the scan runs, at the lowest priority (hashing the 1 GB
 * bench pair takes about 0.8 CPU-s, which would otherwise be serial at the
 * end of a scan, or taken from the tile threads).
 */
#ifndef MW_DIGEST_H
#define MW_DIGEST_H

#include <stddef.h>

typedef struct mw_digests mw_digests;

/* Called once when every file given to mw_digests_start is done (hashed, or
 * failed to read), on the thread that finished the last one (a background
 * thread at nice 19, or a caller of mw_digest_get); not if the digests are
 * freed first.  mw_digest_get of those files then returns at once. */
typedef void (*mw_digests_done_fn)(void *arg, mw_digests *d);

/* Start hashing paths (copied) in the background; on_done (NULL: none) is
 * then called with done_arg.  Files are read through GDAL's VSI (a
 * /vsizip/... path is hashed as GDAL reads it).  check (NULL: none): after
 * its hash, every DEFLATE stream of paths[i] is checked too where check[i]
 * (a TIFF that GDAL reads itself: tiffdirect.h mw_tiffcheck), in the
 * background as well.  NULL on failure (then mw_digest_get hashes on
 * demand, nothing is checked, and on_done is never called). */
mw_digests *mw_digests_start(const char *const *paths, const unsigned char *check, size_t n,
                             mw_digests_done_fn on_done, void *done_arg);

/* Finish, on this thread, the hashes and the checks the background has not
 * done.  0, or -1 with why ("PATH: tile 27 (row 3, column 3): corrupt
 * DEFLATE data (wrong checksum)") for the first file with a damaged
 * stream.  d may be NULL (0). */
int mw_digests_check(mw_digests *d, char *why, size_t size);

/* The SHA-256 (hex) and size of path: what the background has not hashed
 * yet of it is hashed now, by the caller (also a path it was not given).
 * d may be NULL.  0, or -1 if the file cannot be read (errno set). */
int mw_digest_get(mw_digests *d, const char *path, char hex[65], long long *bytes);

/* Stop the background (files not finished are left) and free everything
 * (NULL-safe). */
void mw_digests_free(mw_digests *d);

#endif
